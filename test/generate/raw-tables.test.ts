import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { generateRaw, GenerateRawError } from '../../server/src/generate/generate-raw';
import type { Warehouse } from '../../server/src/warehouse/warehouse';
import { column, openTestWarehouse, scalar } from './support';

// pipeline.md §6, written out independently of the generator's own table definitions.
const AIRBYTE = [
  '_airbyte_raw_id character varying NOT NULL',
  '_airbyte_extracted_at timestamp with time zone NOT NULL',
  '_airbyte_meta jsonb NOT NULL',
  '_airbyte_generation_id bigint',
];
const EXPECTED: Record<string, string[]> = {
  products: [...AIRBYTE, 'id bigint', 'make character varying', 'model character varying', 'year bigint',
    'price numeric(38,9)', 'created_at timestamp with time zone', 'updated_at timestamp with time zone'],
  users: [...AIRBYTE, 'id bigint', 'created_at timestamp with time zone', 'updated_at timestamp with time zone',
    'name character varying', 'title character varying', 'age bigint', 'email character varying',
    'telephone character varying', 'gender character varying', 'language character varying',
    'academic_degree character varying', 'nationality character varying', 'occupation character varying',
    'height character varying', 'blood_type character varying', 'weight bigint', 'address jsonb'],
  purchases: [...AIRBYTE, 'id bigint', 'user_id bigint', 'product_id bigint', 'created_at timestamp with time zone',
    'updated_at timestamp with time zone', 'added_to_cart_at timestamp with time zone',
    'purchased_at timestamp with time zone', 'returned_at timestamp with time zone'],
};

let wh: Warehouse;
before(async () => {
  wh = await openTestWarehouse();
  await generateRaw(wh, { users: 50 });
});
after(async () => wh.close());

for (const [table, expected] of Object.entries(EXPECTED)) {
  test(`raw.${table} has exactly Airbyte's columns, types and order`, async () => {
    const actual = await column(
      wh,
      `SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
         FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [`raw.${table}`],
    );
    assert.deepEqual(actual, expected);
    // information_schema agrees on the order and the base types.
    const info = await column(
      wh,
      `SELECT column_name || ':' || data_type FROM information_schema.columns
        WHERE table_schema = 'raw' AND table_name = $1 ORDER BY ordinal_position`,
      [table],
    );
    assert.equal(info.length, expected.length);
    assert.equal(info[0], '_airbyte_raw_id:character varying');
  });
}

test('Airbyte columns hold a UUID, the sync time, the sync id and a generation', async () => {
  for (const table of Object.keys(EXPECTED)) {
    const bad = await scalar(
      wh,
      `SELECT count(*) FROM raw.${table}
        WHERE _airbyte_raw_id !~ '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'
           OR _airbyte_extracted_at <> '2024-06-23T12:00:00Z'
           OR _airbyte_meta <> '{"sync_id": 1, "changes": []}'::jsonb
           OR _airbyte_generation_id IS NULL`,
    );
    assert.equal(bad, '0', table);
    assert.equal(await scalar(wh, `SELECT count(DISTINCT _airbyte_raw_id) = count(*) FROM raw.${table}`), 't');
  }
});

test('address is a JSON object with the seven Faker keys, all strings', async () => {
  const keys = await column(wh, `SELECT DISTINCT k FROM raw.users, jsonb_object_keys(address) k ORDER BY 1`);
  assert.deepEqual(keys, ['city', 'country_code', 'postal_code', 'province', 'state', 'street_name', 'street_number']);
  const nonStrings = await scalar(
    wh,
    `SELECT count(*) FROM raw.users, jsonb_each(address) e WHERE jsonb_typeof(e.value) <> 'string'`,
  );
  assert.equal(nonStrings, '0');
});

test('an existing raw table of another shape is refused with a fix, not appended to', async () => {
  await wh.exec(`CREATE SCHEMA odd; CREATE TABLE odd.users (id integer, email text)`);
  await assert.rejects(generateRaw(wh, { schema: 'odd', users: 5 }), (error: unknown) => {
    assert.ok(error instanceof GenerateRawError);
    assert.match(error.message, /odd\.users has no column "_airbyte_raw_id"/);
    assert.match(error.message, /odd\.users\.id is integer, expected bigint/);
    assert.match(error.message, /DROP SCHEMA "odd" CASCADE/);
    return true;
  });
  assert.equal(await scalar(wh, `SELECT count(*) FROM odd.users`), '0');
});

test("the sample project's sources.yml declares exactly the columns and types the generator writes", async () => {
  const sources = parse(readFileSync(join(__dirname, '../../sample-project/models/sources.yml'), 'utf8')) as {
    sources: { name: string; schema: string; tables: { name: string; columns: { name: string; data_type: string }[] }[] }[];
  };
  const raw = sources.sources.find((s) => s.name === 'raw');
  assert.equal(raw?.schema, 'raw');
  assert.deepEqual(raw?.tables.map((t) => t.name).sort(), Object.keys(EXPECTED).sort());
  for (const table of raw?.tables ?? []) {
    const declared = table.columns.map((c) => `${c.name} ${c.data_type}`);
    const actual = await column(
      wh,
      `SELECT attname || ' ' || format_type(atttypid, atttypmod) FROM pg_attribute
        WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
      [`raw.${table.name}`],
    );
    assert.deepEqual(declared, actual, table.name);
  }
});
