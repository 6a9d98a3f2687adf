import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateRaw } from '../../server/src/generate/generate-raw';
import { purchaseCountOfUsers, purchaseIdsOfUser } from '../../server/src/generate/faker-records';
import { CATALOGUE } from '../../server/src/generate/catalogue';
import { airbyteTimestamp, parseAnchor } from '../../server/src/generate/timeline';
import type { Warehouse } from '../../server/src/warehouse/warehouse';
import { column, openTestWarehouse, scalar } from './support';

const USERS = 2000;
let wh: Warehouse;
before(async () => {
  wh = await openTestWarehouse();
  await generateRaw(wh, { users: USERS, seed: 3 });
});
after(async () => wh.close());

test('emails are unique, made so by +{id} in the local part', async () => {
  assert.equal(await scalar(wh, `SELECT count(DISTINCT email) FROM raw.users`), String(USERS));
  assert.equal(await scalar(wh, `SELECT count(*) FROM raw.users WHERE email !~ ('^[a-z0-9.]+\\+' || id || '@[a-z.]+$')`), '0');
});

test('users: id = index + 1, height is text, ages and weights are whole numbers in range', async () => {
  assert.equal(await scalar(wh, `SELECT (min(id) = 1 AND max(id) = count(*))::text FROM raw.users`), 'true');
  assert.equal(await scalar(wh, `SELECT count(*) FROM raw.users WHERE height !~ '^[12]\\.\\d\\d$'`), '0');
  assert.equal(await scalar(wh, `SELECT count(*) FROM raw.users WHERE age NOT BETWEEN 16 AND 66 OR weight NOT BETWEEN 38 AND 110`), '0');
  assert.deepEqual(await column(wh, `SELECT DISTINCT gender FROM raw.users ORDER BY 1`), ['Female', 'Fluid', 'Male', 'Other']);
  assert.deepEqual(await column(wh, `SELECT DISTINCT academic_degree FROM raw.users ORDER BY 1`), ['Bachelor', 'Master', 'PhD']);
});

test("purchases follow Faker's per-user pattern: index …6 buys nothing, …8 buys twice, others once", async () => {
  const pattern = await column(
    wh,
    `SELECT (u.id - 1) % 10 || ':' || string_agg(DISTINCT n::text, ',')
       FROM raw.users u CROSS JOIN LATERAL (SELECT count(*) AS n FROM raw.purchases p WHERE p.user_id = u.id) c
      GROUP BY (u.id - 1) % 10 ORDER BY 1`,
  );
  assert.deepEqual(pattern, ['0:1', '1:1', '2:1', '3:1', '4:1', '5:1', '6:0', '7:1', '8:2', '9:1']);
  // Ids are contiguous and follow user order.
  assert.equal(await scalar(wh, `SELECT (min(id) = 1 AND max(id) = count(*) AND count(*) = ${USERS})::text FROM raw.purchases`), 'true');
  const outOfOrder = await scalar(
    wh,
    `SELECT count(*) FROM (SELECT user_id, lag(user_id) OVER (ORDER BY id) AS previous FROM raw.purchases) s WHERE user_id < previous`,
  );
  assert.equal(outOfOrder, '0');
});

test('the pure purchase-id rule matches the pattern for any user count', () => {
  assert.deepEqual(purchaseIdsOfUser(7), { first: 7, count: 0 });
  assert.deepEqual(purchaseIdsOfUser(9), { first: 8, count: 2 });
  assert.deepEqual(purchaseIdsOfUser(10), { first: 10, count: 1 });
  assert.deepEqual(purchaseIdsOfUser(11), { first: 11, count: 1 });
  let next = 1;
  for (let userId = 1; userId <= 95; userId++) {
    const { first, count } = purchaseIdsOfUser(userId);
    assert.equal(first, next, `user ${userId}`);
    next += count;
    assert.equal(purchaseCountOfUsers(userId), next - 1, `users 1…${userId}`);
  }
});

test('product ids are uniform over 1…100 and all 100 products are emitted, so no purchase is an orphan', async () => {
  assert.equal(await scalar(wh, `SELECT count(*) FROM raw.products`), '100');
  assert.equal(await scalar(wh, `SELECT count(*) FROM raw.purchases p LEFT JOIN raw.products r ON r.id = p.product_id WHERE r.id IS NULL`), '0');
  assert.equal(await scalar(wh, `SELECT (min(product_id) >= 1 AND max(product_id) <= 100 AND count(DISTINCT product_id) > 90)::text FROM raw.purchases`), 'true');
});

