// The staged table of a marked load holds only the stage's columns its readers read, as PostgreSQL resolves the
// readers' SQL (filter-only columns, `*`, whole-row references), once it stages enough rows for that to pay; a reader
// whose SQL reads a column the table lacks gets a table of every column; an incremental run gives the vault table statistics when it has none. On PGlite and on a
// PostgreSQL server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Relation } from '../../server/src/base/relation';
import type { LoadModel, LoadSummary, StageInput } from '../../server/src/load/model';
import { runLoad } from '../../server/src/load/run';
import { openPglite } from '../../server/src/warehouse/pglite';
import { openPostgres } from '../../server/src/warehouse/pgserver';
import type { Warehouse } from '../../server/src/warehouse/warehouse';
import { connectionOf, dropDatabase, freshDatabase, testServer, type TestServer } from '../reliability/pg-server';

let server: TestServer;
const databases: string[] = [];

before(async () => {
  server = await testServer();
});

after(async () => {
  for (const db of databases) await dropDatabase(server.url, db);
  server.stop();
});

const SOURCE = '"src"."events"';
const STAGE_RELATION = '"stg"."stg_events"';
/** A stage as AutomateDV writes one: the source's columns, a derived column and a hash, row by row. */
const STAGE_SQL = `with source_data as (
    select id, kind, note, payload, loaded_at from ${SOURCE}
),
hashed as (
    select id, kind, note, payload, loaded_at, 'SRC' as record_source, decode(md5(cast(id as varchar)), 'hex') as event_hk
    from source_data
)
select * from hashed`;

/** Narrowing from the first row: these stages are small, and narrowing is what is tested. */
const NARROW = { narrowFrom: 0 };

function stage(): StageInput {
  return {
    name: 'stg_events',
    relation: STAGE_RELATION,
    sql: async () => STAGE_SQL,
    source: { name: 'src.events', relation: SOURCE, identifier: 'events', loadedAtField: 'loaded_at' },
  };
}

/** An incremental model over the stage whose SQL is `sql(stage relation)` (or a different text per call). */
function reader(name: string, sql: (calls: number) => string): LoadModel {
  let calls = 0;
  return {
    name,
    relation: new Relation('db', 'vault', name),
    materialized: 'incremental',
    dependsOn: [],
    highWaterMark: true,
    stages: [stage()],
    sql: () => sql(++calls),
  };
}

async function seed(wh: Warehouse, from: number, to: number, at: string): Promise<void> {
  await wh.exec(`create schema if not exists src;
    create table if not exists src.events (id int, kind text, note text, payload text, loaded_at timestamptz);
    insert into src.events select g, 'k' || (g % 3), 'n' || g, repeat('x', 50), '${at}' from generate_series(${from}, ${to}) g`);
}

