// Before 0.9.7 eff_sat, ma_sat, pit and bridge have no PostgreSQL template and dbt-postgres renders their default
// (Snowflake) SQL. The defaultTableSqlOnPostgres row says where that SQL fails; dvs reports an error exactly there
// (always, or on the incremental run), a warning where it runs or depends on the PostgreSQL version, and information
// for a fork. eff_sat, ma_sat, pit and bridge render that default SQL (the text checked here is what each release
// renders). The SQL constructs behind the row are checked on PostgreSQL itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { AUTOMATE_DV_VERSIONS, behaviourAt } from '../../server/src/base/automate-dv-versions';
import { compileMacro } from '../../server/src/compile/automate-dv';
import { CompileError } from '../../server/src/compile/context';
import { compatForVersion } from '../../server/src/project/packages';
import { fixtureContext, kwargs, type FixtureOptions } from '../compile/context-fixture';

const CALLS: Record<string, Record<string, unknown>> = {
  eff_sat: { src_pk: 'LK', src_dfk: ['HK1'], src_sfk: ['HK2'], src_start_date: 'S', src_end_date: 'E', src_eff: 'EFF', src_ldts: 'LDTS', src_source: 'SRC', source_model: 'stg_t' },
  ma_sat: { src_pk: 'HK', src_cdk: ['CDK'], src_hashdiff: 'HD', src_payload: ['NAME'], src_ldts: 'LDTS', src_source: 'SRC', source_model: 'stg_t' },
  pit: {
    src_pk: 'HK',
    as_of_dates_table: 'as_of',
    satellites: { sat_a: { pk: { PK: 'HK' }, ldts: { LDTS: 'LDTS' } } },
    stage_tables_ldts: { stg_t: 'LDTS' },
    src_ldts: 'LDTS',
    source_model: 'hub',
  },
  bridge: {
    src_pk: 'HK',
    as_of_dates_table: 'as_of',
    bridge_walk: {
      A_B: {
        bridge_link_pk: 'LINK_A_B_HK',
        bridge_end_date: 'EFF_SAT_A_B_ENDDATE',
        bridge_load_date: 'EFF_SAT_A_B_LOADDATE',
        link_table: 'link_a_b',
        link_pk: 'LK',
        link_fk1: 'HK1',
        link_fk2: 'HK2',
        eff_sat_table: 'eff_sat_a_b',
        eff_sat_pk: 'LK',
        eff_sat_end_date: 'E',
        eff_sat_load_date: 'LDTS',
      },
    },
    stage_tables_ldts: { stg_t: 'LDTS' },
    src_ldts: 'LDTS',
    source_model: 'hub',
  },
};

function compileAt(macro: string, version: string, options: FixtureOptions = {}, fork = false) {
  const ctx = fixtureContext({ ...options, compat: { ...compatForVersion(version), ...(fork ? { fork: true } : {}) } });
  const sql = compileMacro(macro, [], kwargs(CALLS[macro]!), ctx);
  return { sql, notices: ctx.diagnostics.filter((d) => d.code === 'DV200').map((d) => ({ severity: d.severity, message: d.message })) };
}

function compileError(fn: () => unknown): CompileError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CompileError) return e;
    throw e;
  }
  assert.fail('expected a CompileError');
}

test('defaultTableSqlOnPostgres per band: nothing before 0.9.0 or from 0.9.7; 0.9.0 pit fails too; 0.9.1–0.9.6 pit only before PostgreSQL 17', () => {
  const row = AUTOMATE_DV_VERSIONS.defaultTableSqlOnPostgres;
  const modes = (v: string) => Object.fromEntries(Object.entries(behaviourAt(row, v)).map(([m, f]) => [m, f.fails]));
  assert.deepEqual(modes('0.8.3'), {});
  assert.deepEqual(modes('0.9.0'), { eff_sat: 'incremental', ma_sat: 'incremental', pit: 'always', bridge: 'always' });
  for (const v of ['0.9.1', '0.9.5', '0.9.6']) {
    assert.deepEqual(modes(v), { eff_sat: 'incremental', ma_sat: 'incremental', pit: 'before-postgres-17', bridge: 'always' }, v);
  }
  for (const v of ['0.9.7', '0.10.0', '0.11.5']) assert.deepEqual(modes(v), {}, v);
});

