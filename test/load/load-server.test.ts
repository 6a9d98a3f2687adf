// The load suite against the PostgreSQL server at DVS_TEST_PG_URL, in a fresh database of its own.
import { openPostgres } from '../../server/src/warehouse/pgserver';
import { createTestDatabase } from '../warehouse/test-server';
import { defineLoadSuite } from './load-suite';

defineLoadSuite('server', async () => {
  const db = await createTestDatabase('load');
  const wh = await openPostgres(db.settings);
  return {
    wh,
    database: db.dbname,
    openAnother: () => openPostgres(db.settings),
    async close() {
      await wh.close();
      await db.drop();
    },
  };
});
