// shareHashInputs (load/hash-inputs.ts): a stage's repeated hash inputs computed once per row must give exactly the
// stage's rows, hash bytes included, for the stages AutomateDV writes in every emulated version and hash setting.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PGlite } from '@electric-sql/pglite';
import { shareHashInputs } from '../../server/src/load/hash-inputs';
import { compatForVersion } from '../../server/src/project';
import { compileModel, loadBatch, startWarehouse, type ModelOptions } from '../compile/pglite-loader';

let db: PGlite;

const RAW = [
  { id: 1, customer_id: ' c1 ', product_id: 'p1', amount: '1.50', status: 'new', happened: '2024-01-02 03:04:05' },
  { id: 2, customer_id: null, product_id: '  ', amount: null, status: null, happened: null },
  { id: 3, customer_id: 'Ab', product_id: 'ab', amount: '0.10', status: 'Shipped', happened: '2023-12-31 23:59:59.5' },
  { id: 4, customer_id: '', product_id: null, amount: '-3.00', status: '', happened: '2024-06-01 00:00:00' },
];

before(async () => {
  db = await startWarehouse();
  await db.exec(`CREATE TABLE raw_orders (id integer, customer_id text, product_id text, amount numeric(10,2), status text, happened timestamp)`);
  await loadBatch(db, 'raw_orders', RAW);
});

after(async () => {
  await db.close();
});

/** A stage as a vault's would be: hub keys, a link key over the same business keys, a hashdiff. */
const STAGE = {
  source_model: 'raw_orders',
  derived_columns: { RECORD_SOURCE: '!RAW.ORDERS', LOAD_DATE: 'happened', ORDER_ID: 'id' },
  hashed_columns: {
    ORDER_HK: 'ORDER_ID',
    CUSTOMER_HK: 'customer_id',
    PRODUCT_HK: 'product_id',
    ORDER_LINK_HK: ['ORDER_ID', 'customer_id', 'product_id'],
    CUSTOMER_PRODUCT_HK: ['customer_id', 'product_id'],
    ORDER_HASHDIFF: { is_hashdiff: true, columns: ['amount', 'status', 'customer_id'] },
  },
};

const NORMALISATION = /NULLIF\((UPPER\()?TRIM\(CAST\(/g;

async function rowsOf(sql: string): Promise<string[]> {
  const r = await db.query<Record<string, unknown>>(`SELECT to_jsonb(s)::text AS row FROM (${sql}) s`);
  return r.rows.map((row) => String(row['row'])).sort();
}

const CASES: Array<[string, ModelOptions]> = [
  ['0.11.5 (MD5)', { compat: compatForVersion('0.11.5') }],
  ['0.11.5, SHA', { compat: compatForVersion('0.11.5'), vars: { hash: 'SHA' } }],
  ['0.11.5, hash_content_casing disabled', { compat: compatForVersion('0.11.5'), vars: { hash_content_casing: 'disabled' } }],
  ['0.10.2', { compat: compatForVersion('0.10.2') }],
  ['0.9.7', { compat: compatForVersion('0.9.7') }],
  ['0.9.5 (hashes as upper-case hex text)', { compat: compatForVersion('0.9.5') }],
];

for (const [name, options] of CASES) {
  test(`AutomateDV ${name}: the stage with each repeated hash input computed once gives the same rows and hash bytes`, async () => {
    const { sql } = await compileModel(db, 'stg_orders', 'stage', STAGE, options);
    const shared = shareHashInputs(sql);
    assert.notEqual(shared, sql, 'the business keys used by several hashes are shared');
    const before = sql.match(NORMALISATION)?.length ?? 0;
    const now = shared.match(NORMALISATION)?.length ?? 0;
    // ORDER_ID, customer_id and product_id are each normalised 2-5 times in the hashes, once each after the rewrite.
    assert.ok(now < before - 4, `normalisations: ${before} before, ${now} after\n${shared}`);
    const original = await rowsOf(sql);
    assert.equal(original.length, RAW.length);
    assert.deepEqual(await rowsOf(shared), original);
    const columns = async (q: string) => (await db.query(`SELECT * FROM (${q}) s LIMIT 0`)).fields.map((f) => f.name);
    assert.deepEqual(await columns(shared), await columns(sql), 'the stage keeps its columns');
  });
}

test('quoted column names are shared as they are written', async () => {
  await db.exec(`CREATE TABLE raw_quoted ("Order Id" text, "Kunde" text); INSERT INTO raw_quoted VALUES (' a ', 'K'), (NULL, ''), ('b', NULL)`);
  const std = (c: string) => `NULLIF(UPPER(TRIM(CAST(${c} AS VARCHAR))), '')`;
  const sql = `WITH source_data AS (SELECT "Order Id", "Kunde" FROM raw_quoted),
hashed_columns AS (
    SELECT
    "Order Id",
    "Kunde",
    DECODE(MD5(${std('"Order Id"')}), 'hex') AS ORDER_HK,
    DECODE(MD5(NULLIF(CONCAT_WS('||', COALESCE(${std('"Order Id"')}, '^^'), COALESCE(${std('"Kunde"')}, '^^')), '^^||^^')), 'hex') AS LINK_HK
    FROM source_data
)
SELECT * FROM hashed_columns`;
  const shared = shareHashInputs(sql);
  assert.equal(shared.match(/CAST\("Order Id" AS VARCHAR\)/g)?.length, 1, shared);
  assert.deepEqual(await rowsOf(shared), await rowsOf(sql));
});

test('a stage whose hashes share no input, or SQL that is not an AutomateDV stage, is left as it is', async () => {
  const { sql } = await compileModel(db, 'stg_single', 'stage', { source_model: 'raw_orders', hashed_columns: { CUSTOMER_HK: 'customer_id', PRODUCT_HK: 'product_id' } });
  assert.equal(shareHashInputs(sql), sql);
  const own = `SELECT md5(upper(trim(cast(id AS varchar)))) AS a, md5(upper(trim(cast(id AS varchar)))) AS b FROM raw_orders`;
  assert.equal(shareHashInputs(own), own);
});
