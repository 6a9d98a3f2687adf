// eff_sat loaded batch after batch (spec §6.4), with the end dates the source gives and with is_auto_end_dating: a
// relationship opened, closed and reopened, the driving key moving to another secondary key and back, NULL foreign
// keys filtered although the key itself is not NULL, and a re-run batch that inserts nothing.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { compositeMd5, md5Hex } from '../compile/pglite-loader';
import { forEachWarehouse, hex, loadBatch, runModel, type TestWarehouse } from './warehouses';

const OPEN = '9999-12-31 23:59:59.999';

const STAGE = {
  source_model: 'raw_order_customer',
  derived_columns: { RECORD_SOURCE: 'rs', LOAD_DATE: 'loaded_at' },
  hashed_columns: { ORDER_CUSTOMER_HK: ['order_id', 'customer_id'], ORDER_HK: 'order_id', CUSTOMER_HK: 'customer_id' },
};
const EFF_SAT = {
  src_pk: 'ORDER_CUSTOMER_HK',
  src_dfk: 'ORDER_HK',
  src_sfk: 'CUSTOMER_HK',
  src_start_date: 'START_DATE',
  src_end_date: 'END_DATE',
  src_eff: 'EFFECTIVE_FROM',
  src_ldts: 'LOAD_DATE',
  src_source: 'RECORD_SOURCE',
  source_model: 'stg_order_customer',
};

const r = (order_id: number | null, customer_id: number | null, start_date: string, end_date: string, effective_from: string, loaded_at: string, rs: string) => ({
  order_id,
  customer_id,
  start_date,
  end_date,
  effective_from,
  loaded_at,
  rs,
});

/** A readable form of one eff_sat row: which order and customer, its dates and record source. */
type EffRow = [string, string, string, string, string, string];

function label(hexValue: string | null, prefix: string, ids: number[]): string {
  for (const id of ids) if (hexValue === md5Hex(String(id))) return `${prefix}${id}`;
  return `?${hexValue}`;
}

