// `dvs check` keeps its analysis in <project>/.dvs/analysis/ keyed by every input: a second run over unchanged files
// reads it, a changed file or a changed catalog makes it stale (ignored and rewritten), and a corrupt cache changes
// no result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../server/src/cli/main';
import { captureIo, type CapturedIo } from '../support/cli-io';

function capture(cwd: string): CapturedIo {
  return captureIo(cwd);
}

function miniProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-cache-'));
  cpSync(join(__dirname, 'fixtures', 'mini'), dir, { recursive: true });
  // A finding to carry through the cache: a hub with a missing required parameter.
  writeFileSync(join(dir, 'models', 'dds', 'hub_users.sql'), '{{ automate_dv.hub(src_pk="USER_HK", src_nk="USER_ID", src_ldts=none, src_source="RECORD_SOURCE", source_model="stg_users") }}\n');
  return dir;
}

async function check(dir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = capture(dir);
  const code = await runCli(['check', '--format', 'json'], io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

const cacheFile = (dir: string) => join(dir, '.dvs', 'analysis', 'check.json');

test('a second check over unchanged files reads the stored analysis; a changed file makes it stale', async () => {
  const dir = miniProject();
  try {
    const cold = await check(dir);
    assert.equal(cold.code, 1);
    assert.ok(existsSync(cacheFile(dir)), 'the analysis is stored');
    const warm = await check(dir);
    assert.deepEqual(warm, cold, 'same output, exit code and stderr lines');

    // The stored analysis is what a warm run prints: a message changed inside it (its key kept) shows up.
    const stored = JSON.parse(readFileSync(cacheFile(dir), 'utf8')) as { value: { entries: { message: string }[] } };
    assert.ok(stored.value.entries[0]);
    stored.value.entries[0].message = 'read from the cache';
    writeFileSync(cacheFile(dir), JSON.stringify(stored));
    assert.match((await check(dir)).stdout, /read from the cache/);

    // Any changed input (a model, the catalog) makes the stored analysis stale: it is analysed again.
    writeFileSync(join(dir, 'models', 'dds', 'hub_users.sql'), `${readFileSync(join(dir, 'models', 'dds', 'hub_users.sql'), 'utf8')}\n`);
    const afterEdit = await check(dir);
    assert.doesNotMatch(afterEdit.stdout, /read from the cache/);
    assert.deepEqual(JSON.parse(afterEdit.stdout), JSON.parse(cold.stdout));
    mkdirSync(join(dir, '.dvs'), { recursive: true });
    writeFileSync(join(dir, '.dvs', 'schema-cache.json'), '{}');
    const stored2 = JSON.parse(readFileSync(cacheFile(dir), 'utf8')) as { value: { entries: { message: string }[] } };
    stored2.value.entries[0]!.message = 'stale';
    writeFileSync(cacheFile(dir), JSON.stringify(stored2));
    assert.doesNotMatch((await check(dir)).stdout, /stale/, 'a changed catalog makes the analysis stale');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a corrupt or foreign cache changes no result and is rewritten', async () => {
  const dir = miniProject();
  try {
    const fresh = await check(dir);
    const damaged = [
      '',
      '{"format": 1, "key": "',
      'null',
      JSON.stringify({ format: 1, key: 'another key', value: { models: 99, entries: [], notes: [] } }),
      JSON.stringify({ format: 1, key: (JSON.parse(readFileSync(cacheFile(dir), 'utf8')) as { key: string }).key, value: { models: 'three', entries: 'none' } }),
      JSON.stringify({ format: 999, key: 'x', value: {} }),
    ];
    for (const content of damaged) {
      writeFileSync(cacheFile(dir), content);
      assert.deepEqual(await check(dir), fresh, `cache content ${content.slice(0, 40)}`);
      const rewritten = JSON.parse(readFileSync(cacheFile(dir), 'utf8')) as { value: { models: number } };
      assert.equal(rewritten.value.models, 3, 'the cache was rewritten from a fresh analysis');
    }
    rmSync(join(dir, '.dvs', 'analysis'), { recursive: true });
    assert.deepEqual(await check(dir), fresh);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
