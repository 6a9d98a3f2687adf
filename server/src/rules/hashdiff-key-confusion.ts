// DV409: a hashdiff (sorted columns, never NULL) used as a key, or a key (unsorted, NULL when every column is) used
// as a hashdiff: the table loads, but joins and change detection are wrong.
import { diagnostic, type Diagnostic } from '../base/diagnostic';
import { CODES } from '../base/codes';
import { tableOf } from './context';
import type { VaultRule } from './rule';
import { hashdiffColumn, paramColumns, sameName } from './vault-facts';

const KEY_PARAMS = ['src_pk', 'src_fk', 'src_dfk', 'src_sfk'];

export const hashdiffKeyConfusion: VaultRule = {
  id: 'DV409',
  title: CODES.DV409.title,
  check(ctx) {
    const table = tableOf(ctx.parsed);
    if (!table) return [];
    const out: Diagnostic[] = [];
    for (const model of table.sourceModels) {
      const stage = ctx.index.stage(model.value);
      if (!stage) continue;
      const hashOf = (name: string) => stage.hashed.find((h) => sameName(h.name, name));
      for (const param of KEY_PARAMS) {
        for (const key of paramColumns(table.call, param)) {
          if (!hashOf(key.value)?.isHashdiff) continue;
          out.push(
            diagnostic(
              'DV409',
              'warning',
              `${key.value} is a hashdiff in ${model.value} (is_hashdiff: true) but is used as a key (${param}). Use a hash key here, or drop is_hashdiff in ${model.value}.`,
              key.span,
            ),
          );
        }
      }
      const hd = hashdiffColumn(table.call);
      const hash = hd ? hashOf(hd.value) : undefined;
      if (hd && hash && !hash.isHashdiff) {
        out.push(
          diagnostic(
            'DV409',
            'warning',
            `${hd.value} is hashed as a key in ${model.value} (unsorted, NULL when every column is NULL) but is used as a hashdiff. ` +
              `Write it as {is_hashdiff: true, columns: [...]} in ${model.value}.`,
            hd.span,
          ),
        );
      }
    }
    return out;
  },
};
