// High-water marks (config dvs_high_water_mark) on PGlite and on a PostgreSQL server: ten appended syncs loaded one by
// one hold what AutomateDV holds when its stage has only each sync's rows, and what one load of all ten holds; a re-run
// with nothing new inserts nothing; a load cut in the middle keeps each model's rows and mark together; the stage is
// staged once per run for all its readers; dbt-postgres `indexes` are created.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProjectSession } from '../../server/src/engine/session';
import { checkProject } from '../../server/src/engine/check';
import { loadModelsFor } from '../../server/src/engine/load';
import { runLoad } from '../../server/src/load/run';
import { filterableStage } from '../../server/src/load/high-water';
import type { LoadSummary } from '../../server/src/load/model';
import { openPglite } from '../../server/src/warehouse/pglite';
import { openPostgres } from '../../server/src/warehouse/pgserver';
import type { Warehouse } from '../../server/src/warehouse/warehouse';
import { connectionOf, dropDatabase, freshDatabase, testServer, waitFor, withClient, type TestServer } from '../reliability/pg-server';
import { createRawOrders, expectedVaultCounts, rawOrdersInsert, vaultCounts, vaultDuplicates, writeOrdersProject } from '../reliability/vault-project';

const TABLES = ['hub_order', 'hub_customer', 'hub_product', 'link_order', 'sat_order'];
const dirs: string[] = [];
const databases: string[] = [];

/** A new database on the PostgreSQL server for one test (dropped after the file), with a warehouse open on it. */
async function serverDatabase(prefix: string): Promise<{ wh: Warehouse; url: string }> {
  const name = `${prefix}_${process.pid}`;
  databases.push(name);
  const url = await freshDatabase(server.url, name);
  const c = connectionOf(url);
  const wh = await openPostgres({ host: c.host, port: c.port, user: c.user, password: c.password, dbname: c.dbname, sslmode: 'disable' });
  return { wh, url };
}
let server: TestServer;

before(async () => {
  server = await testServer();
});

after(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  for (const db of databases) await dropDatabase(server.url, db);
  server.stop();
});

const PASSWORD_ENV = 'DVS_HWM_PASSWORD';

/** A database to load into and the project settings that point at it (a server target names its database). */
interface Db {
  wh: Warehouse;
  url?: string;
}

function project(options: Parameters<typeof writeOrdersProject>[1], db: Db): string {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-hwm-'));
  dirs.push(dir);
  const c = db.url ? connectionOf(db.url) : undefined;
  writeOrdersProject(dir, { ...options, ...(c ? { server: { host: c.host, port: c.port, user: c.user, dbname: c.dbname, passwordEnvVar: PASSWORD_ENV } } : {}) });
  return dir;
}

function envFor(db: Db): Record<string, string> {
  return db.url ? { [PASSWORD_ENV]: connectionOf(db.url).password } : {};
}

async function load(db: Db, dir: string, fullRefresh = false, narrowFrom?: number): Promise<LoadSummary> {
  const wh = db.wh;
  const session = new ProjectSession(dir, { env: envFor(db) });
  const summary = await runLoad(wh, loadModelsFor(session, session.models()), { fullRefresh, ...(narrowFrom !== undefined ? { narrowFrom } : {}) });
  assert.ok(summary.ok, JSON.stringify(summary.results.filter((r) => r.status !== 'success')));
  return summary;
}

/** Sync k of ten: 100 new orders and, from the second sync on, orders 1..10k sent again with a changed status. */
function sync(k: number): string {
  return rawOrdersInsert({
    from: (k - 1) * 100 + 1,
    to: k * 100,
    extractedAt: `2024-06-01T${String(k).padStart(2, '0')}:00:00Z`,
    customers: 40,
    products: 9,
    changed: k > 1 ? 10 * k : 0,
  });
}

/** Every row of every vault table, as text in a fixed order: two vaults are equal when these are. */
async function contents(wh: Warehouse): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const t of TABLES) {
    const r = await wh.query(`select t::text as row from dds.${t} t order by 1`);
    out[t] = r.rows.map((row) => String(row.row));
  }
  return out;
}

