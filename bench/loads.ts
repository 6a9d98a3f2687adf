// Benchmark part `loads`: the first load of three hubs, a link and a satellite from a million raw rows, against the
// bare-SQL floor (the same tables written by one hand-written CREATE TABLE AS each, on the same database), then an
// incremental run after 1% new rows; on PGlite (file-backed, as the embedded target) and on a PostgreSQL server.
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModelsFor } from '../server/src/engine/load';
import { ProjectSession } from '../server/src/engine/session';
import { runLoad } from '../server/src/load/run';
import type { LoadSummary } from '../server/src/load/model';
import { openPostgres } from '../server/src/warehouse/pgserver';
import { openPglite } from '../server/src/warehouse/pglite';
import type { Warehouse } from '../server/src/warehouse/warehouse';
import { connectionOf, dropDatabase, freshDatabase } from '../test/reliability/pg-server';
import { createRawOrders, expectedVaultCounts, rawOrdersInsert, vaultCounts, vaultDuplicates, writeOrdersProject } from '../test/reliability/vault-project';
import { msSince, type Figure, type PartResult } from './figures';

/** AutomateDV's hash of one column on PostgreSQL (MD5, upper-cased trimmed text, bytea). */
const hash = (col: string) => `decode(md5(nullif(upper(trim(cast(${col} as varchar))), '')), 'hex')`;
const part = (col: string) => `coalesce(nullif(upper(trim(cast(${col} as varchar))), ''), '^^')`;
const LOAD_DATE = `_airbyte_extracted_at at time zone 'UTC'`;

/** The same vault tables from raw in one statement each: the least SQL that does the same work. */
const FLOOR_SQL = [
  `create table floor.hub_order as select distinct on (order_hk) order_hk, order_id, load_date, record_source from (
     select ${hash('id')} as order_hk, id as order_id, ${LOAD_DATE} as load_date, 'RAW.ORDERS' as record_source from raw.orders) s
     where order_hk is not null order by order_hk, load_date`,
  `create table floor.hub_customer as select distinct on (customer_hk) customer_hk, customer_id, load_date, record_source from (
     select ${hash('customer_id')} as customer_hk, customer_id, ${LOAD_DATE} as load_date, 'RAW.ORDERS' as record_source from raw.orders) s
     where customer_hk is not null order by customer_hk, load_date`,
  `create table floor.hub_product as select distinct on (product_hk) product_hk, product_id, load_date, record_source from (
     select ${hash('product_id')} as product_hk, product_id, ${LOAD_DATE} as load_date, 'RAW.ORDERS' as record_source from raw.orders) s
     where product_hk is not null order by product_hk, load_date`,
  `create table floor.link_order as select distinct on (order_link_hk) order_link_hk, order_hk, customer_hk, product_hk, load_date, record_source from (
     select decode(md5(concat_ws('||', ${part('id')}, ${part('customer_id')}, ${part('product_id')})), 'hex') as order_link_hk,
            ${hash('id')} as order_hk, ${hash('customer_id')} as customer_hk, ${hash('product_id')} as product_hk,
            ${LOAD_DATE} as load_date, 'RAW.ORDERS' as record_source from raw.orders) s
     order by order_link_hk, load_date`,
  `create table floor.sat_order as select distinct on (order_hk, order_hashdiff) * from (
     select ${hash('id')} as order_hk,
            decode(md5(concat_ws('||', ${part('amount')}, ${part("created_at at time zone 'UTC'")}, ${part('status')})), 'hex') as order_hashdiff,
            amount, status, created_at at time zone 'UTC' as created_at_utc, ${LOAD_DATE} as load_date, 'RAW.ORDERS' as record_source
     from raw.orders) s
     order by order_hk, order_hashdiff, load_date`,
];

/**
 * How many (first load, floor) pairs the first mode measures: DVS_BENCH_FIRST_LOAD_PAIRS, by default 3 (1 in quick
 * runs, set by benchLoads).
 */
