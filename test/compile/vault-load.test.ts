// Loads stage → hub / link / sat / nh_link on a real PostgreSQL (PGlite), batch after batch as dbt would, and checks
// the rows and hash bytes that spec §6 implies: first load, new and changed rows, unchanged re-runs, multi-source
// tie-breaks and the NULL foreign-key filter of single- vs multi-source links.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PGlite } from '@electric-sql/pglite';
import { compileModel, compositeMd5, hex, loadBatch, md5Hex, runModel, startWarehouse } from './pglite-loader';

let db: PGlite;

before(async () => {
  db = await startWarehouse();
  await db.exec(`
    CREATE TABLE raw_customers (customer_id integer, name text, email text, loaded_at timestamp);
    CREATE TABLE raw_orders (order_id integer, customer_id integer, product_id integer, amount numeric(10,2), loaded_at timestamp);
    CREATE TABLE raw_orders_b (order_id integer, customer_id integer, product_id integer, amount numeric(10,2), loaded_at timestamp);
  `);
});

after(async () => {
  await db.close();
});

const STG_CUSTOMERS = {
  source_model: 'raw_customers',
  derived_columns: { RECORD_SOURCE: '!CRM', LOAD_DATE: 'loaded_at' },
  hashed_columns: { CUSTOMER_HK: 'customer_id', CUSTOMER_HASHDIFF: { is_hashdiff: true, columns: ['name', 'email'] } },
};
const HUB_CUSTOMER = { src_pk: 'CUSTOMER_HK', src_nk: 'CUSTOMER_ID', src_ldts: 'LOAD_DATE', src_source: 'RECORD_SOURCE', source_model: 'stg_customers' };
const SAT_CUSTOMER = {
  src_pk: 'CUSTOMER_HK',
  src_hashdiff: { source_column: 'CUSTOMER_HASHDIFF', alias: 'HASHDIFF' },
  src_payload: ['NAME', 'EMAIL'],
  src_ldts: 'LOAD_DATE',
  src_source: 'RECORD_SOURCE',
  source_model: 'stg_customers',
};

async function loadCustomers(rows: Record<string, unknown>[]): Promise<{ hub: number; sat: number }> {
  await loadBatch(db, 'raw_customers', rows);
  await runModel(db, 'stg_customers', 'stage', STG_CUSTOMERS);
  return { hub: await runModel(db, 'hub_customer', 'hub', HUB_CUSTOMER), sat: await runModel(db, 'sat_customer', 'sat', SAT_CUSTOMER) };
}

const c = (customer_id: number | null, name: string, email: string, loaded_at: string) => ({ customer_id, name, email, loaded_at });