async function marks(wh: Warehouse): Promise<Record<string, string>> {
  const r = await wh.query(`select model_name, mark from dvs_state.high_water_marks order by 1`);
  return Object.fromEntries(r.rows.map((row) => [String(row.model_name), String(row.mark)]));
}

/** A statement that stages rows (see load/high-water.ts). */
const STAGING = /^create (unlogged|temporary) table/;

async function stageTablesLeft(wh: Warehouse): Promise<number> {
  // Unlogged tables in dvs_state on a server, temporary ones on the embedded database.
  const r = await wh.query(`select count(*)::int as n from pg_catalog.pg_tables where (schemaname = 'dvs_state' or schemaname like 'pg\\_temp\\_%') and tablename like 'stage%'`);
  return Number(r.rows[0]?.n);
}

interface Databases {
  open(name: string): Promise<Db>;
}

async function tenSyncs(dbs: Databases): Promise<void> {
  const a = await dbs.open('one_by_one');
  const b = await dbs.open('only_new');
  const c = await dbs.open('all_at_once');
  const [oneByOne, onlyNew, allAtOnce] = [a.wh, b.wh, c.wh];
  const marked = project({ highWaterMark: true, indexes: true }, a);
  const plain = project({}, b);
  const markedAll = project({ highWaterMark: true, indexes: true }, c);
  try {
    for (const wh of [oneByOne, onlyNew, allAtOnce]) await createRawOrders(wh);
    for (let k = 1; k <= 10; k++) {
      await oneByOne.exec(sync(k));
      // Loaded one by one with the staged table narrowed to the columns its readers read (as a large stage would be).
      const summary = await load(a, marked, false, 0);
      assert.ok(summary.results.flatMap((r) => r.executedSql ?? []).some((s) => /_stg_orders" as \(\nselect "[^\n]* from \(\n/.test(s)), 'the staged table is narrowed');
      assert.equal(await stageTablesLeft(oneByOne), 0, 'the run drops its stage tables');
      // The stage is staged once: its first reader ran the staging statements, the others reuse the table.
      const staging = summary.results.map((r) => (r.executedSql ?? []).filter((s) => STAGING.test(s)).length);
      assert.ok(summary.results.flatMap((r) => r.executedSql ?? []).filter((s) => STAGING.test(s)).every((s) => s.startsWith(oneByOne.kind === 'embedded' ? 'create temporary table pg_temp."stage_' : 'create unlogged table "dvs_state"."stage_')), 'the embedded database stages into temporary tables, a server into unlogged ones');
      // The embedded database normalises each business key once per row for all hashes (load/hash-inputs.ts); a server
      // leaves the hashing to its parallel workers.
      const stagings = summary.results.flatMap((r) => r.executedSql ?? []).filter((s) => STAGING.test(s) && /_stg_orders" as \(/.test(s));
      assert.ok(stagings.length > 0 && stagings.every((s) => s.includes('AS dvs_hash_input_') === (oneByOne.kind === 'embedded')), `hash inputs shared on the embedded database only:\n${stagings.join('\n')}`);
      assert.deepEqual(staging.slice(1), [k === 1 ? 1 : 2, 0, 0, 0, 0], `staging statements per model in sync ${k}: ${staging}`);
      // AutomateDV's own behaviour with a stage holding only the new sync, the feature off.
      await onlyNew.exec('truncate raw.orders');
      await onlyNew.exec(sync(k));
      await load(b, plain);
      await allAtOnce.exec(sync(k));
    }
    await load(c, markedAll);

    const expected = await contents(onlyNew);
    assert.deepEqual(await contents(oneByOne), expected, 'one by one with marks = AutomateDV over a stage of only the new rows');
    assert.deepEqual(await contents(allAtOnce), expected, 'one load of all ten = ten loads one by one');
    assert.deepEqual(await vaultCounts(oneByOne), await expectedVaultCounts(oneByOne));
    assert.equal(await vaultDuplicates(oneByOne), 0);
    const last = await marks(oneByOne);
    assert.deepEqual(Object.keys(last), TABLES.slice().sort());
    assert.deepEqual(last, await marks(allAtOnce), 'both hold the newest sync as their mark');

    // Nothing new: every model inserts nothing and the marks stay.
    const rerun = await load(a, marked, false, 0);
    for (const r of rerun.results.filter((x) => x.model !== 'stg_orders')) assert.equal(r.rows, 0, `${r.model} inserted nothing: ${r.message}`);
    assert.deepEqual(await contents(oneByOne), expected);
    assert.deepEqual(await marks(oneByOne), last);

    // --full-refresh rebuilds from everything and sets the same marks again.
    await load(a, marked, true, 0);
    assert.deepEqual(await contents(oneByOne), expected);
    assert.deepEqual(await marks(oneByOne), last);

    // dbt-postgres indexes: created with the table, there after the incremental runs.
    const idx = await oneByOne.query(`select tablename, indexdef from pg_catalog.pg_indexes where schemaname = 'dds' order by 1, 2`);
    const defs = idx.rows.map((r) => `${r.tablename}: ${String(r.indexdef).replace(/INDEX \S+ ON/, 'INDEX ON')}`);
    assert.ok(defs.includes('hub_order: CREATE UNIQUE INDEX ON dds.hub_order USING btree (order_hk)'), defs.join('\n'));
    assert.ok(defs.includes('sat_order: CREATE INDEX ON dds.sat_order USING btree (order_hk, load_date)'), defs.join('\n'));
  } finally {
    for (const wh of [oneByOne, onlyNew, allAtOnce]) await wh.close();
  }
}

test('PGlite: ten syncs loaded one by one with marks = AutomateDV over only the new rows = one load of all ten; a re-run inserts nothing', async () => {
  await tenSyncs({ open: async () => ({ wh: await openPglite(undefined) }) });
});

test('PostgreSQL: ten syncs loaded one by one with marks = AutomateDV over only the new rows = one load of all ten; a re-run inserts nothing', async () => {
  await tenSyncs({
    open: async (name) => {
      const db = `dvs_hwm_${name}_${process.pid}`;
      databases.push(db);
      const url = await freshDatabase(server.url, db);
      const c = connectionOf(url);
      return { url, wh: await openPostgres({ host: c.host, port: c.port, user: c.user, password: c.password, dbname: c.dbname, sslmode: 'disable' }) };
    },
  });
});

test('PostgreSQL: a backend terminated in the middle of a marked load keeps that model\'s old rows and old mark; the re-run completes', async () => {
  const db = await serverDatabase('dvs_hwm_cut');
  const { wh, url } = db;
  const dir = project({ highWaterMark: true }, db);
  try {
    await createRawOrders(wh);
    await wh.exec(sync(1));
    await load(db, dir);
    const before = { marks: await marks(wh), counts: await vaultCounts(wh) };
    await wh.exec(sync(2));

    const pg = await import('pg');
    const holder = new pg.default.Client({ connectionString: url });
    holder.on('error', () => undefined);
    await holder.connect();
    await holder.query('begin');
    await holder.query('lock table dds.hub_order in share mode');
    const session = new ProjectSession(dir, { env: envFor(db) });
    const running = runLoad(wh, loadModelsFor(session, session.models()));
    const pid = await waitFor(
      () =>
        withClient(url, async (client) => {
          // The model's first statement on its table that waits: the INSERT (an ANALYZE skips a locked table).
          const r = await client.query(`select pid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query ilike '%insert into "dds"."hub_order"%'`);
          return r.rows[0] ? Number(r.rows[0].pid) : undefined;
        }),
      'a statement on dds.hub_order to wait',
    );
    await withClient(server.url, (client) => client.query('select pg_terminate_backend($1)', [pid]));
    await holder.query('rollback');
    await holder.end();
    const summary = await running;
    assert.equal(summary.results.find((r) => r.model === 'hub_order')?.status, 'error');
    const now = await marks(wh);
    assert.equal(now.hub_order, before.marks.hub_order, 'the cut model keeps its old mark');
    assert.equal((await vaultCounts(wh)).hub_order, before.counts.hub_order, 'and its old rows');
    assert.notEqual(now.sat_order, before.marks.sat_order, 'the models that completed moved their marks');
    assert.equal(await stageTablesLeft(wh), 0);

    await load(db, dir);
    assert.deepEqual(await vaultCounts(wh), await expectedVaultCounts(wh));
    assert.equal(await vaultDuplicates(wh), 0);
    assert.equal((await marks(wh)).hub_order, (await marks(wh)).sat_order);
  } finally {
    await wh.close();
  }
});

test('a stage is filtered only where filtering its source filters its rows the same way', () => {
  const src = '"db"."raw"."orders"';
  assert.ok('at' in filterableStage(`with source_data as (select a, b from ${src}\n), x as (select * from source_data) select * from x`, src));
  assert.match((filterableStage(`select a, row_number() over (partition by a order by b) as r from ${src}`, src) as { reason: string }).reason, /OVER/);
  assert.match((filterableStage(`select * from ${src} as s`, src) as { reason: string }).reason, /alias/);
  assert.match((filterableStage(`select * from ${src} union all select * from ${src}`, src) as { reason: string }).reason, /more than once/);
  assert.match((filterableStage(`select distinct a from ${src}`, src) as { reason: string }).reason, /DISTINCT/);
  assert.match((filterableStage(`select * from "db"."raw"."other"`, src) as { reason: string }).reason, /does not read/);
});

test('DV514: an incremental satellite over a raw table that keeps every sync warns until apply_source_filter or a high-water mark is on', () => {
  const findings = (options: Parameters<typeof writeOrdersProject>[1]): string[] => {
    const dir = mkdtempSync(join(tmpdir(), 'dvs-hwm-check-'));
    dirs.push(dir);
    writeOrdersProject(dir, options);
    const result = checkProject(new ProjectSession(dir, { env: {} }));
    return result.files.flatMap((f) => f.diagnostics.filter((d) => d.code === 'DV514').map((d) => `${f.file.split('/').pop()}: ${d.severity}: ${d.message}`));
  };
  const plain = findings({});
  assert.equal(plain.length, 1, plain.join('\n'));
  assert.match(plain[0] ?? '', /^sat_order\.sql: warning: stg_orders reads raw\.orders/);
  assert.match(plain[0] ?? '', /apply_source_filter=true/);
  assert.match(plain[0] ?? '', /loaded_at_field .*dvs_high_water_mark: true/);
  assert.deepEqual(findings({ sourceFilter: true }), []);
  assert.deepEqual(findings({ highWaterMark: true }), []);
});

/** Vault row counts implied by the raw rows up to `mark` (a model's own mark), per table. */
async function countsUpTo(wh: Warehouse, table: string, mark: string): Promise<number> {
  const expr: Record<string, string> = {
    hub_order: 'count(distinct id)',
    hub_customer: 'count(distinct customer_id)',
    hub_product: 'count(distinct product_id)',
    link_order: 'count(distinct (id, customer_id, product_id))',
    sat_order: 'count(distinct (id, amount, status, created_at))',
  };
  const r = await wh.query(`select ${expr[table]}::int as n from raw.orders where _airbyte_extracted_at <= cast($1 as timestamptz)`, [mark]);
  return Number(r.rows[0]?.n);
}

interface DvsLoadRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  stdout: string;
}

/** `dvs load` of `dir` on the embedded target in a fresh process (dist/cli.js); killed once stderr matches `killAt`. */
async function dvsLoad(dir: string, options: { killAt?: RegExp; extra?: string[] } = {}): Promise<DvsLoadRun> {
  const { spawn } = await import('node:child_process');
  const cli = join(__dirname, '..', '..', 'dist', 'cli.js');
  return new Promise<DvsLoadRun>((resolve) => {
    const child = spawn(process.execPath, [cli, 'load', '--project', dir, '--target', 'embedded', ...(options.extra ?? [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      if (options.killAt && options.killAt.test(stderr) && !child.killed) child.kill('SIGKILL');
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stderr, stdout });
    });
  });
}

test('kill -9 of a marked `dvs load` on the embedded database: every model\'s rows match its mark, and the re-run completes', async () => {
  const { mkdirSync } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'dvs-hwm-kill-'));
  dirs.push(dir);
  writeOrdersProject(dir, { highWaterMark: true, indexes: true });
  const dataDir = join(dir, '.dvs', 'pglite');
  mkdirSync(join(dir, '.dvs'), { recursive: true });
  const run = (killAt?: RegExp, extra: string[] = []) => dvsLoad(dir, { ...(killAt ? { killAt } : {}), extra });
  const withDb = async <T>(fn: (wh: Warehouse) => Promise<T>): Promise<T> => {
    const wh = await openPglite(dataDir);
    try {
      return await fn(wh);
    } finally {
      await wh.close();
    }
  };
  await withDb(async (wh) => {
    await createRawOrders(wh);
    await wh.exec(rawOrdersInsert({ from: 1, to: 3000, extractedAt: '2024-06-01T00:00:00Z', customers: 300, products: 30 }));
  });
  const first = await run();
  assert.equal(first.code, 0, first.stderr);
  await withDb((wh) => wh.exec(rawOrdersInsert({ from: 3001, to: 6000, extractedAt: '2024-06-02T00:00:00Z', customers: 300, products: 30, changed: 500 })));
  // Killed once the second vault model has started: the first may have committed its rows and mark, the second not.
  const killed = await run(/START\s+hub_order/);
  assert.equal(killed.signal, 'SIGKILL', `the load was killed mid-run: ${killed.stderr}`);
  await withDb(async (wh) => {
    const marksNow = await marks(wh);
    const counts = await vaultCounts(wh);
    for (const t of TABLES) {
      const mark = marksNow[t];
      assert.ok(mark, `${t} has a mark from the first load`);
      assert.equal(counts[t], await countsUpTo(wh, t, mark), `${t} holds exactly the rows up to its mark ${mark}`);
    }
  });
  const rerun = await run(undefined, ['--explain']);
  assert.equal(rerun.code, 0, rerun.stderr);
  // --explain shows what ran: the stage's new rows staged once, and the model reading them instead of the view.
  assert.match(rerun.stdout, /-- hub_customer: stg_orders: rows of raw\.orders with _airbyte_extracted_at after [^\n]*\ncreate temporary table pg_temp\."stage_/);
  assert.match(rerun.stdout, /-- sat_order: [^\n]*\n[^]*from pg_temp\."stage_[^"]*_stg_orders" as a/i);
  await withDb(async (wh) => {
    assert.deepEqual(await vaultCounts(wh), await expectedVaultCounts(wh));
    assert.equal(await vaultDuplicates(wh), 0);
    assert.equal(new Set(Object.values(await marks(wh))).size, 1, 'every model reached the newest sync');
    assert.equal(await stageTablesLeft(wh), 0, 'the stage tables of the killed run are gone');
  });
});

