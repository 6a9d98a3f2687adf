// AutomateDV's `pit` on PostgreSQL, materialized pit_incremental: for each hub key and as-of date, each satellite's
// key and latest load date at that date, or the ghost key (ASCII zeros) and 1900-01-01 when there is none. How many
// zeros, and how they are written, changed across releases: see pitGhostKey.
// Also the pieces pit and bridge share: the as-of dates relation, the stage load dates and the as-of date window.
import { CompileError, type MacroContext } from '../context';
import type { Relation } from '../../base/relation';
import { isDict, isNone, type JValue } from '../../jinja/values';
import { castBinaryLiteral, castDatetimeLiteral } from './casting';
import { multikeyEquals, prefixColumns } from './columns';
import { readLoadContext } from './load-context';
import { AUTOMATE_DV_VERSIONS, behaviourAt, type PitDefaultSql } from '../../base/automate-dv-versions';
import { readColumn, readColumns, readDict, readModelName, required, wrongType } from './param-types';
import { ghostZeroKeyLength, readGhostSettings, readHashVar, type GhostSettings } from './settings';
import type { BoundArguments } from './signatures';
import { renderMacroTemplate } from './templates';

/** as_of_dates_table: a model name (ref) or a one-key mapping {source_name: table_name} (source). */
export function readAsOfDatesRelation(macro: string, v: JValue | undefined, ctx: MacroContext): Relation {
  const value = required(macro, 'as_of_dates_table', isNone(v) ? undefined : v);
  if (typeof value === 'string' && value !== '') return ctx.ref(value);
  if (isDict(value) && value.size >= 1) {
    const [sourceName, table] = [...value.entries()][0] as [string, JValue];
    if (typeof table === 'string' && table !== '') return ctx.source(sourceName, table);
  }
  throw wrongType(macro, 'as_of_dates_table', value, 'a model name, or a mapping {source_name: table_name}');
}

export interface StageLoadDate {
  model: string;
  ldts: string;
}

/** stage_tables_ldts: {stage_model: ldts_column}, in dict order. */
export function readStageTablesLdts(macro: string, v: JValue | undefined): StageLoadDate[] {
  const dict = required(macro, 'stage_tables_ldts', readDict(macro, 'stage_tables_ldts', v));
  const out: StageLoadDate[] = [];
  for (const [model, ldts] of dict) {
    if (typeof ldts !== 'string' || ldts.trim() === '') throw wrongType(macro, `stage_tables_ldts.${model}`, ldts, 'the name of the stage\'s load-date column');
    out.push({ model, ldts: ldts.trim() });
  }
  if (out.length === 0) throw wrongType(macro, 'stage_tables_ldts', v, 'a mapping with at least one {stage_model: ldts_column}');
  return out;
}

/** pit and bridge take one key column: AutomateDV writes it into joins as it is. */
export function readSingleKey(macro: string, v: JValue | undefined): string {
  const pk = required(macro, 'src_pk', readColumns(macro, 'src_pk', v));
  if (typeof pk === 'string') return pk.trim();
  if (pk.length === 1) return (pk[0] as string).trim();
  throw wrongType(macro, 'src_pk', v, 'one hash key column (pit and bridge join on a single key)');
}

/**
 * The notices AutomateDV prints for pit and bridge: src_extra_columns is ignored, and from 0.11.0 on both macros are
 * deprecated. The comment lines `-- depends_on: <stage>` that make dbt build the stages first are returned.
 */
export function pitBridgePreamble(macro: 'pit' | 'bridge', args: BoundArguments, stages: readonly StageLoadDate[], ctx: MacroContext): string[] {
  if (!isNone(args.get('src_extra_columns'))) {
    ctx.report({
      code: 'DV200',
      severity: 'warning',
      message: `src_extra_columns is not available for PITs or Bridges in AutomateDV; the parameter is ignored. Remove it from this ${macro}.`,
    });
  }
  if (behaviourAt(AUTOMATE_DV_VERSIONS.pitBridgeDeprecated, ctx.compat.version)) {
    ctx.report({
      code: 'DV508',
      severity: 'warning',
      message: `The ${macro}() macro is deprecated since AutomateDV 0.11.0 (the project uses ${ctx.compat.version}); it still loads the same rows.`,
    });
  }
  return stages.map((s) => `-- depends_on: ${ctx.ref(s.model).render()}`);
}

