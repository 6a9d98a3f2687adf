// dvs load's vault_insert_by_period compares periods as the pinned AutomateDV does (the periodFilterForm row of
// server/src/base/automate-dv-versions.ts): dates up to 0.9.6, timestamps from 0.9.7. A start_date with a time of day
// shows it: a fork of 0.9.6 loads that whole first day, 0.9.7 only from that time on. The 0.9.6 release itself stops
// the materialization on PostgreSQL before any filter (the vaultInsertOnPostgres row), so its load fails as dbt's does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../server/src/cli/main';
import type { CliIo } from '../../server/src/cli/io';

function capture(cwd: string): CliIo & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', cwd, env: { HOME: tmpdir() }, isTTY: false, out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}

/** The vault-insert fixture pinned to `version` (of a fork's git repository when `fork`), its hub starting at 09:30 on 2024-01-02. */
function pinnedFixture(version: string, fork = false): string {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-vault-insert-version-'));
  cpSync(join(__dirname, 'fixtures', 'vault-insert'), dir, { recursive: true });
  const pin = fork
    ? `  - git: https://github.com/acme-data/automate-dv.git\n    revision: v${version}\n`
    : `  - package: Datavault-UK/automate_dv\n    version: ${version}\n`;
  writeFileSync(join(dir, 'packages.yml'), `packages:\n${pin}`);
  const hub = join(dir, 'models', 'dds', 'hub_by_period.sql');
  writeFileSync(hub, readFileSync(hub, 'utf8').replace("start_date='2024-01-02'", "start_date='2024-01-02 09:30'"));
  return dir;
}

async function hubRows(version: string, fork = false): Promise<string[]> {
  const dir = pinnedFixture(version, fork);
  const io = capture(dir);
  assert.equal(await runCli(['load', '--target', 'embedded', '--select', 'raw_events', 'stg_events', 'hub_by_period'], io), 0, io.stdout + io.stderr);
  const q = capture(dir);
  assert.equal(await runCli(['query', '--target', 'embedded', 'select customer_id::text, load_date::text from dds.hub_by_period order by load_date'], q), 0, q.stderr);
  return (JSON.parse(q.stdout) as Record<string, string>[]).map((r) => Object.values(r).join(' '));
}

test('vault_insert_by_period of a fork pinned to 0.9.6 loads the whole start day; pinned to 0.9.7 only from the start time', async () => {
  assert.deepEqual(await hubRows('0.9.6', true), ['2 2024-01-02 09:00:00'], 'customer 2 (09:00) is on the start day');
  assert.deepEqual(await hubRows('0.9.7'), [], 'customer 2 (09:00) is before the start time');
});

test('vault_insert_by_period pinned to the 0.9.6 release fails on PostgreSQL with its own message, as dbt run does', async () => {
  const dir = pinnedFixture('0.9.6');
  const io = capture(dir);
  assert.notEqual(await runCli(['load', '--target', 'embedded', '--format', 'json', '--select', 'raw_events', 'stg_events', 'hub_by_period'], io), 0);
  const hub = (JSON.parse(io.stdout) as { models: { name: string; status: string; message?: string }[] }).models.find((m) => m.name === 'hub_by_period');
  assert.equal(hub?.status, 'error');
  assert.match(hub?.message ?? '', /The vault_insert_by_period materialisation is currently unavailable on Postgres/);
});

/** The fixture pinned to `version`, with the hub's period settings under yml meta: instead of config(). */
function metaFixture(version: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-vault-insert-meta-'));
  cpSync(join(__dirname, 'fixtures', 'vault-insert'), dir, { recursive: true });
  writeFileSync(join(dir, 'packages.yml'), `packages:\n  - package: Datavault-UK/automate_dv\n    version: ${version}\n`);
  const hub = join(dir, 'models', 'dds', 'hub_by_period.sql');
  writeFileSync(hub, readFileSync(hub, 'utf8').replace(/\{\{ config\([^)]*\) \}\}/s, "{{ config(materialized='vault_insert_by_period') }}"));
  writeFileSync(
    join(dir, 'models', 'dds', 'schema.yml'),
    "version: 2\nmodels:\n  - name: hub_by_period\n    meta:\n      timestamp_field: LOAD_DATE\n      period: day\n      start_date: '2024-01-02'\n      stop_date: '2024-01-04'\n",
  );
  return dir;
}

test('vault_insert_by_period settings under meta: are read from 0.11.3 on; 0.11.2 fails without timestamp_field as AutomateDV does', async () => {
  const run = async (version: string) => {
    const dir = metaFixture(version);
    const io = capture(dir);
    const code = await runCli(['load', '--target', 'embedded', '--format', 'json', '--select', 'raw_events', 'stg_events', 'hub_by_period'], io);
    const models = (JSON.parse(io.stdout) as { models: { name: string; status: string; message?: string }[] }).models;
    return { code, hub: models.find((m) => m.name === 'hub_by_period') };
  };
  const old = await run('0.11.2');
  assert.notEqual(old.code, 0);
  assert.match(old.hub?.message ?? '', /timestamp_field/);
  const now = await run('0.11.5');
  assert.equal(now.code, 0);
  assert.equal(now.hub?.status, 'success');
});
