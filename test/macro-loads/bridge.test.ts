// bridge loaded as bridge_incremental (spec §6.9): hub → link → effectivity satellite → link → effectivity satellite at
// each as-of date. Only relationships open at that date remain: a closed one disappears from later dates, a replaced
// product switches over; dates before the data have no rows; a hub key without a full walk is left out.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { compositeMd5, md5Hex } from '../compile/pglite-loader';
import { forEachWarehouse, hex, loadBatch, runModel, type TestWarehouse } from './warehouses';

const OPEN = '9999-12-31 23:59:59.999';

const stage = (raw: string, left: string, right: string) => ({
  source_model: raw,
  derived_columns: { RECORD_SOURCE: '!ERP', LOAD_DATE: 'loaded_at', EFFECTIVE_FROM: 'loaded_at' },
  hashed_columns: {
    [`${left.toUpperCase()}_HK`]: `${left}_id`,
    [`${right.toUpperCase()}_HK`]: `${right}_id`,
    [`${left.toUpperCase()}_${right.toUpperCase()}_HK`]: [`${left}_id`, `${right}_id`],
  },
});
const link = (left: string, right: string, stageModel: string) => ({
  src_pk: `${left}_${right}_HK`,
  src_fk: [`${left}_HK`, `${right}_HK`],
  src_ldts: 'LOAD_DATE',
  src_source: 'RECORD_SOURCE',
  source_model: stageModel,
});
const effSat = (left: string, right: string, stageModel: string) => ({
  src_pk: `${left}_${right}_HK`,
  src_dfk: `${right}_HK`,
  src_sfk: `${left}_HK`,
  src_start_date: 'START_DATE',
  src_end_date: 'END_DATE',
  src_eff: 'EFFECTIVE_FROM',
  src_ldts: 'LOAD_DATE',
  src_source: 'RECORD_SOURCE',
  source_model: stageModel,
});
const step = (left: string, right: string) => ({
  bridge_link_pk: `LINK_${left}_${right}_PK`,
  bridge_end_date: `EFF_SAT_${left}_${right}_ENDDATE`,
  bridge_load_date: `EFF_SAT_${left}_${right}_LOADDATE`,
  link_table: `link_${left}_${right}`.toLowerCase(),
  link_pk: `${left}_${right}_HK`,
  link_fk1: `${left}_HK`,
  link_fk2: `${right}_HK`,
  eff_sat_table: `eff_sat_${left}_${right}`.toLowerCase(),
  eff_sat_pk: `${left}_${right}_HK`,
  eff_sat_end_date: 'END_DATE',
  eff_sat_load_date: 'LOAD_DATE',
});
const BRIDGE = {
  src_pk: 'CUSTOMER_HK',
  as_of_dates_table: 'as_of_dates',
  bridge_walk: { CUSTOMER_ORDER: step('CUSTOMER', 'ORDER'), ORDER_PRODUCT: step('ORDER', 'PRODUCT') },
  stage_tables_ldts: { stg_customer_orders: 'LOAD_DATE', stg_order_products: 'LOAD_DATE' },
  src_ldts: 'LOAD_DATE',
  source_model: 'hub_customer',
};

const co = (customer_id: number, order_id: number, start_date: string, end_date: string, loaded_at: string) => ({ customer_id, order_id, start_date, end_date, loaded_at });
const op = (order_id: number, product_id: number, start_date: string, end_date: string, loaded_at: string) => ({ order_id, product_id, start_date, end_date, loaded_at });