/** The column list of the statement that created the staged table, or '*' when it kept every column. */
function stagedColumns(summary: LoadSummary): string {
  const create = summary.results.flatMap((r) => r.executedSql ?? []).find((s) => /_stg_events" as \(/.test(s)) ?? '';
  const narrowed = /as \(\nselect ([^\n]*) from \(\n/.exec(create);
  return narrowed?.[1] ?? '*';
}

async function columnsCase(open: () => Promise<Warehouse>, autovacuum: boolean): Promise<void> {
  const wh = await open();
  try {
    await seed(wh, 1, 50, '2024-06-01T00:00:00Z');
    // A filter-only column (kind) counts; note, payload and loaded_at are read by nobody.
    const a = { ...reader('a', () => `select event_hk, id, record_source from ${STAGE_RELATION} where kind is not null`), indexes: [{ columns: ['EVENT_HK'] }] };
    const b = reader('b', () => `with s as (select rr.event_hk from ${STAGE_RELATION} as rr) select * from s`);
    // A few rows: probing the readers would cost more than the columns left out save, so the table keeps them all.
    let summary = await runLoad(wh, [a, b]);
    assert.ok(summary.ok, JSON.stringify(summary.results));
    assert.equal(stagedColumns(summary), '*');
    await wh.exec('drop schema vault cascade; drop schema dvs_state cascade');

    summary = await runLoad(wh, [a, b], NARROW);
    assert.ok(summary.ok, JSON.stringify(summary.results));
    assert.equal(stagedColumns(summary), '"id", "kind", "record_source", "event_hk"');
    const rows = await wh.query(`select count(*)::int as n, count(distinct event_hk)::int as keys from vault.a`);
    assert.deepEqual(rows.rows[0], { n: '50', keys: '50' });

    // `*` from the stage reads every column.
    await wh.exec('drop schema vault cascade; drop schema dvs_state cascade');
    const star = reader('c', () => `select * from ${STAGE_RELATION}`);
    summary = await runLoad(wh, [a, star], NARROW);
    assert.ok(summary.ok, JSON.stringify(summary.results));
    assert.equal(stagedColumns(summary), '*');

    // A whole-row reference reads every column too (its value is the whole row).
    await wh.exec('drop schema vault cascade; drop schema dvs_state cascade');
    const whole = reader('d', () => `select md5(s::text) as row_hash from ${STAGE_RELATION} as s`);
    summary = await runLoad(wh, [a, whole], NARROW);
    assert.ok(summary.ok, JSON.stringify(summary.results));
    assert.equal(stagedColumns(summary), '*');
    const expected = await wh.query(`select md5(s::text) as h from (${STAGE_SQL}) s order by 1`);
    const loaded = await wh.query(`select row_hash as h from vault.d order by 1`);
    assert.deepEqual(loaded.rows, expected.rows, 'the whole row hashed is the stage row');

    // A reader whose SQL at its own run reads more than when the first reader probed it gets a table of every column.
    await wh.exec('drop schema vault cascade; drop schema dvs_state cascade');
    const changing = reader('e', (calls) => (calls === 1 ? `select event_hk from ${STAGE_RELATION}` : `select event_hk, note from ${STAGE_RELATION}`));
    summary = await runLoad(wh, [a, changing], NARROW);
    assert.ok(summary.ok, JSON.stringify(summary.results));
    const e = summary.results.find((r) => r.model === 'e');
    assert.ok((e?.executedSql ?? []).some((s) => /create (unlogged|temporary) table [^\n]* as \(\nwith source_data/.test(s)), `e staged every column: ${e?.executedSql?.join('\n')}`);
    const notes = await wh.query(`select count(note)::int as n from vault.e`);
    assert.equal(Number(notes.rows[0]?.n), 50);
    const left = await wh.query(`select count(*)::int as n from pg_catalog.pg_tables where (schemaname = 'dvs_state' or schemaname like 'pg\\_temp\\_%') and tablename like 'stage%'`);
    assert.equal(Number(left.rows[0]?.n), 0, 'both staged tables are dropped');

    // The incremental run: a vault table without statistics gets them on its indexed columns first, and says so.
    await seed(wh, 51, 60, '2024-06-02T00:00:00Z');
    // Indexes configured after e's table was built: dbt never checked their columns, so one that is not there is
    // left out of the statistics rather than failing the run.
    const later = { ...changing, indexes: [{ columns: ['NOTE'] }, { columns: ['NO_SUCH_COLUMN'] }] };
    summary = await runLoad(wh, [a, later], NARROW);
    assert.ok(summary.ok, JSON.stringify(summary.results));
    const ranA = summary.results.find((r) => r.model === 'a')?.executedSql ?? [];
    const stats = await wh.query(`select exists (select 1 from pg_catalog.pg_stats where schemaname = 'vault' and tablename = 'a') as analyzed`);
    assert.ok(stats.rows[0]?.analyzed === true || stats.rows[0]?.analyzed === 't', 'vault.a has statistics');
    // PGlite runs no autovacuum, so only this run can have analyzed it; a server's autovacuum may have been first.
    if (!autovacuum) assert.ok(ranA.includes('analyze (skip_locked) "vault"."a" ("event_hk")'), ranA.join('\n'));
    const ranE = summary.results.find((r) => r.model === 'e')?.executedSql ?? [];
    if (!autovacuum) assert.ok(ranE.includes('analyze (skip_locked) "vault"."e" ("note")'), ranE.join('\n'));
    assert.ok(!ranE.some((s) => /no_such_column/.test(s) && s.startsWith('analyze')), ranE.join('\n'));
    assert.equal(Number((await wh.query(`select count(*)::int as n from vault.a`)).rows[0]?.n), 60);
    summary = await runLoad(wh, [a, later], NARROW);
    assert.ok(!(summary.results.find((r) => r.model === 'a')?.executedSql ?? []).some((s) => /^analyze (\(skip_locked\) )?"vault"/.test(s)), 'a table with statistics is not analyzed again');
  } finally {
    await wh.close();
  }
}

test('PGlite: the staged table holds the columns the readers read (filters, `*`, whole rows), a reader that reads more gets every column', async () => {
  await columnsCase(() => openPglite(undefined), false);
});

test('PostgreSQL: the staged table holds the columns the readers read (filters, `*`, whole rows), a reader that reads more gets every column', async () => {
  const name = `dvs_stage_columns_${process.pid}`;
  databases.push(name);
  const url = await freshDatabase(server.url, name);
  const c = connectionOf(url);
  await columnsCase(() => openPostgres({ host: c.host, port: c.port, user: c.user, password: c.password, dbname: c.dbname, sslmode: 'disable' }), true);
});

/** Rows the plan read from `table` (actual rows × loops over every node that scans it). */
function rowsRead(plan: unknown, table: string): number {
  let n = 0;
  const visit = (node: Record<string, unknown>) => {
    if (node['Relation Name'] === table) n += Number(node['Actual Rows'] ?? 0) * Number(node['Actual Loops'] ?? 1);
    for (const child of (node['Plans'] as Record<string, unknown>[] | undefined) ?? []) visit(child);
  };
  const root = (Array.isArray(plan) ? plan[0] : plan) as { Plan: Record<string, unknown> };
  visit(root.Plan);
  return n;
}

test('PGlite: an incremental satellite run probes the key index for the batch instead of reading all history (statistics + index-probe costs)', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { ProjectSession } = await import('../../server/src/engine/session');
  const { loadModelsFor } = await import('../../server/src/engine/load');
  const { createRawOrders, rawOrdersInsert, writeOrdersProject } = await import('../reliability/vault-project');
  const dir = mkdtempSync(join(tmpdir(), 'dvs-probe-'));
  writeOrdersProject(dir, { highWaterMark: true, indexes: true });
  const wh = await openPglite(undefined);
  try {
    await createRawOrders(wh);
    await wh.exec(rawOrdersInsert({ from: 1, to: 30000, extractedAt: '2024-06-01T00:00:00Z', customers: 1500, products: 100 }));
    const session = new ProjectSession(dir, { env: {} });
    assert.ok((await runLoad(wh, loadModelsFor(session, session.models()))).ok);
    await wh.exec(rawOrdersInsert({ from: 30001, to: 30100, extractedAt: '2024-06-02T00:00:00Z', customers: 1500, products: 100, changed: 100 }));
    const summary = await runLoad(wh, loadModelsFor(session, session.models()));
    assert.ok(summary.ok, JSON.stringify(summary.results));
    const sat = summary.results.find((r) => r.model === 'sat_order')?.executedSql ?? [];
    assert.ok(sat.includes('set local random_page_cost = 1.1'), sat.join('\n'));
    assert.ok(sat.some((s) => /^analyze \(skip_locked\) "dds"\."sat_order" \("order_hk", "load_date"\)$/.test(s)), `PGlite has no autovacuum: the run gave sat_order statistics\n${sat.join('\n')}`);
    // The run dropped its staged tables: stage the batch again as its first reader did, and ask for the plan.
    for (const s of summary.results.find((r) => r.model === 'hub_customer')?.executedSql ?? []) {
      if (/^create (unlogged|temporary) table|^analyze "dvs_state"/.test(s)) await wh.exec(s);
    }
    const readerSql = sat[sat.length - 1] ?? '';
    const readWith = async (setup: string) =>
      wh.transaction(async (tx) => {
        if (setup) await tx.exec(setup);
        const r = await tx.query(`explain (analyze, format json) ${readerSql}`);
        return rowsRead(JSON.parse(String(Object.values(r.rows[0] ?? {})[0])), 'sat_order');
      });
    const total = Number((await wh.query('select count(*)::int as n from dds.sat_order')).rows[0]?.n);
    const prepared = await readWith('set local random_page_cost = 1.1');
    assert.ok(prepared < total / 10, `with the run's preparation the satellite's anti-join reads ${prepared} of its ${total} rows`);
    // The same query as a run without the preparation planned it (no statistics, the default cost) reads all history.
    await wh.exec(`delete from pg_catalog.pg_statistic where starelid = 'dds.sat_order'::regclass`);
    const unprepared = await readWith('');
    assert.ok(unprepared >= total - 200, `without it, ${unprepared} of ${total} rows`);
  } finally {
    await wh.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
