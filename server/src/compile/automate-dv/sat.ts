// AutomateDV's `sat` on PostgreSQL with the three change-detection logics chosen by compat.satLogic: 0.11.1+ (one LAG
// with the target's latest hashdiff as default), 0.10.0–0.11.0 (first_record_in_set + LAG), and ≤0.9.7 (compare with
// the latest record only). Everything else that changed across releases (RANK or ROW_NUMBER, src_eff ordering, ghost
// records) is read from the version matrix in server/src/base/automate-dv-versions.ts.
import { AUTOMATE_DV_VERSIONS, behaviourAt } from '../../base/automate-dv-versions';
import { CompileError, type MacroContext } from '../context';
import { castBinaryLiteral } from './casting';
import {
  aliasAll,
  expandColumnList,
  multikeyCondition,
  multikeyEquals,
  prefixColumns,
  sourceName,
  targetName,
  type ColumnRef,
} from './columns';
import { ghostSelectList, ghostTypeClashes } from './ghost';
import { readLoadContext } from './load-context';
import { columnRefOf, readColumn, readColumns, readHashdiff, readModelName, required } from './param-types';
import { readPayload } from './payload';
import { readGhostSettings } from './settings';
import type { BoundArguments } from './signatures';
import { renderMacroTemplate } from './templates';
import { truthy } from '../../jinja/values';

export interface SatMetadata {
  pk: string | string[];
  hashdiff: ColumnRef;
  payload: string[];
  extra: ColumnRef[];
  eff?: string;
  ldts: string;
  /** Absent when src_source is undefined: AutomateDV's expanded column list drops it and the sat is built without it. */
  source?: string;
  sourceModel: string;
  /**
   * eff, ldts and source as given when a {source_column, alias} mapping named them: the final select writes such a
   * column `x.col AS alias`, as AutomateDV's alias_all does (same column, since the alias must name it).
   */
  refs?: { eff?: ColumnRef; ldts?: ColumnRef; source?: ColumnRef };
}

export function readSatMetadata(args: BoundArguments, ctx: MacroContext): SatMetadata {
  const pk = required('sat', 'src_pk', readColumns('sat', 'src_pk', args.get('src_pk')));
  const hashdiff = required('sat', 'src_hashdiff', readHashdiff('sat', 'src_hashdiff', args.get('src_hashdiff')));
  const extraValue = args.get('src_extra_columns');
  const eff = readColumn('sat', 'src_eff', args.get('src_eff'));
  const ldts = required('sat', 'src_ldts', readColumn('sat', 'src_ldts', args.get('src_ldts')));
  const source = readColumn('sat', 'src_source', args.get('src_source'));
  const sourceModel = required('sat', 'source_model', readModelName('sat', 'source_model', args.get('source_model')));
  const named = [args.get('src_pk'), args.get('src_hashdiff'), extraValue, args.get('src_eff'), args.get('src_ldts'), args.get('src_source')];
  const payload = readPayload('sat', args.get('src_payload'), { named, sourceModel }, ctx);
  const meta: SatMetadata = { pk, hashdiff, payload, extra: expandColumnList([extraValue ?? null], "sat: 'src_extra_columns'"), ldts, sourceModel };
  if (eff !== undefined) meta.eff = eff;
  if (source !== undefined) meta.source = source;
  const refs = { eff: columnRefOf(args.get('src_eff'), eff), ldts: columnRefOf(args.get('src_ldts'), ldts), source: columnRefOf(args.get('src_source'), source) };
  if (refs.eff || refs.ldts || refs.source) meta.refs = refs;
  return meta;
}

/** source_cols of the template: expand(pk, hashdiff, payload, extra, eff, ldts, source). */
export function satSourceColumns(meta: SatMetadata): ColumnRef[] {
  return [
    ...(typeof meta.pk === 'string' ? [meta.pk] : meta.pk),
    meta.hashdiff,
    ...meta.payload,
    ...meta.extra,
    ...(meta.eff !== undefined ? [meta.refs?.eff ?? meta.eff] : []),
    meta.refs?.ldts ?? meta.ldts,
    ...(meta.source !== undefined ? [meta.refs?.source ?? meta.source] : []),
  ];
}

/**
 * Where the pinned release fails under dbt: an error. For a fork (a git repository other than Datavault-UK's, or a
 * local folder) only information, since the fork may have fixed it.
 */
function failAsPinned(ctx: MacroContext, message: string, code: string): void {
  if (ctx.compat.fork === true) {
    ctx.report({ code, severity: 'information', message: `${message} This project's AutomateDV is a fork, which may differ; dvs compiles the SQL that loads.` });
    return;
  }
  throw new CompileError(message, code);
}