test('about 70% of purchases are purchased and about 15% of those returned', async () => {
  const purchased = Number(await scalar(wh, `SELECT avg((purchased_at IS NOT NULL)::int) FROM raw.purchases`));
  const returned = Number(await scalar(wh, `SELECT avg((returned_at IS NOT NULL)::int) FROM raw.purchases WHERE purchased_at IS NOT NULL`));
  assert.ok(purchased > 0.66 && purchased < 0.74, String(purchased));
  assert.ok(returned > 0.12 && returned < 0.18, String(returned));
  assert.equal(await scalar(wh, `SELECT count(*) FROM raw.purchases WHERE returned_at IS NOT NULL AND purchased_at IS NULL`), '0');
  assert.equal(await scalar(wh, `SELECT count(*) FROM raw.purchases WHERE added_to_cart_at IS NULL`), '0');
});

test('times run in order, end before the sync, and have no fractional seconds', async () => {
  const disorder = await scalar(
    wh,
    `SELECT count(*) FROM raw.purchases
      WHERE NOT (created_at <= added_to_cart_at AND added_to_cart_at <= coalesce(purchased_at, added_to_cart_at)
                 AND coalesce(purchased_at, added_to_cart_at) <= coalesce(returned_at, purchased_at, added_to_cart_at)
                 AND coalesce(returned_at, purchased_at, added_to_cart_at) < _airbyte_extracted_at)`,
  );
  assert.equal(disorder, '0');
  const columns = {
    users: ['_airbyte_extracted_at', 'created_at', 'updated_at'],
    products: ['_airbyte_extracted_at', 'created_at', 'updated_at'],
    purchases: ['_airbyte_extracted_at', 'created_at', 'updated_at', 'added_to_cart_at', 'purchased_at', 'returned_at'],
  };
  for (const [table, names] of Object.entries(columns)) {
    const fractional = names.map((name) => `${name} <> date_trunc('second', ${name})`).join(' OR ');
    assert.equal(await scalar(wh, `SELECT count(*) FROM raw.${table} WHERE ${fractional}`), '0', table);
  }
  assert.equal(
    await scalar(wh, `SELECT (min(created_at) >= timestamptz '2024-06-23T12:00:00Z' - interval '730 days' AND max(created_at) < '2024-06-23T12:00:00Z')::text FROM raw.users`),
    'true',
  );
});

test('every month of the last year has purchases, returns and cart additions, so the dashboard has trends', async () => {
  const months = await column(
    wh,
    `SELECT to_char(m, 'YYYY-MM') || ' ' || count(*) FILTER (WHERE date_trunc('month', p.purchased_at) = m) || ' '
            || count(*) FILTER (WHERE date_trunc('month', p.returned_at) = m) || ' '
            || count(*) FILTER (WHERE date_trunc('month', p.added_to_cart_at) = m)
       FROM generate_series(timestamptz '2023-07-01', '2024-06-01', interval '1 month') m CROSS JOIN raw.purchases p
      GROUP BY m ORDER BY m`,
  );
  assert.equal(months.length, 12);
  for (const line of months) {
    const [, purchased, returned, carted] = line.split(' ').map(Number);
    assert.ok((purchased ?? 0) > 10 && (returned ?? 0) > 0 && (carted ?? 0) > 10, line);
  }
});

test('the catalogue has Faker\'s shape, including make + model pairs that are not unique', () => {
  assert.deepEqual(CATALOGUE.map((p) => p.id), Array.from({ length: 100 }, (_, i) => i + 1));
  const pairs = new Map<string, number[]>();
  for (const p of CATALOGUE) pairs.set(`${p.make} ${p.model}`, [...(pairs.get(`${p.make} ${p.model}`) ?? []), p.year]);
  const repeated = [...pairs.values()].filter((years) => years.length > 1);
  assert.ok(repeated.length >= 3, 'several make + model pairs repeat');
  assert.ok(repeated.some((years) => new Set(years).size < years.length), 'some repeat with the same year too');
  for (const p of CATALOGUE) assert.match(p.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
});

test('anchors without an offset mean UTC; Airbyte text has no fraction and ends in +00:00', () => {
  assert.equal(parseAnchor('2024-06-23T12:00:00Z'), 1719144000);
  assert.equal(parseAnchor('2024-06-23T12:00:00'), 1719144000);
  assert.equal(parseAnchor('2024-06-23 12:00'), 1719144000);
  assert.equal(parseAnchor('2024-06-23T15:00:00+03:00'), 1719144000);
  assert.equal(parseAnchor('2024-06-23T15:00:00+0300'), 1719144000);
  assert.equal(parseAnchor('2024-06-23'), 1719100800);
  assert.equal(parseAnchor('2024-13-45'), undefined);
  assert.equal(parseAnchor('noon'), undefined);
  assert.equal(airbyteTimestamp(1719144000), '2024-06-23T12:00:00+00:00');
  assert.equal(airbyteTimestamp(951782399), '2000-02-28T23:59:59+00:00');
});
