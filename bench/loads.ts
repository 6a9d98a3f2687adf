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

interface DatabaseFigures {
  figures: Figure[];
  notes: string[];
}

function modelTimes(summary: LoadSummary): string {
  return summary.results.map((r) => `${r.model} ${(r.ms / 1000).toFixed(1)} s`).join(', ');
}

async function benchDatabase(label: string, wh: Warehouse, dir: string, env: Record<string, string>, rows: number): Promise<DatabaseFigures> {
  const figures: Figure[] = [];
  const notes: string[] = [];
  const customers = Math.max(10, Math.round(rows / 20));
  const products = 1000;
  await wh.exec('drop schema if exists raw cascade; drop schema if exists stg cascade; drop schema if exists dds cascade; drop schema if exists floor cascade');
  await createRawOrders(wh);
  let start = process.hrtime.bigint();
  await wh.exec(rawOrdersInsert({ from: 1, to: rows, extractedAt: '2024-06-01T00:00:00Z', customers, products }));
  await wh.exec('analyze raw.orders');
  figures.push({ name: `${label}: generate ${rows.toLocaleString('en')} raw rows (generate_series)`, value: msSince(start) / 1000, unit: 's' });

  const session = new ProjectSession(dir, { env });
  start = process.hrtime.bigint();
  const first = await runLoad(wh, loadModelsFor(session, session.models()));
  const firstMs = msSince(start);
  if (!first.ok) throw new Error(`${label}: the first load failed: ${JSON.stringify(first.results.filter((r) => r.status !== 'success'))}`);
  figures.push({ name: `${label}: first load (stage view, 3 hubs, link, satellite)`, value: firstMs / 1000, unit: 's', note: modelTimes(first) });

  start = process.hrtime.bigint();
  await wh.exec('create schema floor');
  for (const sql of FLOOR_SQL) await wh.exec(sql);
  const floorMs = msSince(start);
  figures.push({ name: `${label}: bare-SQL floor (same tables, one CREATE TABLE AS each)`, value: floorMs / 1000, unit: 's' });
  figures.push({ name: `${label}: first load ÷ floor`, value: firstMs / floorMs, unit: '×' });

  const vault = await vaultCounts(wh);
  const floor = await wh.query(`select (select count(*) from floor.hub_order)::int as hub_order, (select count(*) from floor.hub_customer)::int as hub_customer,
    (select count(*) from floor.hub_product)::int as hub_product, (select count(*) from floor.link_order)::int as link_order, (select count(*) from floor.sat_order)::int as sat_order`);
  const floorCounts = Object.fromEntries(Object.entries(floor.rows[0] ?? {}).map(([k, v]) => [k, Number(v)]));
  if (JSON.stringify(vault) !== JSON.stringify(floorCounts)) notes.push(`${label}: row counts differ, vault ${JSON.stringify(vault)} vs floor ${JSON.stringify(floorCounts)}`);
  else notes.push(`${label}: vault and floor hold the same row counts ${JSON.stringify(vault)}`);

  const added = Math.max(1, Math.round(rows / 100));
  const fresh = Math.ceil(added / 2);
  await wh.exec(rawOrdersInsert({ from: rows + 1, to: rows + fresh, extractedAt: '2024-06-02T00:00:00Z', customers, products, changed: added - fresh }));
  await wh.exec('analyze raw.orders');
  start = process.hrtime.bigint();
  const incremental = await runLoad(wh, loadModelsFor(session, session.models()));
  const incrementalMs = msSince(start);
  if (!incremental.ok) throw new Error(`${label}: the incremental load failed: ${JSON.stringify(incremental.results.filter((r) => r.status !== 'success'))}`);
  figures.push({ name: `${label}: incremental run after 1% new rows (${added.toLocaleString('en')})`, value: incrementalMs / 1000, unit: 's', note: modelTimes(incremental) });
  figures.push({ name: `${label}: incremental ÷ first load`, value: incrementalMs / firstMs, unit: '×' });
  const expected = await expectedVaultCounts(wh);
  const now = await vaultCounts(wh);
  const duplicates = await vaultDuplicates(wh);
  notes.push(
    JSON.stringify(expected) === JSON.stringify(now) && duplicates === 0
      ? `${label}: after the incremental run the vault holds exactly what raw implies (${now.sat_order} satellite rows), no duplicates`
      : `${label}: after the incremental run the vault differs from raw: expected ${JSON.stringify(expected)}, found ${JSON.stringify(now)}, ${duplicates} duplicates`,
  );
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
  const rows = options.quick ? 100_000 : 1_000_000;
  const base = join(tmpdir(), 'dvs-bench', 'loads');
  rmSync(base, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  const figures: Figure[] = [];
  const notes: string[] = [];

  const embeddedDir = join(base, 'embedded');
  writeOrdersProject(embeddedDir);
  mkdirSync(join(embeddedDir, '.dvs'), { recursive: true });
  const pglite = await openPglite(join(embeddedDir, '.dvs', 'pglite'));
  try {
    const r = await benchDatabase('PGlite', pglite, embeddedDir, {}, rows);
    figures.push(...r.figures);
    notes.push(...r.notes);
    figures.push(...(await sourceFilterScaling(pglite, join(base, 'filtered'), options.quick ? [2_000, 4_000] : [5_000, 10_000, 20_000])));
  } finally {
    await pglite.close();
  }

  if (options.serverUrl) {
    const name = 'dvs_bench_loads';
    const url = await freshDatabase(options.serverUrl, name);
    const c = connectionOf(url);
    const serverDir = join(base, 'server');
    writeOrdersProject(serverDir, { server: { host: c.host, port: c.port, user: c.user, dbname: c.dbname, passwordEnvVar: 'DVS_BENCH_PASSWORD' } });
    const wh = await openPostgres({ host: c.host, port: c.port, user: c.user, password: c.password, dbname: c.dbname, sslmode: 'disable' });
    try {
      const r = await benchDatabase('PostgreSQL', wh, serverDir, { DVS_BENCH_PASSWORD: c.password }, rows);
      figures.push(...r.figures);
      notes.push(...r.notes);
    } finally {
      await wh.close();
      await dropDatabase(options.serverUrl, name);
    }
  } else {
    notes.push('No PostgreSQL server: set DVS_BENCH_PG_URL (or install Debian\'s postgresql for a throwaway cluster).');
  }
  notes.push('An incremental run costs about as much as the first load: the stage is a view over every raw row, so each run hashes all of raw again and the hubs, link and satellite compare the whole staged set with their tables; only the rows written shrink.');
  notes.push('The satellite uses AutomateDV\'s default (no apply_source_filter). With apply_source_filter=true each incremental run compares every staged row with its key\'s latest satellite row; AutomateDV writes that as a correlated MAX subquery (quadratic), dvs as a join with the same rows, so the cost grows linearly (figures above).');
  return {
    part: 'loads',
    title: 'Loads: first load, bare-SQL floor, incremental',
    date: new Date().toISOString(),
    quick: options.quick,
    setup: `raw.orders with ${rows.toLocaleString('en')} rows (generate_series); models: stage view, hub_order, hub_customer, hub_product, link_order, sat_order (test/reliability/vault-project.ts); runLoad on PGlite (file-backed)${options.serverUrl ? ` and PostgreSQL ${options.postgresVersion ?? ''} (throwaway cluster, fsync off)` : ''}.`,
    figures,
    notes,
  };
}