/**
 * 0.11.1 always puts src_eff into the LAG's ordering, so a sat without it fails in dbt ("Unable to prefix columns");
 * 0.11.2 fixed that. dvs fails the same compile and says how to get past it.
 */
function checkEffOrdering(meta: SatMetadata, ctx: MacroContext): void {
  if (meta.eff !== undefined) return;
  if (behaviourAt(AUTOMATE_DV_VERSIONS.satEffOrdering, ctx.compat.version) !== 'required') return;
  failAsPinned(
    ctx,
    `sat: AutomateDV ${ctx.compat.version} orders the satellite's changes by src_eff and fails without it ` +
      `("Unable to prefix columns"), so dbt cannot build this model. ` +
      `Pass src_eff (an effective-from column of the stage), or pin AutomateDV 0.11.2 or later, which fixed this.`,
    'DV200',
  );
}

/**
 * Ghost records that AutomateDV writes without a column the final select reads, so PostgreSQL rejects the UNION:
 * 0.9.1–0.10.2 leave out a src_pk given as a list, 0.9.1 a src_hashdiff given as {source_column, alias}.
 */
function checkGhostColumns(meta: SatMetadata, ctx: MacroContext): void {
  const version = ctx.compat.version;
  const pkList = Array.isArray(meta.pk);
  if (pkList && behaviourAt(AUTOMATE_DV_VERSIONS.ghostListKey, version) === 'omitted') {
    const names = (meta.pk as string[]).map((c) => c.trim()).join(', ');
    failAsPinned(
      ctx,
      `sat: with enable_ghost_records, AutomateDV ${version} leaves a src_pk given as a list (${names}) out of the ghost ` +
        `record, so its SQL selects g.${(meta.pk as string[])[0]!.trim()} from a ghost row without it and PostgreSQL fails the ` +
        `load. Give src_pk as one column name (src_pk: "${(meta.pk as string[])[0]!.trim()}" when the list has one item), ` +
        `turn enable_ghost_records off, or pin AutomateDV 0.11.0 or later.`,
      'DV513',
    );
  }
  // A warning, not an error: without a database a column whose type is not declared reads as text, so the clash is
  // only as certain as the catalog.
  const clashes = ghostTypeClashes({ ...meta }, ctx.columnsOf(ctx.ref(meta.sourceModel)), readGhostSettings(ctx));
  if (clashes.length > 0) {
    ctx.report({
      code: 'DV513',
      severity: 'warning',
      message:
        `sat: with enable_ghost_records, AutomateDV ${version} writes the zero key into every key column and 1900-01-01 ` +
        `into the load and effective dates whatever their type, so where the catalog's types are right the ghost record ` +
        `cannot be combined with ${clashes.join(', ')} and PostgreSQL fails the load. Cast those columns in the stage ` +
        `(keys to BYTEA, dates to a timestamp), turn enable_ghost_records off, or pin AutomateDV 0.11.0 or later (it ` +
        `gives such columns a NULL ghost value).`,
    });
  }
  if (typeof meta.hashdiff !== 'string' && behaviourAt(AUTOMATE_DV_VERSIONS.ghostHashdiffMapping, version) === 'omitted') {
    failAsPinned(
      ctx,
      `sat: with enable_ghost_records, AutomateDV ${version} leaves a src_hashdiff given as {source_column, alias} out of ` +
        `the ghost record, so PostgreSQL fails the load. Give src_hashdiff as the column name '${meta.hashdiff.sourceColumn}', ` +
        `turn enable_ghost_records off, or pin AutomateDV 0.9.2 or later.`,
      'DV513',
    );
  }
}

