// `dvs check` in parts on worker threads (cli/check-parallel.ts) gives exactly the output of a check on one thread:
// the same findings, in the same order, byte for byte, on fixture projects with many kinds of findings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../server/src/cli/main';
import { analyseInParallel, analyseSlice, checkParts, mergeSlices, PARALLEL_MIN_MODELS, startCheckWorkers } from '../../server/src/cli/check-parallel';
import { openSession } from '../../server/src/cli/session';
import { writeLargeProject } from '../../bench/large-project';
import { captureIo, type CapturedIo } from '../support/cli-io';

function capture(cwd: string, env: Record<string, string> = {}): CapturedIo {
  return captureIo(cwd, env);
}

/** Fixture projects (each folder holding a dbt_project.yml), copied so the analysis cache lands in a temp folder. */
function fixtureProjects(): string[] {
  const root = join(__dirname, '..', 'fixtures', 'projects');
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (existsSync(join(dir, 'dbt_project.yml'))) out.push(dir);
    if (depth > 2) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory() && !['dbt_packages', 'target', '.dvs'].includes(e.name)) walk(join(dir, e.name), depth + 1);
  };
  walk(root, 0);
  return out;
}

async function check(dir: string, workers: string, format: 'json' | 'text'): Promise<{ code: number; stdout: string; stderr: string }> {
  const copy = mkdtempSync(join(tmpdir(), 'dvs-par-'));
  try {
    cpSync(dir, copy, { recursive: true });
    const io = capture(copy, { DVS_CHECK_WORKERS: workers });
    const code = await runCli(['check', '--format', format, '--project', copy], io);
    // The temp folder's name is in messages that quote a path: compare without it.
    const strip = (t: string) => t.split(copy).join('<project>');
    return { code, stdout: strip(io.stdout), stderr: strip(io.stderr) };
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

test('a check in worker threads prints exactly what a check on one thread prints, on every fixture project', async () => {
  const projects = fixtureProjects();
  assert.ok(projects.length >= 8, `found ${projects.length} fixture projects`);
  let findings = 0;
  for (const dir of projects) {
    for (const format of ['json', 'text'] as const) {
      const one = await check(dir, '1', format);
      const three = await check(dir, '3', format);
      assert.deepEqual(three, one, `${dir} (${format})`);
      if (format === 'json') findings += (JSON.parse(one.stdout) as { diagnostics: unknown[] }).diagnostics.length;
    }
  }
  // The comparison means something only if the projects have findings to order.
  assert.ok(findings > 20, `only ${findings} findings across the fixtures`);
});

test('a project that does not open fails the same way with parts as on one thread', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-par-bad-'));
  try {
    writeLargeProject(dir, { tables: 2, columnsPerTable: 10, models: 6 });
    const run = async (workers: string) => {
      const io = capture(dir, { DVS_CHECK_WORKERS: workers });
      const code = await runCli(['check', '--project', dir, '--automate-dv-version', 'not-a-version'], io);
      return { code, stdout: io.stdout, stderr: io.stderr };
    };
    const one = await run('1');
    assert.equal(one.code, 2);
    assert.deepEqual(await run('2'), one);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the models are really checked by worker threads, and merge to the one-thread analysis', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-par-large-'));
  try {
    writeLargeProject(dir, { tables: 8, columnsPerTable: 12, models: 40 });
    const args = { command: 'check', flags: new Map([['project', [dir]]]), positionals: [] };
    const single = mergeSlices([analyseSlice(openSession(args, capture(dir), 'read'), undefined)]);
    assert.ok(single.entries.length > 0, 'the generated project has findings');

    // Every model through a worker: the two workers took all 40 between them, the main thread none.
    const parts: string[] = [];
    let byWorkers = 0;
    const parallel = await analyseInParallel(args, capture(dir), 3, {
      workersOnly: true,
      onPart: (thread, by, models) => {
        parts.push(`${thread} ${by}`);
        if (by === 'worker') byWorkers += models;
        else assert.equal(models, 0, `thread ${thread} on the main thread`);
      },
    });
    assert.deepEqual(parts, ['0 main', '1 worker', '2 worker']);
    assert.equal(byWorkers, 40);
    assert.equal(parallel.models, 40);
    assert.deepEqual(parallel, single);

    // The main thread and the workers taking models from one counter, as dvs check runs them.
    assert.deepEqual(await analyseInParallel(args, capture(dir), 3), single);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('models taken by workers that fail are checked on the main thread: the same analysis', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-par-fail-'));
  try {
    writeLargeProject(dir, { tables: 4, columnsPerTable: 10, models: 12 });
    const args = { command: 'check', flags: new Map([['project', [dir]]]), positionals: [] };
    const single = mergeSlices([analyseSlice(openSession(args, capture(dir), 'read'), undefined)]);
    // Workers given a project that does not exist fail before they take a model.
    const failing = startCheckWorkers({ ...args, flags: new Map([['project', [join(dir, 'missing')]]]) }, capture(dir), 3);
    const parts: string[] = [];
    const parallel = await analyseInParallel(args, capture(dir), 3, { workers: failing, workersOnly: true, onPart: (thread, by, models) => parts.push(`${thread} ${by} ${models}`) });
    assert.deepEqual(parts, ['0 main 0', '3 main 12']);
    assert.deepEqual(parallel, single);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with threads, a cold, a warm and a stale-cache check print what one thread prints', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-par-cache-'));
  try {
    writeLargeProject(dir, { tables: 6, columnsPerTable: 10, models: 24 });
    const run = async (workers: string) => {
      const io = capture(dir, { DVS_CHECK_WORKERS: workers });
      const code = await runCli(['check', '--format', 'json', '--project', dir], io);
      return { code, stdout: io.stdout, stderr: io.stderr };
    };
    const cache = join(dir, '.dvs', 'analysis');
    const one = await run('1');
    rmSync(cache, { recursive: true, force: true });
    // No analysis stored: the workers start before the key is read.
    assert.deepEqual(await run('2'), one, 'cold');
    assert.deepEqual(await run('2'), one, 'warm: read from the stored analysis');
    // A stored analysis that a changed file makes stale: the workers start once the key says so.
    const model = join(dir, 'models', 'mart', readdirSync(join(dir, 'models', 'mart'))[0] as string);
    writeFileSync(model, `${readFileSync(model, 'utf8')}\n-- changed\n`);
    const stale = await run('2');
    rmSync(cache, { recursive: true, force: true });
    assert.deepEqual(stale, await run('1'), 'stale');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a small project, a busy machine or one of two cores stays on one thread unless DVS_CHECK_WORKERS asks for more', () => {
  assert.equal(checkParts(10, {}), 1);
  assert.equal(checkParts(10, { DVS_CHECK_WORKERS: '2' }), 2);
  assert.equal(checkParts(PARALLEL_MIN_MODELS * 10, { DVS_CHECK_WORKERS: '1' }), 1);
  // A large project takes a thread per two cores no other thread is running on now, at most 4.
  assert.equal(checkParts(PARALLEL_MIN_MODELS * 10, {}, { cores: 2, busy: 0 }), 1);
  assert.equal(checkParts(PARALLEL_MIN_MODELS * 10, {}, { cores: 4, busy: 0 }), 2);
  assert.equal(checkParts(PARALLEL_MIN_MODELS * 10, {}, { cores: 4, busy: 1 }), 1);
  assert.equal(checkParts(PARALLEL_MIN_MODELS * 10, {}, { cores: 4, busy: 6 }), 1);
  assert.equal(checkParts(PARALLEL_MIN_MODELS * 10, {}, { cores: 8, busy: 0 }), 4);
  assert.equal(checkParts(PARALLEL_MIN_MODELS * 10, {}, { cores: 8, busy: 3 }), 2);
  assert.equal(checkParts(PARALLEL_MIN_MODELS - 1, {}, { cores: 8, busy: 0 }), 1);
  // A thread per PARALLEL_MIN_MODELS / 2 model files at most: each opens the whole project.
  assert.equal(checkParts(PARALLEL_MIN_MODELS + 10, {}, { cores: 8, busy: 0 }), 2);
});
