// AutomateDV's `ref_table` on PostgreSQL (spec §6.10): the distinct rows of a reference source with a key, inserted
// only for keys the table does not hold yet. With several sources AutomateDV writes their SELECTs one after another
// without UNION, which PostgreSQL rejects; dvs joins them with UNION and warns (DV505). A key given as a list is
// written as it is into AutomateDV's NOT NULL filter (`a.['CODE', 'REGION'] IS NOT NULL`), which PostgreSQL rejects
// too; dvs filters each key column and warns (DV510).
import type { MacroContext } from '../context';
import { expandColumnList, multikeyCondition, multikeyEquals, prefixColumns } from './columns';
import { readLoadContext } from './load-context';
import { readColumn, readColumns, readModelNames, required } from './param-types';
import type { BoundArguments } from './signatures';
import { renderMacroTemplate } from './templates';

export function compileRefTable(args: BoundArguments, ctx: MacroContext): string {
  const m = 'ref_table';
  const pk = required(m, 'src_pk', readColumns(m, 'src_pk', args.get('src_pk')));
  const extraValue = args.get('src_extra_columns');
  const ldts = readColumn(m, 'src_ldts', args.get('src_ldts'));
  const source = readColumn(m, 'src_source', args.get('src_source'));
  const models = required(m, 'source_model', readModelNames(m, 'source_model', args.get('source_model')));
  const load = readLoadContext(ctx);

  if (models.length > 1) {
    ctx.report({
      code: 'DV505',
      severity: 'warning',
      message:
        `ref_table with ${models.length} source models: AutomateDV writes one SELECT per source without UNION, which PostgreSQL ` +
        'rejects. dvs combines them with UNION so the SQL runs. Give the ref_table a single source model (union the sources in a model first).',
    });
  }

  if (Array.isArray(pk)) {
    ctx.report({
      code: 'DV510',
      severity: 'warning',
      message:
        `ref_table src_pk is a list (${pk.join(', ')}): AutomateDV writes it as it is into \`a.<src_pk> IS NOT NULL\`, which PostgreSQL ` +
        'rejects. dvs requires every key column to be non-NULL so the SQL runs. Give src_pk as one column name to stay buildable with dbt.',
    });
  }

  const columns = expandColumnList([pk, extraValue ?? null, ldts ?? null, source ?? null], 'ref_table metadata');
  return renderMacroTemplate('ref_table', {
    sources: models.map((model) => ctx.ref(model).render()),
    a_columns: prefixColumns(columns, 'a'),
    a_pk_not_null: multikeyCondition(pk, 'a', 'IS NOT NULL'),
    incremental: load.incremental,
    target: load.target,
    a_d_join: multikeyEquals(pk, 'a', 'd'),
    d_pk_null: multikeyCondition(pk, 'd', 'IS NULL'),
  });
}
