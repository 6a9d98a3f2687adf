// The load suite against embedded PGlite in a temporary data directory (owned by this process, as in the editor).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbedded } from '../../server/src/warehouse/embedded';
import { defineLoadSuite } from './load-suite';

defineLoadSuite('embedded', async () => {
  const base = mkdtempSync(join(tmpdir(), 'dvs-load-embedded-'));
  const wh = await openEmbedded(join(base, 'pglite'));
  return {
    wh,
    database: 'postgres',
    async close() {
      await wh.close();
      rmSync(base, { recursive: true, force: true });
    },
  };
});