export interface AsOfDateWindow {
  pk: string;
  ldts: string;
  stages: readonly StageLoadDate[];
  /** The hub, rendered. */
  hub: string;
  /** `this`, rendered. */
  target: string;
}

/**
 * The hub's load-date column, which only the as-of-date window of an incremental run reads (0.9.7 to 0.11.5): a first
 * build or a table materialization renders without it, so an undefined src_ldts is left out there; an incremental run
 * renders `h. >= …` and PostgreSQL fails, as it does under dbt.
 */
export function readWindowLdts(m: 'pit' | 'bridge', args: BoundArguments, incremental: boolean): string {
  const ldts = readColumn(m, 'src_ldts', args.get('src_ldts'));
  if (ldts !== undefined) return ldts.trim();
  if (!incremental) return '';
  throw new CompileError(
    `${m}: src_ldts is undefined, and AutomateDV's incremental ${m} compares the hub's load date with it ` +
      `("h. >= …"), so PostgreSQL rejects this run's SQL; only the first build works without it. ` +
      `Add src_ldts (the hub's load-date column) to the call.`,
    'DV201',
  );
}

/** AutomateDV's as_of_date_window CTEs (incremental pit and bridge), without a trailing comma. */
export function renderAsOfDateWindow(window: AsOfDateWindow, ctx: MacroContext): string {
  return renderMacroTemplate('pit', {
    section: 'as_of_date_window',
    stages: window.stages.map((s) => ({ ldts: s.ldts, relation: ctx.ref(s.model).render() })),
    target: window.target,
    hub: window.hub,
    h_pk: `h.${window.pk}`,
    h_ldts: `h.${window.ldts}`,
    a_b_join: multikeyEquals(window.pk, 'a', 'b'),
  });
}

interface PitSatellite {
  relation: string;
  alias: string;
  pk: string;
  ldts: string;
  pk_column: string;
  ldts_column: string;
}

function firstEntry(macro: string, satellite: string, part: 'pk' | 'ldts', v: JValue | undefined): [string, string] {
  if (isDict(v)) {
    const first = [...v.entries()][0];
    if (first && typeof first[1] === 'string' && first[1].trim() !== '') return [first[0], first[1].trim()];
  }
  throw wrongType(macro, `satellites.${satellite}.${part}`, v, `a one-key mapping {${part.toUpperCase()}: <column of ${satellite}>}`);
}

function readPitSatellites(v: JValue | undefined, ctx: MacroContext): PitSatellite[] {
  const dict = required('pit', 'satellites', readDict('pit', 'satellites', v));
  const out: PitSatellite[] = [];
  for (const [name, spec] of dict) {
    if (!isDict(spec)) throw wrongType('pit', `satellites.${name}`, spec, 'a mapping {pk: {PK: column}, ldts: {LDTS: column}}');
    const [pkKey, pk] = firstEntry('pit', name, 'pk', spec.get('pk'));
    const [ldtsKey, ldts] = firstEntry('pit', name, 'ldts', spec.get('ldts'));
    out.push({ relation: ctx.ref(name).render(), alias: `${name.toLowerCase()}_src`, pk, ldts, pk_column: `${name}_${pkKey}`, ldts_column: `${name}_${ldtsKey}` });
  }
  if (out.length === 0) throw wrongType('pit', 'satellites', v, 'a mapping with at least one satellite');
  return out;
}

/**
 * The key and load date of a satellite with no row at an as-of date, as the pinned release writes them. Up to 0.10.2
 * the key is the text '0000000000000000' (16 ASCII zeros, whatever the hash) unless enable_ghost_records is on, when it
 * is the ghost-record key (32 zeros, 64 for sha, 40 for sha1 from 0.10.2). From 0.11.0 the var is never read and the
 * key has as many zeros as the hash's hex digest: 0.11.0–0.11.2 write it as `repeat('0', N)` (Jinja prints the
 * itertools.repeat object's repr into the SQL, and PostgreSQL runs its own repeat()), 0.11.3+ as a literal. Text cast
 * to BYTEA in every case, so '0' bytes (0x30), not zero bytes.
 */
