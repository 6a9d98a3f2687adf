// AutomateDV's vault_insert_by_period and vault_insert_by_rank materializations as dbt-postgres runs them, inside the
// model's one transaction (AutomateDV commits per period; here a failure rolls the whole model back):
// * no table yet (or a view, or --full-refresh): create the table from period 0 (rank 1) only;
// * the table exists: by period, start at MAX(timestamp_field) in the table (config start_date when it is empty), stop
//   at the end of config stop_date's day (now when unset), and insert dbt-postgres datediff(start, stop) + 1 periods one
//   after another; by rank, insert ranks 1 .. MAX(rank_column) of rank_source_models one after another.
// The SQL was compiled for this run (incremental when the table exists), so each insert sees the ones before it.
import { quoteIdent, quoteLiteral } from '../base/relation';
import { applyPeriodFilter, applyRankFilter, PERIOD_PLACEHOLDER, RANK_PLACEHOLDER } from '../compile/automate-dv/vault-insert';
import { datediff } from '../dbt/jinja-context';
import type { SqlSession } from '../warehouse/warehouse';
import { asSubquery, createTableAs, dropExisting, qualifiedName, tempName, targetColumns, type MaterializeOutcome, type RelationKind } from './ddl';
import type { LoadModel, VaultInsertConfig } from './model';

interface StartStop {
  start: string;
  stop: string | undefined;
}

function required(value: string | undefined, what: string, materialized: string): string {
  if (value === undefined || value === '') throw new Error(`${materialized} needs config ${what}`);
  return value;
}

/** AutomateDV's check_placeholder: without the placeholder every period (rank) would load everything again. */
function checkPlaceholder(model: LoadModel, sql: string, placeholder: string): void {
  if (!sql.includes(placeholder)) throw new Error(`model '${model.name}' does not include the required string '${placeholder}' in its SQL`);
}

/** A query's single value as text (NULL stays undefined). */
async function scalarText(tx: SqlSession, sql: string): Promise<Record<string, string | undefined>> {
  const row = (await tx.query(sql)).rows[0] ?? {};
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(row)) out[k] = v === null || v === undefined ? undefined : String(v);
  return out;
}

/**
 * get_start_stop_dates: config start_date (with stop_date, possibly unset) when start_date is set, else the MIN/MAX of
 * timestamp_field over date_source_models.
 */
async function startStopDates(tx: SqlSession, config: VaultInsertConfig, timestampField: string): Promise<StartStop> {
  if (config.startDate !== undefined) return { start: config.startDate, stop: config.stopDate };
  const sources = config.dateSourceModels ?? [];
  if (sources.length === 0) {
    throw new Error("vault_insert_by_period needs config start_date (and stop_date) and/or date_source_models");
  }
  const stage = sources.map((s) => `select ${timestampField} from ${s}`).join('\nunion all\n');
  const r = await scalarText(tx, `with stage as (\n${stage}\n)\nselect min(${timestampField})::text as lo, max(${timestampField})::text as hi from stage`);
  if (r.lo === undefined) throw new Error(`vault_insert_by_period: date_source_models (${sources.join(', ')}) have no ${timestampField} to start from`);
  return { start: r.lo, stop: r.hi };
}

interface PeriodBoundaries {
  start: string;
  stop: string;
  periods: number;
}

/** postgres__get_period_boundaries: resume from the latest timestamp loaded, up to the end of the stop day. */
async function periodBoundaries(tx: SqlSession, model: LoadModel, timestampField: string, dates: StartStop, period: string): Promise<PeriodBoundaries> {
  const stop = dates.stop === undefined ? 'NULL::timestamp' : `${quoteLiteral(dates.stop)}::timestamp + interval '86399999 millisecond'`;
  const r = await scalarText(
    tx,
    `with period_data as (
       select coalesce(max(${timestampField}), ${quoteLiteral(dates.start)})::timestamp as start_timestamp,
              coalesce(${stop}, now())::timestamp as stop_timestamp
       from ${qualifiedName(model.relation)}
     )
     select start_timestamp::text as start_timestamp, stop_timestamp::text as stop_timestamp,
            (${datediff('start_timestamp', 'stop_timestamp', period)} + 1)::integer as num_periods
     from period_data`,
  );
  return { start: r.start_timestamp ?? dates.start, stop: r.stop_timestamp ?? '', periods: Math.max(0, Number(r.num_periods ?? 0)) };
}

