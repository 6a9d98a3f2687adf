// Conformance of the satellite family (spec §6.3, §6.3.1, §6.4, §6.5, §7) on PostgreSQL (PGlite): the incremental LAG
// default, NULL hashdiffs, ghost-record values by catalog type, eff_sat's open-record marker, ma_sat's column order.
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PGlite } from '@electric-sql/pglite';
import { compileModel, hex, loadBatch, runModel, startWarehouse, type ModelOptions } from '../compile/pglite-loader';

let db: PGlite;

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

before(async () => {
  db = await startWarehouse();
  await db.exec(`
    CREATE TABLE raw_people (person_id integer, name text, city text, loaded_at timestamp, eff_at timestamp);
    CREATE TABLE raw_links (order_id integer, customer_id integer, start_at timestamp, end_at timestamp, loaded_at timestamp);
  `);
});

after(async () => {
  await db.close();
});

const STAGE = {
  source_model: 'raw_people',
  derived_columns: { RECORD_SOURCE: '!HR', LOAD_DATE: 'loaded_at', LOAD_DAY: 'loaded_at::date', LOAD_TEXT: 'loaded_at::text', EFFECTIVE_FROM: 'eff_at' },
  hashed_columns: { PERSON_HK: 'person_id', PERSON_HASHDIFF: { is_hashdiff: true, columns: ['name', 'city'] }, NAME_DIFF: 'name' },
};
const SAT = {
  src_pk: 'PERSON_HK',
  src_hashdiff: { source_column: 'PERSON_HASHDIFF', alias: 'HASHDIFF' },
  src_payload: ['NAME', 'CITY'],
  src_ldts: 'LOAD_DATE',
  src_source: 'RECORD_SOURCE',
  source_model: 'stg_people',
};
const p = (person_id: number, name: string | null, city: string, loaded_at: string) => ({ person_id, name, city, loaded_at, eff_at: loaded_at });

async function stagePeople(rows: Record<string, unknown>[]): Promise<void> {
  await loadBatch(db, 'raw_people', rows);
  await runModel(db, 'stg_people', 'stage', STAGE);
}

async function rows<T>(sql: string): Promise<T[]> {
  return (await db.query<T>(sql)).rows;
}

test("§6.3 (a) the incremental LAG default is the satellite's newest hashdiff per key, read from <this> under the hashdiff's alias", async () => {
  await stagePeople([p(1, 'A', 'X', '2024-01-01'), p(1, 'B', 'X', '2024-01-02'), p(2, 'A', 'Y', '2024-01-01')]);
  assert.equal(await runModel(db, 'sat_lag', 'sat', SAT), 3);
  await stagePeople([
    p(1, 'B', 'X', '2024-02-01'), // equals the newest (B): skipped
    p(1, 'A', 'X', '2024-02-02'), // back to an older value: a change
    p(2, 'A', 'Y', '2024-02-01'), // equals: skipped
    p(2, 'C', 'Y', '2024-02-02'), // change
    p(3, 'A', 'Z', '2024-02-01'), // new key: compared with the sentinel, inserted
  ]);
  assert.equal(await runModel(db, 'sat_lag', 'sat', SAT), 3);
  const inserted = await rows<{ person_hk: Uint8Array; hashdiff: Uint8Array; load_date: string }>(
    "SELECT person_hk, hashdiff, load_date::text AS load_date FROM sat_lag WHERE load_date >= '2024-02-01' ORDER BY load_date, person_hk",
  );
  // The hashdiff sorts its columns: city before name.
  assert.deepEqual(
    inserted.map((r) => [hex(r.person_hk), hex(r.hashdiff), r.load_date.slice(0, 10)]),
    [
      [md5('3'), md5('Z||A'), '2024-02-01'],
      [md5('2'), md5('Y||C'), '2024-02-02'],
      [md5('1'), md5('X||A'), '2024-02-02'],
    ].sort((a, b) => a[2]!.localeCompare(b[2]!) || a[0]!.localeCompare(b[0]!)),
  );
});

