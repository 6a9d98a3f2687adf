// `npm test` itself (scripts/test.mjs and scripts/test-runner.mjs): a filter that matches nothing fails before any work,
// the type-check fails with tsc's output, the counts include skipped, todo and cancelled tests, and the closing line
// keeps the shape CI reads. The runs of scripts/test.mjs below carry the nested-run flag, so even a broken filter check
// cannot start the whole suite inside this one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CLOSING_LINE,
  CLOSING_LINE_SUMMARY,
  NESTED_RUN_ENV,
  NODE_TEST_SUMMARY,
  closingLine,
  countLine,
  findTestFiles,
  runCounting,
  selectTestFiles,
  totalsOf,
  tsconfigsToCheck,
  typecheck,
} from '../../scripts/test-runner.mjs';

const root = join(__dirname, '..', '..');

function runTestCommand(args: string[]) {
  return spawnSync(process.execPath, [join(root, 'scripts', 'test.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, [NESTED_RUN_ENV]: '1' },
    timeout: 60_000,
  });
}

test('a filter that matches no test file fails at once and says so', () => {
  const r = runTestCommand(['no-such-test-file-xyz']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /no test file matches "no-such-test-file-xyz"/);
  assert.doesNotMatch(r.stderr, /type-checking/, 'nothing else ran before the message');
  assert.doesNotMatch(r.stdout, /# pass/);
});

test('one unmatched filter among matching ones is still an error, naming the one that matched nothing', () => {
  const files = ['test/base/text.test.ts', 'test/jinja/lexer.test.ts'];
  const r = selectTestFiles(files, ['base/', 'typo-folder/']);
  assert.deepEqual(r.files, []);
  assert.match(r.error ?? '', /"typo-folder\/"/);
  assert.doesNotMatch(r.error ?? '', /"base\/"/);
  assert.deepEqual(selectTestFiles(files, ['lexer']), { files: ['test/jinja/lexer.test.ts'] });
  assert.deepEqual(selectTestFiles(files, []), { files });
  assert.match(selectTestFiles([], []).error ?? '', /no test file found/);
});

test('started inside a test run, the command refuses to run the suite again', () => {
  const r = runTestCommand(['test/scripts/test-command.test.ts']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /not running the suite inside itself/);
  assert.doesNotMatch(r.stderr, /type-checking/);
});

test('test files: fixtures/ and e2e/ are left out, and this file is found', () => {
  const files = findTestFiles(root);
  assert.ok(files.includes('test/scripts/test-command.test.ts'));
  assert.ok(!files.some((f) => f.includes('/fixtures/') || f.startsWith('test/e2e/')));
  assert.ok(files.every((f) => f.endsWith('.test.ts')));
});

test('the type-check covers the root tsconfig and fails with the output of tsc', () => {
  assert.equal(tsconfigsToCheck(root)[0], 'tsconfig.json');
  const dir = mkdtempSync(join(tmpdir(), 'dvs-typecheck-'));
  try {
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'wrong.ts'), 'export const n: number = "not a number";\n');
    writeFileSync(join(dir, 'src', 'right.ts'), 'export const n: number = 1;\n');
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ compilerOptions: { strict: true, noEmit: true }, files: ['src/wrong.ts'] }));
    writeFileSync(join(dir, 'good.json'), JSON.stringify({ compilerOptions: { strict: true, noEmit: true }, files: ['src/right.ts'] }));
    // typecheck() resolves tsc from the repository, and runs each project from the folder it is given.
    const failures = typecheck(root, [join(dir, 'bad.json'), join(dir, 'good.json')]);
    assert.equal(failures.length, 1);
    assert.equal(failures[0]?.project, join(dir, 'bad.json'));
    assert.match(failures[0]?.output ?? '', /wrong\.ts\(1,14\): error TS2322/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a real test run: passed, failed, cancelled, skipped and todo are all counted', async () => {
  const fixture = join(root, 'test', 'scripts', 'fixtures', 'counted-results.ts');
  // node marks the processes it runs test files in (NODE_TEST_CONTEXT); a run started from one must not inherit it, or
  // it reports to this file's runner instead of exiting with its own status.
  const env = { ...process.env };
  delete env['NODE_TEST_CONTEXT'];
  const run = await runCounting(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', fixture], {
    cwd: root,
    env,
    patterns: NODE_TEST_SUMMARY,
    echo: false,
  });
  assert.notEqual(run.code, 0);
  // node counts the failing test and the parent of the cancelled subtest as failed.
  assert.deepEqual(run.counts, { passed: 1, failed: 2, cancelled: 1, skipped: 1, todo: 1 });
  assert.deepEqual(totalsOf(run), { passed: 1, failed: 3, skipped: 2 });
});

test('a run that exits non-zero without a failed test counts as one failure; cancelled alone is a failure', () => {
  assert.deepEqual(totalsOf({ code: 1, counts: { passed: 4, failed: 0 } }), { passed: 4, failed: 1, skipped: 0 });
  assert.deepEqual(totalsOf({ code: 1, counts: { passed: 4, failed: 0, cancelled: 1 } }), { passed: 4, failed: 1, skipped: 0 });
  assert.deepEqual(totalsOf({ code: 0, counts: { passed: 4 } }), { passed: 4, failed: 0, skipped: 0 });
});

test('the closing line keeps the shape CI reads, and the e2e runner`s line is summed with or without skipped', () => {
  const line = closingLine({ passed: 12, failed: 0, skipped: 3 });
  assert.equal(line, '12 passed, 0 failed, 3 skipped');
  assert.match(line, /^\d+ passed, \d+ failed(, \d+ skipped)?$/);
  const zero = { passed: 0, failed: 0, skipped: 0 };
  assert.deepEqual(countLine('7 passed, 1 failed', CLOSING_LINE_SUMMARY, { ...zero }), { passed: 7, failed: 1, skipped: 0 });
  assert.deepEqual(countLine('7 passed, 1 failed, 2 skipped', CLOSING_LINE_SUMMARY, { ...zero }), { passed: 7, failed: 1, skipped: 2 });
  // The e2e runner's per-suite progress lines carry a prefix and are not totals.
  assert.deepEqual(countLine('[e2e] host: 7 passed, 1 failed (30 s)', CLOSING_LINE_SUMMARY, { ...zero }), zero);
  assert.ok(CLOSING_LINE.test(line));
  // Indented TAP (a nested run's summary) is not the run's own summary.
  assert.deepEqual(countLine('    # pass 9', NODE_TEST_SUMMARY, { passed: 0 }), { passed: 0 });
  assert.deepEqual(countLine('# pass 9', NODE_TEST_SUMMARY, { passed: 0 }), { passed: 9 });
});
