// AutomateDV's `eff_sat` on PostgreSQL (spec §6.4): start and end dates of a link's relationships. The first load copies
// the batch; later loads open new relationships, reopen closed ones and close open ones, from the end dates the source
// gives or, with is_auto_end_dating, whenever a driving key turns up with another secondary key.
import { AUTOMATE_DV_VERSIONS, behaviourAt } from '../../base/automate-dv-versions';
import { CompileError, type MacroContext } from '../context';
import { isDict, truthy } from '../../jinja/values';
import { hasIncrementalBranch } from '../../base/materializations';
import { castDateColumn, castDatetimeLiteral } from './casting';
import { aliasAll, asList, expandColumnList, multikeyCondition, multikeyEquals, prefixColumns } from './columns';
import { readLoadContext } from './load-context';
import { columnOfMapping, columnRefOf, readColumn, readColumns, readModelNames, required } from './param-types';
import { DEFAULT_MACRO_MAX_DATETIME, readMaxDatetime } from './settings';
import type { BoundArguments } from './signatures';
import { renderMacroTemplate } from './templates';

const SINGLE_COLUMN_PARAMS = ['src_start_date', 'src_end_date', 'src_eff', 'src_ldts', 'src_source'];

/**
 * AutomateDV's eff_sat prints its date and source parameters straight into the incremental SQL (`ORDER BY
 * b.{{ src_ldts }}`, `f.{{ src_source }}`), so a {source_column, alias} mapping there becomes the text of a dict and
 * every incremental run fails; the first build selects through alias_all and works. An error where that run is
 * compiled, or from the first build of a model whose later runs are incremental; information for a fork.
 */
function checkMappingsOnIncrementalRuns(args: BoundArguments, ctx: MacroContext): void {
  const mapped = SINGLE_COLUMN_PARAMS.filter((p) => isDict(args.get(p) ?? null));
  if (mapped.length === 0) return;
  const materialized = ctx.configOf('materialized');
  const laterRunsIncremental = typeof materialized === 'string' && hasIncrementalBranch(materialized);
  if (!ctx.incremental && !laterRunsIncremental) return;
  const names = mapped.map((p) => `${p} (give '${columnOfMapping('eff_sat', p, args.get(p)) ?? 'the column name'}')`).join(', ');
  const when = ctx.incremental ? 'so this incremental run fails in dbt' : 'so the first run builds the table and every later (incremental) run fails in dbt';
  const message =
    `eff_sat: AutomateDV writes a {source_column, alias} mapping into its incremental SQL as it is (b.{'source_column': …}), ` +
    `${when}. Give these parameters as column names: ${names}.`;
  if (ctx.compat.fork) {
    ctx.report({ code: 'DV202', severity: 'information', message: `${message} This project's AutomateDV is a fork, which may read mappings there; dvs cannot know.` });
  } else if (ctx.incremental) {
    throw new CompileError(message, 'DV202');
  } else {
    ctx.report({ code: 'DV202', severity: 'error', message });
  }
}