export function pitGhostKey(ghost: GhostSettings, hash: string, version: string): { key: string; ldts: string } {
  const form = behaviourAt(AUTOMATE_DV_VERSIONS.pitGhostKey, version);
  const ghostBranch = ghost.enabled && behaviourAt(AUTOMATE_DV_VERSIONS.pitFollowsGhostRecords, version);
  const ldts = castDatetimeLiteral(ghostBranch ? '1900-01-01 00:00:00' : '1900-01-01 00:00:00.000');
  if (ghostBranch) return { key: castBinaryLiteral('0'.repeat(ghost.zeroKeyLength)), ldts };
  if (form === 'sixteen-zeros') return { key: castBinaryLiteral('0'.repeat(16)), ldts };
  const zeros = ghostZeroKeyLength(hash, version);
  if (form === 'repeat-call') return { key: `CAST(repeat('0', ${zeros}) AS BYTEA)`, ldts };
  return { key: castBinaryLiteral('0'.repeat(zeros)), ldts };
}

export function compilePit(args: BoundArguments, ctx: MacroContext): string {
  const m = 'pit';
  const pk = readSingleKey(m, args.get('src_pk'));
  const asOf = readAsOfDatesRelation(m, args.get('as_of_dates_table'), ctx);
  const satellites = readPitSatellites(args.get('satellites'), ctx);
  const stages = readStageTablesLdts(m, args.get('stage_tables_ldts'));
  const hubModel = required(m, 'source_model', readModelName(m, 'source_model', args.get('source_model')));
  const load = readLoadContext(ctx);
  const ldts = readWindowLdts(m, args, load.incremental);
  const ghost = readGhostSettings(ctx);
  const ghostKey = pitGhostKey(ghost, readHashVar(ctx), ctx.compat.version);
  // Before 0.9.7 dbt-postgres renders the default (Snowflake) pit, in the shape of the pinned release; a fork (git or
  // local) may have been adapted for PostgreSQL and keeps the later PostgreSQL logic.
  const defaultSql = ctx.compat.fork ? undefined : behaviourAt<PitDefaultSql | undefined>(AUTOMATE_DV_VERSIONS.pitDefaultSql, ctx.compat.version);
  if (defaultSql && !ghost.enabled) {
    ghostKey.key = `CAST('${'0'.repeat(16)}' AS ${defaultSql.ghostKeyType})`;
    ghostKey.ldts =
      defaultSql.ghostDate === 'timestamp-ntz'
        ? `CAST('${DEFAULT_PIT_GHOST_DATE}' AS TIMESTAMP_NTZ)`
        : `TO_TIMESTAMP('${DEFAULT_PIT_GHOST_DATE}', 'YYY-MM-DD HH24:MI:SS.MS')`;
  }
  const dependsOn = pitBridgePreamble(m, args, stages, ctx);
  const hub = ctx.ref(hubModel).render();

  return renderMacroTemplate('pit', {
    section: 'pit',
    depends_on: dependsOn,
    as_of_relation: asOf.render(),
    incremental: load.incremental,
    as_of_date_window: load.incremental ? renderAsOfDateWindow({ pk, ldts, stages, hub, target: load.target }, ctx) : '',
    hub,
    a_pk: prefixColumns([pk], 'a'),
    pk,
    satellites,
    ghost_pk: ghostKey.key,
    ghost_ldts: ghostKey.ldts,
    new_as_of_cte: load.incremental ? 'new_rows_as_of' : 'as_of_dates',
    default_sql: defaultSql !== undefined,
    sat_join: defaultSql?.join ?? 'LEFT OUTER JOIN',
    ghost_date_rows: defaultSql?.ghostDateRows ?? false,
    backfill_ghost_only: defaultSql?.backfill === 'ghost',
  });
}

/** The ghost load date of the pre-0.9.7 default pit, and the date its older forms also join satellite rows at. */
const DEFAULT_PIT_GHOST_DATE = '1900-01-01 00:00:00.000';
