// xts loaded batch after batch (spec §6.7): every satellite hashdiff at every load date, change and change-back kept,
// re-runs idempotent, NULL keys dropped; the quirk that the key is not part of the "already there" check; several
// source models; and two satellites sharing a sat-name column (AutomateDV's duplicate CTEs, DV504) running here.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { compositeMd5, md5Hex } from '../compile/pglite-loader';
import { forEachWarehouse, hex, loadBatch, runModel, type TestWarehouse } from './warehouses';

const stage = (recordSource: string) => ({
  source_model: 'raw_customers',
  derived_columns: {
    RECORD_SOURCE: `!${recordSource}`,
    LOAD_DATE: 'loaded_at',
    SAT_DETAILS_NAME: '!SAT_CUSTOMER_DETAILS',
    SAT_LOGIN_NAME: '!SAT_CUSTOMER_LOGIN',
  },
  hashed_columns: {
    CUSTOMER_HK: 'customer_id',
    DETAILS_HASHDIFF: { is_hashdiff: true, columns: ['name', 'email'] },
    LOGIN_HASHDIFF: { is_hashdiff: true, columns: ['last_login'] },
  },
});
const SATELLITES = {
  SAT_CUSTOMER_DETAILS: { sat_name: { SATELLITE_NAME: 'SAT_DETAILS_NAME' }, hashdiff: { HASHDIFF: 'DETAILS_HASHDIFF' } },
  SAT_CUSTOMER_LOGIN: { sat_name: { SATELLITE_NAME: 'SAT_LOGIN_NAME' }, hashdiff: { HASHDIFF: 'LOGIN_HASHDIFF' } },
};
const XTS = { src_pk: 'CUSTOMER_HK', src_satellite: SATELLITES, src_ldts: 'LOAD_DATE', src_source: 'RECORD_SOURCE', source_model: 'stg_customers' };

const c = (customer_id: number | null, name: string, email: string, last_login: string, loaded_at: string) => ({ customer_id, name, email, last_login, loaded_at });
const L1 = '2024-01-01 10:00:00';

const details = (name: string, email: string) => compositeMd5([email, name], { hashdiff: true });
const login = (at: string) => compositeMd5([at], { hashdiff: true });

