// dist/cli.js loads the check and compile bundles with V8's code cache (server/src/cli/code-cache.ts). These tests run
// the built bundles (run `npm run build` first): the first run writes the cache, later runs read it and print the
// same, and a damaged cache is rejected, changes nothing and is written again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');

function miniProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-code-cache-'));
  cpSync(join(__dirname, 'fixtures', 'mini'), dir, { recursive: true });
  return dir;
}

function run(args: string[], cwd: string, cacheHome: string, extraEnv: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build first`);
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: cacheHome, ...extraEnv } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function cacheFiles(cacheHome: string): string[] {
  const dir = join(cacheHome, 'dvs', 'v8');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

test('dvs check writes the check bundle code cache once and prints the same with it', () => {
  const dir = miniProject();
  const cacheHome = mkdtempSync(join(tmpdir(), 'dvs-xdg-'));
  const first = run(['check', '--format', 'json'], dir, cacheHome);
  assert.equal(first.status, 0, first.stderr);
  const files = cacheFiles(cacheHome);
  assert.equal(files.length, 1, `one cache file: ${files.join(', ')}`);
  assert.match(files[0] as string, /^cli-check\.js-[0-9a-f]{32}\.bin$/);
  const file = join(cacheHome, 'dvs', 'v8', files[0] as string);
  const written = statSync(file).mtimeMs;
  // A fresh copy of the project: its analysis cache would answer without running the check's code.
  const again = run(['check', '--format', 'json'], miniProject(), cacheHome);
  assert.equal(again.status, 0, again.stderr);
  assert.equal(again.stdout, first.stdout);
  assert.equal(statSync(file).mtimeMs, written, 'an accepted cache is not written again');
});

test('a damaged code cache is never used, changes nothing and is written again', () => {
  const dir = miniProject();
  const cacheHome = mkdtempSync(join(tmpdir(), 'dvs-xdg-'));
  const clean = run(['check', '--format', 'json'], dir, cacheHome, { DVS_CODE_CACHE: 'off' });
  assert.equal(clean.status, 0, clean.stderr);
  assert.deepEqual(cacheFiles(cacheHome), [], 'DVS_CODE_CACHE=off writes no cache');
  run(['check', '--format', 'json'], miniProject(), cacheHome);
  const [name] = cacheFiles(cacheHome);
  assert.ok(name);
  const file = join(cacheHome, 'dvs', 'v8', name);
  const good = readFileSync(file);
  // Damaged in the payload only (V8 itself checks no more than the header), cut short, and empty.
  const payload = Buffer.from(good);
  for (let i = good.length >> 1; i < good.length; i += 7) payload[i] = (payload[i] as number) ^ 0x5a;
  for (const damaged of [payload, good.subarray(0, good.length >> 1), Buffer.alloc(0)]) {
    writeFileSync(file, damaged);
    const r = run(['check', '--format', 'json'], miniProject(), cacheHome);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, clean.stdout);
    assert.ok(!readFileSync(file).equals(damaged), 'the damaged cache was replaced');
  }
});

test('dvs compile uses the compile bundle cache and prints the same SQL with it', () => {
  const dir = miniProject();
  const cacheHome = mkdtempSync(join(tmpdir(), 'dvs-xdg-'));
  const args = ['compile', '--stdout', '--select', 'sat_users', '--run-started-at', '2024-01-01T00:00:00Z'];
  const first = run(args, dir, cacheHome);
  assert.equal(first.status, 0, first.stderr);
  assert.deepEqual(cacheFiles(cacheHome).map((f) => f.replace(/-[0-9a-f]{32}\.bin$/, '')), ['cli-compile.js']);
  const second = run(args, dir, cacheHome);
  assert.equal(second.stdout, first.stdout);
});

test("writing a build's cache keeps the two newest caches of other builds of the bundle and removes older ones", () => {
  const cacheHome = mkdtempSync(join(tmpdir(), 'dvs-xdg-'));
  const dir = join(cacheHome, 'dvs', 'v8');
  mkdirSync(dir, { recursive: true });
  const build = (digit: string) => join(dir, `cli-check.js-${digit.repeat(32)}.bin`);
  const other = join(dir, `cli-compile.js-${'0'.repeat(32)}.bin`);
  ['1', '2', '3', '4'].forEach((digit, age) => {
    writeFileSync(build(digit), 'old');
    const when = new Date(Date.now() - (age + 1) * 60_000);
    utimesSync(build(digit), when, when);
  });
  writeFileSync(other, 'old');
  const r = run(['check', '--format', 'json'], miniProject(), cacheHome);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(existsSync(build('1')) && existsSync(build('2')), 'the two newest other builds stay');
  assert.ok(!existsSync(build('3')) && !existsSync(build('4')), 'older builds are gone');
  assert.ok(existsSync(other), 'another bundle keeps its cache');
  assert.equal(cacheFiles(cacheHome).filter((f) => f.startsWith('cli-check.js-')).length, 3);
});
