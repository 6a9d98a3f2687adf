// dvs seed / dvs test against the PostgreSQL server at DVS_TEST_PG_URL, in a fresh database of its own, through a
// profiles.yml target whose password comes from an environment variable.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openPostgres } from '../../server/src/warehouse/pgserver';
import { createTestDatabase } from '../warehouse/test-server';
import { defineSeedAndTestSuite } from './seed-test-suite';

defineSeedAndTestSuite('the PostgreSQL server', async () => {
  const db = await createTestDatabase('breadth');
  const s = db.settings;
  return {
    targetArgs: ['--target', 'ci'],
    targetName: 'ci',
    env: { DVS_BREADTH_PASSWORD: s.password ?? '' },
    prepare(projectDir: string, profileName: string) {
      const profile = [
        `${profileName}:`,
        '  target: ci',
        '  outputs:',
        '    ci:',
        '      type: postgres',
        `      host: '${s.host}'`,
        `      port: ${s.port}`,
        `      user: '${s.user}'`,
        `      password: "{{ env_var('DVS_BREADTH_PASSWORD') }}"`,
        `      dbname: '${s.dbname}'`,
        // The same target schemas as embedded, so both runs read the same relations.
        `      schema: ${profileName === 'nursery' ? 'analytics' : 'public'}`,
        '      sslmode: disable',
        '      threads: 1',
        '',
      ].join('\n');
      writeFileSync(join(projectDir, 'profiles.yml'), profile);
    },
    open: () => openPostgres(s),
    close: () => db.drop(),
  };
});