test("§6.3 a NULL hashdiff is never inserted (!= NULL is not true), nor is the row after it, whose LAG is that NULL", async () => {
  await stagePeople([p(5, 'A', 'X', '2024-01-01'), p(5, null, 'X', '2024-01-02'), p(5, 'B', 'X', '2024-01-03'), p(5, 'C', 'X', '2024-01-04')]);
  assert.equal(await runModel(db, 'sat_nulls', 'sat', { ...SAT, src_hashdiff: 'NAME_DIFF' }), 2);
  const names = await rows<{ name: string; name_diff: Uint8Array }>('SELECT name, name_diff FROM sat_nulls ORDER BY load_date');
  assert.deepEqual(names.map((r) => [r.name, hex(r.name_diff)]), [['A', md5('A')], ['C', md5('C')]]);
});

test('§6.3 a composite satellite key: NOT NULL on each column, and LAG, latest_records and its join use every key column', async () => {
  const stage = { ...STAGE, hashed_columns: { ...STAGE.hashed_columns, CITY_HK: 'city', NAME_HASHDIFF: { is_hashdiff: true, columns: ['name'] } } };
  const SAT2 = { ...SAT, src_pk: ['PERSON_HK', 'CITY_HK'], src_hashdiff: 'NAME_HASHDIFF', src_payload: ['NAME'], source_model: 'stg_people2' };
  const load = async (batch: Record<string, unknown>[]): Promise<number> => {
    await loadBatch(db, 'raw_people', batch);
    await runModel(db, 'stg_people2', 'stage', stage);
    return runModel(db, 'sat_composite', 'sat', SAT2);
  };
  const noCity = { person_id: 2, name: 'A', city: null, loaded_at: '2024-01-01', eff_at: '2024-01-01' };
  assert.equal(await load([p(1, 'A', 'X', '2024-01-01'), p(1, 'B', 'Y', '2024-01-01'), p(1, 'B', 'X', '2024-01-02'), noCity]), 3, 'a NULL second key column drops the row');
  assert.equal(await load([p(1, 'B', 'X', '2024-02-01'), p(1, 'B', 'Y', '2024-02-01'), p(1, 'C', 'Y', '2024-02-02')]), 1, 'only (1, Y) changed to C');
  const latest = await rows<{ city_hk: Uint8Array; name: string }>(
    'SELECT DISTINCT ON (person_hk, city_hk) city_hk, name FROM sat_composite ORDER BY person_hk, city_hk, load_date DESC',
  );
  assert.deepEqual(latest.map((r) => [hex(r.city_hk), r.name]).sort(), [[md5('X'), 'B'], [md5('Y'), 'C']].sort());
});

test('§6.3.1 ghost values follow the stage column types: bytea keys are ASCII zeros, a date load date is 1900-01-01, a text load date is NULL, the system record source', async () => {
  await stagePeople([p(1, 'A', 'X', '2024-01-01')]);
  const ghosts: ModelOptions = { vars: { enable_ghost_records: true, system_record_value: 'GHOST_SYS' } };
  const ghostRow = async (table: string, ldts: string): Promise<Record<string, unknown>> => {
    assert.equal(await runModel(db, table, 'sat', { ...SAT, src_ldts: ldts, src_eff: 'EFFECTIVE_FROM' }, ghosts), 2);
    return (await rows<Record<string, unknown>>(`SELECT *, ${ldts}::text AS ldts_text, effective_from::text AS eff_text FROM ${table} WHERE record_source = 'GHOST_SYS'`))[0]!;
  };
  const byDay = await ghostRow('sat_ghost_day', 'LOAD_DAY');
  assert.deepEqual([hex(byDay['person_hk']), hex(byDay['hashdiff'])], ['30'.repeat(32), '30'.repeat(32)]);
  assert.deepEqual([byDay['ldts_text'], byDay['eff_text'], byDay['name'], byDay['city']], ['1900-01-01', '1900-01-01 00:00:00', null, null]);
  const byText = await ghostRow('sat_ghost_text', 'LOAD_TEXT');
  assert.equal(byText['ldts_text'], null, 'a text column is not a date type: its ghost is NULL (and the UNION still types)');
  assert.equal(byText['eff_text'], '1900-01-01 00:00:00');
});