forEachWarehouse('xts', (wh: () => TestWarehouse) => {
  before(async () => {
    await wh().exec('CREATE TABLE raw_customers (customer_id integer, name text, email text, last_login timestamp, loaded_at timestamp)');
  });

  async function stageBatch(rows: Record<string, unknown>[]): Promise<void> {
    await loadBatch(wh(), 'raw_customers', rows);
    await runModel(wh(), 'stg_customers', 'stage', stage('CRM'));
  }

  async function contents(table: string): Promise<string[]> {
    const rows = await wh().rows(`SELECT customer_hk, hashdiff, satellite_name, load_date::text AS l, record_source FROM "${table}"`);
    const customers = new Map([1, 2, 3, 4].map((id) => [md5Hex(String(id)), `c${id}`]));
    const hashdiffs = new Map([
      [details('Ann', 'a@x'), 'Ann'],
      [details('Bob', 'b@x'), 'Bob'],
      [details('Bob', 'b2@x'), 'Bob2'],
      [details('X', 'x@x'), 'X'],
      [details('Y', 'y@x'), 'Y'],
      [login(L1), 'L1'],
    ]);
    return rows
      .map((r) => `${customers.get(hex(r.customer_hk)!)} ${r.satellite_name} ${hashdiffs.get(hex(r.hashdiff)!) ?? hex(r.hashdiff)} ${r.l!.slice(0, 10)} ${r.record_source}`)
      .sort();
  }

  test('each satellite hashdiff at each load date; the same batch again adds nothing; the key is not part of the check', async () => {
    await stageBatch([c(1, 'Ann', 'a@x', L1, '2024-01-01'), c(2, 'Bob', 'b@x', L1, '2024-01-01'), c(null, 'Nobody', 'n@x', L1, '2024-01-01')]);
    assert.equal((await runModel(wh(), 'xts_customer', 'xts', XTS)).rows, 4, 'two customers × two satellites; the NULL key is dropped');

    const second = [c(1, 'Ann', 'a@x', L1, '2024-01-02'), c(2, 'Bob', 'b2@x', L1, '2024-01-02')];
    await stageBatch(second);
    assert.equal((await runModel(wh(), 'xts_customer', 'xts', XTS)).rows, 4, 'an unchanged hashdiff at a new load date is tracked too');

    await stageBatch([
      ...second,
      // Same satellite, hashdiff and load date as customer 1's row: AutomateDV does not compare keys, so it is skipped.
      c(4, 'Ann', 'a@x', L1, '2024-01-02'),
      c(3, 'X', 'x@x', L1, '2024-01-03'),
      c(3, 'X', 'x@x', L1, '2024-01-03'),
      c(3, 'Y', 'y@x', L1, '2024-01-04'),
      c(3, 'X', 'x@x', L1, '2024-01-05'),
    ]);
    assert.equal((await runModel(wh(), 'xts_customer', 'xts', XTS)).rows, 6, 'customer 3: change and change-back, three load dates × two satellites');

    assert.deepEqual(await contents('xts_customer'), [
      'c1 SAT_CUSTOMER_DETAILS Ann 2024-01-01 CRM',
      'c1 SAT_CUSTOMER_DETAILS Ann 2024-01-02 CRM',
      'c1 SAT_CUSTOMER_LOGIN L1 2024-01-01 CRM',
      'c1 SAT_CUSTOMER_LOGIN L1 2024-01-02 CRM',
      'c2 SAT_CUSTOMER_DETAILS Bob 2024-01-01 CRM',
      'c2 SAT_CUSTOMER_DETAILS Bob2 2024-01-02 CRM',
      'c2 SAT_CUSTOMER_LOGIN L1 2024-01-01 CRM',
      'c2 SAT_CUSTOMER_LOGIN L1 2024-01-02 CRM',
      'c3 SAT_CUSTOMER_DETAILS X 2024-01-03 CRM',
      'c3 SAT_CUSTOMER_DETAILS X 2024-01-05 CRM',
      'c3 SAT_CUSTOMER_DETAILS Y 2024-01-04 CRM',
      'c3 SAT_CUSTOMER_LOGIN L1 2024-01-03 CRM',
      'c3 SAT_CUSTOMER_LOGIN L1 2024-01-04 CRM',
      'c3 SAT_CUSTOMER_LOGIN L1 2024-01-05 CRM',
    ]);
  });

  test('several source models are unioned; satellites sharing a sat-name column run (DV504) where AutomateDV fails', async () => {
    await loadBatch(wh(), 'raw_customers', [c(1, 'Ann', 'a@x', L1, '2024-01-01')]);
    await runModel(wh(), 'stg_customers', 'stage', stage('CRM'));
    await runModel(wh(), 'stg_customers_web', 'stage', stage('WEB'));
    const multi = await runModel(wh(), 'xts_multi', 'xts', { ...XTS, source_model: ['stg_customers', 'stg_customers_web'] });
    assert.equal(multi.rows, 4);
    assert.deepEqual(await contents('xts_multi'), [
      'c1 SAT_CUSTOMER_DETAILS Ann 2024-01-01 CRM',
      'c1 SAT_CUSTOMER_DETAILS Ann 2024-01-01 WEB',
      'c1 SAT_CUSTOMER_LOGIN L1 2024-01-01 CRM',
      'c1 SAT_CUSTOMER_LOGIN L1 2024-01-01 WEB',
    ]);
    assert.deepEqual(multi.ctx.diagnostics, []);

    const shared = {
      ...XTS,
      src_satellite: {
        SAT_CUSTOMER_DETAILS: SATELLITES.SAT_CUSTOMER_DETAILS,
        SAT_CUSTOMER_LOGIN: { sat_name: { SATELLITE_NAME: 'SAT_DETAILS_NAME' }, hashdiff: { HASHDIFF: 'LOGIN_HASHDIFF' } },
      },
    };
    const run = await runModel(wh(), 'xts_shared', 'xts', shared);
    assert.deepEqual(run.ctx.diagnostics.map((d) => [d.code, d.severity]), [['DV504', 'warning']]);
    assert.match(run.sql, /satellite_sat_details_name_from_stg_customers AS[\s\S]*satellite_sat_details_name_from_stg_customers_2 AS/);
    assert.deepEqual(await contents('xts_shared'), ['c1 SAT_CUSTOMER_DETAILS Ann 2024-01-01 CRM', 'c1 SAT_CUSTOMER_DETAILS L1 2024-01-01 CRM']);
  });
});
