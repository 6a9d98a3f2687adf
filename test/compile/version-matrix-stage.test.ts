// The version matrix rows of the stage, model config, vault_insert_by_period, nh_link and pre-PostgreSQL dbtvault
// (server/src/base/automate-dv-versions.ts): for each row and each version band the SQL fragment dvs renders, and on
// PGlite the rows and hash bytes where the bands differ.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { AUTOMATE_DV_VERSIONS, behaviourAt } from '../../server/src/base/automate-dv-versions';
import { automateDvMacros, compileMacro, periodFilter } from '../../server/src/compile/automate-dv';
import { automateDvConfigValue } from '../../server/src/compile/automate-dv/config-meta';
import type { JValue } from '../../server/src/jinja/values';
import { ProjectSession } from '../../server/src/engine/session';
import { fixtureContext, kwargs } from './context-fixture';
import { hex, loadBatch, md5Hex, runModel, sha256Hex, startWarehouse } from './pglite-loader';

let db: PGlite;

before(async () => {
  db = await startWarehouse();
  await db.exec(`CREATE TABLE raw_orders (order_id text, line_no text, loaded_at timestamp)`);
  await loadBatch(db, 'raw_orders', [
    { order_id: 'A', line_no: '1', loaded_at: '2024-01-01 00:00:00' },
    { order_id: 'B', line_no: null, loaded_at: '2024-01-01 00:00:00' },
    { order_id: null, line_no: null, loaded_at: '2024-01-01 00:00:00' },
  ]);
});

after(async () => {
  await db.close();
});

const DERIVED_STAGE = {
  source_model: 'raw_orders',
  derived_columns: { ORDER_LINE: ['order_id', 'line_no'] },
  hashed_columns: { ORDER_LINE_HK: 'ORDER_LINE' },
};

function stageSql(version: string): string {
  const ctx = fixtureContext({ catalog: { raw_orders: ['order_id', 'line_no', 'loaded_at'] }, compat: { version } });
  return compileMacro('stage', [], kwargs(DERIVED_STAGE), ctx);
}

