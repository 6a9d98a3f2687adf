// AutomateDV's `ma_sat` on PostgreSQL (spec §6.5): a multi-active satellite, several rows per key told apart by the
// child dependent key(s). A key's whole staged group is inserted when any member differs from the latest group in the
// table or the group size changes; a batch that differs only in load dates inserts nothing.
import { AUTOMATE_DV_VERSIONS, behaviourAt } from '../../base/automate-dv-versions';
import { CompileError, type MacroContext } from '../context';
import { isDict, type JValue } from '../../jinja/values';
import { aliasAll, asList, expandColumnList, multikeyCondition, multikeyEquals, prefixColumns, targetName, type ColumnRef } from './columns';
import { readLoadContext } from './load-context';
import { readColumn, readColumns, readHashdiff, readModelName, required } from './param-types';
import { readPayload } from './payload';
import type { BoundArguments } from './signatures';
import { renderMacroTemplate } from './templates';

export function compileMaSat(args: BoundArguments, ctx: MacroContext): string {
  const m = 'ma_sat';
  const pk = required(m, 'src_pk', readColumns(m, 'src_pk', args.get('src_pk')));
  const cdkValue = required(m, 'src_cdk', readColumns(m, 'src_cdk', args.get('src_cdk')));
  const cdk = typeof cdkValue === 'string' ? [cdkValue] : cdkValue;
  if (typeof cdkValue === 'string' && behaviourAt(AUTOMATE_DV_VERSIONS.maSatCdkFilterLoop, ctx.compat.version) === 'parameter') {
    warnCdkString(cdkValue, ctx);
  }
  const hashdiff = required(m, 'src_hashdiff', readHashdiff(m, 'src_hashdiff', args.get('src_hashdiff')));
  const extraValue = args.get('src_extra_columns');
  const eff = readColumn(m, 'src_eff', args.get('src_eff'));
  const ldts = required(m, 'src_ldts', readColumn(m, 'src_ldts', args.get('src_ldts'))).trim();
  // An undefined src_source only drops out of AutomateDV's expanded column list, so the table is built without it.
  const source = readColumn(m, 'src_source', args.get('src_source'));
  const sourceList = source !== undefined ? [source] : [];
  const model = required(m, 'source_model', readModelName(m, 'source_model', args.get('source_model')));
  const named = [args.get('src_pk'), args.get('src_cdk'), args.get('src_hashdiff'), extraValue, args.get('src_eff'), args.get('src_ldts'), args.get('src_source')];
  checkExcludedPayload(args.get('src_payload'), ctx);
  const payload = readPayload(m, args.get('src_payload'), { named, sourceModel: model }, ctx);
  const load = readLoadContext(ctx);

  const hashdiffList: ColumnRef[] = [hashdiff];
  const pkList = asList(pk);
  const extra = expandColumnList([extraValue ?? null], "ma_sat: 'src_extra_columns'");
  // 0.9.7–0.10.2 run AutomateDV's SQL Server template on PostgreSQL, which puts the hashdiff second; other releases
  // run the default template, with the hashdiff after the payload and extra columns.
  const effList = eff !== undefined ? [eff] : [];
  const sourceCols: ColumnRef[] =
    behaviourAt(AUTOMATE_DV_VERSIONS.maSatColumnOrder, ctx.compat.version) === 'hashdiff-second'
      ? [...pkList, hashdiff, ...cdk, ...payload, ...extra, ...effList, ldts, ...sourceList]
      : [...pkList, ...cdk, ...payload, ...extra, hashdiff, ...effList, ldts, ...sourceList];
  const latestCols: ColumnRef[] = [...pkList, hashdiff, ...cdk, ldts];
  const withRank = load.rankColumn ? [...sourceCols, load.rankColumn] : sourceCols;

  // Before 0.9.7 dbt-postgres renders the default macro (a fork may have been adapted and keeps the later logic).
  const defaultSql = !ctx.compat.fork && behaviourAt(AUTOMATE_DV_VERSIONS.maSatDefaultSql, ctx.compat.version);
  const counted = defaultSql ? 'source_data' : 'source_data_with_count';
  return renderMacroTemplate('ma_sat', {
    default_sql: defaultSql,
    count_alias: behaviourAt(AUTOMATE_DV_VERSIONS.maSatCountAlias, ctx.compat.version),
    relation: ctx.ref(model).render(),
    s_columns: prefixColumns(withRank, 's', 'source'),
    s_pk_not_null: multikeyCondition(pk, 's', 'IS NOT NULL'),
    s_cdk_not_null: cdk.map((c) => `s.${c.trim()} IS NOT NULL`),
    materialization_filter: load.materializationFilter ?? '',
    incremental: load.incremental,
    target: load.target,
    t_pk: prefixColumns(pkList, 't'),
    s_pk: prefixColumns(pkList, 's'),
    s_hashdiff: prefixColumns(hashdiffList, 's', 'source'),
    s_cdk: prefixColumns(cdk, 's'),
    a_b_join: multikeyEquals(pk, 'a', 'b'),
    mas_latest: prefixColumns(latestCols, 'mas', 'target'),
    mas_pk: prefixColumns(pkList, 'mas'),
    mas_hashdiff: prefixColumns(hashdiffList, 'mas', 'target'),
    mas_cdk: prefixColumns(cdk, 'mas'),
    inner_latest: prefixColumns(latestCols, 'inner_mas', 'target'),
    inner_pk: prefixColumns(pkList, 'inner_mas'),
    inner_ldts: `inner_mas.${ldts}`,
    inner_spk_join: multikeyEquals(pk, 'inner_mas', 'spk'),
    lr_pk: prefixColumns(pkList, 'lr'),
    lr_ldts: `lr.${ldts}`,
    lr_latest: prefixColumns(latestCols, 'lr', 'target'),
    lr_lg_join: multikeyEquals(pk, 'lr', 'lg'),
    lg_ldts: `lg.${ldts}`,
    stage_active_pk_join: multikeyEquals(pk, 'stage', 'active_records'),
    stage_hashdiff: prefixColumns(hashdiffList, 'stage', 'source'),
    active_hashdiff: `active_records.${targetName(hashdiff)}`,
    stage_active_cdk_join: multikeyEquals(cdk, 'stage', 'active_records'),
    counted_stage_pk_join: multikeyEquals(pk, counted, 'stage'),
    source_data_columns: aliasAll(sourceCols, 'source_data'),
    counted_columns: aliasAll(sourceCols, counted),
  });
}

