// AutomateDV's `hub` on PostgreSQL (spec §6.1): DISTINCT ON keeps the earliest row per key in each source, a
// multi-source union breaks ldts ties by record source, and the incremental branch inserts only new keys.
import type { MacroContext } from '../context';
import { expandColumnList, multikeyCondition, multikeyEquals, prefixColumns } from './columns';
import { readLoadContext } from './load-context';
import { readColumn, readColumns, readModelNames, required } from './param-types';
import type { BoundArguments } from './signatures';
import { renderMacroTemplate } from './templates';

export function compileHub(args: BoundArguments, ctx: MacroContext): string {
  const pk = required('hub', 'src_pk', readColumns('hub', 'src_pk', args.get('src_pk')));
  const nk = required('hub', 'src_nk', readColumns('hub', 'src_nk', args.get('src_nk')));
  const extra = args.get('src_extra_columns');
  const ldts = required('hub', 'src_ldts', readColumn('hub', 'src_ldts', args.get('src_ldts')));
  const source = required('hub', 'src_source', readColumn('hub', 'src_source', args.get('src_source')));
  const models = required('hub', 'source_model', readModelNames('hub', 'source_model', args.get('source_model')));
  const load = readLoadContext(ctx);

  const columns = expandColumnList([pk, nk, extra ?? null, ldts, source], "hub metadata");
  const ranked = load.rankColumn ? [...columns, load.rankColumn] : columns;
  return renderMacroTemplate('hub', {
    sources: models.map((m, i) => ({ number: i + 1, relation: ctx.ref(m).render() })),
    multi_source: models.length > 1,
    rr_columns: prefixColumns(ranked, 'rr'),
    rr_pk: prefixColumns(expandColumnList([pk]), 'rr'),
    rr_ldts: `rr.${ldts}`,
    rr_pk_not_null: multikeyCondition(pk, 'rr', 'IS NOT NULL'),
    ru_pk: prefixColumns(expandColumnList([pk]), 'ru'),
    ru_ldts: `ru.${ldts}`,
    ru_source: `ru.${source}`,
    ru_pk_not_null: multikeyCondition(pk, 'ru', 'IS NOT NULL'),
    materialization_filter: load.materializationFilter ?? '',
    a_columns: prefixColumns(columns, 'a', 'target'),
    incremental: load.incremental,
    target: load.target,
    a_d_join: multikeyEquals(pk, 'a', 'd'),
    d_pk_null: multikeyCondition(pk, 'd', 'IS NULL'),
  });
}
