// DV401: a hub's key must be a hashed column of the stage it loads from; a key that is a plain column of the stage
// is not a hash of the business key, so the hub would not join its links and satellites.
import { diagnostic, type Diagnostic } from '../base/diagnostic';
import { CODES } from '../base/codes';
import { tableOf } from './context';
import type { VaultRule } from './rule';
import { paramColumns, sameName } from './vault-facts';

export const hubKeyIsHashed: VaultRule = {
  id: 'DV401',
  title: CODES.DV401.title,
  check(ctx) {
    const hub = tableOf(ctx.parsed);
    if (hub?.macro !== 'hub') return [];
    const out: Diagnostic[] = [];
    for (const model of hub.sourceModels) {
      const stage = ctx.index.stage(model.value);
      if (!stage) continue;
      // hashed_columns known only at render time (a package macro's result, a var): the stage's hashes are unknown.
      const hashed = stage.call.params.get('hashed_columns');
      if (hashed && (hashed.value === undefined || hashed.value.kind === 'dynamic')) continue;
      const output = ctx.index.stageOutput(model.value);
      for (const pk of paramColumns(hub.call, 'src_pk')) {
        if (stage.hashed.some((h) => sameName(h.name, pk.value))) continue;
        // A key the stage does not produce at all is DV302's finding (unknown column).
        if (output?.complete && !output.columns.some((c) => sameName(c.name, pk.value))) continue;
        const plain = stage.derived.some((d) => sameName(d.name, pk.value)) ? ` (there it is a derived column)` : '';
        out.push(
          diagnostic(
            'DV401',
            'warning',
            `${pk.value} is not a hashed column of ${model.value}${plain}: a hub's key must be hashed in its stage. ` +
              `Add ${pk.value} to hashed_columns of ${model.value}, hashed from the hub's business key.`,
            pk.span,
          ),
        );
      }
    }
    return out;
  },
};
