// The language server's embedded database runs in a worker thread (ownerInWorker): this thread stays free while
// PGlite starts and answers, talks to it over the loopback socket, and the directory is owned, shared and released
// exactly as when PGlite runs in the thread itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbedded, ownerFilePath, readOwnerRecord, servedFromWorker } from '../../server/src/warehouse/embedded';
import { refreshSchemaCache, readSchemaCache } from '../../server/src/warehouse/introspect';

test('a worker thread owns the database: queries, transactions, a second handle, introspection, and release on close', async () => {
  const project = mkdtempSync(join(tmpdir(), 'dvs-embedded-worker-'));
  const dir = join(project, '.dvs', 'pglite');
  try {
    const wh = await openEmbedded(dir, { ownerInWorker: true });
    assert.equal(wh.role, 'owner');
    assert.equal(servedFromWorker(dir), true, 'PGlite runs in a worker thread, not in this one');
    const record = readOwnerRecord(ownerFilePath(dir));
    assert.ok(typeof record === 'object' && record.pid === process.pid && typeof record.port === 'number', 'the owner file names this process and a port');

    await wh.exec('create schema raw; create table raw.users (id bigint not null, email text, loaded_at timestamptz)');
    await wh.transaction(async (tx) => {
      await tx.query('insert into raw.users values ($1, $2, now())', ['1', 'a@example.com']);
    });
    await assert.rejects(
      wh.transaction(async (tx) => {
        await tx.query('insert into raw.users values ($1, $2, now())', ['2', 'b@example.com']);
        throw new Error('stop');
      }),
      /stop/,
    );
    assert.deepEqual((await wh.query('select id, email from raw.users order by id')).rows, [{ id: '1', email: 'a@example.com' }]);
    // The session settings of an embedded target hold for this connection too.
    assert.equal((await wh.query('show timezone')).rows[0]?.TimeZone, 'UTC');

    // A second open in this process connects to the same worker instead of starting another PGlite.
    const second = await openEmbedded(dir, { ownerInWorker: true });
    assert.equal((await second.query('select count(*)::int as n from raw.users')).rows[0]?.n, '1');
    await second.close();
    assert.ok(existsSync(ownerFilePath(dir)), 'closing one of two handles keeps the database open');

    const snapshot = await refreshSchemaCache(wh, project, 'embedded');
    const users = snapshot.schemas.find((s) => s.name === 'raw')?.tables.find((t) => t.name === 'users');
    assert.deepEqual(users?.columns.map((c) => `${c.name} ${c.dataType} ${c.nullable}`), ['id bigint false', 'email text true', 'loaded_at timestamp with time zone true']);
    assert.equal(readSchemaCache(project, 'embedded')?.introspectedAt, snapshot.introspectedAt);

    await wh.close();
    assert.equal(existsSync(ownerFilePath(dir)), false, 'the owner file is released once the last handle closes');
    assert.equal(servedFromWorker(dir), false);
    // The directory can be opened again (the worker closed PGlite), and the data is still there.
    const again = await openEmbedded(dir, { ownerInWorker: true });
    assert.equal((await again.query('select email from raw.users')).rows[0]?.email, 'a@example.com');
    await again.close();
    // Without the option the same directory opens in this thread, as the CLI opens it.
    const here = await openEmbedded(dir);
    assert.equal(servedFromWorker(dir), false);
    assert.equal((await here.query('select count(*)::int as n from raw.users')).rows[0]?.n, '1');
    await here.close();
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
});
