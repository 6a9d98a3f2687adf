import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateRaw, GenerateRawError } from '../../server/src/generate/generate-raw';
import type { GenerateRawProgress } from '../../server/src/generate/generate-raw';
import type { Warehouse } from '../../server/src/warehouse/warehouse';
import { column, openTestWarehouse, scalar } from './support';

let wh: Warehouse;
before(async () => {
  wh = await openTestWarehouse();
});
after(async () => wh.close());

const syncsIn = (schema: string, table: string) =>
  column(
    wh,
    `SELECT (_airbyte_meta->>'sync_id') || ' ' || to_char(_airbyte_extracted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' ' || count(*)
       FROM ${schema}.${table} GROUP BY _airbyte_meta->>'sync_id', _airbyte_extracted_at ORDER BY _airbyte_extracted_at`,
  );

test('a second invocation continues the sync ids, one hour after the last sync', async () => {
  const first = await generateRaw(wh, { users: 100, syncs: 2 });
  assert.equal(first.continuedAfter, 0);
  assert.deepEqual(first.syncs.map((s) => [s.syncId, s.extractedAt]), [
    [1, '2024-06-23T11:00:00.000Z'],
    [2, '2024-06-23T12:00:00.000Z'],
  ]);
  const progress: GenerateRawProgress[] = [];
  const second = await generateRaw(wh, { syncs: 2 }, (p) => progress.push(p));
  assert.equal(second.continuedAfter, 2);
  assert.deepEqual(second.syncs.map((s) => [s.syncId, s.extractedAt]), [
    [3, '2024-06-23T13:00:00.000Z'],
    [4, '2024-06-23T14:00:00.000Z'],
  ]);
  // Every sync re-sends every record (Incremental | Append), and the user count grows a little each time.
  const users = await syncsIn('raw', 'users');
  assert.equal(users.length, 4);
  const counts = users.map((line) => Number(line.split(' ')[3]));
  assert.equal(counts[0], 100);
  for (let i = 1; i < counts.length; i++) assert.ok((counts[i] ?? 0) > (counts[i - 1] ?? 0), `sync ${i + 1} grows: ${users}`);
  assert.deepEqual(await syncsIn('raw', 'products'), [
    '1 2024-06-23 11:00 100', '2 2024-06-23 12:00 100', '3 2024-06-23 13:00 100', '4 2024-06-23 14:00 100',
  ]);
  // The result and the progress events report exactly what landed in the table.
  assert.equal(second.rows.users, (counts[2] ?? 0) + (counts[3] ?? 0));
  const lastUsersEvent = progress.filter((p) => p.syncId === 4 && p.table === 'users').pop();
  assert.deepEqual(lastUsersEvent, { syncId: 4, syncIndex: 2, syncCount: 2, table: 'users', rowsWritten: counts[3], rowsInTable: counts[3] });
});

test('continuing takes the user count from raw and refuses a different one', async () => {
  await assert.rejects(generateRaw(wh, { users: 500 }), (error: unknown) => {
    assert.ok(error instanceof GenerateRawError);
    assert.match(error.message, /generated with --users 100; continue with that count/);
    return true;
  });
  assert.equal(await scalar(wh, `SELECT max((_airbyte_meta->>'sync_id')::int) FROM raw.users`), '4');
});

test('continuing with another seed is refused, because the history could not be replayed', async () => {
  await assert.rejects(generateRaw(wh, { seed: 99 }), (error: unknown) => {
    assert.ok(error instanceof GenerateRawError);
    assert.match(error.message, /another --seed/);
    return true;
  });
});

test('an explicit --anchor is reported as ignored when continuing', async () => {
  const result = await generateRaw(wh, { anchor: '2020-01-01T00:00:00Z' });
  assert.equal(result.syncs[0]?.syncId, 5);
  assert.equal(result.syncs[0]?.extractedAt, '2024-06-23T15:00:00.000Z');
  assert.deepEqual(result.notes, ['--anchor is ignored when continuing: sync 5 follows the last sync in raw by one hour.']);
});

test('raw data this generator did not write (foreign sync ids) is not continued', async () => {
  await generateRaw(wh, { users: 20, schema: 'foreign_sync' });
  await wh.exec(`UPDATE foreign_sync.products SET _airbyte_meta = '{"sync_id": 8812, "changes": []}'`);
  await wh.exec(`UPDATE foreign_sync.users SET _airbyte_meta = '{"sync_id": 8812, "changes": []}'`);
  await assert.rejects(generateRaw(wh, { schema: 'foreign_sync' }), (error: unknown) => {
    assert.ok(error instanceof GenerateRawError);
    assert.match(error.message, /did not write .*sync id 8812/);
    assert.match(error.message, /DROP SCHEMA "foreign_sync" CASCADE/);
    return true;
  });
});

test('bad options are refused before anything is written', async () => {
  for (const [options, message] of [
    [{ users: 0 }, /--users must be a whole number from 1/],
    [{ syncs: 1.5 }, /--syncs must be a whole number/],
    [{ anchor: 'yesterday' }, /--anchor must be an ISO 8601 date-time/],
    [{ seed: Number.NaN }, /--seed must be a whole number/],
  ] as const) {
    await assert.rejects(generateRaw(wh, { ...options, schema: 'never' }), message);
  }
  assert.equal(await scalar(wh, `SELECT count(*) FROM pg_namespace WHERE nspname = 'never'`), '0');
});
