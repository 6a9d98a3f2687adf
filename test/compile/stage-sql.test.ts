// Stage views on a real PostgreSQL (PGlite): null replacement, derived expressions and concatenation, constants with
// quotes, escaping of quoted names, ranked columns, a {source: table} source model, and columns unknown at compile time.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PGlite } from '@electric-sql/pglite';
import { compileMacro } from '../../server/src/compile/automate-dv';
import { fixtureContext, kwargs } from './context-fixture';
import { compileModel, hex, loadBatch, md5Hex, runModel, startWarehouse } from './pglite-loader';

let db: PGlite;

before(async () => {
  db = await startWarehouse();
  await db.exec(`
    CREATE TABLE raw_customers (customer_id integer, nation_id integer, name text, loaded_at timestamp);
    CREATE TABLE raw_bookings (id integer, "BOOKING DATE" date, "NAME" text);
    CREATE SCHEMA raw;
    CREATE TABLE raw.orders (order_id integer, status text);
    INSERT INTO raw.orders VALUES (1, 'new'), (2, 'paid');
  `);
  await loadBatch(db, 'raw_customers', [
    { customer_id: 1, nation_id: 7, name: 'Ann', loaded_at: '2024-01-01 00:00:00' },
    { customer_id: null, nation_id: null, name: 'Bob', loaded_at: '2024-01-02 00:00:00' },
    { customer_id: 1, nation_id: 7, name: 'Ann', loaded_at: '2024-01-03 00:00:00' },
  ]);
  await loadBatch(db, 'raw_bookings', [{ id: 1, 'BOOKING DATE': '2024-05-06', NAME: 'Cy' }]);
});

after(async () => {
  await db.close();
});

async function rows(view: string, order: string): Promise<Record<string, unknown>[]> {
  return (await db.query<Record<string, unknown>>(`SELECT * FROM "${view}" ORDER BY ${order}`)).rows;
}

test('null columns keep the original and replace NULL with quoted -1/-2; hash keys see the replaced value', async () => {
  await runModel(db, 'stg_nulls', 'stage', {
    source_model: 'raw_customers',
    null_columns: { required: 'CUSTOMER_ID', optional: ['NATION_ID'] },
    hashed_columns: { CUSTOMER_HK: 'CUSTOMER_ID' },
  });
  const result = await rows('stg_nulls', 'loaded_at');
  assert.deepEqual(Object.keys(result[0]!), ['name', 'loaded_at', 'customer_id', 'customer_id_original', 'nation_id', 'nation_id_original', 'customer_hk']);
  const bob = result[1]!;
  assert.equal(bob['customer_id'], -1);
  assert.equal(bob['customer_id_original'], null);
  assert.equal(bob['nation_id'], -2);
  assert.equal(hex(bob['customer_hk']), md5Hex('-1'));
});

test('derived expressions, constants (with a doubled quote and DV502) and the fixed "||" list concatenation', async () => {
  const { sql, ctx } = await compileModel(db, 'stg_derived', 'stage', {
    source_model: 'raw_customers',
    include_source_columns: false,
    derived_columns: { RECORD_SOURCE: "!O'Brien", NAME_UP: 'UPPER(name)', LABEL: ['name', '!-', 'customer_id'], NUM: '1' },
  });
  assert.deepEqual(ctx.diagnostics.map((d) => d.code), ['DV502']);
  await db.exec(`CREATE VIEW stg_derived AS (${sql})`);
  const first = (await rows('stg_derived', 'label'))[0]!;
  assert.deepEqual(first, { record_source: "O'Brien", name_up: 'ANN', label: 'Ann||-||1', num: 1 });
});

test('escape: true and "quoted" names are quoted in every list; inside hashes only an exact match is', async () => {
  const { sql } = await compileModel(db, 'stg_bookings', 'stage', {
    source_model: 'raw_bookings',
    derived_columns: { BOOKING_DT: { source_column: 'BOOKING DATE', escape: true }, NAME_UP: 'UPPER("NAME")' },
    hashed_columns: { NAME_HK: 'NAME', BOOKING_HK: ['BOOKING DATE', 'id'] },
  });
  assert.match(sql, /"BOOKING DATE",\n\s+"NAME"/, 'the source list quotes both names');
  await db.exec(`CREATE VIEW stg_bookings AS (${sql})`);
  const row = (await rows('stg_bookings', 'id'))[0]!;
  assert.equal(row['NAME'], 'Cy');
  assert.equal((row['booking_dt'] as Date).toISOString().slice(0, 10), '2024-05-06');
  assert.equal(row['name_up'], 'CY');
  assert.equal(hex(row['name_hk']), md5Hex('CY'));
  assert.equal(hex(row['booking_hk']), md5Hex('2024-05-06||1'));
});

test('ranked columns: RANK and DENSE_RANK over the partition, and a spec without order_by is left out with DV507', async () => {
  const { sql, ctx } = await compileModel(db, 'stg_ranked', 'stage', {
    source_model: 'raw_customers',
    ranked_columns: {
      LOAD_RANK: { partition_by: 'customer_id', order_by: { loaded_at: 'DESC' } },
      DENSE: { partition_by: ['name'], order_by: ['name'], dense_rank: true },
      BROKEN: { partition_by: 'customer_id' },
    },
  });
  assert.deepEqual(ctx.diagnostics.map((d) => d.code), ['DV507']);
  await db.exec(`CREATE VIEW stg_ranked AS (${sql})`);
  const result = await rows('stg_ranked', 'load_rank, dense');
  assert.deepEqual(Object.keys(result[0]!), ['load_rank', 'dense'], 'only ranked columns: the source columns are dropped (quirk 1)');
  assert.deepEqual(result.map((r) => [r['load_rank'], r['dense']]), [[1, 1], [1, 1], [2, 1]]);
});

test('a {source_name: table} source model reads source() and keeps catalog names', async () => {
  const ctx = fixtureContext({ database: 'postgres', catalog: { orders: ['order_id', 'status'] } });
  const sql = compileMacro('stage', [], kwargs({ source_model: { raw: 'orders' }, hashed_columns: { ORDER_HK: 'order_id' } }), ctx);
  assert.match(sql, /FROM "postgres"\."raw"\."orders"/);
  const result = await db.query<Record<string, unknown>>(`SELECT * FROM (${sql}) AS s ORDER BY order_id`);
  assert.deepEqual(result.rows.map((r) => [r['order_id'], r['status'], hex(r['order_hk'])]), [
    [1, 'new', md5Hex('1')],
    [2, 'paid', md5Hex('2')],
  ]);
});

test('unknown source columns: DV301 and SQL that still runs, passing the source through with *', async () => {
  const ctx = fixtureContext({ database: 'postgres' });
  const sql = compileMacro(
    'stage',
    [],
    kwargs({ source_model: 'raw_customers', derived_columns: { RECORD_SOURCE: '!CRM' }, hashed_columns: { CUSTOMER_HK: 'customer_id' } }),
    ctx,
  );
  assert.deepEqual(ctx.diagnostics.map((d) => d.code), ['DV301']);
  assert.match(ctx.diagnostics[0]!.message, /sources yml.*connect a target/);
  const result = await db.query<Record<string, unknown>>(`SELECT * FROM (${sql}) AS s ORDER BY loaded_at`);
  assert.equal(result.rows.length, 3);
  assert.equal(result.rows[0]!['record_source'], 'CRM');
  assert.equal(hex(result.rows[0]!['customer_hk']), md5Hex('1'));
});
