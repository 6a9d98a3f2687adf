import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateRaw, type GenerateRawResult } from '../../server/src/generate/generate-raw';
import type { Warehouse } from '../../server/src/warehouse/warehouse';
import { column, openTestWarehouse, scalar, tableDigest } from './support';

// Business columns of each table: everything except Airbyte's columns and Faker's per-emission updated_at.
const BUSINESS = {
  users: `id, created_at, name, title, age, email, telephone, gender, language, academic_degree, nationality, occupation, height, blood_type, weight, address`,
  products: `id, make, model, year, price, created_at`,
  purchases: `id, user_id, product_id, created_at, added_to_cart_at, purchased_at, returned_at`,
};

let wh: Warehouse;
let withChanges: GenerateRawResult;
let noChanges: GenerateRawResult;
before(async () => {
  wh = await openTestWarehouse();
  // Four syncs ending two hours before the six below, so that both histories start at the same first sync.
  noChanges = await generateRaw(wh, { users: 300, syncs: 4, changes: false, anchor: '2024-06-23T10:00:00Z', schema: 'faker' });
  withChanges = await generateRaw(wh, { users: 300, syncs: 6, schema: 'deviating' });
});
after(async () => wh.close());

const businessDigest = (schema: string, table: keyof typeof BUSINESS, syncId: number) =>
  scalar(
    wh,
    `SELECT md5(string_agg(row(${BUSINESS[table]})::text, E'\\n' ORDER BY id)) FROM ${schema}.${table}
      WHERE (_airbyte_meta->>'sync_id')::int = $1`,
    [syncId],
  );

test('--no-changes is Faker itself: every sync re-sends the same records with a fresh updated_at', async () => {
  assert.deepEqual(noChanges.syncs.map((s) => s.changes), [null, null, null, null]);
  for (const table of ['users', 'products', 'purchases'] as const) {
    const first = await businessDigest('faker', table, 1);
    for (const syncId of [2, 3, 4]) assert.equal(await businessDigest('faker', table, syncId), first, `${table} sync ${syncId}`);
    // updated_at is the emission time: within the minute before the sync's extraction, so it differs per sync.
    const stale = await scalar(
      wh,
      `SELECT count(*) FROM faker.${table}
        WHERE updated_at > _airbyte_extracted_at OR updated_at <= _airbyte_extracted_at - interval '1 minute'`,
    );
    assert.equal(stale, '0', table);
  }
  assert.deepEqual(noChanges.syncs.map((s) => s.rows), Array(4).fill({ users: 300, products: 100, purchases: 300 }));
});

test('with changes, each later sync adds a few users with their purchases, created in the hour before it', async () => {
  assert.equal(withChanges.syncs[0]?.changes, null);
  const later = withChanges.syncs.slice(1);
  let users = 300;
  for (const sync of later) {
    const changes = sync.changes;
    assert.ok(changes && changes.newUsers >= 1 && changes.newUsers <= 2, JSON.stringify(changes));
    users += changes.newUsers;
    assert.equal(sync.rows.users, users);
    const fresh = await column(
      wh,
      `SELECT (created_at > _airbyte_extracted_at - interval '1 hour' AND created_at < _airbyte_extracted_at)::text
         FROM deviating.users WHERE (_airbyte_meta->>'sync_id')::int = $1 AND id > $2 ORDER BY id`,
      [sync.syncId, users - changes.newUsers],
    );
    assert.deepEqual(fresh, Array(changes.newUsers).fill('true'));
    const theirPurchases = await scalar(
      wh,
      `SELECT count(*) FROM deviating.purchases WHERE (_airbyte_meta->>'sync_id')::int = $1 AND user_id > $2`,
      [sync.syncId, users - changes.newUsers],
    );
    assert.equal(Number(theirPurchases), changes.newPurchases);
  }
});

test('with changes, earlier purchases get returned_at later, and the raw rows show exactly the reported returns', async () => {
  const reported = withChanges.syncs.reduce((sum, s) => sum + (s.changes?.returns ?? 0), 0);
  assert.ok(reported > 0, 'this seed returns something within five syncs');
  // Each late return is dated in the hour before the first sync that carries it.
  const lateReturns = await column(
    wh,
    `SELECT (appeared.returned_at > appeared._airbyte_extracted_at - interval '1 hour'
             AND appeared.returned_at < appeared._airbyte_extracted_at)::text
       FROM (SELECT DISTINCT ON (id) * FROM deviating.purchases ORDER BY id, _airbyte_extracted_at) first
       JOIN LATERAL (SELECT * FROM deviating.purchases p WHERE p.id = first.id AND p.returned_at IS NOT NULL
                      ORDER BY p._airbyte_extracted_at LIMIT 1) appeared ON true
      WHERE first.returned_at IS NULL`,
  );
  assert.deepEqual(lateReturns, Array(reported).fill('true'));
  // Once returned, a purchase stays returned in every later sync.
  const undone = await scalar(
    wh,
    `SELECT count(*) FROM deviating.purchases a JOIN deviating.purchases b ON a.id = b.id
      WHERE (b._airbyte_meta->>'sync_id')::int > (a._airbyte_meta->>'sync_id')::int
        AND a.returned_at IS NOT NULL AND b.returned_at IS DISTINCT FROM a.returned_at`,
  );
  assert.equal(undone, '0');
});

test('with changes, a few products change price between syncs', async () => {
  const reported = withChanges.syncs.reduce((sum, s) => sum + (s.changes?.priceChanges ?? 0), 0);
  const changed = await column(
    wh,
    `SELECT round(abs(last.price / first.price - 1) * 100)::text
       FROM deviating.products first JOIN deviating.products last ON last.id = first.id
      WHERE (first._airbyte_meta->>'sync_id') = '1' AND (last._airbyte_meta->>'sync_id') = '6' AND first.price <> last.price`,
  );
  assert.ok(changed.length > 0 && changed.length <= reported, `${changed.length} changed, ${reported} reported`);
  for (const percent of changed) assert.ok(Number(percent) >= 3 && Number(percent) <= 21, percent);
});

test('sync 1 is the same with or without changes: deviations start with sync 2', async () => {
  for (const table of ['users', 'products', 'purchases'] as const) {
    const where = `_airbyte_meta->>'sync_id' = '1'`;
    assert.equal(await tableDigest(wh, 'faker', table, where), await tableDigest(wh, 'deviating', table, where), table);
  }
});
