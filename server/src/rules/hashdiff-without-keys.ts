// DV406: a hashdiff summarises descriptive attributes; a hash key inside it makes every key change look like an
// attribute change (and the hashed CTE cannot read a key computed beside it).
import { diagnostic, type Diagnostic } from '../base/diagnostic';
import { CODES } from '../base/codes';
import { stageOf } from './context';
import type { VaultRule } from './rule';
import { sameName } from './vault-facts';

export const hashdiffWithoutKeys: VaultRule = {
  id: 'DV406',
  title: CODES.DV406.title,
  check(ctx) {
    const stage = stageOf(ctx.parsed);
    if (!stage) return [];
    const keys = stage.hashed.filter((h) => !h.isHashdiff);
    const out: Diagnostic[] = [];
    for (const hashdiff of stage.hashed) {
      if (!hashdiff.isHashdiff || hashdiff.form === 'exclude') continue;
      for (const c of hashdiff.components) {
        const key = keys.find((k) => sameName(k.name, c.value));
        if (!key) continue;
        out.push(
          diagnostic(
            'DV406',
            'warning',
            `${c.value} is a hash key of this stage; a hashdiff covers payload columns only. Remove ${c.value} from ${hashdiff.name}.`,
            c.span,
          ),
        );
      }
    }
    return out;
  },
};
