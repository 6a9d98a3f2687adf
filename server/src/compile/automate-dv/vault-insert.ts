// AutomateDV's vault_insert_by_period / vault_insert_by_rank materializations (spec §6.11): the filters that replace
// the __PERIOD_FILTER__ / __RANK_FILTER__ placeholders on PostgreSQL, for a loader that runs the per-period loop, and
// the DV902 notice that the compiled SQL keeps the placeholder (`dvs load` runs the loop, server/src/load/vault-insert.ts).
import { CompileError, type MacroContext } from '../context';
import { AUTOMATE_DV_VERSIONS, behaviourAt } from '../../base/automate-dv-versions';

export const PERIOD_PLACEHOLDER = '__PERIOD_FILTER__';
export const RANK_PLACEHOLDER = '__RANK_FILTER__';

/** The units PostgreSQL's DATE_TRUNC and INTERVAL both accept; AutomateDV's config `period` names one of them. */
const PERIODS = new Set(['microsecond', 'millisecond', 'second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year', 'decade', 'century', 'millennium']);

export interface PeriodFilterOptions {
  /** config timestamp_field: a column (or expression) of the stage. */
  timestampField: string;
  /** The start of the whole load, as text PostgreSQL reads as a timestamp ('2024-01-01 00:00:00'). */
  startTimestamp: string;
  /** Which period of the loop, counted from 0. */
  offset: number;
  /** config period, default 'day'. */
  period?: string;
  /** ≤0.9.6 compares dates (ts::DATE with TO_DATE(start)); 0.9.7+ timestamps. The periodFilterForm row of the matrix. */
  form?: 'date' | 'timestamp';
}

function timestampLiteral(text: string): string {
  return `TIMESTAMP '${text.replace(/'/g, "''")}'`;
}

/**
 * The condition AutomateDV's postgres__replace_placeholder_with_period_filter puts in place of __PERIOD_FILTER__: rows
 * whose timestamp lies in period number `offset` after the start, and not before the start itself.
 */
export function periodFilter(options: PeriodFilterOptions): string {
  const period = (options.period ?? 'day').toLowerCase();
  if (!PERIODS.has(period)) {
    throw new CompileError(`vault_insert_by_period: period '${options.period}' is not a PostgreSQL date part; use one of ${[...PERIODS].join(', ')}.`, 'DV202');
  }
  if (!Number.isInteger(options.offset) || options.offset < 0) {
    throw new CompileError(`vault_insert_by_period: the period offset must be a whole number ≥ 0, got ${options.offset}.`, 'DV202');
  }
  if (options.form === 'date') return datePeriodFilter(options.timestampField, options.startTimestamp, options.offset, period);
  const ts = `${options.timestampField}::TIMESTAMP`;
  const start = timestampLiteral(options.startTimestamp);
  const shifted = `${start} + INTERVAL '${options.offset} ${period}'`;
  return (
    `${ts} >= DATE_TRUNC('${period}', ${shifted})\n` +
    `            AND ${ts} < DATE_TRUNC('${period}', ${shifted} + INTERVAL '1 ${period}')\n` +
    `            AND ${ts} >= ${start}`
  );
}

/**
 * dbtvault 0.9.0 – AutomateDV 0.9.6: the same periods compared as dates. A later run starts from MAX(timestamp_field)
 * of the table, so the rows of that whole day are selected again (the table macros then drop what they already hold,
 * except where a satellite sees a change), and a time of day in start_date is ignored.
 */
function datePeriodFilter(timestampField: string, startTimestamp: string, offset: number, period: string): string {
  const ts = `${timestampField}::DATE`;
  const start = `TO_DATE('${startTimestamp.replace(/'/g, "''")}', 'YYYY-MM-DD')`;
  const shifted = `${start} + INTERVAL '${offset} ${period}'`;
  return (
    `${ts} >= DATE_TRUNC('${period}', ${shifted})\n` +
    `            AND ${ts} < DATE_TRUNC('${period}', ${shifted} + INTERVAL '1 ${period}')\n` +
    `            AND ${ts} >= ${start}`
  );
}