export function compileEffSat(args: BoundArguments, ctx: MacroContext): string {
  const m = 'eff_sat';
  const pk = required(m, 'src_pk', readColumns(m, 'src_pk', args.get('src_pk')));
  const dfk = required(m, 'src_dfk', readColumns(m, 'src_dfk', args.get('src_dfk')));
  const sfk = required(m, 'src_sfk', readColumns(m, 'src_sfk', args.get('src_sfk')));
  const extraValue = args.get('src_extra_columns');
  const start = required(m, 'src_start_date', readColumn(m, 'src_start_date', args.get('src_start_date'))).trim();
  const end = required(m, 'src_end_date', readColumn(m, 'src_end_date', args.get('src_end_date'))).trim();
  const eff = required(m, 'src_eff', readColumn(m, 'src_eff', args.get('src_eff'))).trim();
  const ldts = required(m, 'src_ldts', readColumn(m, 'src_ldts', args.get('src_ldts'))).trim();
  const source = required(m, 'src_source', readColumn(m, 'src_source', args.get('src_source'))).trim();
  // AutomateDV's later templates also take a list of stages (unioned); one name is the usual form.
  const models = required(m, 'source_model', readModelNames(m, 'source_model', args.get('source_model')));
  const load = readLoadContext(ctx);
  const autoEndDating = truthy(ctx.configOf('is_auto_end_dating') ?? null);

  const extra = expandColumnList([extraValue ?? null], "eff_sat: 'src_extra_columns'");
  // A date or source column given as a {source_column, alias} mapping keeps it: the final selects write `x AS alias`.
  const ref = (param: string, name: string) => columnRefOf(args.get(param), name) ?? name;
  checkMappingsOnIncrementalRuns(args, ctx);
  const sourceCols = [
    ...expandColumnList([pk, dfk, sfk, extraValue ?? null], 'eff_sat metadata'),
    ref('src_start_date', start),
    ref('src_end_date', end),
    ref('src_eff', eff),
    ref('src_ldts', ldts),
    ref('src_source', source),
  ];
  const keyCols = expandColumnList([pk, dfk, sfk]);
  const pkList = expandColumnList([pk]);
  // Before 0.9.7 dbt-postgres renders the default macro: its open-record test is one-argument TO_DATE on both sides
  // (which PostgreSQL does not have) against its own max_datetime default, and it closes a relationship with the
  // staged row's keys.
  // A fork (git or local) may have been adapted for PostgreSQL: it keeps the later PostgreSQL logic.
  const defaultSql = !ctx.compat.fork && behaviourAt(AUTOMATE_DV_VERSIONS.effSatDefaultSql, ctx.compat.version);
  const latestAlias = behaviourAt(AUTOMATE_DV_VERSIONS.effSatLatestRecordsAlias, ctx.compat.version);
  const endDate = (column: string): string => (defaultSql ? `TO_DATE(${column})` : castDateColumn(column));
  // The open-record test compares dates: the end date as a date against max_datetime, as AutomateDV casts both.
  const openEndDate = defaultSql
    ? `TO_DATE('${readMaxDatetime(ctx, DEFAULT_MACRO_MAX_DATETIME)}')`
    : castDateColumn(castDatetimeLiteral(readMaxDatetime(ctx)));
  const fkCols = expandColumnList([dfk, sfk]);

  return renderMacroTemplate('eff_sat', {
    latest_alias: latestAlias === 'inner' && !defaultSql ? 'inner_rank' : latestAlias,
    default_sql: defaultSql,
    auto_close: behaviourAt(AUTOMATE_DV_VERSIONS.effSatAutoEndDatingClose, ctx.compat.version),
    sources: models.map((model, i) => ({ number: i + 1, relation: ctx.ref(model).render() })),
    a_columns: prefixColumns(sourceCols, 'a', 'source'),
    a_dfk_not_null: multikeyCondition(dfk, 'a', 'IS NOT NULL'),
    a_sfk_not_null: multikeyCondition(sfk, 'a', 'IS NOT NULL'),
    materialization_filter: load.materializationFilter ?? '',
    incremental: load.incremental,
    target: load.target,
    auto_end_dating: autoEndDating,
    start,
    end,
    eff,
    ldts,
    source,
    // New and reopened relationships start at the effective date when end dates are inferred.
    start_source: autoEndDating ? eff : start,
    open_end_date: openEndDate,
    b_columns: aliasAll(sourceCols, 'b'),
    b_pk: prefixColumns(pkList, 'b'),
    c_columns: aliasAll(sourceCols, 'c'),
    c_end_date: endDate(`c.${end}`),
    d_columns: aliasAll(sourceCols, 'd'),
    d_end_date: endDate(`d.${end}`),
    has_extra: extra.length > 0,
    f_keys: aliasAll(keyCols, 'f'),
    f_extra: prefixColumns(extra, 'f'),
    f_lr_join: multikeyEquals(pk, 'f', 'lr'),
    lr_pk_null: multikeyCondition(pk, 'lr', 'IS NULL'),
    lc_keys: aliasAll(keyCols, 'lc'),
    g_extra: prefixColumns(extra, 'g'),
    g_lc_join: multikeyEquals(pk, 'g', 'lc'),
    g_end_date: endDate(`g.${end}`),
    lo_keys: aliasAll(keyCols, 'lo'),
    closed_keys: defaultSql ? `${prefixColumns(pkList, 'lo')}, ${aliasAll(fkCols, 'h')}` : aliasAll(keyCols, 'lo'),
    lo_h_sfk_differs: asList(sfk).map((c) => `lo.${c.trim()} <> h.${c.trim()}`).join(' OR '),
    h_extra: prefixColumns(extra, 'h'),
    lo_h_dfk_join: multikeyEquals(dfk, 'lo', 'h'),
    stg_lo_pk_join: multikeyEquals(pk, 'stg', 'lo'),
    stg_lo_end_join: multikeyEquals(end, 'stg', 'lo'),
    lo_h_pk_join: multikeyEquals(pk, 'lo', 'h'),
    lc_h_pk_join: multikeyEquals(pk, 'lc', 'h'),
    h_end_date: endDate(`h.${end}`),
    lo_pk_not_null: multikeyCondition(pk, 'lo', 'IS NOT NULL'),
    lc_pk_null: multikeyCondition(pk, 'lc', 'IS NULL'),
    i_columns: aliasAll(sourceCols, 'i'),
  });
}
