// Introspection's shape (schemas → tables/views → columns with format_type, position, nullability) on PGlite and
// on the server, and the per-target schema cache file.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  columnsInSnapshot,
  introspectSchemas,
  readSchemaCache,
  refreshSchemaCache,
  schemaCachePath,
  type IntrospectedSchema,
} from '../../server/src/warehouse/introspect';
import { openPglite } from '../../server/src/warehouse/pglite';
import { openPostgres } from '../../server/src/warehouse/pgserver';
import type { Warehouse } from '../../server/src/warehouse/warehouse';
import { createTestDatabase } from './test-server';

const SETUP = `
create schema raw;
create table raw.users (
  id bigint not null,
  email character varying(255),
  price numeric(38,9),
  created_at timestamp with time zone,
  address jsonb,
  dropped_later int,
  "Mixed Case" text
);
alter table raw.users drop column dropped_later;
create table raw.purchases (id bigint, user_id bigint);
create view raw.user_emails as select id, email from raw.users;
create schema empty_one;
create schema other;
create table other.t (x int);`;

const EXPECTED_RAW: IntrospectedSchema = {
  name: 'raw',
  tables: [
    {
      name: 'purchases',
      kind: 'table',
      columns: [
        { name: 'id', dataType: 'bigint', ordinal: 1, nullable: true },
        { name: 'user_id', dataType: 'bigint', ordinal: 2, nullable: true },
      ],
    },
    {
      name: 'user_emails',
      kind: 'view',
      columns: [
        { name: 'id', dataType: 'bigint', ordinal: 1, nullable: true },
        { name: 'email', dataType: 'character varying(255)', ordinal: 2, nullable: true },
      ],
    },
    {
      name: 'users',
      kind: 'table',
      columns: [
        { name: 'id', dataType: 'bigint', ordinal: 1, nullable: false },
        { name: 'email', dataType: 'character varying(255)', ordinal: 2, nullable: true },
        { name: 'price', dataType: 'numeric(38,9)', ordinal: 3, nullable: true },
        { name: 'created_at', dataType: 'timestamp with time zone', ordinal: 4, nullable: true },
        { name: 'address', dataType: 'jsonb', ordinal: 5, nullable: true },
        { name: 'Mixed Case', dataType: 'text', ordinal: 6, nullable: true },
      ],
    },
  ],
};

function introspectionCases(open: () => Promise<{ wh: Warehouse; done(): Promise<void> }>) {
  let wh: Warehouse;
  let done: () => Promise<void>;
  before(async () => {
    ({ wh, done } = await open());
    await wh.exec(SETUP);
  });
  after(async () => {
    await done?.();
  });

  test('schemas → tables and views → columns, in one query, without system schemas', async () => {
    const all = await introspectSchemas(wh);
    const names = all.map((s) => s.name);
    assert.ok(names.includes('public'));
    for (const hidden of ['pg_catalog', 'information_schema', 'pg_toast']) assert.ok(!names.includes(hidden), hidden);
    assert.deepEqual(all.find((s) => s.name === 'raw'), EXPECTED_RAW);
    assert.deepEqual(all.find((s) => s.name === 'empty_one'), { name: 'empty_one', tables: [] }, 'a schema without tables is listed');
  });

  test('only the named schemas', async () => {
    const some = await introspectSchemas(wh, ['raw', 'other', 'no_such_schema']);
    assert.deepEqual(
      some.map((s) => s.name),
      ['other', 'raw'],
    );
    assert.deepEqual(await introspectSchemas(wh, []), []);
  });

  test('the cache is kept per target, merged when only some schemas are refreshed', async () => {
    const project = mkdtempSync(join(tmpdir(), 'dvs-cache-'));
    try {
      assert.equal(readSchemaCache(project, 'dev'), undefined);
      const full = await refreshSchemaCache(wh, project, 'dev');
      assert.ok(existsSync(schemaCachePath(project)));
      assert.equal(schemaCachePath(project), join(project, '.dvs', 'schema-cache.json'));
      assert.ok(!Number.isNaN(Date.parse(full.introspectedAt)));
      assert.deepEqual(readSchemaCache(project, 'dev'), JSON.parse(JSON.stringify(full)));
      assert.equal(readSchemaCache(project, 'prod'), undefined, 'keyed by target');

      await wh.exec(`create table other.added (y text)`);
      const partial = await refreshSchemaCache(wh, project, 'dev', ['other']);
      assert.deepEqual(
        partial.schemas.find((s) => s.name === 'other')?.tables.map((t) => t.name),
        ['added', 't'],
      );
      assert.deepEqual(partial.schemas.find((s) => s.name === 'raw'), EXPECTED_RAW, 'other schemas kept from before');
      assert.deepEqual(columnsInSnapshot(partial, 'raw', 'purchases'), [
        { name: 'id', dataType: 'bigint' },
        { name: 'user_id', dataType: 'bigint' },
      ]);
      assert.equal(columnsInSnapshot(partial, 'raw', 'nope'), undefined);
      const onDisk = JSON.parse(readFileSync(schemaCachePath(project), 'utf8')) as { version: number; targets: Record<string, unknown> };
      assert.equal(onDisk.version, 1);
      assert.deepEqual(Object.keys(onDisk.targets), ['dev']);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
}

describe('introspection on PGlite', () => {
  introspectionCases(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dvs-introspect-'));
    const wh = await openPglite(join(dir, 'pglite'));
    return {
      wh,
      async done() {
        await wh.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
});

describe('introspection on the PostgreSQL server', () => {
  introspectionCases(async () => {
    const db = await createTestDatabase('introspect');
    const wh = await openPostgres(db.settings);
    return {
      wh,
      async done() {
        await wh.close();
        await db.drop();
      },
    };
  });
});
