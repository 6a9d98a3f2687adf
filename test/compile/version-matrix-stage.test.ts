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
import { compileMacro, periodFilter } from '../../server/src/compile/automate-dv';
import { automateDvConfigValue } from '../../server/src/compile/automate-dv/config-meta';
import type { JValue } from '../../server/src/jinja/values';
import { ProjectSession } from '../../server/src/engine/session';
import { fixtureContext, kwargs } from './context-fixture';
import { hex, loadBatch, md5Hex, runModel, startWarehouse } from './pglite-loader';

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