test('stageDerivedConcat: CONCAT_WS in 0.9.0 and from 0.11.0, CONCAT with the separator between the parts in 0.9.1–0.10.2', () => {
  const row = AUTOMATE_DV_VERSIONS.stageDerivedConcat;
  for (const version of ['0.9.0', '0.11.0', '0.11.5']) {
    assert.equal(behaviourAt(row, version), 'concat-ws', version);
    assert.match(stageSql(version), /CONCAT_WS\('\|\|',\s+order_id,\s+line_no\s+\) AS ORDER_LINE/, version);
  }
  for (const version of ['0.9.1', '0.9.6', '0.9.7', '0.10.2']) {
    assert.equal(behaviourAt(row, version), 'concat', version);
    const sql = stageSql(version);
    assert.match(sql, /CONCAT\(\s+order_id, '\|\|',\s+line_no\s+\) AS ORDER_LINE/, version);
    assert.doesNotMatch(sql, /CONCAT_WS\('\|\|',\s+order_id/, version);
  }
});

/** The stage's derived value and its hash key per order, in order_id order (NULLs last). */
async function stageRows(view: string, version: string): Promise<{ line: unknown; key: string | null }[]> {
  await runModel(db, view, 'stage', DERIVED_STAGE, { compat: { version } });
  const r = await db.query<{ order_line: unknown; order_line_hk: unknown }>(`SELECT order_line, order_line_hk FROM "${view}" ORDER BY order_id NULLS LAST`);
  return r.rows.map((x) => ({ line: x.order_line, key: hex(x.order_line_hk) }));
}

test('stageDerivedConcat on PGlite: a NULL part keeps its separator in 0.10.2 (other key bytes), an all-NULL list is a key there and NULL in 0.11.5', async () => {
  const old = await stageRows('stg_concat_0_10_2', '0.10.2');
  const now = await stageRows('stg_concat_0_11_5', '0.11.5');
  assert.deepEqual(old.map((r) => r.line), ['A||1', 'B||', '||']);
  assert.deepEqual(now.map((r) => r.line), ['A||1', 'B', '']);
  const keyOf = (text: string) => md5Hex(text.toUpperCase());
  assert.deepEqual(old.map((r) => r.key), [keyOf('A||1'), keyOf('B||'), keyOf('||')]);
  assert.deepEqual(now.map((r) => r.key), [keyOf('A||1'), keyOf('B'), null], 'CONCAT_WS of two NULLs is empty: NULLIF makes the key NULL');
});

// ── configMetaLookup ──────────────────────────────────────────────────────────────────────────────────────────────

const metaOnly = new Map<string, JValue>([['meta', new Map<string, JValue>([['apply_source_filter', true]])]]);
const configFalseMetaTrue = new Map<string, JValue>([
  ['apply_source_filter', false],
  ['meta', new Map<string, JValue>([['apply_source_filter', true]])],
]);
const metaNone = new Map<string, JValue>([
  ['rank_column', 'RANK_A'],
  ['meta', new Map<string, JValue>([['rank_column', null]])],
]);

test('configMetaLookup: config only up to 0.11.2, config then meta in 0.11.3–0.11.4, meta first from 0.11.5', () => {
  const row = AUTOMATE_DV_VERSIONS.configMetaLookup;
  assert.equal(behaviourAt(row, '0.9.6'), 'config-only');
  assert.equal(behaviourAt(row, '0.11.2'), 'config-only');
  assert.equal(behaviourAt(row, '0.11.3'), 'config-then-meta');
  assert.equal(behaviourAt(row, '0.11.4'), 'config-then-meta');
  assert.equal(behaviourAt(row, '0.11.5'), 'meta-then-config');
  for (const v of ['0.10.1', '0.11.0', '0.11.2']) assert.equal(automateDvConfigValue(metaOnly, 'apply_source_filter', v), null, v);
  for (const v of ['0.11.3', '0.11.4', '0.11.5']) assert.equal(automateDvConfigValue(metaOnly, 'apply_source_filter', v), true, v);
  assert.equal(automateDvConfigValue(configFalseMetaTrue, 'apply_source_filter', '0.11.3'), false, 'config false is not none: config wins');
  assert.equal(automateDvConfigValue(configFalseMetaTrue, 'apply_source_filter', '0.11.5'), true, 'a key in meta wins from 0.11.5');
  assert.equal(automateDvConfigValue(metaNone, 'rank_column', '0.11.4'), 'RANK_A');
  assert.equal(automateDvConfigValue(metaNone, 'rank_column', '0.11.5'), null, '0.11.5 takes a none in meta (then the default)');
  const materialized = new Map<string, JValue>([['meta', new Map<string, JValue>([['materialized', 'table']])]]);
  assert.equal(automateDvConfigValue(materialized, 'materialized', '0.11.5'), null, 'AutomateDV never reads materialized from meta');
});

const SAT_STAGE = {
  source_model: 'raw_people',
  derived_columns: { RECORD_SOURCE: '!HR', LOAD_DATE: 'loaded_at' },
  hashed_columns: { PERSON_HK: 'person_id', PERSON_HASHDIFF: { is_hashdiff: true, columns: ['name'] } },
};
const SAT = { src_pk: 'PERSON_HK', src_hashdiff: 'PERSON_HASHDIFF', src_payload: ['NAME'], src_ldts: 'LOAD_DATE', src_source: 'RECORD_SOURCE', source_model: 'stg_people' };

test('configMetaLookup on PGlite: apply_source_filter under meta: is ignored by 0.11.2 (an old row is inserted) and applied by 0.11.3', async () => {
  await db.exec('CREATE TABLE raw_people (person_id integer, name text, loaded_at timestamp)');
  const batch = async (rows: Record<string, unknown>[]) => {
    await loadBatch(db, 'raw_people', rows);
    await runModel(db, 'stg_people', 'stage', SAT_STAGE);
  };
  const sat = (table: string, version: string) =>
    runModel(db, table, 'sat', SAT, {
      compat: { version, satLogic: 'lag-default' },
      config: { apply_source_filter: automateDvConfigValue(metaOnly, 'apply_source_filter', version) },
    });
  await batch([{ person_id: 1, name: 'A', loaded_at: '2024-01-01' }, { person_id: 1, name: 'B', loaded_at: '2024-01-03' }]);
  assert.equal(await sat('sat_meta_0_11_2', '0.11.2'), 2);
  assert.equal(await sat('sat_meta_0_11_3', '0.11.3'), 2);
  await batch([{ person_id: 1, name: 'A', loaded_at: '2024-01-02' }]);
  assert.equal(await sat('sat_meta_0_11_2', '0.11.2'), 1, 'no filter: the older A differs from the latest B');
  assert.equal(await sat('sat_meta_0_11_3', '0.11.3'), 0, 'the filter drops a row not newer than the latest');
});

/** A dbt project on disk written by the test; `files` maps relative paths to their text. */
function projectDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-version-matrix-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function openSession(dir: string): ProjectSession {
  return new ProjectSession(dir, { env: { HOME: tmpdir() }, homeDir: tmpdir(), targetName: 'embedded' });
}

const SAT_MODEL = `{{ config(materialized='incremental') }}
{{ automate_dv.sat(src_pk='PERSON_HK', src_hashdiff='PERSON_HASHDIFF', src_payload=['NAME'], src_ldts='LOAD_DATE',
                   src_source='RECORD_SOURCE', source_model='stg_people') }}`;

test('configMetaLookup in a project: a sat with apply_source_filter under yml meta gets the filter with pin 0.11.5, not with 0.11.2', () => {
  const files = (version: string) => ({
    'dbt_project.yml': 'name: p\nversion: "1"\nconfig-version: 2\n',
    'packages.yml': `packages:\n  - package: Datavault-UK/automate_dv\n    version: ${version}\n`,
    'models/stg_people.sql': "select 1 as person_id, 'A' as name, now() as loaded_at\n",
    'models/sat_people.sql': SAT_MODEL,
    'models/schema.yml': 'version: 2\nmodels:\n  - name: sat_people\n    meta:\n      apply_source_filter: true\n',
  });
  const sqlFor = (version: string) => {
    const s = openSession(projectDir(files(version)));
    const node = s.node('sat_people');
    assert.ok(node);
    return s.compile(node, { incremental: true, formatSql: false }).rawSql;
  };
  assert.doesNotMatch(sqlFor('0.11.2'), /valid_stg/);
  assert.match(sqlFor('0.11.5'), /valid_stg AS/);
});

// ── periodFilterForm ──────────────────────────────────────────────────────────────────────────────────────────────

test('periodFilterForm: ≤0.9.6 compares ts::DATE with TO_DATE(start), 0.9.7+ ts::TIMESTAMP with TIMESTAMP start', () => {
  const row = AUTOMATE_DV_VERSIONS.periodFilterForm;
  assert.equal(behaviourAt(row, '0.9.0'), 'date');
  assert.equal(behaviourAt(row, '0.9.6'), 'date');
  assert.equal(behaviourAt(row, '0.9.7'), 'timestamp');
  assert.equal(behaviourAt(row, '0.11.5'), 'timestamp');
  const options = { timestampField: 'LOAD_DATE', startTimestamp: '2024-01-02 09:30:00', offset: 1, period: 'day' };
  assert.equal(
    periodFilter({ ...options, form: 'date' }).replace(/\s+/g, ' '),
    "LOAD_DATE::DATE >= DATE_TRUNC('day', TO_DATE('2024-01-02 09:30:00', 'YYYY-MM-DD') + INTERVAL '1 day') " +
      "AND LOAD_DATE::DATE < DATE_TRUNC('day', TO_DATE('2024-01-02 09:30:00', 'YYYY-MM-DD') + INTERVAL '1 day' + INTERVAL '1 day') " +
      "AND LOAD_DATE::DATE >= TO_DATE('2024-01-02 09:30:00', 'YYYY-MM-DD')",
  );
  assert.equal(
    periodFilter({ ...options, form: 'timestamp' }).replace(/\s+/g, ' '),
    "LOAD_DATE::TIMESTAMP >= DATE_TRUNC('day', TIMESTAMP '2024-01-02 09:30:00' + INTERVAL '1 day') " +
      "AND LOAD_DATE::TIMESTAMP < DATE_TRUNC('day', TIMESTAMP '2024-01-02 09:30:00' + INTERVAL '1 day' + INTERVAL '1 day') " +
      "AND LOAD_DATE::TIMESTAMP >= TIMESTAMP '2024-01-02 09:30:00'",
  );
});

test('periodFilterForm on PGlite: a start_date with a time of day keeps the whole first day under 0.9.6, only from that time under 0.9.7', async () => {
  await db.exec(`CREATE TABLE raw_visits (customer_id integer, loaded_at timestamp);
    INSERT INTO raw_visits VALUES (1, '2024-01-02 09:00'), (2, '2024-01-02 10:00'), (3, '2024-01-03 08:00')`);
  const visits = async (form: 'date' | 'timestamp') => {
    const filter = periodFilter({ timestampField: 'loaded_at', startTimestamp: '2024-01-02 09:30:00', offset: 0, period: 'day', form });
    return (await db.query<{ id: number }>(`SELECT customer_id AS id FROM raw_visits WHERE ${filter} ORDER BY 1`)).rows.map((r) => r.id);
  };
  assert.deepEqual(await visits('date'), [1, 2]);
  assert.deepEqual(await visits('timestamp'), [2]);
});

// ── nhLinkMacro, postgresMacros, snowflakeMacrosRunningOnPostgres ────────────────────────────────────────────────────

const NH_LINK = { src_pk: 'TK', src_fk: ['FK1'], src_payload: ['AMOUNT'], src_eff: 'EFF', src_ldts: 'LDTS', src_source: 'SRC', source_model: 'stg_t' };
const HUB = { src_pk: 'HK', src_nk: 'NK', src_ldts: 'LDTS', src_source: 'SRC', source_model: 'stg_t' };
const SAT_CALL = { src_pk: 'HK', src_hashdiff: 'HD', src_payload: ['NAME'], src_ldts: 'LDTS', src_source: 'SRC', source_model: 'stg_t' };
const STAGE_PLAIN = { source_model: 'raw_orders', derived_columns: { SRC: '!APP' } };

function compileAt(macro: string, args: Record<string, unknown>, version: string, extra: { fork?: boolean; vars?: Record<string, unknown> } = {}) {
  const ctx = fixtureContext({
    catalog: { raw_orders: ['order_id', 'line_no', 'loaded_at'] },
    compat: { version, hashing: behaviourAt(AUTOMATE_DV_VERSIONS.hashEncoding, version), ...(extra.fork ? { fork: true } : {}) },
    ...(extra.vars ? { vars: extra.vars } : {}),
  });
  return { sql: compileMacro(macro, [], kwargs(args), ctx), ctx };
}

function failsWith(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (e: Error & { code?: string }) => e.code === code && pattern.test(e.message));
}

