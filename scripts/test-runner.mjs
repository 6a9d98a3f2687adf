// The parts of `npm test` (scripts/test.mjs) that can be tested on their own: finding and filtering test files, the
// type-check, counting the results a child test run prints, and the closing line CI reads.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** Set in the environment of everything scripts/test.mjs starts, so a test that starts it again cannot run the suite. */
export const NESTED_RUN_ENV = 'DVS_TEST_COMMAND_RUNNING';

/**
 * Every `*.test.ts` below `dir`, relative to `root`, sorted. Folders named fixtures/ hold test data, and e2e/ runs in a
 * real VS Code through scripts/e2e.mjs, so neither is searched.
 */
export function findTestFiles(root, dir = 'test') {
  const out = [];
  const walk = (rel) => {
    for (const name of readdirSync(join(root, rel))) {
      if (name === 'node_modules' || name === 'fixtures' || name === 'e2e') continue;
      const p = join(rel, name);
      if (statSync(join(root, p)).isDirectory()) walk(p);
      else if (name.endsWith('.test.ts')) out.push(p.split('\\').join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * The files whose path contains any of the filters (all files without filters). A filter that matches no file is an
 * error, not an empty selection: `node --test` given no file searches the whole folder itself, so an empty list would
 * run every test file, including the ones that start test runs of their own.
 */
export function selectTestFiles(files, filters) {
  if (!filters.length) {
    if (!files.length) return { files, error: 'no test file found under test/ (test files are named *.test.ts)' };
    return { files };
  }
  const unmatched = filters.filter((f) => !files.some((file) => file.includes(f)));
  if (unmatched.length) {
    const list = unmatched.map((f) => JSON.stringify(f)).join(', ');
    return {
      files: [],
      error:
        `no test file matches ${list}. A filter is a part of a path below test/, e.g. ` +
        '`npm test -- test/base/` or `npm test -- hashing.test.ts` (files under fixtures/ and e2e/ are not unit tests).',
    };
  }
  return { files: files.filter((f) => filters.some((s) => f.includes(s))) };
}

/** The tsconfig files to type-check: the root one, and any a client or test folder brings of its own. */
export function tsconfigsToCheck(root) {
  const found = ['tsconfig.json'];
  const walk = (rel) => {
    if (!existsSync(join(root, rel))) return;
    for (const name of readdirSync(join(root, rel))) {
      if (name === 'node_modules' || name === 'out' || name === 'dist') continue;
      const p = join(rel, name);
      if (statSync(join(root, p)).isDirectory()) walk(p);
      else if (/^tsconfig(\..+)?\.json$/.test(name)) found.push(p.split('\\').join('/'));
    }
  };
  for (const dir of ['client', 'server', 'test', 'bench']) walk(dir);
  return found;
}

/**
 * Runs `tsc -p <project> --noEmit` for each project. esbuild and tsx strip types without checking them, so without
 * this step a type error would pass every test. Returns the projects that failed with tsc's output.
 */
export function typecheck(root, projects) {
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  const failures = [];
  for (const project of projects) {
    const r = spawnSync(process.execPath, [tsc, '-p', project, '--noEmit', '--pretty', 'false'], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) failures.push({ project, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`.trim() });
  }
  return failures;
}

/**
 * The counts in the summary node's TAP reporter prints at the end of a run (`# pass 3`). Lines of nested output are
 * indented, so only the top-level summary matches; the last value seen wins.
 */
export const NODE_TEST_SUMMARY = [
  ['passed', /^# pass (\d+)$/],
  ['failed', /^# fail (\d+)$/],
  ['cancelled', /^# cancelled (\d+)$/],
  ['skipped', /^# skipped (\d+)$/],
  ['todo', /^# todo (\d+)$/],
];

/** The closing line of scripts/e2e.mjs (and of this command): `N passed, N failed`, perhaps `, N skipped` after it. */
export const CLOSING_LINE = /^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/;
export const CLOSING_LINE_SUMMARY = [
  ['passed', CLOSING_LINE, 1],
  ['failed', CLOSING_LINE, 2],
  ['skipped', CLOSING_LINE, 3],
];

/** Reads `line` into `counts` with [key, regex, group?] patterns; a pattern whose group did not take part is skipped. */
export function countLine(line, patterns, counts) {
  for (const [key, re, group = 1] of patterns) {
    const m = re.exec(line);
    if (m && m[group] !== undefined) counts[key] = Number(m[group]);
  }
  return counts;
}

/**
 * Runs a command, passing its stdout and stderr through, and resolves with its exit code (1 when a signal ended it)
 * and the counts read from its output lines. Every count of `patterns` starts at 0. With `echo: false` the output is
 * only read (a test of this module must not print a second TAP summary into its own).
 */
export function runCounting(cmd, args, { env = process.env, cwd, patterns, echo = true }) {
  return new Promise((resolvePromise) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env, cwd });
    const counts = Object.fromEntries(patterns.map(([key]) => [key, 0]));
    const tails = { stdout: '', stderr: '' };
    const scan = (stream, chunk) => {
      const lines = (tails[stream] + chunk.toString()).split('\n');
      tails[stream] = lines.pop() ?? '';
      for (const line of lines) countLine(line.replace(/\r$/, ''), patterns, counts);
    };
    child.stdout.on('data', (c) => {
      if (echo) process.stdout.write(c);
      scan('stdout', c);
    });
    child.stderr.on('data', (c) => {
      if (echo) process.stderr.write(c);
      scan('stderr', c);
    });
    child.on('error', (e) => {
      process.stderr.write(`${cmd}: ${String(e)}\n`);
    });
    child.on('close', (code, signal) => {
      scan('stdout', '\n');
      scan('stderr', '\n');
      resolvePromise({ code: code ?? 1, signal, counts });
    });
  });
}

/**
 * The totals of one child run. Cancelled tests (a timeout, a parent that ended before its subtests) count as failed;
 * todo tests run but their result is not counted, so they count as skipped. A run that exits non-zero without a
 * failed test (a crash, a file that did not load) counts as one failure so it cannot pass unseen.
 */
export function totalsOf({ code, counts }) {
  const failed = (counts.failed ?? 0) + (counts.cancelled ?? 0);
  return {
    passed: counts.passed ?? 0,
    failed: failed + (code !== 0 && failed === 0 ? 1 : 0),
    skipped: (counts.skipped ?? 0) + (counts.todo ?? 0),
  };
}

/** `N passed, N failed, N skipped`: the line CI reads, alone on its line and last. */
export function closingLine({ passed, failed, skipped }) {
  return `${passed} passed, ${failed} failed, ${skipped} skipped`;
}
