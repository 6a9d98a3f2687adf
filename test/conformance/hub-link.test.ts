// Conformance of hub and link loading (spec §6.1, §6.2) on PostgreSQL (PGlite): composite keys, the NULL-key filters,
// earliest-row selection, multi-source tie-breaks and the incremental anti-join. Expected keys come from node:crypto.
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PGlite } from '@electric-sql/pglite';
import { hex, loadBatch, runModel, startWarehouse } from '../compile/pglite-loader';

let db: PGlite;

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

before(async () => {
  db = await startWarehouse();
  await db.exec(`
    CREATE TABLE raw_lines (order_id integer, product_id integer, customer_id integer, loaded_at timestamp);
    CREATE TABLE raw_lines_b (order_id integer, product_id integer, customer_id integer, loaded_at timestamp);
  `);
});

after(async () => {
  await db.close();
});

const stageArgs = (table: string, recordSource: string) => ({
  source_model: table,
  derived_columns: { RECORD_SOURCE: `!${recordSource}`, LOAD_DATE: 'loaded_at' },
  hashed_columns: { ORDER_HK: 'order_id', PRODUCT_HK: 'product_id', CUSTOMER_HK: 'customer_id', ORDER_LINK_HK: ['order_id'] },
});
const line = (order_id: number | null, product_id: number | null, customer_id: number | null, loaded_at: string) => ({ order_id, product_id, customer_id, loaded_at });

async function rows<T>(sql: string): Promise<T[]> {
  return (await db.query<T>(sql)).rows;
}

test('§6.1 a composite hub key: DISTINCT ON every key column, IS NOT NULL on each, the earliest row per key; incremental inserts only new keys and never updates', async () => {
  const HUB = {
    src_pk: ['ORDER_HK', 'PRODUCT_HK'],
    src_nk: ['ORDER_ID', 'PRODUCT_ID'],
    src_ldts: 'LOAD_DATE',
    src_source: 'RECORD_SOURCE',
    source_model: 'stg_lines',
  };
  await loadBatch(db, 'raw_lines', [
    line(1, 10, 5, '2024-01-02 00:00:00'),
    line(1, 10, 6, '2024-01-01 00:00:00'),
    line(1, 20, 5, '2024-01-03 00:00:00'),
    line(2, null, 5, '2024-01-01 00:00:00'),
    line(null, 30, 5, '2024-01-01 00:00:00'),
  ]);
  await runModel(db, 'stg_lines', 'stage', stageArgs('raw_lines', 'SHOP'));
  assert.equal(await runModel(db, 'hub_line', 'hub', HUB), 2, 'a NULL in either key column drops the row');
  type Row = { order_hk: Uint8Array; product_hk: Uint8Array; load_date: string };
  const read = () => rows<Row>('SELECT order_hk, product_hk, load_date::text AS load_date FROM hub_line ORDER BY load_date, product_hk');
  assert.deepEqual(
    (await read()).map((r) => [hex(r.order_hk), hex(r.product_hk), r.load_date]),
    [
      [md5('1'), md5('10'), '2024-01-01 00:00:00'],
      [md5('1'), md5('20'), '2024-01-03 00:00:00'],
    ],
  );

  await loadBatch(db, 'raw_lines', [line(1, 10, 7, '2023-12-01 00:00:00'), line(2, 20, 5, '2024-02-01 00:00:00')]);
  await runModel(db, 'stg_lines', 'stage', stageArgs('raw_lines', 'SHOP'));
  assert.equal(await runModel(db, 'hub_line', 'hub', HUB), 1, 'only the new (2, 20) key');
  const after = await read();
  assert.deepEqual(
    after.map((r) => [hex(r.order_hk), hex(r.product_hk), r.load_date]),
    [
      [md5('1'), md5('10'), '2024-01-01 00:00:00'],
      [md5('1'), md5('20'), '2024-01-03 00:00:00'],
      [md5('2'), md5('20'), '2024-02-01 00:00:00'],
    ],
    'an earlier load date for an existing key does not update it',
  );
});

test('§6.2 multi-source link: an ldts tie goes to the alphabetically first record source, an earlier ldts wins regardless', async () => {
  const LINK = { src_pk: 'ORDER_LINK_HK', src_fk: ['ORDER_HK', 'CUSTOMER_HK'], src_ldts: 'LOAD_DATE', src_source: 'RECORD_SOURCE' };
  await loadBatch(db, 'raw_lines', [line(11, 1, 100, '2024-01-01 00:00:00'), line(12, 1, 200, '2024-01-01 00:00:00')]);
  await loadBatch(db, 'raw_lines_b', [line(11, 1, 100, '2024-01-01 00:00:00'), line(12, 1, 200, '2024-01-02 00:00:00')]);
  await runModel(db, 'stg_z', 'stage', stageArgs('raw_lines', 'Z_SYS'));
  await runModel(db, 'stg_a', 'stage', stageArgs('raw_lines_b', 'A_SYS'));
  assert.equal(await runModel(db, 'link_tie', 'link', { ...LINK, source_model: ['stg_z', 'stg_a'] }), 2);
  const result = await rows<{ order_hk: Uint8Array; record_source: string; load_date: string }>(
    'SELECT order_hk, record_source, load_date::text AS load_date FROM link_tie ORDER BY load_date, record_source',
  );
  assert.deepEqual(
    result.map((r) => [hex(r.order_hk), r.record_source, r.load_date]),
    [
      [md5('11'), 'A_SYS', '2024-01-01 00:00:00'],
      [md5('12'), 'Z_SYS', '2024-01-01 00:00:00'],
    ],
  );
});

test('§6.2 single-source link: the NOT NULL filter covers the key and every foreign key before ranking; incremental adds only new link keys', async () => {
  const LINK = {
    src_pk: 'ORDER_LINK_HK',
    src_fk: ['ORDER_HK', 'PRODUCT_HK', 'CUSTOMER_HK'],
    src_ldts: 'LOAD_DATE',
    src_source: 'RECORD_SOURCE',
    source_model: 'stg_single',
  };
  await loadBatch(db, 'raw_lines', [
    line(21, 1, null, '2024-01-01 00:00:00'),
    line(21, 2, 300, '2024-01-02 00:00:00'),
    line(22, null, 300, '2024-01-01 00:00:00'),
  ]);
  await runModel(db, 'stg_single', 'stage', stageArgs('raw_lines', 'SHOP'));
  assert.equal(await runModel(db, 'link_single', 'link', LINK), 1);
  const first = await rows<{ product_hk: Uint8Array; customer_hk: Uint8Array }>('SELECT product_hk, customer_hk FROM link_single');
  assert.deepEqual(first.map((r) => [hex(r.product_hk), hex(r.customer_hk)]), [[md5('2'), md5('300')]], 'order 21 links through its later, complete row');

  await loadBatch(db, 'raw_lines', [line(21, 9, 900, '2024-02-01 00:00:00'), line(22, 3, 300, '2024-02-01 00:00:00')]);
  assert.equal(await runModel(db, 'link_single', 'link', LINK), 1, 'order 21 exists (even with other foreign keys); order 22 is new');
  const keys = await rows<{ order_hk: Uint8Array }>('SELECT order_hk FROM link_single ORDER BY load_date');
  assert.deepEqual(keys.map((r) => hex(r.order_hk)), [md5('21'), md5('22')]);
});