test('nhLinkMacro: automate_dv.nh_link is an error up to 0.11.4 (dbt has no such macro), compiles from 0.11.5; a fork only gets information', () => {
  assert.equal(behaviourAt(AUTOMATE_DV_VERSIONS.nhLinkMacro, '0.11.4'), false);
  assert.equal(behaviourAt(AUTOMATE_DV_VERSIONS.nhLinkMacro, '0.11.5'), true);
  for (const version of ['0.9.7', '0.11.0', '0.11.4']) {
    failsWith(() => compileAt('nh_link', NH_LINK, version), 'DV204', new RegExp(`nh_link does not exist in AutomateDV ${version.replace(/\./g, '\\.')}; it arrived in 0.11.5.*t_link`));
  }
  failsWith(() => compileAt('nh_link', { source_model: 'stg_t' }, '0.11.4'), 'DV204', /does not exist/);
  assert.match(compileAt('nh_link', NH_LINK, '0.11.5').sql, /FROM .*stg_t/);
  assert.match(compileAt('t_link', NH_LINK, '0.11.4').sql, /FROM .*stg_t/, 't_link is the way before 0.11.5');
  const fork = compileAt('nh_link', NH_LINK, '0.11.4', { fork: true });
  assert.match(fork.sql, /FROM .*stg_t/);
  assert.deepEqual(fork.ctx.diagnostics.map((d) => `${d.severity} ${d.code}`), ['information DV200']);
});

