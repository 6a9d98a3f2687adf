import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../server/src/cli/main';
import type { CliIo } from '../../server/src/cli/io';

function capture(cwd: string): CliIo & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', cwd, env: { HOME: tmpdir() }, isTTY: false, out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}

test('dvs load: JSON summary, a failing model stops its dependants (exit 1), run_results.json, then a fixed re-run completes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-load-cli-'));
  cpSync(join(__dirname, 'fixtures', 'mini'), dir, { recursive: true });
  // Raw data for the stage, through dvs query (several statements; the last one's rows are printed).
  const seed = capture(dir);
  assert.equal(
    await runCli(['query', '--target', 'embedded', `create schema raw; create table raw.users (id bigint, email varchar, name varchar, updated_at timestamptz, _airbyte_extracted_at timestamptz);
      insert into raw.users values (1001, 'a@x', 'Ann', now(), '2024-06-23 12:00:00+00'), (1002, 'b@x', 'Bob', now(), '2024-06-23 12:00:00+00');
      select count(*) as n from raw.users`], seed),
    0,
    seed.stderr,
  );
  assert.deepEqual(JSON.parse(seed.stdout), [{ n: '2' }]);

  // Break the stage: the hub and the satellite depend on it and are skipped.
  const stage = join(dir, 'models', 'stg', 'stg_users.sql');
  const good = readFileSync(stage, 'utf8');
  writeFileSync(stage, good.replace("USER_ID: 'id'", "USER_ID: 'no_such_column'"));
  const bad = capture(dir);
  assert.equal(await runCli(['load', '--target', 'embedded', '--format', 'json'], bad), 1);
  const failed = JSON.parse(bad.stdout) as { target: string; models: { name: string; status: string; message?: string }[] };
  assert.equal(failed.target, 'embedded');
  const status = Object.fromEntries(failed.models.map((m) => [m.name, m.status]));
  assert.deepEqual(status, { stg_users: 'error', hub_users: 'skipped', sat_users: 'skipped' });
  assert.match(failed.models.find((m) => m.name === 'stg_users')?.message ?? '', /no_such_column/);
  const results = JSON.parse(readFileSync(join(dir, 'target', 'run_results.json'), 'utf8')) as { results: { name: string; status: string }[] };
  assert.equal(results.results.length, 3);

  writeFileSync(stage, good);
  const fixed = capture(dir);
  assert.equal(await runCli(['load', '--target', 'embedded', '--format', 'json'], fixed), 0, fixed.stderr);
  const ok = JSON.parse(fixed.stdout) as { models: { name: string; status: string; rows: number | null }[] };
  assert.deepEqual(ok.models.map((m) => [m.name, m.status]), [['stg_users', 'success'], ['hub_users', 'success'], ['sat_users', 'success']]);
  assert.equal(ok.models.find((m) => m.name === 'hub_users')?.rows, 2);
  assert.match(fixed.stderr, /START hub_users/);

  // The hub's keys are the spec's hashes; a second run inserts nothing.
  const q = capture(dir);
  await runCli(['query', '--target', 'embedded', 'select user_id, user_hk from dds.hub_users order by user_id'], q);
  assert.deepEqual(JSON.parse(q.stdout), [
    { user_id: '1001', user_hk: '\\xb8c37e33defde51cf91e1e03e51657da' },
    { user_id: '1002', user_hk: '\\x' + require('node:crypto').createHash('md5').update('1002').digest('hex') },
  ]);
  const again = capture(dir);
  assert.equal(await runCli(['load', '--target', 'embedded', '--format', 'json', '--select', 'hub_users', 'sat_users'], again), 0);
  const rerun = (JSON.parse(again.stdout) as { models: { name: string; rows: number | null }[] }).models;
  assert.deepEqual(rerun.map((m) => [m.name, m.rows]), [['stg_users', null], ['hub_users', 0], ['sat_users', 0]]);
  assert.match(again.stderr, /also rebuilding the view\(s\) stg_users/);
  assert.ok(existsSync(join(dir, '.gitignore')) && readFileSync(join(dir, '.gitignore'), 'utf8').includes('.dvs'));
});