forEachWarehouse('bridge', (wh: () => TestWarehouse) => {
  before(async () => {
    await wh().exec(`
      CREATE TABLE raw_customer_orders (customer_id integer, order_id integer, start_date timestamp, end_date timestamp, loaded_at timestamp);
      CREATE TABLE raw_order_products (order_id integer, product_id integer, start_date timestamp, end_date timestamp, loaded_at timestamp);
      CREATE TABLE as_of_dates (as_of_date timestamp);
    `);
  });

  async function loadVault(customerOrders: Record<string, unknown>[], orderProducts: Record<string, unknown>[]): Promise<void> {
    await loadBatch(wh(), 'raw_customer_orders', customerOrders);
    await loadBatch(wh(), 'raw_order_products', orderProducts);
    await runModel(wh(), 'stg_customer_orders', 'stage', stage('raw_customer_orders', 'customer', 'order'));
    await runModel(wh(), 'stg_order_products', 'stage', stage('raw_order_products', 'order', 'product'));
    await runModel(wh(), 'hub_customer', 'hub', { src_pk: 'CUSTOMER_HK', src_nk: 'CUSTOMER_ID', src_ldts: 'LOAD_DATE', src_source: 'RECORD_SOURCE', source_model: 'stg_customer_orders' });
    await runModel(wh(), 'link_customer_order', 'link', link('CUSTOMER', 'ORDER', 'stg_customer_orders'));
    await runModel(wh(), 'eff_sat_customer_order', 'eff_sat', effSat('CUSTOMER', 'ORDER', 'stg_customer_orders'));
    await runModel(wh(), 'link_order_product', 'link', link('ORDER', 'PRODUCT', 'stg_order_products'));
    await runModel(wh(), 'eff_sat_order_product', 'eff_sat', effSat('ORDER', 'PRODUCT', 'stg_order_products'));
  }

  /** "customer as-of: order-link product-link" with the links as o1-c1 style labels. */
  async function contents(): Promise<string[]> {
    const rows = await wh().rows('SELECT customer_hk, as_of_date::text AS d, link_customer_order_pk AS co, link_order_product_pk AS op FROM bridge_customer');
    const labels = new Map<string, string>();
    for (const c of [1, 2, 3]) labels.set(md5Hex(String(c)), `c${c}`);
    for (const [c, o] of [[1, 101], [2, 102], [3, 103]] as const) labels.set(compositeMd5([c, o])!, `c${c}-o${o}`);
    for (const [o, p] of [[101, 201], [102, 202], [102, 203]] as const) labels.set(compositeMd5([o, p])!, `o${o}-p${p}`);
    const name = (v: string | null | undefined) => labels.get(hex(v)!) ?? `?${v}`;
    return rows.map((r) => `${name(r.customer_hk)} ${r.d!.slice(0, 10)}: ${name(r.co)} ${name(r.op)}`).sort();
  }

  test('only relationships open at each as-of date remain, through two links; re-runs are stable', async () => {
    await loadVault(
      [co(1, 101, '2024-01-01', OPEN, '2024-01-01'), co(2, 102, '2024-01-01', OPEN, '2024-01-01'), co(3, 103, '2024-01-01', OPEN, '2024-01-01')],
      [op(101, 201, '2024-01-01', OPEN, '2024-01-01'), op(102, 202, '2024-01-01', OPEN, '2024-01-01')],
    );
    await wh().exec("INSERT INTO as_of_dates VALUES ('2023-12-31'), ('2024-01-01'), ('2024-01-03')");
    const first = await runModel(wh(), 'bridge_customer', 'bridge', BRIDGE);
    assert.deepEqual(first.ctx.diagnostics.map((d) => d.code), ['DV508'], 'bridge() is deprecated since 0.11.0');
    assert.deepEqual(await contents(), [
      // Nothing on 2023-12-31 (before every load date); customer 3's order has no product, so no full walk.
      'c1 2024-01-01: c1-o101 o101-p201',
      'c1 2024-01-03: c1-o101 o101-p201',
      'c2 2024-01-01: c2-o102 o102-p202',
      'c2 2024-01-03: c2-o102 o102-p202',
    ]);

    // 2024-01-05: customer 1's order 101 ends; order 102 swaps product 202 for 203.
    await loadVault(
      [co(1, 101, '2024-01-01', '2024-01-05 00:00:00', '2024-01-05'), co(2, 102, '2024-01-01', OPEN, '2024-01-05')],
      [op(102, 202, '2024-01-01', '2024-01-05 00:00:00', '2024-01-05'), op(102, 203, '2024-01-05', OPEN, '2024-01-05')],
    );
    const effRows = await wh().rows('SELECT COUNT(*) AS n FROM eff_sat_customer_order');
    assert.equal(effRows[0]!.n, '4', 'the effectivity satellite holds the closing row of customer 1');
    await wh().exec("INSERT INTO as_of_dates VALUES ('2024-01-06'), ('2024-02-01')");
    const expected = [
      'c1 2024-01-01: c1-o101 o101-p201',
      'c1 2024-01-03: c1-o101 o101-p201',
      'c2 2024-01-01: c2-o102 o102-p202',
      'c2 2024-01-03: c2-o102 o102-p202',
      'c2 2024-01-06: c2-o102 o102-p203',
      'c2 2024-02-01: c2-o102 o102-p203',
    ];
    assert.equal((await runModel(wh(), 'bridge_customer', 'bridge', BRIDGE)).rows, 6);
    assert.deepEqual(await contents(), expected, 'customer 1 is closed from 2024-01-05 on; product 202 gives way to 203');
    assert.equal((await runModel(wh(), 'bridge_customer', 'bridge', BRIDGE)).rows, 6);
    assert.deepEqual(await contents(), expected, 'a run without new data gives the same table');
  });
});