forEachWarehouse('eff_sat', (wh: () => TestWarehouse) => {
  before(async () => {
    await wh().exec(
      'CREATE TABLE raw_order_customer (order_id integer, customer_id integer, start_date timestamp, end_date timestamp, effective_from timestamp, loaded_at timestamp, rs text)',
    );
  });

  async function load(table: string, rows: Record<string, unknown>[], config: Record<string, unknown> = {}): Promise<number> {
    await loadBatch(wh(), 'raw_order_customer', rows);
    await runModel(wh(), 'stg_order_customer', 'stage', STAGE);
    return (await runModel(wh(), table, 'eff_sat', EFF_SAT, { config })).rows;
  }

  async function contents(table: string): Promise<EffRow[]> {
    const rows = await wh().rows(
      `SELECT order_customer_hk, order_hk, customer_hk, start_date::text AS s, end_date::text AS e, effective_from::text AS f, load_date::text AS l, record_source AS rs
       FROM "${table}"`,
    );
    const readable = rows.map((row): EffRow => {
      const order = label(hex(row.order_hk), 'o', [1, 2, 3]);
      const customer = label(hex(row.customer_hk), 'c', [10, 11, 20, 21]);
      // The key is the composite hash of both ids, so it must agree with the two foreign keys of its row.
      assert.equal(hex(row.order_customer_hk), compositeMd5([order.slice(1), customer.slice(1)]), 'the key is hash(order || customer)');
      return [`${order}-${customer}`, row.s!.slice(0, 10), row.e === OPEN ? 'open' : row.e!.slice(0, 10), row.f!.slice(0, 10), row.l!.slice(0, 10), row.rs!];
    });
    // In load order, then by relationship, then the earlier end first.
    return readable.sort((a, b) => a[4].localeCompare(b[4]) || a[0].localeCompare(b[0]) || a[2].localeCompare(b[2]));
  }

  test('end dates from the source: open, close, reopen, a new secondary key; a re-run batch inserts nothing', async () => {
    const first = await load('eff_manual', [
      r(1, 10, '2024-01-01', OPEN, '2024-01-01', '2024-01-01', 'ERP1'),
      r(2, 20, '2024-01-01', OPEN, '2024-01-01', '2024-01-01', 'ERP1'),
      r(3, null, '2024-01-01', OPEN, '2024-01-01', '2024-01-01', 'ERP1'),
      r(null, 30, '2024-01-01', OPEN, '2024-01-01', '2024-01-01', 'ERP1'),
    ]);
    assert.equal(first, 2, 'a NULL driving or secondary key drops the row, although the composite key is not NULL');

    const closing = r(1, 10, '2024-01-01', '2024-01-02 00:00:00', '2024-01-02', '2024-01-02', 'ERP2');
    assert.equal(await load('eff_manual', [closing, closing, r(2, 20, '2024-01-01', OPEN, '2024-01-01', '2024-01-02', 'ERP2')]), 1, 'only the closing row; the unchanged open one is skipped');

    const third = [
      r(1, 10, '2024-01-03', OPEN, '2024-01-03', '2024-01-03', 'ERP3'),
      r(2, 20, '2024-01-01', '2024-01-03 00:00:00', '2024-01-03', '2024-01-03', 'ERP3'),
      r(2, 21, '2024-01-03', OPEN, '2024-01-03', '2024-01-03', 'ERP3'),
    ];
    assert.equal(await load('eff_manual', third), 3, 'reopened o1-c10, closed o2-c20, opened o2-c21');
    assert.equal(await load('eff_manual', third), 0, 'the same batch again changes nothing');

    assert.deepEqual(await contents('eff_manual'), [
      ['o1-c10', '2024-01-01', 'open', '2024-01-01', '2024-01-01', 'ERP1'],
      ['o2-c20', '2024-01-01', 'open', '2024-01-01', '2024-01-01', 'ERP1'],
      // Closing: dates from the staged row, record source from the open record.
      ['o1-c10', '2024-01-01', '2024-01-02', '2024-01-02', '2024-01-02', 'ERP1'],
      // Reopening: the staged row's dates and record source.
      ['o1-c10', '2024-01-03', 'open', '2024-01-03', '2024-01-03', 'ERP3'],
      ['o2-c20', '2024-01-01', '2024-01-03', '2024-01-03', '2024-01-03', 'ERP1'],
      ['o2-c21', '2024-01-03', 'open', '2024-01-03', '2024-01-03', 'ERP3'],
    ]);
  });

  test('is_auto_end_dating: a driving key moving to another secondary key closes the old relationship, and moving back reopens it', async () => {
    const auto = { is_auto_end_dating: true };
    assert.equal(
      await load('eff_auto', [r(1, 10, '2024-01-01', OPEN, '2024-01-01', '2024-01-01', 'ERP1'), r(2, 20, '2024-01-01', OPEN, '2024-01-01', '2024-01-01', 'ERP1')], auto),
      2,
    );
    assert.equal(
      await load('eff_auto', [r(1, 11, '2023-12-25', OPEN, '2024-01-02', '2024-01-02', 'ERP2'), r(2, 20, '2024-01-01', OPEN, '2024-01-01', '2024-01-02', 'ERP2')], auto),
      2,
      'o1 moves to c11: c11 opens, c10 closes; o2 is unchanged',
    );
    const back = [r(1, 10, '2023-12-25', OPEN, '2024-01-03', '2024-01-03', 'ERP3'), r(2, 20, '2024-01-01', OPEN, '2024-01-01', '2024-01-03', 'ERP3')];
    assert.equal(await load('eff_auto', back, auto), 2, 'o1 moves back to c10: c10 reopens, c11 closes');
    assert.equal(await load('eff_auto', back, auto), 0, 'the same batch again changes nothing');

    assert.deepEqual(await contents('eff_auto'), [
      // The first load copies the batch as it is.
      ['o1-c10', '2024-01-01', 'open', '2024-01-01', '2024-01-01', 'ERP1'],
      ['o2-c20', '2024-01-01', 'open', '2024-01-01', '2024-01-01', 'ERP1'],
      // Closing: the open record's start date and record source, ended at the new row's effective date.
      ['o1-c10', '2024-01-01', '2024-01-02', '2024-01-02', '2024-01-02', 'ERP1'],
      // Opening: the start date is the effective date, not the staged start date (2023-12-25).
      ['o1-c11', '2024-01-02', 'open', '2024-01-02', '2024-01-02', 'ERP2'],
      ['o1-c10', '2024-01-03', 'open', '2024-01-03', '2024-01-03', 'ERP3'],
      ['o1-c11', '2024-01-02', '2024-01-03', '2024-01-03', '2024-01-03', 'ERP2'],
    ]);
  });
});
