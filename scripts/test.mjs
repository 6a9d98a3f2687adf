// `npm test [-- FILTER...]`: type-checks, builds the bundles, provisions a PostgreSQL server (unless DVS_TEST_PG_URL is
// given), then runs every test file under test/ (or those whose path contains a FILTER) with node's test runner. Without
// a filter the end-to-end VS Code suites (scripts/e2e.mjs) run after the unit and integration suites.
//
// It fails, before doing any work, when a filter matches no test file, and when the type-check fails (tsc's output is
// printed). The last line is `N passed, N failed, N skipped`, alone on its line, for CI to read; skipped counts
// skipped and todo tests, failed counts cancelled tests and runs that crashed. It exits non-zero on any failure, and
// when no test passed at all. Environment:
//   DVS_TEST_PG_URL   a PostgreSQL server to use instead of a throwaway cluster
//   DVS_SKIP_E2E=1    leave out the VS Code suites
//   UPDATE_SNAPSHOTS=1  lets the grammar tests write missing or changed snapshots (test/grammar/fixtures/*.snap);
//                     without it a missing snapshot fails
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startThrowawayPostgres } from './provision-postgres.mjs';
import {
  CLOSING_LINE_SUMMARY,
  NESTED_RUN_ENV,
  NODE_TEST_SUMMARY,
  closingLine,
  findTestFiles,
  runCounting,
  selectTestFiles,
  totalsOf,
  tsconfigsToCheck,
  typecheck,
} from './test-runner.mjs';

const root = join(fileURLToPath(import.meta.url), '..', '..');
process.chdir(root);
const say = (msg) => console.error(`[test] ${msg}`);

const filter = process.argv.slice(2);
const selection = selectTestFiles(findTestFiles(root), filter);
if (selection.error) {
  say(selection.error);
  process.exit(2);
}
// A test of this command that starts it again gets here; running the suite inside the suite would never end.
if (process.env[NESTED_RUN_ENV] === '1') {
  say(`${NESTED_RUN_ENV}=1: scripts/test.mjs is already running above this process; not running the suite inside itself`);
  process.exit(2);
}
const files = selection.files;

const projects = tsconfigsToCheck(root);
say(`type-checking ${projects.join(', ')}`);
const typeErrors = typecheck(root, projects);
if (typeErrors.length) {
  for (const { project, output } of typeErrors) console.error(`\ntsc -p ${project} --noEmit failed:\n${output}`);
  say('the type-check failed: no test was run (esbuild and tsx strip types without checking them)');
  process.exit(1);
}

if (spawnSync('node', ['scripts/build.mjs'], { stdio: 'inherit' }).status !== 0) process.exit(1);

let pg;
const env = { ...process.env, [NESTED_RUN_ENV]: '1' };
if (!env.DVS_TEST_PG_URL) {
  pg = await startThrowawayPostgres();
  env.DVS_TEST_PG_URL = pg.url;
  say(`PostgreSQL server for tests at 127.0.0.1:${pg.port}`);
}

const unitOnly = process.env.DVS_SKIP_E2E === '1' || filter.length > 0;
let unit;
try {
  unit = await runCounting(
    'node',
    ['--import', 'tsx', '--test', '--test-reporter=tap', '--test-concurrency=2', '--test-timeout=600000', ...files],
    { env, patterns: NODE_TEST_SUMMARY },
  );
} finally {
  pg?.stop();
}
const unitTotals = totalsOf(unit);
let e2eTotals = { passed: 0, failed: 0, skipped: 0 };
if (unitOnly) {
  say('end-to-end VS Code suites not run (a file filter was given, or DVS_SKIP_E2E=1)');
} else {
  // The real VS Code (code-server) suites: provisions chromium and code-server itself (scripts/e2e.mjs).
  e2eTotals = totalsOf(await runCounting('node', ['scripts/e2e.mjs'], { env, patterns: CLOSING_LINE_SUMMARY }));
}

const total = {
  passed: unitTotals.passed + e2eTotals.passed,
  failed: unitTotals.failed + e2eTotals.failed,
  skipped: unitTotals.skipped + e2eTotals.skipped,
};
const todo = unit.counts.todo ? ` (${unit.counts.todo} of them todo)` : '';
const cancelled = unit.counts.cancelled ? ` (${unit.counts.cancelled} of them cancelled)` : '';
console.log(
  `\nunit and integration: ${unitTotals.passed} passed, ${unitTotals.failed} failed${cancelled}, ${unitTotals.skipped} skipped${todo}; ` +
    `end to end: ${unitOnly ? 'not run' : closingLine(e2eTotals)}`,
);
console.log(closingLine(total));
process.exit(total.failed > 0 || total.passed === 0 ? 1 : 0);