test('bridge before 0.9.7: its default SQL is rendered as dbt renders it and is an error in every build (one-argument TO_DATE); a fork is information; 0.9.7 compiles quietly', () => {
  for (const v of ['0.9.0', '0.9.1', '0.9.6']) {
    for (const incremental of [false, true]) {
      const { sql, notices } = compileAt('bridge', v, { incremental });
      assert.deepEqual(notices.map((n) => n.severity), ['error'], v);
      assert.match(notices[0]!.message, new RegExp(`AutomateDV ${v.replace(/\./g, '\\.')} has no PostgreSQL version of bridge.*dvs renders that SQL as dbt does\\. Upgrade the pinned AutomateDV to 0\\.9\\.7`));
      assert.match(notices[0]!.message, v === '0.9.0' ? /last column name into FROM/ : /TO_DATE with one argument/);
      // The default macro's open-record test, with its own max_datetime default.
      const open = v === '0.9.0' ? "TO_DATE('9999-12-31 23:59:59.999999')" : "TO_DATE('9999-12-31 23:59:59.999999', 'YYY-MM-DD')";
      assert.ok(sql.includes(`WHERE TO_DATE(c.EFF_SAT_A_B_ENDDATE) = ${open}`), sql);
      // 0.9.0 runs the last column of each select list into its FROM.
      assert.equal(/EFF_SAT_A_B_LOADDATEFROM /.test(sql) && /c\.LINK_A_B_HKFROM candidate_rows/.test(sql), v === '0.9.0', v);
    }
  }
  assert.ok(compileAt('bridge', '0.9.6', { vars: { max_datetime: '9999-12-31' } }).sql.includes("= TO_DATE('9999-12-31', 'YYY-MM-DD')"));
  const fork = compileAt('bridge', '0.9.6', {}, true);
  assert.deepEqual(fork.notices.map((n) => n.severity), ['information']);
  assert.match(fork.sql, /candidate_rows/);
  assert.deepEqual(compileAt('bridge', '0.9.7').notices, []);
  assert.match(compileAt('bridge', '0.9.7').sql, /TO_DATE\(c\.EFF_SAT_A_B_ENDDATE::VARCHAR, 'YYY-MM-DD'\) = TO_DATE\('9999-12-31 23:59:59\.999', 'YYY-MM-DD'\)/);
});

test('pit before 0.9.7: the default SQL of each release (MAX(key), its ghost values, its joins); an error in 0.9.0, a warning in 0.9.1–0.9.6 that PostgreSQL 16 and older fail on MAX(bytea)', () => {
  const zero = compileAt('pit', '0.9.0', { incremental: true });
  assert.deepEqual(zero.notices.map((n) => n.severity), ['error']);
  assert.ok(zero.sql.includes("CAST('0000000000000000' AS ) AS sat_a_PK"), zero.sql);
  assert.ok(zero.sql.includes("CAST('1900-01-01 00:00:00.000' AS TIMESTAMP_NTZ) AS sat_a_LDTS"), zero.sql);
  const ghostDate = "TO_TIMESTAMP('1900-01-01 00:00:00.000', 'YYY-MM-DD HH24:MI:SS.MS')";
  for (const v of ['0.9.1', '0.9.4', '0.9.5', '0.9.6']) {
    for (const incremental of [false, true]) {
      const { sql, notices } = compileAt('pit', v, { incremental });
      assert.deepEqual(notices.map((n) => n.severity), ['warning'], v);
      assert.match(notices[0]!.message, /MAX of a BYTEA key: PostgreSQL 16 and older have no such function.*17 and later run it.*dvs renders that SQL as dbt does/);
      assert.ok(sql.includes(`COALESCE(MAX(sat_a_src.HK), CAST('0000000000000000' AS BYTEA)) AS sat_a_PK`), `${v}\n${sql}`);
      assert.ok(sql.includes(`COALESCE(MAX(sat_a_src.LDTS), ${ghostDate}) AS sat_a_LDTS`), v);
      const old = v === '0.9.1' || v === '0.9.4';
      // Up to 0.9.4 the satellites are joined with LEFT JOIN, also at the ghost date, and the backfill writes ghosts.
      assert.equal(sql.includes("OR sat_a_src.LDTS = '1900-01-01 00:00:00.000'"), old, v);
      assert.equal(/LEFT OUTER JOIN \S+ AS sat_a_src/.test(sql), !old, v);
      if (incremental) assert.equal(sql.includes(`CAST('0000000000000000' AS BYTEA) AS sat_a_PK,\n        ${ghostDate} AS sat_a_LDTS`), old, v);
    }
  }
  assert.deepEqual(compileAt('pit', '0.9.7').notices, []);
  assert.match(compileAt('pit', '0.9.7').sql, /COALESCE\(DECODE\(MAX\(ENCODE\(sat_a_src\.HK, 'hex'\)\), 'hex'\), CAST\('0000000000000000' AS BYTEA\)\)/);
});

