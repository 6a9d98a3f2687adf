// `npm test`: builds the bundles, provisions a PostgreSQL server (unless DVS_TEST_PG_URL is given), then runs every
// test file under test/ with node's test runner. The end-to-end VS Code suites run after the unit/integration suites.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startThrowawayPostgres } from './provision-postgres.mjs';

const root = join(fileURLToPath(import.meta.url), '..', '..');
process.chdir(root);

function run(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env });
  return r.status ?? 1;
}

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'fixtures' || name === 'e2e') continue;
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out.sort();
}

if (run('node', ['scripts/build.mjs']) !== 0) process.exit(1);

const filter = process.argv.slice(2);
let files = findTests('test');
if (filter.length) files = files.filter((f) => filter.some((s) => f.includes(s)));

let pg;
const env = { ...process.env };
if (!env.DVS_TEST_PG_URL) {
  pg = await startThrowawayPostgres();
  env.DVS_TEST_PG_URL = pg.url;
  console.error(`[test] PostgreSQL server for tests at 127.0.0.1:${pg.port}`);
}
let code;
try {
  code = run('node', ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=600000', ...files], env);
} finally {
  pg?.stop();
}
process.exit(code);