test('postgresMacros: dbtvault ≤0.8.3 renders Snowflake SQL — a hashing stage and QUALIFY macros fail, the rest warn; a fork is information', () => {
  assert.equal(behaviourAt(AUTOMATE_DV_VERSIONS.postgresMacros, '0.8.3'), 'snowflake-only');
  assert.equal(behaviourAt(AUTOMATE_DV_VERSIONS.postgresMacros, '0.9.0'), 'postgres');
  failsWith(() => compileAt('stage', DERIVED_STAGE, '0.8.3'), 'DV200', /dbtvault 0\.8\.3 has no PostgreSQL macros.*MD5_BINARY.*Upgrade to AutomateDV 0\.9\.6/);
  failsWith(() => compileAt('hub', HUB, '0.8.3'), 'DV200', /no PostgreSQL version of hub.*QUALIFY/);
  failsWith(() => compileAt('hub', HUB, '0.7.3'), 'DV200', /no PostgreSQL version of hub/);
  failsWith(() => compileAt('sat', SAT_CALL, '0.7.3'), 'DV200', /no PostgreSQL version of sat/);
  failsWith(() => compileAt('link', { src_pk: 'LK', src_fk: ['HK1', 'HK2'], src_ldts: 'LDTS', src_source: 'SRC', source_model: 'stg_t' }, '0.8.3'), 'DV200', /no PostgreSQL version of link/);
  for (const [macro, args, version] of [['stage', STAGE_PLAIN, '0.8.3'], ['sat', SAT_CALL, '0.8.3'], ['hub', HUB, '0.7.0']] as const) {
    const { ctx } = compileAt(macro, args, version);
    assert.deepEqual(ctx.diagnostics.map((d) => `${d.severity} ${d.code}`), ['warning DV200'], `${macro} ${version}`);
    assert.match(ctx.diagnostics[0]!.message, /runs on PostgreSQL but is not what dvs compiles/);
  }
  const fork = compileAt('hub', HUB, '0.7.3', { fork: true });
  assert.deepEqual(fork.ctx.diagnostics.map((d) => `${d.severity} ${d.code}`), ['information DV200']);
  assert.match(fork.ctx.diagnostics[0]!.message, /fork.*may be adapted for PostgreSQL.*cannot know/);
  assert.deepEqual(compileAt('hub', HUB, '0.9.1').ctx.diagnostics, [], '0.9.0+ has postgres__hub');
});