test('eff_sat before 0.9.7: its default SQL is rendered; the first build runs; the incremental run (`) AS inner`) is an error with its SQL; an incremental materialization is an error from its first build', () => {
  for (const v of ['0.9.0', '0.9.6']) {
    const table = compileAt('eff_sat', v, { config: { materialized: 'table' } });
    assert.deepEqual(table.notices.map((n) => n.severity), ['warning'], v);
    assert.match(table.notices[0]!.message, /runs on PostgreSQL here/);
    const run = compileAt('eff_sat', v, { incremental: true, config: { materialized: 'incremental' } });
    assert.deepEqual(run.notices.map((n) => n.severity), ['error'], v);
    assert.match(run.notices[0]!.message, /subquery `inner`, a reserved word.*this run fails in dbt/);
    assert.match(run.sql, /\) AS row_num\s+FROM \S+ AS b\s+\) AS inner\s+WHERE row_num = 1/);
    assert.ok(run.sql.includes("WHERE TO_DATE(c.E) = TO_DATE('9999-12-31 23:59:59.999999')"), run.sql);
    // A relationship is closed with the staged row's keys, not the open row's.
    assert.match(run.sql, /new_closed_records AS \(\s+SELECT DISTINCT\s+lo\.LK, h\.HK1, h\.HK2,/);
    const first = compileAt('eff_sat', v, { config: { materialized: 'incremental' } });
    assert.deepEqual(first.notices.map((n) => n.severity), ['error'], v);
    assert.match(first.notices[0]!.message, /first run builds the table, but every later \(incremental\) run/);
    assert.ok(first.sql.length > 0);
  }
  // With is_auto_end_dating an open relationship is closed when its secondary key differs (up to 0.10.2).
  for (const v of ['0.9.6', '0.9.7', '0.10.2']) {
    const auto = compileAt('eff_sat', v, { incremental: true, config: { materialized: 'incremental', is_auto_end_dating: true } });
    assert.match(auto.sql, /INNER JOIN latest_open AS lo\s+ON lo\.HK1 = h\.HK1\s+WHERE \(lo\.HK2 <> h\.HK2\)/, v);
  }
  assert.match(compileAt('eff_sat', '0.11.0', { incremental: true, config: { materialized: 'incremental', is_auto_end_dating: true } }).sql, /WHERE NOT EXISTS/);
  const fork = compileAt('eff_sat', '0.9.6', { incremental: true, config: { materialized: 'incremental' } }, true);
  assert.deepEqual(fork.notices.map((n) => n.severity), ['information']);
  assert.deepEqual(compileAt('eff_sat', '0.9.7', { incremental: true, config: { materialized: 'incremental' } }).notices, []);
});

