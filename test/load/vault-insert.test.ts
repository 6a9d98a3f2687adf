// dvs load runs AutomateDV's vault_insert_by_period and vault_insert_by_rank as dbt-postgres does: the first run
// builds the table from period 0 (rank 1) only; later runs resume at MAX(timestamp_field) in the table and insert one
// period after another up to the end of stop_date's day (by rank: ranks 1 .. MAX(rank_column) of rank_source_models).
// Raw data: 2024-01-01 (before start_date) .. 2024-01-05 (after stop_date); see fixtures/vault-insert.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../server/src/cli/main';
import type { CliIo } from '../../server/src/cli/io';
import { Relation } from '../../server/src/base/relation';
import { runLoad } from '../../server/src/load/run';
import type { LoadModel } from '../../server/src/load/model';
import { openPglite } from '../../server/src/warehouse/pglite';

type Summary = { models: { name: string; status: string; rows: number | null; message?: string }[] };

function capture(cwd: string): CliIo & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', cwd, env: { HOME: tmpdir() }, isTTY: false, out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}

function fixtureCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-vault-insert-'));
  cpSync(join(__dirname, 'fixtures', 'vault-insert'), dir, { recursive: true });
  return dir;
}

async function load(dir: string, ...args: string[]): Promise<Map<string, Summary['models'][number]>> {
  const io = capture(dir);
  assert.equal(await runCli(['load', '--target', 'embedded', '--format', 'json', ...args], io), 0, io.stdout + io.stderr);
  return new Map((JSON.parse(io.stdout) as Summary).models.map((m) => [m.name, m]));
}

/** customer_id, name (sats) and load date of each row, as one line per row. */
async function rows(dir: string, sql: string): Promise<string[]> {
  const io = capture(dir);
  assert.equal(await runCli(['query', '--target', 'embedded', sql], io), 0, io.stderr);
  return (JSON.parse(io.stdout) as Record<string, string | null>[]).map((r) => Object.values(r).join(' '));
}

const HUB = "select customer_id::text, load_date::text from dds.hub_by_period order by load_date";
const SAT = (table: string) =>
  `select r.customer_id::text, s.name, s.load_date::text from dds.${table} s
   join (select distinct customer_id, decode(md5(customer_id::text), 'hex') as hk from raw.raw_events) r on r.hk = s.customer_hk
   order by s.load_date, r.customer_id`;

test('vault_insert_by_period: the first run loads the start_date period only; the second resumes at the latest load date up to stop_date', async () => {
  const dir = fixtureCopy();
  const first = await load(dir, '--select', 'raw_events', 'stg_events', 'hub_by_period', 'sat_by_period');
  assert.equal(first.get('hub_by_period')?.status, 'success');
  // Period 0 from start_date 2024-01-02: only that day. AutomateDV's hub filters the period after keeping each key's
  // earliest row, so customer 1 (first seen 2024-01-01, before the start) is not in any period.
  assert.deepEqual(await rows(dir, HUB), ['2 2024-01-02 09:00:00']);
  assert.deepEqual(await rows(dir, SAT('sat_by_period')), ['2 B 2024-01-02 09:00:00', '1 B 2024-01-02 10:00:00']);
  assert.equal(first.get('hub_by_period')?.rows, 1);

  const second = await load(dir, '--select', 'hub_by_period', 'sat_by_period');
  // Each table resumes at its own MAX(LOAD_DATE) (the hub's 2024-01-02 09:00, the sat's 10:00) up to
  // 2024-01-04 23:59:59.999: 3 days (day 2 again from that time, days 3 and 4). Customer 4 (2024-01-05) is after
  // stop_date and never loaded; customer 1's 2024-01-01 row neither.
  assert.deepEqual(await rows(dir, HUB), ['2 2024-01-02 09:00:00', '3 2024-01-03 11:00:00']);
  assert.deepEqual(await rows(dir, SAT('sat_by_period')), [
    '2 B 2024-01-02 09:00:00',
    '1 B 2024-01-02 10:00:00',
    '3 C 2024-01-03 11:00:00',
    '1 A 2024-01-04 12:00:00',
  ]);
  const hub = second.get('hub_by_period');
  assert.equal(hub?.rows, 1);
  assert.match(hub?.message ?? '', /3 day period\(s\) from 2024-01-02 09:00:00 to 2024-01-04 23:59:59\.999; rows per day: 0, 1, 0/);
  assert.match(second.get('sat_by_period')?.message ?? '', /rows per day: 0, 1, 1/);

  // Nothing new: the third run re-reads 2024-01-04 from 12:00 and inserts nothing.
  const third = await load(dir, '--select', 'hub_by_period', 'sat_by_period');
  assert.equal(third.get('hub_by_period')?.rows, 0);
  assert.equal(third.get('sat_by_period')?.rows, 0);
  assert.equal((await rows(dir, SAT('sat_by_period'))).length, 4);

  // --full-refresh rebuilds from the start_date period only, as the first run did.
  await load(dir, '--select', 'hub_by_period', '--full-refresh');
  assert.deepEqual(await rows(dir, HUB), ['2 2024-01-02 09:00:00']);
});