// ── hashAlgorithmMatch, hashContentCasing, quotesEveryIdentifier (dbtvault 0.9.0) ────────────────────────────────────

const HASH_STAGE = { source_model: 'raw_orders', hashed_columns: { ORDER_HK: 'order_id' } };

test("dbtvault 0.9.0: hash 'sha' is not 'SHA' (MD5, with a warning), hash_content_casing does not exist; 0.9.1 reads both", () => {
  assert.equal(behaviourAt(AUTOMATE_DV_VERSIONS.hashAlgorithmMatch, '0.9.0'), 'case-sensitive');
  assert.equal(behaviourAt(AUTOMATE_DV_VERSIONS.hashAlgorithmMatch, '0.9.1'), 'case-insensitive');
  const lowerSha = compileAt('stage', HASH_STAGE, '0.9.0', { vars: { hash: 'sha' } });
  assert.match(lowerSha.sql, /CAST\(UPPER\(MD5\(NULLIF\(UPPER\(TRIM\(CAST\(order_id AS VARCHAR\)\)\), ''\)\)\) AS BYTEA\) AS ORDER_HK/);
  assert.ok(lowerSha.ctx.diagnostics.some((d) => d.code === 'DV506' && /case-sensitively: 'sha' is not 'SHA'/.test(d.message)));
  assert.match(compileAt('stage', HASH_STAGE, '0.9.0', { vars: { hash: 'SHA' } }).sql, /SHA256/);
  assert.match(compileAt('stage', HASH_STAGE, '0.9.1', { vars: { hash: 'sha' } }).sql, /SHA256/);
  const casing = { hash_content_casing: 'disabled' };
  assert.match(compileAt('stage', HASH_STAGE, '0.9.0', { vars: casing }).sql, /UPPER\(TRIM/);
  assert.doesNotMatch(compileAt('stage', HASH_STAGE, '0.9.1', { vars: casing }).sql, /UPPER\(TRIM/);
  assert.doesNotThrow(() => compileAt('stage', HASH_STAGE, '0.9.0', { vars: { hash_content_casing: 'lower' } }), '0.9.0 never reads the var');
  // 0.9.0's PostgreSQL escape characters are empty: names are bare and nothing is reported.
  assert.deepEqual(compileAt('hub', HUB, '0.9.0').ctx.diagnostics, []);
  assert.deepEqual(compileAt('stage', HASH_STAGE, '0.9.0').ctx.diagnostics, []);
  // With escape_char vars 0.9.0 quotes every name, which is emulated (no notice); over raw_orders' lower-case columns
  // its upper-cased pass-through ("ORDER_ID") is not found, an error as the view's run is in dbt.
  const quotes = { vars: { escape_char_left: '"', escape_char_right: '"' } };
  const quoted = compileAt('stage', HASH_STAGE, '0.9.0', quotes);
  assert.match(quoted.sql, /CAST\(UPPER\(MD5\(NULLIF\(UPPER\(TRIM\(CAST\("order_id" AS VARCHAR\)\)\), ''\)\)\) AS BYTEA\) AS "ORDER_HK"/);
  assert.deepEqual(quoted.ctx.diagnostics.map((d) => `${d.severity} ${d.code}`), ['error DV513']);
  assert.match(compileAt('hub', HUB, '0.9.0', quotes).sql, /SELECT DISTINCT ON \(rr\."[A-Z_]+"\) rr\."/);
  assert.doesNotMatch(compileAt('hub', HUB, '0.9.1', quotes).sql, /rr\."/);
  assert.equal(behaviourAt(AUTOMATE_DV_VERSIONS.quotesEveryIdentifier, '0.9.1'), false);
});

test("dbtvault 0.9.0 on PGlite: var hash 'sha' gives MD5 key bytes there and SHA-256 bytes in 0.9.1", async () => {
  const key = async (view: string, version: string) => {
    await runModel(db, view, 'stage', HASH_STAGE, { compat: { version, hashing: 'upper-hex-text' }, vars: { hash: 'sha' } });
    const r = await db.query<{ k: Uint8Array }>(`SELECT order_hk AS k FROM "${view}" WHERE order_id = 'A'`);
    return Buffer.from(r.rows[0]!.k).toString('utf8');
  };
  assert.equal(await key('stg_hash_0_9_0', '0.9.0'), md5Hex('A').toUpperCase());
  assert.equal(await key('stg_hash_0_9_1', '0.9.1'), sha256Hex('A').toUpperCase());
});

// Every band of the pre-PostgreSQL row: each macro listed runs (warning), the others fail (error). Minimal valid
// arguments per macro, so the only finding is the version's.
const CALLS: Record<string, Record<string, unknown>> = {
  stage: STAGE_PLAIN,
  hub: HUB,
  link: { src_pk: 'LK', src_fk: ['HK1', 'HK2'], src_ldts: 'LDTS', src_source: 'SRC', source_model: 'stg_t' },
  sat: SAT_CALL,
  t_link: NH_LINK,
  eff_sat: { src_pk: 'LK', src_dfk: ['HK1'], src_sfk: ['HK2'], src_start_date: 'S', src_end_date: 'E', src_eff: 'EFF', src_ldts: 'LDTS', src_source: 'SRC', source_model: 'stg_t' },
  ma_sat: { src_pk: 'HK', src_cdk: ['CDK'], src_hashdiff: 'HD', src_payload: ['NAME'], src_ldts: 'LDTS', src_source: 'SRC', source_model: 'stg_t' },
  xts: { src_pk: 'HK', src_satellite: { SAT_X: { sat_name: { SAT_NAME: 'SAT_X' }, hashdiff: { HASHDIFF: 'HD' } } }, src_ldts: 'LDTS', src_source: 'SRC', source_model: 'stg_t' },
};

test('snowflakeMacrosRunningOnPostgres: in every band up to 0.8.3, the listed macros warn and the others are errors', () => {
  for (const band of AUTOMATE_DV_VERSIONS.snowflakeMacrosRunningOnPostgres.bands) {
    const version = band.until as string;
    const runs = band.value as readonly string[];
    for (const [macro, args] of Object.entries(CALLS)) {
      if (runs.includes(macro)) {
        const { ctx } = compileAt(macro, args, version);
        assert.ok(ctx.diagnostics.some((d) => d.code === 'DV200' && d.severity === 'warning'), `${macro} ${version} runs`);
        assert.ok(!ctx.diagnostics.some((d) => d.severity === 'error'), `${macro} ${version}`);
      } else {
        failsWith(() => compileAt(macro, args, version), 'DV200', new RegExp(`no PostgreSQL version of ${macro}`));
      }
    }
  }
});

test('a direct automate_dv.hash call before 0.9.0 is Snowflake SQL: an error (information for a fork)', () => {
  const render = (version: string, fork = false) => {
    const ctx = fixtureContext({ compat: { version, ...(fork ? { fork: true } : {}) } });
    const macros = automateDvMacros(ctx);
    const hash = macros.get('hash')!;
    return { out: hash.call([], new Map<string, JValue>([['columns', 'ID'], ['alias', 'ID_HK']])), ctx };
  };
  failsWith(() => render('0.8.3'), 'DV200', /MD5_BINARY.*this hash fails/);
  assert.deepEqual(render('0.8.3', true).ctx.diagnostics.map((d) => `${d.severity} ${d.code}`), ['information DV200']);
  assert.match(String(render('0.9.6').out), /MD5\(NULLIF\(UPPER\(TRIM\(CAST\(ID AS VARCHAR\)\)\), ''\)\).* AS ID_HK/);
});

test('postgresTableMacros and vaultInsertDeprecated per band', () => {
  const tables = AUTOMATE_DV_VERSIONS.postgresTableMacros;
  assert.deepEqual(behaviourAt<readonly string[]>(tables, '0.8.3'), []);
  assert.ok(!behaviourAt<readonly string[]>(tables, '0.9.6').includes('eff_sat'));
  assert.ok(behaviourAt<readonly string[]>(tables, '0.9.7').includes('eff_sat'));
  assert.ok(!behaviourAt<readonly string[]>(tables, '0.9.7').includes('ref_table'));
  assert.ok(behaviourAt<readonly string[]>(tables, '0.10.0').includes('ref_table'));
  const deprecationNote = (version: string) => {
    const ctx = fixtureContext({ compat: { version }, config: { materialized: 'vault_insert_by_period' } });
    compileMacro('hub', [], kwargs(HUB), ctx);
    return ctx.diagnostics.find((d) => d.code === 'DV902')?.message ?? '';
  };
  assert.doesNotMatch(deprecationNote('0.10.2'), /deprecates/);
  assert.match(deprecationNote('0.11.0'), /AutomateDV 0\.11\.0 deprecates vault_insert_by_period/);
});
