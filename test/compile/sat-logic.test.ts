// Satellites on a real PostgreSQL (PGlite) under each emulated change-detection logic (spec §6.3): 0.11.1+ LAG with a
// default, 0.10.0–0.11.0 first_record_in_set, ≤0.9.7 latest-only; plus src_eff ordering, apply_source_filter,
// ghost records and the exclude_columns payload.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PGlite } from '@electric-sql/pglite';
import type { AutomateDvCompat } from '../../server/src/compile/context';
import { hex, loadBatch, runModel, startWarehouse, type ModelOptions } from './pglite-loader';

let db: PGlite;

const STAGE = {
  source_model: 'raw_people',
  derived_columns: { RECORD_SOURCE: '!HR', LOAD_DATE: 'loaded_at', EFFECTIVE_FROM: 'eff_at' },
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
const LOGICS: Record<string, Partial<AutomateDvCompat>> = {
  lag: { version: '0.11.5', satLogic: 'lag-default' },
  first: { version: '0.11.0', satLogic: 'first-record' },
  latest: { version: '0.9.6', satLogic: 'latest-only' },
};

const p = (person_id: number, name: string | null, city: string, loaded_at: string, eff_at = loaded_at) => ({ person_id, name, city, loaded_at, eff_at });

const BATCH_1 = [p(1, 'A', 'X', '2024-01-01'), p(1, 'B', 'X', '2024-01-02'), p(1, 'A', 'X', '2024-01-03'), p(2, 'A', 'Y', '2024-01-01')];
const BATCH_2 = [p(1, 'A', 'X', '2024-01-04'), p(1, 'B', 'X', '2024-01-05'), p(1, 'B', 'X', '2024-01-06'), p(2, 'A', 'Y', '2024-01-04')];

async function stage(rows: Record<string, unknown>[]): Promise<void> {
  await loadBatch(db, 'raw_people', rows);
  await runModel(db, 'stg_people', 'stage', STAGE);
}

async function count(table: string, where = 'TRUE'): Promise<number> {
  return (await db.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM "${table}" WHERE ${where}`)).rows[0]!.n;
}

before(async () => {
  db = await startWarehouse();
  await db.exec('CREATE TABLE raw_people (person_id integer, name text, city text, loaded_at timestamp, eff_at timestamp)');
});

after(async () => {
  await db.close();
});

test('each logic keeps change and change-back within a first batch; they differ on a later batch', async () => {
  await stage(BATCH_1);
  for (const [name, compat] of Object.entries(LOGICS)) {
    assert.equal(await runModel(db, `sat_${name}`, 'sat', SAT, { compat }), 4, `${name}: first load`);
  }
  await stage(BATCH_2);
  const second: Record<string, number> = {};
  for (const [name, compat] of Object.entries(LOGICS)) second[name] = await runModel(db, `sat_${name}`, 'sat', SAT, { compat });
  assert.deepEqual(second, { lag: 1, first: 1, latest: 2 }, '≤0.9.6 has no within-batch change detection: both B rows are inserted');
  const hashdiffs = await db.query<{ n: number }>('SELECT COUNT(DISTINCT hashdiff)::int AS n FROM sat_lag');
  assert.equal(hashdiffs.rows[0]!.n, 3, 'three distinct payloads: (A,X), (B,X), (A,Y)');
});

test('a NULL hashdiff is dropped by the 0.11.1+ LAG, but the first record of 0.10.0–0.11.0 keeps it', async () => {
  await stage([p(3, null, 'Z', '2024-01-01'), p(4, 'D', 'Z', '2024-01-01')]);
  const nullable = { ...SAT, src_hashdiff: 'NAME_DIFF' };
  assert.equal(await runModel(db, 'satn_lag', 'sat', nullable, { compat: LOGICS.lag! }), 1);
  assert.equal(await runModel(db, 'satn_first', 'sat', nullable, { compat: LOGICS.first! }), 2);
});

test('src_eff orders rows that share a load date', async () => {
  await stage([p(5, 'B', 'X', '2024-01-01', '2024-01-01 02:00'), p(5, 'A', 'X', '2024-01-01', '2024-01-01 01:00'), p(5, 'A', 'X', '2024-01-01', '2024-01-01 03:00')]);
  const withEff = { ...SAT, src_eff: 'EFFECTIVE_FROM' };
  assert.equal(await runModel(db, 'sat_eff', 'sat', withEff), 3, 'A, B, A by effective date: every row is a change');
  const rows = await db.query<{ name: string }>('SELECT name FROM sat_eff ORDER BY effective_from');
  assert.deepEqual(rows.rows.map((r) => r.name), ['A', 'B', 'A']);
});

test('apply_source_filter ignores staged rows not newer than the satellite\'s latest', async () => {
  await stage(BATCH_1);
  const filtered: ModelOptions = { config: { apply_source_filter: true } };
  assert.equal(await runModel(db, 'sat_filtered', 'sat', SAT, filtered), 4);
  assert.equal(await runModel(db, 'sat_unfiltered', 'sat', SAT), 4);
  await stage([p(1, 'B', 'X', '2024-01-02'), p(2, 'C', 'Y', '2024-02-01')]);
  assert.equal(await runModel(db, 'sat_filtered', 'sat', SAT, filtered), 1, 'only the newer row of person 2');
  assert.equal(await runModel(db, 'sat_unfiltered', 'sat', SAT), 2, 'without the filter the old B of person 1 differs from its latest A');
});

test('ghost records: one zero-key system row on the first load, not again later', async () => {
  await stage(BATCH_1);
  const ghosts: ModelOptions = { vars: { enable_ghost_records: true } };
  assert.equal(await runModel(db, 'sat_ghost', 'sat', SAT, ghosts), 5);
  const ghost = await db.query<{ person_hk: Uint8Array; hashdiff: Uint8Array; name: string | null; load_date: string; record_source: string }>(
    "SELECT person_hk, hashdiff, name, load_date::text AS load_date, record_source FROM sat_ghost WHERE record_source = 'AUTOMATE_DV_SYSTEM'",
  );
  assert.equal(ghost.rows.length, 1);
  const row = ghost.rows[0]!;
  assert.equal(hex(row.person_hk), '30'.repeat(32), 'the ghost key is 32 ASCII zeros, not 16 zero bytes');
  assert.equal(hex(row.hashdiff), '30'.repeat(32));
  assert.equal(row.name, null);
  assert.equal(row.load_date, '1900-01-01 00:00:00');
  await stage(BATCH_2);
  assert.equal(await runModel(db, 'sat_ghost', 'sat', SAT, ghosts), 1);
  assert.equal(await count('sat_ghost', "record_source = 'AUTOMATE_DV_SYSTEM'"), 1);
});

test('an exclude_columns payload is every stage column the metadata does not name, minus the listed ones', async () => {
  await stage(BATCH_1);
  const excluded = { ...SAT, src_payload: { exclude_columns: true, columns: ['CITY', 'name_diff', 'EFFECTIVE_FROM', 'eff_at'] } };
  assert.equal(await runModel(db, 'sat_excluded', 'sat', excluded), 4);
  const columns = await db.query<{ column_name: string }>(
    "SELECT column_name FROM information_schema.columns WHERE table_name = 'sat_excluded' ORDER BY ordinal_position",
  );
  assert.deepEqual(columns.rows.map((r) => r.column_name), ['person_hk', 'hashdiff', 'person_id', 'name', 'loaded_at', 'load_date', 'record_source']);
});