test('vault_insert_by_rank: the first run loads rank 1; the second inserts ranks 1 to 3 in turn', async () => {
  const dir = fixtureCopy();
  const first = await load(dir, '--select', 'raw_events', 'stg_events', 'sat_by_rank');
  assert.equal(first.get('sat_by_rank')?.rows, 4);
  assert.deepEqual(await rows(dir, SAT('sat_by_rank')), [
    '1 A 2024-01-01 08:00:00',
    '2 B 2024-01-02 09:00:00',
    '3 C 2024-01-03 11:00:00',
    '4 D 2024-01-05 13:00:00',
  ]);

  const second = await load(dir, '--select', 'sat_by_rank');
  // Rank 1 is loaded already; rank 2 changes customer 1 to B, rank 3 back to A.
  assert.equal(second.get('sat_by_rank')?.rows, 2);
  assert.match(second.get('sat_by_rank')?.message ?? '', /ranks 1 to 3 of DV_RANK; rows per rank: 0, 1, 1/);
  assert.deepEqual(await rows(dir, SAT('sat_by_rank')), [
    '1 A 2024-01-01 08:00:00',
    '2 B 2024-01-02 09:00:00',
    '1 B 2024-01-02 10:00:00',
    '3 C 2024-01-03 11:00:00',
    '1 A 2024-01-04 12:00:00',
    '4 D 2024-01-05 13:00:00',
  ]);
});

test('vault_insert_by_period: date_source_models give the start; a failing period rolls the whole model back', async () => {
  const wh = await openPglite(undefined);
  try {
    await wh.exec(`create schema s; create table s.src (id int, ts timestamp);
      insert into s.src values (1, '2024-03-01 08:00'), (2, '2024-03-02 08:00'), (3, '2024-03-03 08:00')`);
    // Day 3 divides by zero: the second run fails in its third period, after days 1 (again) and 2 were inserted.
    const model: LoadModel = {
      name: 'by_day',
      relation: new Relation('postgres', 's', 'by_day'),
      materialized: 'vault_insert_by_period',
      sql: () => 'select id, ts, 10 / (3 - extract(day from ts)::int) as q from s.src where __PERIOD_FILTER__',
      dependsOn: [],
      vaultInsert: { timestampField: 'ts', period: 'day', dateSourceModels: ['"s"."src"'] },
    };
    const first = await runLoad(wh, [model]);
    assert.equal(first.results[0]?.status, 'success', first.results[0]?.message);
    // No start_date: MIN(ts) of the date source models starts the first (and only) period.
    assert.deepEqual((await wh.query('select id from s.by_day order by id')).rows.map((r) => Number(r.id)), [1]);

    const second = await runLoad(wh, [model]);
    assert.equal(second.results[0]?.status, 'error');
    assert.match(second.results[0]?.message ?? '', /division by zero/);
    assert.deepEqual((await wh.query('select id from s.by_day order by id')).rows.map((r) => Number(r.id)), [1], 'day 2 was rolled back with the rest');

    await wh.exec(`delete from s.src where id = 3`);
    const third = await runLoad(wh, [model]);
    // MAX(ts) of the date source models is now 2024-03-02 08:00; AutomateDV adds 86399999 ms to the stop date, so
    // the loop runs to 2024-03-03 07:59:59.999, three days (the third finds nothing).
    assert.match(third.results[0]?.message ?? '', /3 day period\(s\) from 2024-03-01 08:00:00 to 2024-03-03 07:59:59\.999; rows per day: 1, 1, 0/);
    assert.deepEqual((await wh.query('select id from s.by_day order by id')).rows.map((r) => Number(r.id)), [1, 1, 2]);
  } finally {
    await wh.close();
  }
});