/** The condition in place of __RANK_FILTER__: rows of rank `iteration` in config rank_column. */
export function rankFilter(rankColumn: string, iteration: number): string {
  if (!Number.isInteger(iteration)) throw new CompileError(`vault_insert_by_rank: the rank iteration must be a whole number, got ${iteration}.`, 'DV202');
  return `${rankColumn}::INTEGER = ${iteration}::INTEGER`;
}

/** A compiled model's SQL for one period of the loop. */
export function applyPeriodFilter(sql: string, options: PeriodFilterOptions): string {
  return sql.split(PERIOD_PLACEHOLDER).join(periodFilter(options));
}

/** A compiled model's SQL for one rank of the loop. */
export function applyRankFilter(sql: string, rankColumn: string, iteration: number): string {
  return sql.split(RANK_PLACEHOLDER).join(rankFilter(rankColumn, iteration));
}

/**
 * What dbt run says for a vault_insert_by_period (_by_rank) model where the pinned release refuses to run it on
 * PostgreSQL (the vaultInsertOnPostgres row: 0.9.0 to 0.9.6), with how to fix it; undefined where it runs.
 */
export function vaultInsertUnavailable(materialized: string, version: string): string | undefined {
  if (materialized !== 'vault_insert_by_period' && materialized !== 'vault_insert_by_rank') return undefined;
  if (behaviourAt(AUTOMATE_DV_VERSIONS.vaultInsertOnPostgres, version) !== 'unavailable') return undefined;
  return (
    `The ${materialized} materialisation is currently unavailable on Postgres: AutomateDV ${version}'s ${materialized} ` +
    'stops with this error as its first step on PostgreSQL, so dbt run fails for this model (dbt compile does not run ' +
    'it). Upgrade the pinned AutomateDV to 0.9.7 or later, or materialize the model as incremental.'
  );
}

/**
 * Reports DV902 for a table macro whose model is materialized by period or by rank: the compiled SQL keeps the
 * placeholder (as `dbt compile` shows it); `dvs load` replaces it and runs the loop, one insert per period (rank).
 * Where the pinned release refuses to run the materialization on PostgreSQL, DV200 says so instead: an error, as
 * dbt run fails, or information for a fork, which may have lifted the check.
 */
export function reportVaultInsertMaterialization(ctx: MacroContext): void {
  const materialized = ctx.configOf('materialized');
  if (materialized !== 'vault_insert_by_period' && materialized !== 'vault_insert_by_rank') return;
  const unavailable = vaultInsertUnavailable(materialized, ctx.compat.version);
  if (unavailable !== undefined) {
    ctx.report(
      ctx.compat.fork
        ? { code: 'DV200', severity: 'information', message: `${unavailable} This project's AutomateDV is a fork, which may run it; dvs runs the loop.` }
        : { code: 'DV200', severity: 'error', message: unavailable },
    );
    if (!ctx.compat.fork) return;
  }
  const placeholder = materialized === 'vault_insert_by_period' ? PERIOD_PLACEHOLDER : RANK_PLACEHOLDER;
  const unit = materialized === 'vault_insert_by_period' ? 'period' : 'rank';
  const deprecated = behaviourAt(AUTOMATE_DV_VERSIONS.vaultInsertDeprecated, ctx.compat.version) ? ` AutomateDV ${ctx.compat.version} deprecates ${materialized}.` : '';
  ctx.report({
    code: 'DV902',
    severity: 'information',
    message:
      `${materialized}: the compiled SQL keeps AutomateDV's ${placeholder} placeholder; \`dvs load\` replaces it and runs ` +
      `the per-${unit} loop, one insert per ${unit}, as AutomateDV's materialization does.${deprecated}`,
  });
}