let pairsSetting = 3;
function firstLoadPairs(): number {
  return Math.max(1, Math.round(Number(process.env.DVS_BENCH_FIRST_LOAD_PAIRS ?? '') || pairsSetting));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

interface DatabaseFigures {
  figures: Figure[];
  notes: string[];
}

function modelTimes(summary: LoadSummary): string {
  return summary.results.map((r) => `${r.model} ${(r.ms / 1000).toFixed(1)} s`).join(', ');
}

function insertedRows(summary: LoadSummary): number {
  return summary.results.filter((r) => r.materialized !== 'view').reduce((n, r) => n + (r.rows ?? 0), 0);
}

/** The projects of one database: the same vault with high-water marks and indexes (on) and without (off). */
interface Projects {
  on: string;
  off: string;
  env: Record<string, string>;
}

async function resetAll(wh: Warehouse): Promise<void> {
  await wh.exec('drop schema if exists raw cascade; drop schema if exists stg cascade; drop schema if exists dds cascade; drop schema if exists floor cascade; drop schema if exists dvs_state cascade');
}

async function timedLoad(label: string, what: string, wh: Warehouse, dir: string, env: Record<string, string>): Promise<{ ms: number; summary: LoadSummary }> {
  const session = new ProjectSession(dir, { env });
  const start = process.hrtime.bigint();
  const summary = await runLoad(wh, loadModelsFor(session, session.models()));
  const ms = msSince(start);
  if (!summary.ok) throw new Error(`${label}: ${what} failed: ${JSON.stringify(summary.results.filter((r) => r.status !== 'success'))}`);
  return { ms, summary };
}

/** The batch of 1 % new rows after the first load: half new orders, half orders sent again with a changed status. */
function onePercent(rows: number, customers: number, products: number, at: string, from = rows + 1): { sql: string; added: number } {
  const added = Math.max(1, Math.round(rows / 100));
  const fresh = Math.ceil(added / 2);
  return { sql: rawOrdersInsert({ from, to: from + fresh - 1, extractedAt: at, customers, products, changed: added - fresh }), added };
}

/**
 * One mode (marks on or off) on a fresh raw table: first load, 1 % new rows and an incremental run, then a re-run with
 * nothing new. The floor is measured once, in the first mode, on the same raw rows.
 */
async function benchMode(label: string, mode: 'on' | 'off', wh: Warehouse, projects: Projects, rows: number, floorMs: { value?: number }): Promise<DatabaseFigures> {
  const figures: Figure[] = [];
  const notes: string[] = [];
  const tag = `${label}, marks ${mode}`;
  const customers = Math.max(10, Math.round(rows / 20));
  const products = 1000;
  const dir = mode === 'on' ? projects.on : projects.off;
  await resetAll(wh);
  await createRawOrders(wh);
  const start = process.hrtime.bigint();
  await wh.exec(rawOrdersInsert({ from: 1, to: rows, extractedAt: '2024-06-01T00:00:00Z', customers, products }));
  await wh.exec('analyze raw.orders');
  if (floorMs.value === undefined) figures.push({ name: `${label}: generate ${rows.toLocaleString('en')} raw rows (generate_series)`, value: msSince(start) / 1000, unit: 's' });

  let first = await timedLoad(tag, 'the first load', wh, dir, projects.env);
  let firstMs = first.ms;
  let firstNote = modelTimes(first.summary);

  if (floorMs.value === undefined) {
    const floorOnce = async (): Promise<number> => {
      const at = process.hrtime.bigint();
      await wh.exec('create schema floor');
      for (const sql of FLOOR_SQL) await wh.exec(sql);
      return msSince(at);
    };
    const floors = [await floorOnce()];
    const loads = [first.ms];
    const vault = await vaultCounts(wh);
    const floor = await wh.query(`select (select count(*) from floor.hub_order)::int as hub_order, (select count(*) from floor.hub_customer)::int as hub_customer,
      (select count(*) from floor.hub_product)::int as hub_product, (select count(*) from floor.link_order)::int as link_order, (select count(*) from floor.sat_order)::int as sat_order`);
    const floorCounts = Object.fromEntries(Object.entries(floor.rows[0] ?? {}).map(([k, v]) => [k, Number(v)]));
    notes.push(JSON.stringify(vault) === JSON.stringify(floorCounts) ? `${label}: vault and floor hold the same row counts ${JSON.stringify(vault)}` : `${label}: row counts differ, vault ${JSON.stringify(vault)} vs floor ${JSON.stringify(floorCounts)}`);
    await wh.exec('drop schema floor cascade');
    // More pairs of a first load from scratch and the floor, alternating which runs first, on the same raw rows: one
    // pair on a machine shared with other work swings by ±15 %, so the ratio is of the medians.
    for (let pair = 1; pair < firstLoadPairs(); pair++) {
      await wh.exec('drop schema if exists stg cascade; drop schema if exists dds cascade; drop schema if exists dvs_state cascade');
      const measureFloor = async () => {
        floors.push(await floorOnce());
        await wh.exec('drop schema floor cascade');
      };
      if (pair % 2 === 1) await measureFloor();
      first = await timedLoad(tag, 'the first load', wh, dir, projects.env);
      loads.push(first.ms);
      if (pair % 2 === 0) await measureFloor();
    }
    floorMs.value = median(floors);
    firstMs = median(loads);
    const each = (values: number[]) => (values.length > 1 ? `median of ${values.length} (${values.map((v) => (v / 1000).toFixed(1)).join(', ')} s)` : '');
    if (loads.length > 1) firstNote = `${each(loads)}; last: ${modelTimes(first.summary)}`;
    figures.push({ name: `${label}: bare-SQL floor (same tables, one CREATE TABLE AS each, no indexes)`, value: floorMs.value / 1000, unit: 's', ...(floors.length > 1 ? { note: each(floors) } : {}) });
  }
  figures.push({ name: `${tag}: first load`, value: firstMs / 1000, unit: 's', note: firstNote });
  figures.push({ name: `${tag}: first load ÷ floor`, value: firstMs / floorMs.value, unit: '×' });

  const batch = onePercent(rows, customers, products, '2024-06-02T00:00:00Z');
  await wh.exec(batch.sql);
  await wh.exec('analyze raw.orders');
  const incremental = await timedLoad(tag, 'the incremental load', wh, dir, projects.env);
  figures.push({ name: `${tag}: incremental run after 1% new rows (${batch.added.toLocaleString('en')})`, value: incremental.ms / 1000, unit: 's', note: modelTimes(incremental.summary) });
  figures.push({ name: `${tag}: incremental ÷ first load`, value: incremental.ms / firstMs, unit: '×' });
  const expected = await expectedVaultCounts(wh);
  const now = await vaultCounts(wh);
  const duplicates = await vaultDuplicates(wh);
  notes.push(
    JSON.stringify(expected) === JSON.stringify(now) && duplicates === 0
      ? `${tag}: after the incremental run the vault holds exactly what raw implies (${now.sat_order} satellite rows), no duplicates`
      : `${tag}: after the incremental run the vault differs from raw: expected ${JSON.stringify(expected)}, found ${JSON.stringify(now)}, ${duplicates} duplicates`,
  );

  const rerun = await timedLoad(tag, 'the re-run', wh, dir, projects.env);
  figures.push({ name: `${tag}: re-run with no new rows`, value: rerun.ms / 1000, unit: 's', note: `${insertedRows(rerun.summary).toLocaleString('en')} rows inserted; ${modelTimes(rerun.summary)}` });
  figures.push({ name: `${tag}: re-run ÷ first load`, value: rerun.ms / firstMs, unit: '×' });
  figures.push({ name: `${tag}: rows the re-run inserted`, value: insertedRows(rerun.summary), unit: 'rows' });
  return { figures, notes };
}

async function benchDatabase(label: string, wh: Warehouse, projects: Projects, rows: number): Promise<DatabaseFigures> {
  const floorMs: { value?: number } = {};
  const on = await benchMode(label, 'on', wh, projects, rows, floorMs);
  const off = await benchMode(label, 'off', wh, projects, rows, floorMs);
  return { figures: [...on.figures, ...off.figures], notes: [...on.notes, ...off.notes] };
}

/**
 * With marks on: a first load of `size` raw rows, then `runs` incremental runs of `perRun` new rows each. The runs cost
 * what is new: their time should stay flat from 100k to 3M rows of history.
 */
async function scaling(label: string, wh: Warehouse, projects: Projects, sizes: number[], runs: number, perRun: number): Promise<DatabaseFigures> {
  const figures: Figure[] = [];
  const notes: string[] = [];
  for (const size of sizes) {
    const customers = Math.max(10, Math.round(size / 20));
    await resetAll(wh);
    await createRawOrders(wh);
    await wh.exec(rawOrdersInsert({ from: 1, to: size, extractedAt: '2024-06-01T00:00:00Z', customers, products: 1000 }));
    // As a DBA would: the new rows are then found through the index instead of a scan of all history.
    await wh.exec('create index on raw.orders (_airbyte_extracted_at); analyze raw.orders');
    const first = await timedLoad(label, `the first load of ${size}`, wh, projects.on, projects.env);
    const times: number[] = [];
    let next = size + 1;
    for (let run = 1; run <= runs; run++) {
      const at = new Date(Date.UTC(2024, 5, 2, run)).toISOString();
      const batch = onePercent(perRun * 100, customers, 1000, at, next);
      next += Math.ceil(batch.added / 2);
      await wh.exec(batch.sql);
      const r = await timedLoad(label, `incremental run ${run} over ${size}`, wh, projects.on, projects.env);
      times.push(r.ms);
    }
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    const sizeText = `${(size / 1000).toLocaleString('en')}k`;
    figures.push({ name: `${label} scaling, ${sizeText} raw rows: first load`, value: first.ms / 1000, unit: 's' });
    figures.push({ name: `${label} scaling, ${sizeText} raw rows: incremental run (${runs} runs of ${perRun.toLocaleString('en')} new rows), mean`, value: mean / 1000, unit: 's', note: `min ${(Math.min(...times) / 1000).toFixed(2)} s, max ${(Math.max(...times) / 1000).toFixed(2)} s, last ${((times[times.length - 1] ?? 0) / 1000).toFixed(2)} s` });
    figures.push({ name: `${label} scaling, ${sizeText} raw rows: mean incremental run ÷ first load`, value: mean / first.ms, unit: '×' });
    const expected = await expectedVaultCounts(wh);
    const now = await vaultCounts(wh);
    const duplicates = await vaultDuplicates(wh);
    if (JSON.stringify(expected) !== JSON.stringify(now) || duplicates !== 0) notes.push(`${label} scaling ${sizeText}: the vault differs from raw: expected ${JSON.stringify(expected)}, found ${JSON.stringify(now)}, ${duplicates} duplicates`);
  }
  return { figures, notes };
}

/** apply_source_filter=true makes each incremental satellite run compare every staged row with the satellite's latest
 *  row for its key (AutomateDV writes a correlated subquery, quadratic; dvs a join); this measures how that grows. */
async function sourceFilterScaling(wh: Warehouse, dir: string, sizes: number[]): Promise<Figure[]> {
  const figures: Figure[] = [];
  writeOrdersProject(dir, { sourceFilter: true });
  for (const rows of sizes) {
    await wh.exec('drop schema if exists raw cascade; drop schema if exists stg cascade; drop schema if exists dds cascade');
    await createRawOrders(wh);
    await wh.exec(rawOrdersInsert({ from: 1, to: rows, extractedAt: '2024-06-01T00:00:00Z', customers: Math.max(10, rows / 20), products: 100 }));
    const session = new ProjectSession(dir, { env: {} });
    await runLoad(wh, loadModelsFor(session, session.models()));
    await wh.exec(rawOrdersInsert({ from: rows + 1, to: rows + rows / 100, extractedAt: '2024-06-02T00:00:00Z', customers: Math.max(10, rows / 20), products: 100 }));
    const summary = await runLoad(wh, loadModelsFor(session, session.models()));
    const sat = summary.results.find((r) => r.model === 'sat_order');
    figures.push({ name: `PGlite: incremental sat_order with apply_source_filter, ${rows.toLocaleString('en')} rows`, value: (sat?.ms ?? NaN) / 1000, unit: 's' });
  }
  return figures;
}

export interface LoadsOptions {
  quick: boolean;
  /** A PostgreSQL server (maintenance URL); undefined skips the server half. */
  serverUrl: string | undefined;
  postgresVersion?: string;
}

export async function benchLoads(options: LoadsOptions): Promise<PartResult> {
  // DVS_BENCH_LOAD_ROWS and DVS_BENCH_SCALING (comma-separated sizes) shrink the run on a busy machine;
  // DVS_BENCH_SCALING=none leaves out the scaling tables (and PGlite's apply_source_filter table), and
  // DVS_BENCH_LOAD_DATABASES=postgres (or pglite) measures one database only: e.g. the first load ÷ floor on
  // PostgreSQL alone at a million rows takes about two minutes instead of the whole part's 8-15.
  const rows = Number(process.env.DVS_BENCH_LOAD_ROWS ?? '') || (options.quick ? 100_000 : 1_000_000);
  pairsSetting = options.quick ? 1 : 3;
  const noScaling = process.env.DVS_BENCH_SCALING?.trim() === 'none';
  const databases = (process.env.DVS_BENCH_LOAD_DATABASES ?? 'pglite,postgres').split(',').map((d) => d.trim().toLowerCase());
  const sizes = (process.env.DVS_BENCH_SCALING ?? '').split(',').map(Number).filter((n) => n > 0);
  const scalingSizes = sizes.length ? sizes : options.quick ? [20_000, 50_000, 100_000] : [100_000, 1_000_000, 3_000_000];
  const perRun = Math.max(100, Math.round(rows / 100));
  const runs = 10;
  const base = join(tmpdir(), 'dvs-bench', 'loads');
  rmSync(base, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  const figures: Figure[] = [];
  const notes: string[] = [];

  const projectsIn = (dir: string, server?: NonNullable<Parameters<typeof writeOrdersProject>[1]>['server'], env: Record<string, string> = {}): Projects => {
    const on = join(dir, 'marks-on');
    const off = join(dir, 'marks-off');
    writeOrdersProject(on, { highWaterMark: true, indexes: true, ...(server ? { server } : {}) });
    writeOrdersProject(off, server ? { server } : {});
    return { on, off, env };
  };

  if (databases.includes('pglite')) {
    const embeddedDir = join(base, 'embedded');
    mkdirSync(embeddedDir, { recursive: true });
    const embedded = projectsIn(embeddedDir);
    const pglite = await openPglite(join(embeddedDir, 'pglite'));
    try {
      for (const r of [await benchDatabase('PGlite', pglite, embedded, rows), ...(noScaling ? [] : [await scaling('PGlite', pglite, embedded, scalingSizes, runs, perRun)])]) {
        figures.push(...r.figures);
        notes.push(...r.notes);
      }
      await resetAll(pglite);
      if (!noScaling) figures.push(...(await sourceFilterScaling(pglite, join(base, 'filtered'), options.quick ? [2_000, 4_000] : [5_000, 10_000, 20_000])));
    } finally {
      await pglite.close();
    }
  }

  if (options.serverUrl && databases.includes('postgres')) {
    const name = 'dvs_bench_loads';
    const url = await freshDatabase(options.serverUrl, name);
    const c = connectionOf(url);
    const server = projectsIn(join(base, 'server'), { host: c.host, port: c.port, user: c.user, dbname: c.dbname, passwordEnvVar: 'DVS_BENCH_PASSWORD' }, { DVS_BENCH_PASSWORD: c.password });
    const wh = await openPostgres({ host: c.host, port: c.port, user: c.user, password: c.password, dbname: c.dbname, sslmode: 'disable' });
    try {
      for (const r of [await benchDatabase('PostgreSQL', wh, server, rows), ...(noScaling ? [] : [await scaling('PostgreSQL', wh, server, scalingSizes, runs, perRun)])]) {
        figures.push(...r.figures);
        notes.push(...r.notes);
      }
    } finally {
      await wh.close();
      await dropDatabase(options.serverUrl, name);
    }
  } else if (!options.serverUrl) {
    notes.push('No PostgreSQL server: set DVS_BENCH_PG_URL (or install Debian\'s postgresql for a throwaway cluster).');
  }
  notes.push('Marks on: config dvs_high_water_mark with raw.orders\' loaded_at_field, and dbt-postgres indexes on the hub/link keys and on the satellite key + load date (as the sample project); each run stages the stage view\'s rows for the raw rows above the mark once, into a table all five models read (from 100,000 staged rows only the columns they read; on PostgreSQL an unlogged table, hashed by parallel workers; on PGlite a temporary table kept in memory, each business key normalised once per row for all the hashes that use it), and an incremental run gives a vault table without statistics some on its indexed columns (PGlite runs no autovacuum) and plans its anti-joins with random_page_cost 1.1, so they probe the keys\' indexes instead of reading all history. Marks off: AutomateDV\'s behaviour unchanged, every run hashes all of raw once per model.');
  notes.push('The satellite uses AutomateDV\'s default (no apply_source_filter). With marks off, a run over the full-history stage inserts older versions again (the re-run\'s rows; warning DV514); with marks on the stage holds only the new rows, as AutomateDV assumes.');
  notes.push('In the first table raw.orders has no index: finding the new rows scans it once per run. The scaling table adds an index on raw.orders(_airbyte_extracted_at), as a DBA would, so a run touches only the new rows and the vault tables\' indexes.');
  return {
    part: 'loads',
    title: 'Loads: first load, bare-SQL floor, incremental, high-water marks on and off, scaling',
    date: new Date().toISOString(),
    quick: options.quick,
    setup: `raw.orders with ${rows.toLocaleString('en')} rows (generate_series), 1% new rows per incremental run; ${noScaling ? 'no scaling table' : `scaling: ${scalingSizes.map((n) => n.toLocaleString('en')).join(', ')} raw rows, ${runs} runs of ${perRun.toLocaleString('en')} new rows each, marks on`}; models: stage view, hub_order, hub_customer, hub_product, link_order, sat_order (test/reliability/vault-project.ts); runLoad on ${databases.includes('pglite') ? 'PGlite (file-backed)' : ''}${databases.includes('pglite') && options.serverUrl && databases.includes('postgres') ? ' and ' : ''}${options.serverUrl && databases.includes('postgres') ? `PostgreSQL ${options.postgresVersion ?? ''} (throwaway cluster, fsync off)` : ''}.`,
    figures,
    notes,
  };
}
