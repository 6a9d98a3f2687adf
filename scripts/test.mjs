// `npm test`: builds the bundles, provisions a PostgreSQL server (unless DVS_TEST_PG_URL is given), then runs every
// test file under test/ with node's test runner. The end-to-end VS Code suites run after the unit/integration suites.
import { spawn, spawnSync } from 'node:child_process';
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
/** Runs a command, passing its output through and keeping the summary counts it prints. */
function runCounting(cmd, args, patterns) {
  return new Promise((resolvePromise) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    const counts = { passed: 0, failed: 0 };
    let tail = '';
    const scan = (chunk) => {
      const text = tail + chunk.toString();
      const lines = text.split('\n');
      tail = lines.pop() ?? '';
      for (const line of lines) {
        for (const [key, re] of patterns) {
          const m = re.exec(line);
          if (m) counts[key] = Number(m[1]);
        }
      }
    };
    child.stdout.on('data', (c) => {
      process.stdout.write(c);
      scan(c);
    });
    child.stderr.on('data', (c) => {
      process.stderr.write(c);
      scan(c);
    });
    child.on('close', (code) => {
      scan('\n');
      resolvePromise({ code: code ?? 1, ...counts });
    });
  });
}

const unitOnly = process.env.DVS_SKIP_E2E === '1' || filter.length > 0;
let unit;
let e2e = { code: 0, passed: 0, failed: 0 };
try {
  unit = await runCounting('node', ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=600000', ...files], [
    ['passed', /^# pass (\d+)/],
    ['failed', /^# fail (\d+)/],
  ]);
} finally {
  pg?.stop();
}
if (unitOnly) {
  console.error('[test] end-to-end VS Code suites not run (a file filter was given, or DVS_SKIP_E2E=1)');
} else {
  // The real VS Code (code-server) suites: provisions chromium and code-server itself (scripts/e2e.mjs).
  e2e = await runCounting('node', ['scripts/e2e.mjs'], [
    ['passed', /^(\d+) passed, \d+ failed$/],
    ['failed', /^\d+ passed, (\d+) failed$/],
  ]);
}
const passed = unit.passed + e2e.passed;
const failed = unit.failed + e2e.failed + (unit.code !== 0 && unit.failed === 0 ? 1 : 0) + (e2e.code !== 0 && e2e.failed === 0 ? 1 : 0);
console.log(`\nunit and integration: ${unit.passed} passed, ${unit.failed} failed; end to end: ${e2e.passed} passed, ${e2e.failed} failed`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(unit.code !== 0 || e2e.code !== 0 ? 1 : 0);
