// vault_insert_by_period / _by_rank under dbtvault 0.9.0 with the escape_char vars set. The release itself begins both
// materializations with a target.type check that stops them on PostgreSQL ("… materialisation is currently unavailable
// on Postgres."), up to 0.9.6, so `dvs load` fails such a model as dbt run does. A fork of 0.9.0 may have lifted that
// check; what it would then run is 0.9.0's loop with timestamp_field / rank_column passed through escape_column_names,
// so every use of them is quoted, as the stage's and the hub's upper-cased names are. Shown on PGlite (embedded target).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../server/src/cli/main';
import type { CliIo } from '../../server/src/cli/io';
import { AUTOMATE_DV_VERSIONS, behaviourAt } from '../../server/src/base/automate-dv-versions';
import { periodFilter, rankFilter } from '../../server/src/compile/automate-dv/vault-insert';

function capture(cwd: string): CliIo & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', cwd, env: { HOME: tmpdir() }, isTTY: false, out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}

const RELEASE = 'packages:\n  - package: Datavault-UK/dbtvault\n    version: 0.9.0\n';
const FORK = 'packages:\n  - git: https://github.com/acme-data/dbtvault.git\n    revision: v0.9.0\n';

/**
 * The vault-insert fixture as a dbtvault 0.9.0 project: dbtvault.* calls, upper-case raw column names (0.9.0's stage
 * selects the source columns again upper-cased and quoted after its first CTE; a derived column's expression is used
 * as written, so it quotes "LOADED_AT" itself), and escape_char vars set to `"` unless `escape` is false.
 */
function project090(packages: string, escape = true): string {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-vault-insert-090-'));
  cpSync(join(__dirname, 'fixtures', 'vault-insert'), dir, { recursive: true });
  writeFileSync(join(dir, 'packages.yml'), packages);
  if (escape) writeFileSync(join(dir, 'dbt_project.yml'), `${readFileSync(join(dir, 'dbt_project.yml'), 'utf8')}vars:\n  escape_char_left: '"'\n  escape_char_right: '"'\n`);
  const raw = join(dir, 'models', 'raw', 'raw_events.sql');
  writeFileSync(raw, readFileSync(raw, 'utf8').replace('select customer_id, name, loaded_at::timestamp as loaded_at', 'select customer_id as "CUSTOMER_ID", name as "NAME", loaded_at::timestamp as "LOADED_AT"'));
  for (const folder of ['stg', 'dds']) {
    for (const file of readdirSync(join(dir, 'models', folder))) {
      const path = join(dir, 'models', folder, file);
      writeFileSync(
        path,
        readFileSync(path, 'utf8')
          .replace(/automate_dv\./g, 'dbtvault.')
          .replace("CUSTOMER_HK: 'customer_id'", "CUSTOMER_HK: 'CUSTOMER_ID'")
          .replace("LOAD_DATE: 'loaded_at'", `LOAD_DATE: '"LOADED_AT"'`)
          .replace("src_nk='customer_id'", "src_nk='CUSTOMER_ID'")
          .replace("src_payload=['name']", "src_payload=['NAME']")
          .replace("- 'name'", "- 'NAME'"),
      );
    }
  }
  return dir;
}

interface LoadedModel {
  name: string;
  status: string;
  message?: string;
}

async function load(dir: string, ...models: string[]): Promise<{ code: number; models: LoadedModel[]; output: string }> {
  const io = capture(dir);
  const code = await runCli(['load', '--target', 'embedded', '--format', 'json', '--select', 'raw_events', 'stg_events', ...models], io);
  const parsed = JSON.parse(io.stdout) as { models: LoadedModel[] };
  return { code, models: parsed.models, output: io.stdout + io.stderr };
}

async function query(dir: string, sql: string): Promise<Record<string, string>[]> {
  const q = capture(dir);
  assert.equal(await runCli(['query', '--target', 'embedded', sql], q), 0, q.stderr);
  return JSON.parse(q.stdout) as Record<string, string>[];
}

test('vaultInsertOnPostgres: 0.9.0-0.9.6 stop the period/rank materializations on PostgreSQL; 0.9.7 runs them', () => {
  const row = AUTOMATE_DV_VERSIONS.vaultInsertOnPostgres;
  assert.equal(behaviourAt(row, '0.8.3'), 'runs');
  assert.equal(behaviourAt(row, '0.9.0'), 'unavailable');
  assert.equal(behaviourAt(row, '0.9.6'), 'unavailable');
  assert.equal(behaviourAt(row, '0.9.7'), 'runs');
  assert.equal(behaviourAt(row, '0.11.5'), 'runs');
});

test('dbtvault 0.9.0 with escape vars: by period and by rank fail on PostgreSQL with the release\'s own message; the stage loads', async () => {
  const dir = project090(RELEASE);
  const run = await load(dir, 'hub_by_period', 'sat_by_rank');
  assert.notEqual(run.code, 0);
  const status = (name: string) => run.models.find((m) => m.name === name);
  assert.equal(status('stg_events')?.status, 'success', run.output);
  const expected: [string, string][] = [['hub_by_period', 'vault_insert_by_period'], ['sat_by_rank', 'vault_insert_by_rank']];
  for (const [name, materialized] of expected) {
    assert.notEqual(status(name)?.status, 'success', run.output);
    assert.match(status(name)?.message ?? '', new RegExp(`The ${materialized} materialisation is currently unavailable on Postgres`));
  }
  // Nothing was built for them, as dbt builds nothing.
  const tables = await query(dir, "select table_name from information_schema.tables where table_schema = 'dds' order by 1");
  assert.deepEqual(tables, []);
});

