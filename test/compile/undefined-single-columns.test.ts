// A single-column parameter left undefined (not passed, a missing key, an unset name) that AutomateDV renders without:
// sat/ma_sat src_source and nh_link/t_link src_ldts/src_source only join the macro's expanded column list, so dbt
// builds the table without that column (checked at 0.9.7, 0.10.2, 0.11.0 and 0.11.5). The emulation builds the same
// table on PGlite, first load and incremental run. pit/bridge read src_ldts only in the as-of-date window of an
// incremental run: the first build works without it, the incremental run fails in dbt, so dvs fails it too.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PGlite } from '@electric-sql/pglite';
import { AUTOMATE_DV_VERSIONS, behaviourAt } from '../../server/src/base/automate-dv-versions';
import { loadBatch, runModel, startWarehouse, type ModelOptions } from './pglite-loader';

let db: PGlite;

before(async () => {
  db = await startWarehouse();
  await db.exec('CREATE TABLE raw_phones (customer_id integer, phone text, kind text, amount integer, loaded_at timestamp)');
});

const at = (version: string): ModelOptions => ({ compat: { version, hashing: behaviourAt(AUTOMATE_DV_VERSIONS.hashEncoding, version) } });

const STAGE = {
  source_model: 'raw_phones',
  derived_columns: { RECORD_SOURCE: '!CRM', LOAD_DATE: 'loaded_at' },
  hashed_columns: {
    CUSTOMER_HK: 'customer_id',
    ORDER_HK: ['customer_id', 'phone'],
    HASHDIFF: { is_hashdiff: true, columns: ['kind'] },
  },
};