test('PGlite: a stage with ranked columns is read whole (filtering would change its ranks), once per run for all readers, and no mark is kept', async () => {
  const { readFileSync, writeFileSync } = await import('node:fs');
  const wh = await openPglite(undefined);
  const db = { wh };
  const marked = project({ highWaterMark: true }, db);
  const plainDb = { wh: await openPglite(undefined) };
  const plain = project({}, plainDb);
  for (const dir of [marked, plain]) {
    const file = join(dir, 'models', 'stg', 'stg_orders.sql');
    const text = readFileSync(file, 'utf8').replace('{%- endset -%}', "ranked_columns:\n  ORDER_RANK:\n    partition_by: 'ORDER_ID'\n    order_by: 'LOAD_DATE'\n{%- endset -%}").replace('ranked_columns=none', "ranked_columns=metadata_dict['ranked_columns']");
    writeFileSync(file, text);
  }
  try {
    for (const d of [db, plainDb]) await createRawOrders(d.wh);
    let last: LoadSummary | undefined;
    for (let k = 1; k <= 3; k++) {
      for (const d of [db, plainDb]) await d.wh.exec(sync(k));
      last = await load(db, marked);
      await load(plainDb, plain);
    }
    const hub = last?.results.find((r) => r.model === 'hub_customer');
    assert.match(hub?.message ?? '', /stg_orders: all rows \(its rows depend on other rows \(OVER\)/);
    assert.ok((hub?.executedSql ?? []).some((s) => /create (unlogged|temporary) table [^\n]* as \(\n(select [^\n]* from \(\n)?select \* from "postgres"\."stg"\."stg_orders"/.test(s)), 'the first reader copies the view once');
    assert.ok((last?.results.find((r) => r.model === 'sat_order')?.executedSql ?? []).every((s) => !STAGING.test(s)), 'later readers reuse the copy');
    assert.deepEqual(await marks(wh), {}, 'no mark for a stage read whole');
    assert.deepEqual(await contents(wh), await contents(plainDb.wh), 'the same rows as without the option');
  } finally {
    await wh.close();
    await plainDb.wh.close();
  }
});

test('dbt-postgres indexes: create statements as dbt-postgres writes them, names stable, plain names folded, methods checked', async () => {
  const { createIndexSql } = await import('../../server/src/load/materialize');
  const { Relation } = await import('../../server/src/base/relation');
  const rel = new Relation('db', 'dds', 'hub_x');
  const unique = createIndexSql(rel, { columns: ['HUB_HK'], unique: true });
  assert.match(unique, /^create unique index if not exists "[0-9a-f]{32}" on "dds"\."hub_x" \("hub_hk"\)$/);
  assert.equal(createIndexSql(rel, { columns: ['HUB_HK'], unique: true }), unique, 'the same index gets the same name');
  assert.match(createIndexSql(rel, { columns: ['a', 'lower(b)'], type: 'hash' }), / using hash \("a", lower\(b\)\)$/);
  assert.notEqual(createIndexSql(rel, { columns: ['a'] }).match(/"[0-9a-f]{32}"/)?.[0], createIndexSql(rel, { columns: ['a'], unique: true }).match(/"[0-9a-f]{32}"/)?.[0]);
  assert.throws(() => createIndexSql(rel, { columns: ['a'], type: 'btree; drop table x' }), /not an index method name/);
});

test('PostgreSQL: the staged rows compute each hash once per row (five hashed columns, five MD5 calls in the plan)', async () => {
  const db = await serverDatabase('dvs_hwm_plan');
  const { wh } = db;
  const dir = project({ highWaterMark: true }, db);
  try {
    await createRawOrders(wh);
    await wh.exec(sync(1));
    await load(db, dir);
    await wh.exec(sync(2));
    const summary = await load(db, dir);
    const statements = summary.results.find((r) => r.model === 'hub_customer')?.executedSql ?? [];
    // The run dropped its tables: create the new rows' copy again and ask for the staging SELECT's plan.
    const copy = statements.find((s) => /_new_rows" as \(/.test(s));
    const stage = statements.find((s) => /_stg_orders" as \(/.test(s));
    assert.ok(copy && stage, statements.join('\n'));
    await wh.exec(copy);
    const select = stage.replace(/^create unlogged table [^\n]* as \(\n/, '').replace(/\n\)$/, '');
    const plan = (await wh.query(`explain (verbose, costs off) ${select}`)).rows.map((r) => String(Object.values(r)[0])).join('\n');
    assert.equal((plan.match(/md5\(/g) ?? []).length, 5, plan);
  } finally {
    await wh.close();
  }
});

test('PostgreSQL: a marked first load lets parallel workers share each reader\'s sort of the staged rows', async () => {
  const db = await serverDatabase('dvs_hwm_sorts');
  const { wh } = db;
  const dir = project({ highWaterMark: true, indexes: true }, db);
  try {
    await createRawOrders(wh);
    // Enough rows for a staged table above PostgreSQL's smallest table for parallel workers (8 MB).
    await wh.exec(rawOrdersInsert({ from: 1, to: 100_000, extractedAt: '2024-06-01T00:00:00Z', customers: 5000, products: 100 }));
    const summary = await load(db, dir);
    for (const model of TABLES) {
      const ran = summary.results.find((r) => r.model === model)?.executedSql ?? [];
      assert.equal(ran[ran.length - 2], 'set local parallel_tuple_cost = 0', `${model} ran\n${ran.join('\n')}`);
    }
    // The run dropped its staged table: stage it again as the first reader did, and ask for a hub's plan.
    for (const s of summary.results.find((r) => r.model === 'hub_customer')?.executedSql ?? []) {
      if (/^create unlogged table/.test(s)) await wh.exec(s);
    }
    const hub = summary.results.find((r) => r.model === 'hub_product')?.executedSql ?? [];
    const plan = await wh.transaction(async (tx) => {
      await tx.exec('set local parallel_tuple_cost = 0');
      const r = await tx.query(`explain (format json) ${hub[hub.length - 1] ?? ''}`);
      return String(Object.values(r.rows[0] ?? {})[0]);
    });
    assert.match(plan, /"Workers Planned": [1-9]/, plan);
    // The first load stays a full load: no anti-join against the (new, empty) vault tables, all rows inserted.
    assert.deepEqual(await vaultCounts(wh), await expectedVaultCounts(wh));
  } finally {
    await wh.close();
  }
});

test('PostgreSQL: an incremental run does not wait for a lock on a vault table to give it statistics (an autovacuum holds that lock)', async () => {
  const db = await serverDatabase('dvs_hwm_skip');
  const { wh, url } = db;
  const dir = project({ highWaterMark: true, indexes: true }, db);
  const pg = await import('pg');
  const holder = new pg.default.Client({ connectionString: url });
  holder.on('error', () => undefined);
  try {
    await createRawOrders(wh);
    await wh.exec(sync(1));
    await load(db, dir);
    await wh.exec(sync(2));
    // No statistics, and a lock that ANALYZE waits for but an INSERT does not (what VACUUM and ANALYZE take).
    await wh.exec(`alter table dds.sat_order set (autovacuum_enabled = off); delete from pg_catalog.pg_statistic where starelid = 'dds.sat_order'::regclass`);
    await holder.connect();
    await holder.query('begin');
    await holder.query('lock table dds.sat_order in share update exclusive mode');
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<'waited'>((resolve) => {
      timer = setTimeout(() => resolve('waited'), 60_000);
    });
    const summary = await Promise.race([load(db, dir), waited]);
    clearTimeout(timer);
    await holder.query('rollback');
    assert.notEqual(summary, 'waited', 'the run waited for the lock on dds.sat_order');
    if (summary === 'waited') return;
    const sat = summary.results.find((r) => r.model === 'sat_order')?.executedSql ?? [];
    assert.ok(sat.some((s) => /^analyze \(skip_locked\) "dds"\."sat_order"/.test(s)), sat.join('\n'));
    assert.deepEqual(await vaultCounts(wh), await expectedVaultCounts(wh));
    assert.equal(await vaultDuplicates(wh), 0);
  } finally {
    await holder.end().catch(() => undefined);
    await wh.close();
  }
});

test('`dvs load` as a client of an embedded database another process owns (the editor): the staged rows live in the shared session, the vault is right, nothing is left behind', async () => {
  const { openEmbedded } = await import('../../server/src/warehouse/embedded');
  const dir = mkdtempSync(join(tmpdir(), 'dvs-hwm-client-'));
  dirs.push(dir);
  writeOrdersProject(dir, { highWaterMark: true, indexes: true });
  // This process owns and serves the database, as the language server does; the CLI connects to it.
  const wh = await openEmbedded(join(dir, '.dvs', 'pglite'));
  try {
    await createRawOrders(wh);
    await wh.exec(sync(1));
    const first = await dvsLoad(dir);
    assert.equal(first.code, 0, first.stderr);
    await wh.exec(sync(2));
    const second = await dvsLoad(dir);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(await vaultCounts(wh), await expectedVaultCounts(wh));
    assert.equal(await vaultDuplicates(wh), 0);
    assert.equal(await stageTablesLeft(wh), 0, 'the client dropped its staged tables in the shared session');
  } finally {
    await wh.close();
  }
});