test('hub and sat: first load, then new and changed rows, then an unchanged batch inserts nothing', async () => {
  const first = await loadCustomers([
    c(1, 'Ann', 'a@x', '2024-01-01 00:00:00'),
    c(2, 'Bob', 'b@x', '2024-01-01 00:00:00'),
    c(1, 'Ann', 'a@x', '2024-01-02 00:00:00'),
    c(null, 'Nobody', 'n@x', '2024-01-01 00:00:00'),
  ]);
  assert.deepEqual(first, { hub: 2, sat: 2 }, 'NULL keys are dropped; the repeated unchanged row of customer 1 is not a change');

  const hub = await db.query<{ customer_hk: Uint8Array; customer_id: number; load_date: string; record_source: string }>(
    'SELECT customer_hk, customer_id, load_date::text AS load_date, record_source FROM hub_customer ORDER BY customer_id',
  );
  assert.deepEqual(
    hub.rows.map((r) => [hex(r.customer_hk), r.customer_id, r.load_date, r.record_source]),
    [
      [md5Hex('1'), 1, '2024-01-01 00:00:00', 'CRM'],
      [md5Hex('2'), 2, '2024-01-01 00:00:00', 'CRM'],
    ],
    'one row per key, the earliest, with the key hashed from the business key',
  );
  const sat = await db.query<{ hashdiff: Uint8Array }>(`SELECT hashdiff FROM sat_customer WHERE customer_hk = DECODE('${md5Hex('1')}', 'hex')`);
  assert.equal(hex(sat.rows[0]!.hashdiff), compositeMd5(['a@x', 'Ann'], { hashdiff: true }), 'the hashdiff is renamed and sorted (EMAIL before NAME)');

  const second = await loadCustomers([
    c(1, 'Ann', 'a2@x', '2024-02-01 00:00:00'),
    c(2, 'Bob', 'b@x', '2024-02-01 00:00:00'),
    c(4, 'Dan', 'd@x', '2024-02-01 00:00:00'),
    c(5, 'Eve', 'e1@x', '2024-02-01 00:00:00'),
    c(5, 'Eve', 'e2@x', '2024-02-02 00:00:00'),
    c(5, 'Eve', 'e1@x', '2024-02-03 00:00:00'),
  ]);
  assert.deepEqual(second, { hub: 2, sat: 5 }, 'hub: only new keys; sat: a change, a new key, and change plus change-back (3 rows)');
  const eve = await db.query<{ email: string }>(`SELECT email FROM sat_customer WHERE customer_hk = DECODE('${md5Hex('5')}', 'hex') ORDER BY load_date`);
  assert.deepEqual(eve.rows.map((r) => r.email), ['e1@x', 'e2@x', 'e1@x']);

  const unchanged = [c(1, 'Ann', 'a2@x', '2024-03-01 00:00:00'), c(2, 'Bob', 'b@x', '2024-03-01 00:00:00'), c(5, 'Eve', 'e1@x', '2024-03-01 00:00:00')];
  assert.deepEqual(await loadCustomers(unchanged), { hub: 0, sat: 0 }, 'an unchanged batch inserts nothing');
  assert.deepEqual(await loadCustomers(unchanged), { hub: 0, sat: 0 }, 'and re-running it inserts nothing either');
  assert.equal((await db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM sat_customer')).rows[0]!.n, 7);
});

test('a multi-source hub breaks an ldts tie by record source, alphabetically', async () => {
  await loadBatch(db, 'raw_customers', [c(7, 'Gus', 'g@x', '2024-01-05 00:00:00'), c(8, 'Hal', 'h@x', '2024-01-04 00:00:00')]);
  await runModel(db, 'stg_customers_b_sys', 'stage', { ...STG_CUSTOMERS, derived_columns: { RECORD_SOURCE: '!B_SYS', LOAD_DATE: 'loaded_at' } });
  await runModel(db, 'stg_customers_a_sys', 'stage', {
    ...STG_CUSTOMERS,
    derived_columns: { RECORD_SOURCE: '!A_SYS', LOAD_DATE: "CASE WHEN customer_id = 8 THEN loaded_at + INTERVAL '1 day' ELSE loaded_at END" },
  });
  const inserted = await runModel(db, 'hub_customer_multi', 'hub', { ...HUB_CUSTOMER, source_model: ['stg_customers_b_sys', 'stg_customers_a_sys'] });
  assert.equal(inserted, 2);
  const rows = await db.query<{ customer_id: number; record_source: string }>('SELECT customer_id, record_source FROM hub_customer_multi ORDER BY customer_id');
  assert.deepEqual(
    rows.rows.map((r) => [r.customer_id, r.record_source]),
    [
      [7, 'A_SYS'],
      [8, 'B_SYS'],
    ],
    'equal ldts: A_SYS wins; earlier ldts wins over the record source',
  );
});

const STG_ORDERS = {
  source_model: 'raw_orders',
  derived_columns: { RECORD_SOURCE: '!SHOP', LOAD_DATE: 'loaded_at' },
  hashed_columns: { ORDER_LINK_HK: ['order_id'], ORDER_HK: 'order_id', CUSTOMER_HK: 'customer_id', PRODUCT_HK: 'product_id' },
};
const LINK = { src_pk: 'ORDER_LINK_HK', src_fk: ['ORDER_HK', 'CUSTOMER_HK'], src_ldts: 'LOAD_DATE', src_source: 'RECORD_SOURCE' };
const o = (order_id: number, customer_id: number | null, product_id: number | null, amount: string, loaded_at: string) => ({ order_id, customer_id, product_id, amount, loaded_at });

test('links: a NULL foreign key is filtered before ranking with one source, after ranking with several', async () => {
  await loadBatch(db, 'raw_orders', [
    o(1, 10, 100, '5.00', '2024-01-01 00:00:00'),
    o(3, null, 100, '7.00', '2024-01-01 00:00:00'),
    o(3, 30, 100, '7.00', '2024-01-02 00:00:00'),
  ]);
  await loadBatch(db, 'raw_orders_b', [o(2, 20, 200, '6.00', '2024-01-01 00:00:00')]);
  await runModel(db, 'stg_orders', 'stage', STG_ORDERS);
  await runModel(db, 'stg_orders_b', 'stage', { ...STG_ORDERS, source_model: 'raw_orders_b' });

  assert.equal(await runModel(db, 'link_single', 'link', { ...LINK, source_model: 'stg_orders' }), 2);
  const single = await db.query<{ order_hk: Uint8Array; customer_hk: Uint8Array; load_date: string }>(
    'SELECT order_hk, customer_hk, load_date::text AS load_date FROM link_single ORDER BY load_date',
  );
  assert.deepEqual(
    single.rows.map((r) => [hex(r.order_hk), hex(r.customer_hk), r.load_date]),
    [
      [md5Hex('1'), md5Hex('10'), '2024-01-01 00:00:00'],
      [md5Hex('3'), md5Hex('30'), '2024-01-02 00:00:00'],
    ],
    'single source: the NULL-FK row is filtered first, so order 3 links through its later row',
  );
  const columns = await db.query<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_name = 'link_single' ORDER BY ordinal_position`);
  assert.deepEqual(columns.rows.map((r) => r.column_name), ['order_link_hk', 'order_hk', 'customer_hk', 'load_date', 'record_source'], 'row_number does not leak');

  assert.equal(await runModel(db, 'link_multi', 'link', { ...LINK, source_model: ['stg_orders', 'stg_orders_b'] }), 2);
  const multi = await db.query<{ order_hk: Uint8Array }>('SELECT order_hk FROM link_multi ORDER BY load_date, order_hk');
  assert.deepEqual(
    multi.rows.map((r) => hex(r.order_hk)).sort(),
    [md5Hex('1'), md5Hex('2')].sort(),
    'several sources: order 3 ranks its NULL-FK row first and is then filtered out entirely',
  );

  await loadBatch(db, 'raw_orders', [o(1, 10, 100, '5.00', '2024-02-01 00:00:00'), o(4, 40, 100, '1.00', '2024-02-01 00:00:00')]);
  assert.equal(await runModel(db, 'link_single', 'link', { ...LINK, source_model: 'stg_orders' }), 1, 'incremental: only the new key');
});

test('nh_link: rows with every key, two differing rows of one new key both inserted, then only new keys', async () => {
  const NH = {
    src_pk: 'ORDER_HK',
    src_fk: ['CUSTOMER_HK', 'PRODUCT_HK'],
    src_payload: ['AMOUNT'],
    src_eff: 'LOAD_DATE',
    src_ldts: 'LOAD_DATE',
    src_source: 'RECORD_SOURCE',
    source_model: 'stg_orders',
  };
  await loadBatch(db, 'raw_orders', [
    o(1, 10, 100, '5.00', '2024-01-01 00:00:00'),
    o(1, 10, 100, '5.50', '2024-01-01 00:00:00'),
    o(2, 20, null, '6.00', '2024-01-01 00:00:00'),
  ]);
  assert.equal(await runModel(db, 'nh_orders', 'nh_link', NH), 2);
  await loadBatch(db, 'raw_orders', [o(1, 10, 100, '9.00', '2024-02-01 00:00:00'), o(5, 50, 500, '2.00', '2024-02-01 00:00:00')]);
  assert.equal(await runModel(db, 'nh_orders', 'nh_link', NH), 1);
  const amounts = await db.query<{ amount: string }>('SELECT amount::text AS amount FROM nh_orders ORDER BY amount');
  assert.deepEqual(amounts.rows.map((r) => r.amount), ['2.00', '5.00', '5.50']);

  const { sql, ctx } = await compileModel(db, 'tl_orders', 't_link', NH);
  assert.ok(!sql.startsWith('-- Generated by'), 't_link in 0.11.5 skips the generated-by line');
  // DV511: src_eff and src_ldts are both LOAD_DATE, which AutomateDV would select twice.
  assert.deepEqual(ctx.diagnostics.map((d) => d.code), ['DV508', 'DV511']);
  const older = await compileModel(db, 'tl_orders', 't_link', NH, { compat: { version: '0.11.0', satLogic: 'first-record' } });
  assert.ok(older.sql.startsWith('-- Generated by AutomateDV'));
  assert.deepEqual(older.ctx.diagnostics.map((d) => d.code), ['DV511']);
});