test('§6.4/§7 eff_sat compares end dates as dates against var max_datetime: an end date on that day is open', async () => {
  const STG = {
    source_model: 'raw_links',
    derived_columns: { RECORD_SOURCE: '!ERP', LOAD_DATE: 'loaded_at', START_DATE: 'start_at', END_DATE: 'end_at', EFFECTIVE_FROM: 'start_at' },
    hashed_columns: { LINK_HK: ['order_id', 'customer_id'], ORDER_HK: 'order_id', CUSTOMER_HK: 'customer_id' },
  };
  const EFF = {
    src_pk: 'LINK_HK',
    src_dfk: 'ORDER_HK',
    src_sfk: 'CUSTOMER_HK',
    src_start_date: 'START_DATE',
    src_end_date: 'END_DATE',
    src_eff: 'EFFECTIVE_FROM',
    src_ldts: 'LOAD_DATE',
    src_source: 'RECORD_SOURCE',
    source_model: 'stg_links',
  };
  const options: ModelOptions = { vars: { max_datetime: '2999-12-31 23:59:59.999' } };
  const l = (end_at: string, loaded_at: string) => ({ order_id: 1, customer_id: 10, start_at: '2024-01-01', end_at, loaded_at });
  await loadBatch(db, 'raw_links', [l('2999-12-31 00:00:00', '2024-01-01')]);
  await runModel(db, 'stg_links', 'stage', STG);
  assert.equal(await runModel(db, 'eff_links', 'eff_sat', EFF, options), 1);
  await loadBatch(db, 'raw_links', [l('2024-02-01 00:00:00', '2024-02-01')]);
  assert.equal(await runModel(db, 'eff_links', 'eff_sat', EFF, options), 1, 'the open record (same day as max_datetime) is closed');
  await loadBatch(db, 'raw_links', [l('2024-03-01 00:00:00', '2024-03-01')]);
  assert.equal(await runModel(db, 'eff_links', 'eff_sat', EFF, options), 0, 'a closed record is not closed again');
  await loadBatch(db, 'raw_links', [l('2999-12-31 12:00:00', '2024-04-01')]);
  assert.equal(await runModel(db, 'eff_links', 'eff_sat', EFF, options), 1, 'an end date on the max day reopens it');
  const ends = await rows<{ e: string }>('SELECT end_date::text AS e FROM eff_links ORDER BY load_date');
  assert.deepEqual(ends.map((r) => r.e), ['2999-12-31 00:00:00', '2024-02-01 00:00:00', '2999-12-31 12:00:00']);
  const { sql } = await compileModel(db, 'eff_links', 'eff_sat', EFF);
  assert.match(sql, /TO_DATE\(to_char\(timestamp '9999-12-31 23:59:59\.999', 'YYYY-MM-DD HH24:MI:SS\.MS'\)::timestamp::VARCHAR, 'YYY-MM-DD'\)/, 'the default marker');
});

test("§6.5 ma_sat columns come in AutomateDV 0.11.5's PostgreSQL order (the default template): pk, cdk, payload, hashdiff, eff, ldts, source", async () => {
  await stagePeople([p(1, 'A', 'X', '2024-01-01'), p(1, 'B', 'Y', '2024-01-01')]);
  const MA = {
    src_pk: 'PERSON_HK',
    src_cdk: ['CITY'],
    src_hashdiff: { source_column: 'PERSON_HASHDIFF', alias: 'HASHDIFF' },
    src_payload: ['NAME'],
    src_eff: 'EFFECTIVE_FROM',
    src_ldts: 'LOAD_DATE',
    src_source: 'RECORD_SOURCE',
    source_model: 'stg_people',
  };
  assert.equal(await runModel(db, 'ma_people', 'ma_sat', MA), 2);
  const columns = await rows<{ column_name: string }>(
    "SELECT column_name FROM information_schema.columns WHERE table_name = 'ma_people' ORDER BY ordinal_position",
  );
  assert.deepEqual(columns.map((c) => c.column_name), ['person_hk', 'city', 'name', 'hashdiff', 'effective_from', 'load_date', 'record_source']);
});
