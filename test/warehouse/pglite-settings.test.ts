// The embedded database's server settings (EMBEDDED_SETTINGS): applied on every open, including a data directory that
// was created before them (with PGlite's defaults).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { EMBEDDED_SETTINGS, openPglite } from '../../server/src/warehouse/pglite';

test('an embedded database opens with temp_buffers raised, also one created with PGlite\'s defaults', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-pglite-settings-'));
  try {
    const old = new PGlite(dir);
    await old.exec(`create table kept (id int primary key); insert into kept values (1), (2)`);
    assert.equal((await old.query<{ v: string }>(`select current_setting('temp_buffers') as v`)).rows[0]?.v, '8MB', 'PGlite\'s own default');
    await old.close();

    const wh = await openPglite(dir);
    try {
      for (const [name, value] of EMBEDDED_SETTINGS) {
        const r = await wh.query(`select current_setting($1) as v`, [name]);
        assert.equal(r.rows[0]?.v, value, name);
      }
      assert.deepEqual((await wh.query('select id from kept order by id')).rows, [{ id: '1' }, { id: '2' }]);
      // A table and its index built in the transaction that creates them (as a first load does), then read back.
      await wh.transaction(async (tx) => {
        await tx.exec('create table built as select g as id from generate_series(1, 50000) g');
        await tx.exec('create unique index on built (id)');
      });
      // A temporary table, as a load stages its rows on the embedded database.
      await wh.exec('create temporary table staged as select g as id from generate_series(1, 1000) g');
      assert.equal((await wh.query('select count(*)::int as n from built join staged using (id)')).rows[0]?.n, '1000');
    } finally {
      await wh.close();
    }
    // The rows are there after a restart.
    const again = await openPglite(dir);
    try {
      assert.equal((await again.query('select count(*)::int as n from built')).rows[0]?.n, '50000');
    } finally {
      await again.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
