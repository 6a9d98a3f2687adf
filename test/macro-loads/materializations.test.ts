// vault_insert_by_period / vault_insert_by_rank (spec §6.11): the compiled SQL keeps AutomateDV's placeholders and
// says `dvs load` runs the loop (DV902); periodFilter / rankFilter give the loader the PostgreSQL conditions, checked
// here by running the loop by hand, one insert per period and per rank (test/load/vault-insert.test.ts runs dvs load).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPeriodFilter, applyRankFilter, periodFilter, rankFilter } from '../../server/src/compile/automate-dv';
import { CompileError } from '../../server/src/compile/context';
import { forEachWarehouse, loadBatch, runModel, type TestWarehouse } from './warehouses';

test('periodFilter is the PostgreSQL condition of AutomateDV 0.11 for one period', () => {
  assert.equal(
    periodFilter({ timestampField: 'LOAD_DATE', startTimestamp: '2024-01-01 00:00:00', offset: 2, period: 'day' }),
    "LOAD_DATE::TIMESTAMP >= DATE_TRUNC('day', TIMESTAMP '2024-01-01 00:00:00' + INTERVAL '2 day')\n" +
      "            AND LOAD_DATE::TIMESTAMP < DATE_TRUNC('day', TIMESTAMP '2024-01-01 00:00:00' + INTERVAL '2 day' + INTERVAL '1 day')\n" +
      "            AND LOAD_DATE::TIMESTAMP >= TIMESTAMP '2024-01-01 00:00:00'",
  );
  assert.match(periodFilter({ timestampField: 'x', startTimestamp: '2024-01-01', offset: 0 }), /DATE_TRUNC\('day'/, 'period defaults to day');
  assert.equal(rankFilter('DV_RANK', 3), 'DV_RANK::INTEGER = 3::INTEGER');
  assert.equal(applyRankFilter('WHERE a AND __RANK_FILTER__', 'R', 1), 'WHERE a AND R::INTEGER = 1::INTEGER');
  assert.throws(() => periodFilter({ timestampField: 'x', startTimestamp: '2024-01-01', offset: 0, period: 'fortnight' }), (e) => e instanceof CompileError && e.code === 'DV202');
  assert.throws(() => periodFilter({ timestampField: 'x', startTimestamp: '2024-01-01', offset: -1 }), CompileError);
});

const STAGE = {
  source_model: 'raw_events',
  derived_columns: { RECORD_SOURCE: '!APP', LOAD_DATE: 'loaded_at' },
  hashed_columns: { CUSTOMER_HK: 'customer_id', CUSTOMER_HASHDIFF: { is_hashdiff: true, columns: ['name'] } },
  ranked_columns: { DV_RANK: { partition_by: 'CUSTOMER_HK', order_by: 'LOAD_DATE' } },
};
const HUB = { src_pk: 'CUSTOMER_HK', src_nk: 'CUSTOMER_ID', src_ldts: 'LOAD_DATE', src_source: 'RECORD_SOURCE', source_model: 'stg_events' };
const SAT = { src_pk: 'CUSTOMER_HK', src_hashdiff: 'CUSTOMER_HASHDIFF', src_payload: ['NAME'], src_ldts: 'LOAD_DATE', src_source: 'RECORD_SOURCE', source_model: 'stg_events' };

forEachWarehouse('materializations', (wh: () => TestWarehouse) => {
  before(async () => {
    await wh().exec('CREATE TABLE raw_events (customer_id integer, name text, loaded_at timestamp)');
    await loadBatch(wh(), 'raw_events', [
      { customer_id: 1, name: 'A', loaded_at: '2024-01-01 08:00' },
      { customer_id: 2, name: 'B', loaded_at: '2024-01-02 09:00' },
      { customer_id: 1, name: 'B', loaded_at: '2024-01-02 10:00' },
      { customer_id: 3, name: 'C', loaded_at: '2024-01-03 11:00' },
      { customer_id: 1, name: 'A', loaded_at: '2024-01-03 12:00' },
    ]);
    await runModel(wh(), 'stg_events', 'stage', STAGE);
  });

  test('vault_insert_by_period: DV902, the placeholder, and one day per insert with periodFilter', async () => {
    const byPeriod = { materialized: 'vault_insert_by_period', timestamp_field: 'LOAD_DATE', period: 'day' };
    const added: number[] = [];
    for (let offset = 0; offset < 3; offset++) {
      const run = await runModel(wh(), 'hub_by_period', 'hub', HUB, {
        config: byPeriod,
        transformSql: (sql) => {
          assert.ok(sql.includes('__PERIOD_FILTER__'), 'the compiled SQL keeps the placeholder for the loader');
          return applyPeriodFilter(sql, { timestampField: 'LOAD_DATE', startTimestamp: '2024-01-01 00:00:00', offset, period: 'day' });
        },
      });
      assert.deepEqual(run.ctx.diagnostics.map((d) => [d.code, d.severity]), [['DV902', 'information']]);
      assert.match(run.ctx.diagnostics[0]!.message, /vault_insert_by_period: the compiled SQL keeps AutomateDV's __PERIOD_FILTER__ placeholder; `dvs load` replaces it and runs the per-period loop/);
      added.push(run.rows);
    }
    assert.deepEqual(added, [1, 1, 1], 'customer 1 on day one, customer 2 on day two, customer 3 on day three');
  });

  test('vault_insert_by_rank: one rank per insert with rankFilter; the satellite sees each change in turn', async () => {
    const byRank = { materialized: 'vault_insert_by_rank', rank_column: 'DV_RANK' };
    const added: number[] = [];
    for (let rank = 1; rank <= 3; rank++) {
      const run = await runModel(wh(), 'sat_by_rank', 'sat', SAT, { config: byRank, transformSql: (sql) => applyRankFilter(sql, 'DV_RANK', rank) });
      assert.deepEqual(run.ctx.diagnostics.map((d) => d.code), ['DV902']);
      added.push(run.rows);
    }
    assert.deepEqual(added, [3, 1, 1], 'rank 1: every customer; rank 2: customer 1 becomes B; rank 3: back to A');
    const names = await wh().rows("SELECT string_agg(name, ',' ORDER BY load_date) AS n FROM sat_by_rank GROUP BY customer_hk ORDER BY MIN(load_date)");
    assert.deepEqual(names.map((r) => r.n), ['A,B,A', 'B', 'C']);
  });
});