/**
 * Before 0.10.2 ma_sat does not expand an {exclude_columns: ...} payload: it prefixes the mapping as if it were a
 * column and dbt stops with a compiler error. dvs fails the same compile (information only for a fork, which may differ).
 */
function checkExcludedPayload(value: JValue | undefined, ctx: MacroContext): void {
  if (!isDict(value) || value.has('source_column')) return;
  if (behaviourAt(AUTOMATE_DV_VERSIONS.maSatExcludedPayload, ctx.compat.version)) return;
  const message =
    `ma_sat: AutomateDV ${ctx.compat.version} does not read a payload given as {exclude_columns: ..., columns: [...]} in ` +
    `ma_sat (only sat does), so dbt fails to compile this model ("Invalid parameters provided to prefix macro"). List the ` +
    `payload columns in src_payload, or pin AutomateDV 0.10.2 or later.`;
  if (ctx.compat.fork === true) {
    ctx.report({ code: 'DV200', severity: 'information', message: `${message} This project's AutomateDV is a fork, which may differ.` });
    return;
  }
  throw new CompileError(message, 'DV200');
}

/**
 * AutomateDV 0.9.7–0.10.2 loop over src_cdk to write their NOT NULL filters, so a single name gives one filter per letter
 * (`s.P IS NOT NULL AND s.H IS NOT NULL ...`), which PostgreSQL rejects. dvs takes the name as a one-column list, so the
 * SQL runs, and says so (spec: emit valid SQL and a warning instead of reproducing the failure).
 */
function warnCdkString(cdk: string, ctx: MacroContext): void {
  ctx.report({
    code: 'DV512',
    severity: 'warning',
    message:
      `ma_sat: src_cdk is the single name '${cdk.trim()}'. AutomateDV ${ctx.compat.version} loops over src_cdk and writes one NOT NULL filter per ` +
      `letter of it, which PostgreSQL rejects; dvs uses it as the one-column list ['${cdk.trim()}']. Write src_cdk as a list.`,
  });
}