/** One batch appended to the existing table through its own temp table, the target's columns matched by name. */
async function appendBatch(tx: SqlSession, model: LoadModel, sql: string, batch: number): Promise<number> {
  const temp = quoteIdent(tempName(`${model.relation.identifier}__${batch}`));
  await tx.exec(`create temporary table ${temp} on commit drop as (\n${asSubquery(sql)}\n)`);
  const columns = (await targetColumns(tx, model.relation)).map(quoteIdent).join(', ');
  const r = await tx.exec(`insert into ${qualifiedName(model.relation)} (${columns})\n(\n  select ${columns}\n  from ${temp}\n)`);
  await tx.exec(`drop table ${temp}`);
  return r?.rowCount ?? 0;
}

async function byPeriod(tx: SqlSession, model: LoadModel, sql: string, incremental: boolean, existing: RelationKind | undefined): Promise<MaterializeOutcome> {
  const config = model.vaultInsert ?? {};
  const timestampField = required(config.timestampField, 'timestamp_field', 'vault_insert_by_period');
  const period = (config.period ?? 'day').toLowerCase();
  const form = config.periodFilterForm ?? 'timestamp';
  checkPlaceholder(model, sql, PERIOD_PLACEHOLDER);
  const dates = await startStopDates(tx, config, timestampField);
  if (!incremental) {
    await dropExisting(tx, model.relation, existing);
    const rows = await createTableAs(tx, model.relation, applyPeriodFilter(sql, { timestampField, startTimestamp: dates.start, offset: 0, period, form }));
    return { rows, message: `base load: ${period} 1 from ${dates.start}` };
  }
  const bounds = await periodBoundaries(tx, model, timestampField, dates, period);
  const counts: number[] = [];
  for (let offset = 0; offset < bounds.periods; offset++) {
    counts.push(await appendBatch(tx, model, applyPeriodFilter(sql, { timestampField, startTimestamp: bounds.start, offset, period, form }), offset));
  }
  const total = counts.reduce((a, b) => a + b, 0);
  return {
    rows: total,
    message: `${bounds.periods} ${period} period(s) from ${bounds.start} to ${bounds.stop}; rows per ${period}: ${counts.join(', ') || 'none'}`,
  };
}

/** get_min_max_ranks: the highest rank over rank_source_models (the loop runs 1 .. that rank). */
async function maxRank(tx: SqlSession, config: VaultInsertConfig, rankColumn: string): Promise<number> {
  const sources = config.rankSourceModels ?? [];
  if (sources.length === 0) throw new Error('vault_insert_by_rank needs config rank_source_models');
  const stage = sources.map((s) => `select ${rankColumn} from ${s}`).join('\nunion all\n');
  const r = await scalarText(tx, `with stage as (\n${stage}\n)\nselect max(${rankColumn})::text as hi from stage`);
  const hi = Number(r.hi ?? 0);
  if (!Number.isFinite(hi)) throw new Error(`vault_insert_by_rank: the highest ${rankColumn} is not a number (${r.hi})`);
  return Math.max(0, Math.trunc(hi));
}

async function byRank(tx: SqlSession, model: LoadModel, sql: string, incremental: boolean, existing: RelationKind | undefined): Promise<MaterializeOutcome> {
  const config = model.vaultInsert ?? {};
  const rankColumn = required(config.rankColumn, 'rank_column', 'vault_insert_by_rank');
  checkPlaceholder(model, sql, RANK_PLACEHOLDER);
  const highest = await maxRank(tx, config, rankColumn);
  if (!incremental) {
    await dropExisting(tx, model.relation, existing);
    const rows = await createTableAs(tx, model.relation, applyRankFilter(sql, rankColumn, 1));
    return { rows, message: 'base load: rank 1' };
  }
  const counts: number[] = [];
  for (let rank = 1; rank <= highest; rank++) counts.push(await appendBatch(tx, model, applyRankFilter(sql, rankColumn, rank), rank));
  return { rows: counts.reduce((a, b) => a + b, 0), message: `ranks 1 to ${highest} of ${rankColumn}; rows per rank: ${counts.join(', ') || 'none'}` };
}

/** Runs the per-period or per-rank loop of a vault_insert_by_* model inside the model's transaction `tx`. */
export function runVaultInsert(tx: SqlSession, model: LoadModel, sql: string, incremental: boolean, existing: RelationKind | undefined): Promise<MaterializeOutcome> {
  // AutomateDV 0.9.0-0.9.6 raise before anything else when they run on PostgreSQL; nothing is built, as in dbt.
  if (model.vaultInsert?.unavailable !== undefined) return Promise.reject(new Error(model.vaultInsert.unavailable));
  return model.materialized === 'vault_insert_by_rank' ? byRank(tx, model, sql, incremental, existing) : byPeriod(tx, model, sql, incremental, existing);
}
