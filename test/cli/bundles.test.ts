// The `dvs` entry dist/cli.js loads each command from a sibling bundle (scripts/build.mjs). These tests run the built
// bundles (run `npm run build` first): a command loads only its own bundle, and the errors a command throws keep their
// meaning across the bundle boundary (the entry tells them apart with instanceof).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { runCli } from '../../server/src/cli/main';
import { captureIo, type CapturedIo } from '../support/cli-io';

const DIST = join(__dirname, '..', '..', 'dist');
const CLI = join(DIST, 'cli.js');

function miniProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-bundles-'));
  cpSync(join(__dirname, 'fixtures', 'mini'), dir, { recursive: true });
  return dir;
}

/** Runs dist/cli.js and records the dist/ files the process required. */
function runBundle(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string; loaded: string[] } {
  assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build first`);
  const dir = mkdtempSync(join(tmpdir(), 'dvs-bundles-hook-'));
  const hook = join(dir, 'hook.js');
  const record = join(dir, 'loaded.json');
  writeFileSync(hook, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(record)}, JSON.stringify(Object.keys(require.cache))));\n`);
  const r = spawnSync(process.execPath, ['--require', hook, CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, HOME: dir } });
  const loaded = (JSON.parse(readFileSync(record, 'utf8')) as string[]).filter((f) => f.startsWith(DIST)).map((f) => basename(f));
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, loaded: loaded.sort() };
}

function capture(cwd: string): CapturedIo {
  return captureIo(cwd);
}

test('dvs check loads only the entry, the shared base and its own bundle (no sql-formatter, PGlite or other commands)', () => {
  const dir = miniProject();
  const r = runBundle(['check', '--format', 'json'], dir);
  assert.equal(r.status, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { models: number }).models, 3);
  assert.deepEqual(r.loaded, ['cli-base.js', 'cli-check.js', 'cli.js']);
});

test('dvs --help loads the entry and the shared base alone', () => {
  const r = runBundle(['--help'], tmpdir());
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^dvs — Data Vault Studio/);
  assert.deepEqual(r.loaded, ['cli-base.js', 'cli.js']);
});

test('dvs compile loads sql-formatter only with --pretty, and prints what the sources print', async () => {
  const dir = miniProject();
  for (const pretty of [false, true]) {
    const args = ['compile', '--stdout', '--select', 'sat_users', ...(pretty ? ['--pretty'] : [])];
    const r = runBundle(args, dir);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.loaded, ['cli-base.js', 'cli-compile.js', 'cli.js', ...(pretty ? ['sql-formatter.js'] : [])]);
    const io = capture(dir);
    assert.equal(await runCli(args, io), 0, io.stderr);
    assert.equal(r.stdout, io.stdout);
  }
});

test('a failure or usage error thrown inside a command bundle exits as the sources do, never as an internal error', async () => {
  const dir = miniProject();
  for (const args of [['check', '--project', join(dir, 'no-such-dir')], ['check', '--format', 'xml'], ['query'], ['compile', '--stdout']]) {
    const r = runBundle(args, dir);
    const io = capture(dir);
    const code = await runCli(args, io);
    assert.doesNotMatch(r.stderr, /internal error/, args.join(' '));
    assert.equal(r.status, code, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.split('\n').filter((l) => !/profiles\.yml|using target/.test(l)).join('\n'), io.stderr.split('\n').filter((l) => !/profiles\.yml|using target/.test(l)).join('\n'));
  }
});