test('ma_sat before 0.9.7: its default SQL is rendered; the first build runs; the incremental run (COUNT(DISTINCT a, b), QUALIFY) is an error with its SQL', () => {
  for (const v of ['0.9.0', '0.9.6']) {
    // A table (or the default materialization) only ever runs the first build: it loads, with a warning.
    const table = compileAt('ma_sat', v, { config: { materialized: 'table' } });
    assert.deepEqual(table.notices.map((n) => n.severity), ['warning'], v);
    assert.match(table.notices[0]!.message, /runs on PostgreSQL here/);
    assert.doesNotMatch(table.sql, /source_count|QUALIFY/);
    // The incremental run fails as dbt's does; its SQL is the default macro's.
    const run = compileAt('ma_sat', v, { incremental: true, config: { materialized: 'incremental' } });
    assert.deepEqual(run.notices.map((n) => n.severity), ['error'], v);
    assert.match(run.notices[0]!.message, /QUALIFY.*this run fails in dbt.*dvs renders that SQL as dbt does/);
    assert.match(run.sql, /,COUNT\(DISTINCT s\.HD, s\.CDK\)\s+OVER \(PARTITION BY s\.HK\) AS source_count/);
    assert.match(run.sql, /ON inner_mas\.HK = spk\.HK\s+QUALIFY latest_rank = 1\s+\) AS mas\s+\),/);
    assert.doesNotMatch(run.sql, /source_data_with_count/);
    // The first build of an incremental model compiles, but the model fails from the second run on: an error.
    const first = compileAt('ma_sat', v, { config: { materialized: 'incremental' } });
    assert.deepEqual(first.notices.map((n) => n.severity), ['error'], v);
    assert.match(first.notices[0]!.message, /first run builds the table, but every later \(incremental\) run/);
    assert.ok(first.sql.length > 0);
  }
  const fork = compileAt('ma_sat', '0.9.6', { incremental: true, config: { materialized: 'incremental' } }, true);
  assert.deepEqual(fork.notices.map((n) => n.severity), ['information']);
  assert.match(fork.sql, /source_data_with_count/);
  assert.deepEqual(compileAt('ma_sat', '0.9.7', { incremental: true, config: { materialized: 'incremental' } }).notices, []);
});

// ── the facts behind the row, on PostgreSQL ───────────────────────────────────────────────────────────────────────

async function outcome(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'ok';
  } catch (e) {
    return (e as Error).message;
  }
}

test('on PostgreSQL: `AS inner`, QUALIFY and one-argument TO_DATE are rejected; the forms 0.9.7 writes run', async () => {
  const db = new PGlite();
  try {
    const q = (sql: string) => outcome(() => db.query(sql));
    assert.match(await q('SELECT * FROM (SELECT 1 AS row_num) AS inner WHERE row_num = 1'), /syntax error at or near "inner"/);
    assert.equal(await q('SELECT * FROM (SELECT 1 AS row_num) AS inner_rank WHERE row_num = 1'), 'ok');
    assert.match(await q('SELECT * FROM (SELECT 1 AS x) AS t QUALIFY x = 1'), /syntax error at or near "QUALIFY"/);
    assert.match(await q("SELECT TO_DATE(CAST('2024-01-01' AS TIMESTAMP))"), /function to_date\(timestamp without time zone\) does not exist/);
    assert.equal(await q("SELECT CAST(CAST('2024-01-01' AS TIMESTAMP) AS DATE)"), 'ok');
  } finally {
    await db.close();
  }
});

test('on PostgreSQL: MAX of a BYTEA runs from 17 (PGlite) and fails before (the test server, when it is older)', async () => {
  const sql = "SELECT MAX(k) FROM (VALUES (CAST('AB' AS BYTEA)), (CAST('CD' AS BYTEA))) AS t(k)";
  const db = new PGlite();
  try {
    const major = Number((await db.query<{ server_version_num: string }>('SHOW server_version_num')).rows[0]!.server_version_num.slice(0, 2));
    const result = await outcome(() => db.query(sql));
    if (major < 17) assert.match(result, /function max\(bytea\) does not exist/);
    else assert.equal(result, 'ok');
  } finally {
    await db.close();
  }
  const url = process.env.DVS_TEST_PG_URL;
  if (!url) return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const major = Number((await client.query<{ server_version_num: string }>('SHOW server_version_num')).rows[0]!.server_version_num.slice(0, 2));
    const result = await outcome(() => client.query(sql));
    if (major < 17) assert.match(result, /function max\(bytea\) does not exist/);
    else assert.equal(result, 'ok');
  } finally {
    await client.end();
  }
});