export function compileSat(args: BoundArguments, ctx: MacroContext): string {
  const meta = readSatMetadata(args, ctx);
  const load = readLoadContext(ctx);
  const ghost = readGhostSettings(ctx);
  const version = ctx.compat.version;
  // apply_source_filter arrived in 0.10.1 (a behaviour flag against duplicates on repeated loads); before that
  // AutomateDV ignores the config key.
  const applySourceFilter =
    behaviourAt(AUTOMATE_DV_VERSIONS.satApplySourceFilter, version) && truthy(ctx.configOf('apply_source_filter') ?? null);
  if (ctx.compat.satLogic === 'lag-default') checkEffOrdering(meta, ctx);
  // 0.9.0's sat has no ghost record and ignores the var.
  const withGhost = ghost.enabled && behaviourAt(AUTOMATE_DV_VERSIONS.ghostRecords, version);
  if (withGhost) checkGhostColumns(meta, ctx);

  const sourceCols = satSourceColumns(meta);
  const windowCols: ColumnRef[] = [...(typeof meta.pk === 'string' ? [meta.pk] : meta.pk), meta.hashdiff, meta.ldts];
  const pkList = expandColumnList([meta.pk]);
  const hdSource = sourceName(meta.hashdiff);
  const hdTarget = targetName(meta.hashdiff);
  const withRank = load.rankColumn ? [...sourceCols, load.rankColumn] : sourceCols;
  const latestAlias = behaviourAt(AUTOMATE_DV_VERSIONS.satLatestRecordsForm, version);
  const latestCols = behaviourAt(AUTOMATE_DV_VERSIONS.satLatestRecordsColumns, version) === 'all' ? sourceCols : windowCols;

  return renderMacroTemplate('sat', {
    sat_logic: ctx.compat.satLogic,
    relation: ctx.ref(meta.sourceModel).render(),
    target: load.target,
    incremental: load.incremental,
    apply_source_filter: applySourceFilter,
    materialization_filter: load.materializationFilter ?? '',
    a_columns: prefixColumns(withRank, 'a', 'source'),
    a_pk_not_null: multikeyCondition(meta.pk, 'a', 'IS NOT NULL'),
    // latest_records: 0.10.0–0.10.2 select every column, other releases the window columns; no row depends on it.
    latest_alias: latestAlias,
    latest_outer_columns: prefixColumns(latestCols, latestAlias, 'target'),
    latest_inner_columns: prefixColumns(latestCols, 'current_records', 'target'),
    latest_rank_function: `${behaviourAt(AUTOMATE_DV_VERSIONS.satLatestRecordsRank, version)}()`,
    first_rank_function: behaviourAt(AUTOMATE_DV_VERSIONS.satFirstRecordRank, version) === 'RANK' ? 'RANK()' : 'ROW_NUMBER()',
    cr_pk: prefixColumns(pkList, 'current_records'),
    cr_ldts: `current_records.${meta.ldts}`,
    source_data_pk: prefixColumns(pkList, 'source_data'),
    records_join:
      latestAlias === 'a'
        ? multikeyEquals(meta.pk, 'current_records', 'source_records')
        : multikeyEquals(meta.pk, 'source_records', 'current_records'),
    // valid_stg
    s_columns: prefixColumns(sourceCols, 's', 'source'),
    s_sat_join: multikeyEquals(meta.pk, 's', 'sat'),
    sat_pk_null: multikeyCondition(meta.pk, 'sat', 'IS NULL'),
    s_ldts: `s.${meta.ldts}`,
    sat_ldts: `sat.${meta.ldts}`,
    // change detection
    b_columns: prefixColumns(sourceCols, 'b', 'source'),
    sd_columns: prefixColumns(sourceCols, 'sd', 'source'),
    sd_hashdiff: `sd.${hdSource}`,
    lr_hashdiff: `lr.${hdTarget}`,
    lag_default: load.incremental ? `COALESCE(lr.${hdTarget}, ${castBinaryLiteral('FFFFFFFF')})` : castBinaryLiteral('FFFFFFFF'),
    batch_cte: load.incremental && applySourceFilter ? 'valid_stg' : 'source_data',
    b_hashdiff: `b.${hdSource}`,
    sd_pk: prefixColumns(pkList, 'sd'),
    sd_order: `sd.${meta.ldts} ASC` + (meta.eff !== undefined ? `, sd.${meta.eff} ASC` : ''),
    sd_ldts: `sd.${meta.ldts} ASC`,
    sd_lr_join: multikeyEquals(meta.pk, 'sd', 'lr'),
    lr_frin_join: multikeyEquals(meta.pk, 'lr', 'frin'),
    frin_columns: aliasAll(sourceCols, 'frin'),
    frin_hashdiff: `frin.${hdSource}`,
    usr_source_columns: prefixColumns(sourceCols, 'usr', 'source'),
    lr_stage_join: multikeyEquals(meta.pk, 'latest_records', 'stage'),
    latest_hashdiff: `latest_records.${hdTarget}`,
    stage_hashdiff: `stage.${hdSource}`,
    stage_columns: aliasAll(sourceCols, 'stage'),
    latest_only_differs_from_any: behaviourAt(AUTOMATE_DV_VERSIONS.satLatestOnlyMatch, version) === 'differs-from-any',
    // ghost record and final select
    ghost: withGhost,
    ghost_columns: withGhost
      ? ghostSelectList({ ...meta }, ctx.columnsOf(ctx.ref(meta.sourceModel)), ghost).join(',\n        ')
      : '',
    ghost_checks_batch: ctx.compat.satLogic === 'lag-default',
    g_columns: aliasAll(sourceCols, 'g'),
    h_hashdiff_target: `h.${hdTarget}`,
    h_hashdiff_source: `h.${hdSource}`,
    g_hashdiff: `g.${hdSource}`,
    usr_columns: aliasAll(sourceCols, 'usr'),
  });
}