async function columnsOf(table: string): Promise<string[]> {
  const r = await db.query<{ name: string }>(
    `SELECT a.attname AS name FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
     WHERE c.relname = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [table],
  );
  return r.rows.map((row) => row.name);
}

async function batch(rows: Array<[number, string, string, string]>, version: string): Promise<void> {
  await loadBatch(db, 'raw_phones', rows.map(([customer_id, phone, kind, loaded_at]) => ({ customer_id, phone, kind, amount: customer_id * 10, loaded_at })));
  await runModel(db, 'stg_phones', 'stage', STAGE, at(version));
}

const FIRST: Array<[number, string, string, string]> = [
  [1, '555-1', 'home', '2024-01-01'],
  [2, '555-2', 'work', '2024-01-01'],
];
const SECOND: Array<[number, string, string, string]> = [
  [1, '555-1', 'mobile', '2024-01-02'],
  [3, '555-3', 'home', '2024-01-02'],
];

for (const version of ['0.9.7', '0.10.2', '0.11.0', '0.11.5']) {
  test(`${version}: sat, ma_sat and t_link without src_source (and t_link without src_ldts) build their tables without that column`, async () => {
    const suffix = version.replace(/\./g, '_');
    const sat = `sat_nosrc_${suffix}`;
    const maSat = `masat_nosrc_${suffix}`;
    const tLink = `tlink_nosrc_${suffix}`;
    const satCall = { src_pk: 'CUSTOMER_HK', src_hashdiff: 'HASHDIFF', src_payload: ['KIND'], src_ldts: 'LOAD_DATE', source_model: 'stg_phones' };
    const maSatCall = { src_pk: 'CUSTOMER_HK', src_cdk: ['PHONE'], src_hashdiff: 'HASHDIFF', src_payload: ['KIND'], src_ldts: 'LOAD_DATE', source_model: 'stg_phones' };
    const tLinkCall = { src_pk: 'ORDER_HK', src_fk: ['CUSTOMER_HK'], src_payload: ['AMOUNT'], src_eff: 'LOAD_DATE', source_model: 'stg_phones' };

    await batch(FIRST, version);
    assert.equal(await runModel(db, sat, 'sat', satCall, at(version)), 2);
    assert.equal(await runModel(db, maSat, 'ma_sat', maSatCall, at(version)), 2);
    assert.equal(await runModel(db, tLink, 't_link', tLinkCall, at(version)), 2);
    assert.deepEqual(await columnsOf(sat), ['customer_hk', 'hashdiff', 'kind', 'load_date']);
    assert.ok(!(await columnsOf(maSat)).includes('record_source'), `${maSat}: ${await columnsOf(maSat)}`);
    assert.deepEqual((await columnsOf(maSat)).sort(), ['customer_hk', 'hashdiff', 'kind', 'load_date', 'phone']);
    assert.deepEqual(await columnsOf(tLink), ['order_hk', 'customer_hk', 'amount', 'load_date']);

    // The incremental run: customer 1 changed, customer 3 is new; the t_link gains only the new key (3, 555-3).
    await batch(SECOND, version);
    assert.equal(await runModel(db, sat, 'sat', satCall, at(version)), 2);
    assert.equal(await runModel(db, maSat, 'ma_sat', maSatCall, at(version)), 2);
    assert.equal(await runModel(db, tLink, 't_link', tLinkCall, at(version)), 1);
    const kinds = await db.query<{ k: string }>(`SELECT kind || '@' || load_date::date::text AS k FROM "${sat}" ORDER BY 1`);
    assert.deepEqual(kinds.rows.map((r) => r.k), ['home@2024-01-01', 'home@2024-01-02', 'mobile@2024-01-02', 'work@2024-01-01']);
  });
}

test('0.11.5: nh_link without src_ldts and src_source builds its table without them', async () => {
  await batch(FIRST, '0.11.5');
  const call = { src_pk: 'ORDER_HK', src_fk: ['CUSTOMER_HK'], src_payload: ['AMOUNT'], source_model: 'stg_phones' };
  assert.equal(await runModel(db, 'nhlink_nosrc', 'nh_link', call, at('0.11.5')), 2);
  assert.deepEqual(await columnsOf('nhlink_nosrc'), ['order_hk', 'customer_hk', 'amount']);
  await batch(SECOND, '0.11.5');
  assert.equal(await runModel(db, 'nhlink_nosrc', 'nh_link', call, at('0.11.5')), 1);
});

test('sat with enable_ghost_records and no src_source: the ghost row has no record source either', async () => {
  await batch(FIRST, '0.11.5');
  const call = { src_pk: 'CUSTOMER_HK', src_hashdiff: 'HASHDIFF', src_payload: ['KIND'], src_ldts: 'LOAD_DATE', source_model: 'stg_phones' };
  const options = { ...at('0.11.5'), vars: { enable_ghost_records: true } };
  assert.equal(await runModel(db, 'sat_ghost_nosrc', 'sat', call, options), 3);
  assert.deepEqual(await columnsOf('sat_ghost_nosrc'), ['customer_hk', 'hashdiff', 'kind', 'load_date']);
});

test('pit without src_ldts: the first build has no as-of window and loads; the incremental run fails as in dbt (DV201)', async () => {
  await batch(FIRST, '0.11.5');
  await db.exec("CREATE TABLE as_of_nold (as_of_date timestamp); INSERT INTO as_of_nold VALUES ('2024-01-01'), ('2024-01-03')");
  await runModel(db, 'hub_nold', 'hub', { src_pk: 'CUSTOMER_HK', src_nk: 'CUSTOMER_ID', src_ldts: 'LOAD_DATE', src_source: 'RECORD_SOURCE', source_model: 'stg_phones' }, at('0.11.5'));
  await runModel(db, 'sat_nold', 'sat', { src_pk: 'CUSTOMER_HK', src_hashdiff: 'HASHDIFF', src_payload: ['KIND'], src_ldts: 'LOAD_DATE', src_source: 'RECORD_SOURCE', source_model: 'stg_phones' }, at('0.11.5'));
  const pit = {
    src_pk: 'CUSTOMER_HK',
    as_of_dates_table: 'as_of_nold',
    satellites: { sat_nold: { pk: { PK: 'CUSTOMER_HK' }, ldts: { LDTS: 'LOAD_DATE' } } },
    stage_tables_ldts: { stg_phones: 'LOAD_DATE' },
    source_model: 'hub_nold',
  };
  assert.equal(await runModel(db, 'pit_nold', 'pit', pit, at('0.11.5')), 4);
  await assert.rejects(
    () => runModel(db, 'pit_nold', 'pit', pit, at('0.11.5')),
    (e: Error & { code?: string }) => e.code === 'DV201' && /src_ldts is undefined.*incremental pit.*Add src_ldts/.test(e.message),
  );
});

for (const version of ['0.9.7', '0.10.2', '0.11.0', '0.11.5']) {
  test(`${version}: a hub without src_nk builds its table without the business key`, async () => {
    const hub = `hub_nonk_${version.replace(/\./g, '_')}`;
    const call = { src_pk: 'CUSTOMER_HK', src_ldts: 'LOAD_DATE', src_source: 'RECORD_SOURCE', source_model: 'stg_phones' };
    await batch(FIRST, version);
    assert.equal(await runModel(db, hub, 'hub', call, at(version)), 2);
    assert.deepEqual(await columnsOf(hub), ['customer_hk', 'load_date', 'record_source']);
    await batch(SECOND, version);
    assert.equal(await runModel(db, hub, 'hub', call, at(version)), 1, 'only customer 3 is new');
  });
}
