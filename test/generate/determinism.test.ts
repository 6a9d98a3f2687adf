import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateRaw } from '../../server/src/generate/generate-raw';
import type { Warehouse } from '../../server/src/warehouse/warehouse';
import { openTestWarehouse, tableDigest } from './support';

const TABLES = ['users', 'products', 'purchases'];
const options = { users: 240, seed: 7, syncs: 3 };

let wh: Warehouse;
before(async () => {
  wh = await openTestWarehouse();
});
after(async () => wh.close());

test('the same seed, anchor and sync numbers give identical rows in every column', async () => {
  await generateRaw(wh, { ...options, schema: 'run_a' });
  await generateRaw(wh, { ...options, schema: 'run_b' });
  for (const table of TABLES) {
    const a = await tableDigest(wh, 'run_a', table);
    assert.equal(await tableDigest(wh, 'run_b', table), a, table);
    assert.notEqual(a.split(':')[0], '0', `${table} is empty`);
  }
});

test('syncs written one invocation at a time equal the same syncs written at once', async () => {
  // A fresh run ends at its anchor, so three single syncs starting two hours earlier land on the same hours.
  await generateRaw(wh, { users: 240, seed: 7, anchor: '2024-06-23T10:00:00Z', schema: 'stepwise' });
  const second = await generateRaw(wh, { seed: 7, schema: 'stepwise' });
  const third = await generateRaw(wh, { seed: 7, schema: 'stepwise' });
  assert.deepEqual([second.continuedAfter, third.continuedAfter], [1, 2]);
  for (const table of TABLES) {
    assert.equal(await tableDigest(wh, 'stepwise', table), await tableDigest(wh, 'run_a', table), table);
  }
});

test('another seed gives other users, purchases and raw ids (the catalogue stays)', async () => {
  await generateRaw(wh, { ...options, seed: 8, schema: 'run_c' });
  for (const table of ['users', 'purchases']) {
    assert.notEqual(await tableDigest(wh, 'run_c', table), await tableDigest(wh, 'run_a', table), table);
  }
  const catalogue = `SELECT string_agg(concat_ws('|', id, make, model, year), ',' ORDER BY id) FROM run_X.products WHERE (_airbyte_meta->>'sync_id') = '1'`;
  const a = await wh.query(catalogue.replace('run_X', 'run_a'));
  const c = await wh.query(catalogue.replace('run_X', 'run_c'));
  assert.deepEqual(a.rows, c.rows);
});

test('the anchor moves the whole timeline: the last sync at the anchor, history in the two years before sync 1', async () => {
  await generateRaw(wh, { ...options, anchor: '2025-01-10T08:00:00Z', schema: 'run_d' });
  const result = await wh.query(
    `SELECT min(_airbyte_extracted_at)::text AS first_sync, max(_airbyte_extracted_at)::text AS last_sync,
            (min(created_at) >= timestamptz '2025-01-10T06:00:00Z' - interval '730 days')::text AS after_start,
            (max(created_at) FILTER (WHERE _airbyte_meta->>'sync_id' = '1') < '2025-01-10T06:00:00Z')::text AS before_sync_1,
            (max(created_at) > timestamptz '2025-01-10T06:00:00Z' - interval '30 days')::text AS reaches_sync_1
       FROM run_d.users`,
  );
  assert.deepEqual(result.rows[0], {
    first_sync: '2025-01-10 06:00:00+00',
    last_sync: '2025-01-10 08:00:00+00',
    after_start: 'true',
    before_sync_1: 'true',
    reaches_sync_1: 'true',
  });
});