test('a fork of dbtvault 0.9.0 with escape vars loads by period with "LOAD_DATE" quoted in the boundaries and the filter', async () => {
  const dir = project090(FORK);
  // The first run builds period 0 (2024-01-02); the second resumes from MAX("LOAD_DATE") of the hub to stop_date.
  const first = await load(dir, 'hub_by_period');
  assert.equal(first.code, 0, first.output);
  const second = await load(dir, 'hub_by_period');
  assert.equal(second.code, 0, second.output);
  const hub = second.models.find((m) => m.name === 'hub_by_period');
  assert.equal(hub?.status, 'success', second.output);
  // 0.9.0 quotes every column parameter of the hub, so its columns keep their upper case.
  const columns = await query(dir, "select column_name from information_schema.columns where table_schema = 'dds' and table_name = 'hub_by_period' order by ordinal_position");
  assert.deepEqual(columns.map((c) => c.column_name), ['CUSTOMER_HK', 'CUSTOMER_ID', 'LOAD_DATE', 'RECORD_SOURCE']);
  // The boundaries query read MAX("LOAD_DATE") of the hub: the second run resumes at customer 2's 09:00.
  assert.match(hub?.message ?? '', /3 day period\(s\) from 2024-01-02 09:00:00 to 2024-01-04 23:59:59\.999; rows per day: 0, 1, 0/);
  // Customer 1 was first seen before start_date and customer 4 after stop_date, so neither is in any period.
  const rows = await query(dir, 'select "CUSTOMER_ID"::text as id, "LOAD_DATE"::text as ldts from dds.hub_by_period order by 1');
  assert.deepEqual(rows.map((r) => `${r.id} ${r.ldts}`), ['2 2024-01-02 09:00:00', '3 2024-01-03 11:00:00']);
});

test('a fork of dbtvault 0.9.0 with escape vars loads by rank with "DV_RANK" quoted in the highest-rank query and the filter', async () => {
  const dir = project090(FORK);
  const first = await load(dir, 'sat_by_rank');
  assert.equal(first.code, 0, first.output);
  const second = await load(dir, 'sat_by_rank');
  assert.equal(second.code, 0, second.output);
  assert.match(second.models.find((m) => m.name === 'sat_by_rank')?.message ?? '', /of "DV_RANK"/);
  const rows = await query(dir, 'select count(*)::text as n from dds.sat_by_rank');
  assert.ok(Number(rows[0]?.n) > 0);
});

test('a fork of dbtvault 0.9.0 without the escape vars keeps timestamp_field bare (0.9.0 escapes with empty characters)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-vault-insert-090-bare-'));
  cpSync(join(__dirname, 'fixtures', 'vault-insert'), dir, { recursive: true });
  writeFileSync(join(dir, 'packages.yml'), FORK);
  for (const folder of ['stg', 'dds']) {
    for (const file of readdirSync(join(dir, 'models', folder))) {
      const path = join(dir, 'models', folder, file);
      writeFileSync(path, readFileSync(path, 'utf8').replace(/automate_dv\./g, 'dbtvault.'));
    }
  }
  assert.equal((await load(dir, 'hub_by_period')).code, 0);
  const second = await load(dir, 'hub_by_period');
  assert.equal(second.code, 0, second.output);
  // LOAD_DATE unquoted folds to the hub's lower-case load_date, as in every later release.
  assert.match(second.models.find((m) => m.name === 'hub_by_period')?.message ?? '', /3 day period\(s\) from 2024-01-02 09:00:00/);
  const rows = await query(dir, 'select customer_id::text as id from dds.hub_by_period order by 1');
  assert.deepEqual(rows.map((r) => r.id), ['2', '3']);
});

test('the filters of an escaped timestamp_field / rank_column: the quoted name where 0.9.0 prints {{ timestamp_field }}', () => {
  // What 0.9.0's postgres__replace_placeholder_with_period_filter and default__replace_placeholder_with_rank_filter
  // put in place of the placeholders (whitespace aside) once escape_column_names has quoted the name.
  assert.equal(
    periodFilter({ timestampField: '"LOAD_DATE"', startTimestamp: '2024-01-02 09:00:00', offset: 1, period: 'day', form: 'date' }).replace(/\s+/g, ' '),
    `"LOAD_DATE"::DATE >= DATE_TRUNC('day', TO_DATE('2024-01-02 09:00:00', 'YYYY-MM-DD') + INTERVAL '1 day') ` +
      `AND "LOAD_DATE"::DATE < DATE_TRUNC('day', TO_DATE('2024-01-02 09:00:00', 'YYYY-MM-DD') + INTERVAL '1 day' + INTERVAL '1 day') ` +
      `AND "LOAD_DATE"::DATE >= TO_DATE('2024-01-02 09:00:00', 'YYYY-MM-DD')`,
  );
  assert.equal(rankFilter('"DV_RANK"', 2), '"DV_RANK"::INTEGER = 2::INTEGER');
});
