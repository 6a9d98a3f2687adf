// AutomateDV's `link` on PostgreSQL (spec §6.2): ROW_NUMBER keeps the earliest row per key; the NOT NULL filter on
// the key and every foreign key sits inside each source's CTE only when there is a single source (quirk 5).
import type { MacroContext } from '../context';
import { expandColumnList, multikeyCondition, multikeyEquals, prefixColumns, sourceName } from './columns';
import { readLoadContext } from './load-context';
import { readColumn, readColumns, readModelNames, required } from './param-types';
import type { BoundArguments } from './signatures';
import { renderMacroTemplate } from './templates';

export function compileLink(args: BoundArguments, ctx: MacroContext): string {
  const pk = required('link', 'src_pk', readColumns('link', 'src_pk', args.get('src_pk')));
  const fk = required('link', 'src_fk', readColumns('link', 'src_fk', args.get('src_fk')));
  const extra = args.get('src_extra_columns');
  const ldts = required('link', 'src_ldts', readColumn('link', 'src_ldts', args.get('src_ldts')));
  const source = required('link', 'src_source', readColumn('link', 'src_source', args.get('src_source')));
  const models = required('link', 'source_model', readModelNames('link', 'source_model', args.get('source_model')));
  const load = readLoadContext(ctx);

  const columns = expandColumnList([pk, fk, extra ?? null, ldts, source], 'link metadata');
  const fkColumns = expandColumnList([fk]).map(sourceName);
  const ranked = load.rankColumn ? [...columns, load.rankColumn] : columns;
  return renderMacroTemplate('link', {
    sources: models.map((m, i) => ({ number: i + 1, relation: ctx.ref(m).render() })),
    multi_source: models.length > 1,
    rr_columns: prefixColumns(ranked, 'rr'),
    rr_pk: prefixColumns(expandColumnList([pk]), 'rr'),
    rr_ldts: `rr.${ldts}`,
    rr_not_null: `${multikeyCondition(pk, 'rr', 'IS NOT NULL')}\n    AND ${multikeyCondition(fkColumns, 'rr', 'IS NOT NULL')}`,
    ru_pk: prefixColumns(expandColumnList([pk]), 'ru'),
    ru_ldts: `ru.${ldts}`,
    ru_source: `ru.${source}`,
    ru_not_null: `${multikeyCondition(pk, 'ru', 'IS NOT NULL')}\n    AND ${multikeyCondition(fkColumns, 'ru', 'IS NOT NULL')}`,
    materialization_filter: load.materializationFilter ?? '',
    a_columns: prefixColumns(columns, 'a', 'target'),
    incremental: load.incremental,
    target: load.target,
    a_d_join: multikeyEquals(pk, 'a', 'd'),
    d_pk_null: multikeyCondition(pk, 'd', 'IS NULL'),
  });
}
