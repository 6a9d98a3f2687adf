// ma_sat loaded batch after batch (spec §6.5): a key's whole group is re-inserted when a member changes or the group
// grows or shrinks, a batch differing only in load dates inserts nothing, NULL keys and NULL child keys are dropped,
// and within a batch every distinct row of a changed group is kept (no change detection between load dates).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { compositeMd5, md5Hex } from '../compile/pglite-loader';
import { forEachWarehouse, hex, loadBatch, runModel, type TestWarehouse } from './warehouses';

const STAGE = {
  source_model: 'raw_phones',
  derived_columns: { RECORD_SOURCE: '!CRM', LOAD_DATE: 'loaded_at' },
  hashed_columns: { CUSTOMER_HK: 'customer_id', PHONE_HASHDIFF: { is_hashdiff: true, columns: ['phone_type', 'phone'] } },
};
const MA_SAT = {
  src_pk: 'CUSTOMER_HK',
  src_cdk: ['PHONE'],
  src_hashdiff: { source_column: 'PHONE_HASHDIFF', alias: 'HASHDIFF' },
  src_payload: ['PHONE_TYPE'],
  src_ldts: 'LOAD_DATE',
  src_source: 'RECORD_SOURCE',
  source_model: 'stg_phones',
};

const p = (customer_id: number | null, phone: string | null, phone_type: string, loaded_at: string) => ({ customer_id, phone, phone_type, loaded_at });

forEachWarehouse('ma_sat', (wh: () => TestWarehouse) => {
  before(async () => {
    await wh().exec('CREATE TABLE raw_phones (customer_id integer, phone text, phone_type text, loaded_at timestamp)');
  });

  async function load(rows: Record<string, unknown>[]): Promise<number> {
    await loadBatch(wh(), 'raw_phones', rows);
    await runModel(wh(), 'stg_phones', 'stage', STAGE);
    return (await runModel(wh(), 'ma_sat_phones', 'ma_sat', MA_SAT)).rows;
  }

  test('groups are inserted whole when a member or the group size changes, and not when only the load date does', async () => {
    assert.equal(
      await load([
        p(1, 'A', 'mobile', '2024-01-01'),
        p(1, 'B', 'home', '2024-01-01'),
        p(1, 'A', 'mobile', '2024-01-01'),
        p(2, 'C', 'mobile', '2024-01-01'),
        p(null, 'X', 'home', '2024-01-01'),
        p(3, null, 'home', '2024-01-01'),
      ]),
      3,
      'first load: distinct rows with a key and a child key',
    );
    assert.equal(
      await load([
        p(1, 'A', 'mobile', '2024-01-02'),
        p(1, 'B', 'home', '2024-01-02'),
        p(2, 'C', 'mobile', '2024-01-02'),
        p(2, 'D', 'home', '2024-01-02'),
        p(4, 'E', 'mobile', '2024-01-02'),
      ]),
      3,
      'customer 1 unchanged; customer 2 grows from 1 to 2 phones (both inserted); customer 4 is new',
    );
    assert.equal(
      await load([p(1, 'A', 'mobile', '2024-01-03'), p(2, 'C', 'mobile', '2024-01-03'), p(2, 'D', 'work', '2024-01-03'), p(4, 'E', 'mobile', '2024-01-03')]),
      3,
      'customer 1 shrinks to A (inserted alone); customer 2 changes D only, but C comes along; customer 4 unchanged',
    );
    assert.equal(
      await load([p(1, 'A', 'mobile', '2024-01-04'), p(2, 'D', 'work', '2024-01-04'), p(2, 'C', 'mobile', '2024-01-04'), p(4, 'E', 'mobile', '2024-01-04')]),
      0,
      'every group as it stands, only with a later load date',
    );
    assert.equal(
      await load([
        p(4, 'E', 'mobile', '2024-01-05'),
        p(4, 'F', 'mobile', '2024-01-06'),
        p(4, 'E', 'mobile', '2024-01-07'),
        p(1, 'A', 'mobile', '2024-01-05'),
        p(1, 'A', 'mobile', '2024-01-06'),
      ]),
      3,
      'customer 4 changes and changes back within the batch: all three rows; customer 1 repeats its group: nothing',
    );

    const rows = await wh().rows('SELECT customer_hk, hashdiff, phone, phone_type, load_date::text AS l, record_source FROM ma_sat_phones');
    const customers = new Map([1, 2, 4].map((id) => [md5Hex(String(id)), id]));
    const readable = rows
      .map((r) => {
        // The hashdiff hashes the sorted columns (phone before phone_type), not the order the stage lists them in.
        assert.equal(hex(r.hashdiff), compositeMd5([r.phone ?? null, r.phone_type ?? null], { hashdiff: true }));
        assert.equal(r.record_source, 'CRM');
        return `${customers.get(hex(r.customer_hk)!)} ${r.phone} ${r.phone_type} ${r.l!.slice(0, 10)}`;
      })
      .sort((a, b) => a.slice(-10).localeCompare(b.slice(-10)) || a.localeCompare(b));
    assert.deepEqual(readable, [
      '1 A mobile 2024-01-01',
      '1 B home 2024-01-01',
      '2 C mobile 2024-01-01',
      '2 C mobile 2024-01-02',
      '2 D home 2024-01-02',
      '4 E mobile 2024-01-02',
      '1 A mobile 2024-01-03',
      '2 C mobile 2024-01-03',
      '2 D work 2024-01-03',
      '4 E mobile 2024-01-05',
      '4 F mobile 2024-01-06',
      '4 E mobile 2024-01-07',
    ]);
    const columns = await wh().rows(`SELECT column_name FROM information_schema.columns WHERE table_name = 'ma_sat_phones' AND table_schema = $1 ORDER BY ordinal_position`, [
      wh().schema,
    ]);
    assert.deepEqual(
      columns.map((c) => c.column_name),
      ['customer_hk', 'phone', 'phone_type', 'hashdiff', 'load_date', 'record_source'],
      "the hashdiff is renamed; 0.11.5 runs the default template on PostgreSQL, whose hashdiff follows the payload (0.9.7–0.10.2's SQL Server template put it right after the key)",
    );
  });
});
