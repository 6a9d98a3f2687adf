// dbt_utils without `dbt deps`: date_spine, generate_surrogate_key, star and generate_series are emulated with
// dbt_utils 1.x's dbt-postgres semantics, so a load gives the rows dbt would. The fixture has no dbt_packages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../server/src/cli/main';
import type { CliIo } from '../../server/src/cli/io';
import { ProjectSession } from '../../server/src/engine/session';

function capture(cwd: string): CliIo & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', cwd, env: { HOME: tmpdir() }, isTTY: false, out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}

function fixtureCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-dbt-utils-'));
  cpSync(join(__dirname, 'fixtures', 'dbt-utils'), dir, { recursive: true });
  return dir;
}

async function query(dir: string, sql: string): Promise<Record<string, string | null>[]> {
  const io = capture(dir);
  assert.equal(await runCli(['query', '--target', 'embedded', sql], io), 0, io.stderr);
  return JSON.parse(io.stdout) as Record<string, string | null>[];
}

async function load(dir: string, select?: string[]): Promise<{ name: string; status: string; message?: string }[]> {
  const io = capture(dir);
  const args = ['load', '--target', 'embedded', '--format', 'json', ...(select ? ['--select', ...select] : [])];
  const rc = await runCli(args, io);
  const summary = JSON.parse(io.stdout) as { models: { name: string; status: string; message?: string }[] };
  assert.equal(rc, 0, io.stdout + io.stderr);
  return summary.models;
}

/** A spine model over [start, end) by datepart, written into the fixture copy. */
function spineModel(dir: string, name: string, datepart: string, start: string, end: string): void {
  writeFileSync(join(dir, 'models', `${name}.sql`), `{{ dbt_utils.date_spine('${datepart}', "'${start}'::date", "'${end}'::date") }}\n`);
}

test('dbt_utils not installed: date_spine, generate_surrogate_key and star load the rows dbt_utils gives', async () => {
  const dir = fixtureCopy();
  const models = await load(dir);
  assert.deepEqual(
    Object.fromEntries(models.map((m) => [m.name, m.status])),
    { customers: 'success', as_of_date: 'success', as_of_month: 'success', customer_keys: 'success', customers_slim: 'success' },
  );

  // Days from 2024-01-01 up to, not including, 2024-03-01; a date plus an interval is a timestamp in dbt-postgres.
  const days = await query(dir, "select count(*) as n, count(distinct date_day) as d, min(date_day)::text as first, max(date_day)::text as last, pg_typeof(min(date_day))::text as type from dds.as_of_date");
  assert.deepEqual(days, [{ n: '60', d: '60', first: '2024-01-01 00:00:00', last: '2024-02-29 00:00:00', type: 'timestamp without time zone' }]);

  // Months: datediff counts 4 month boundaries from 2023-11-15 to 2024-03-01.
  const months = await query(dir, 'select as_of_date::date::text as d from dds.as_of_month order by 1');
  assert.deepEqual(months.map((r) => r.d), ['2023-11-15', '2023-12-15', '2024-01-15', '2024-02-15']);

  // The key is md5 of the fields' text, NULL as '_dbt_utils_surrogate_key_null_', joined with '-'.
  const keys = await query(
    dir,
    `select k.customer_id::text as id, k.customer_key as key,
            md5(coalesce(c.customer_id::text, '_dbt_utils_surrogate_key_null_') || '-' || coalesce(c.name, '_dbt_utils_surrogate_key_null_') || '-' || coalesce(c.email, '_dbt_utils_surrogate_key_null_')) as expected
       from dds.customer_keys k join dds.customers c using (customer_id) order by 1`,
  );
  assert.equal(keys.length, 3);
  for (const row of keys) assert.equal(row.key, row.expected, `customer ${row.id}`);
  assert.deepEqual(await query(dir, "select (md5('2-_dbt_utils_surrogate_key_null_-_dbt_utils_surrogate_key_null_') = customer_key)::text as same from dds.customer_keys where customer_id = 2"), [{ same: 'true' }]);

  // star(except=['EMAIL']) keeps every other column, in order, case-insensitively excluding email.
  const columns = await query(dir, "select string_agg(column_name, ',' order by ordinal_position) as cols from information_schema.columns where table_schema = 'dds' and table_name = 'customers_slim'");
  assert.deepEqual(columns, [{ cols: 'customer_id,name,balance' }]);
  assert.deepEqual(await query(dir, 'select count(*) as n from dds.customers_slim'), [{ n: '3' }]);
});

test('date_spine gives dbt_utils rows for week, month-end and year steps, and none when the end is not after the start', async () => {
  const dir = fixtureCopy();
  spineModel(dir, 'spine_week', 'week', '2024-01-03', '2024-02-01'); // datediff(week) = 4: 01-31 is not reached
  spineModel(dir, 'spine_month_end', 'month', '2024-01-31', '2024-04-30');
  spineModel(dir, 'spine_year', 'year', '2020-02-29', '2023-01-01');
  spineModel(dir, 'spine_empty', 'day', '2024-03-01', '2024-03-01');
  spineModel(dir, 'spine_backwards', 'month', '2024-03-01', '2024-01-01');
  await load(dir, ['spine_week', 'spine_month_end', 'spine_year', 'spine_empty', 'spine_backwards']);
  const dates = async (table: string, column: string) => (await query(dir, `select ${column}::date::text as d from dds.${table} order by 1`)).map((r) => r.d);
  assert.deepEqual(await dates('spine_week', 'date_week'), ['2024-01-03', '2024-01-10', '2024-01-17', '2024-01-24']);
  // PostgreSQL clamps month-ends: 2024-01-31 + 1 month = 02-29, + 2 months = 03-31; 3 month boundaries to 04-30.
  assert.deepEqual(await dates('spine_month_end', 'date_month'), ['2024-01-31', '2024-02-29', '2024-03-31']);
  assert.deepEqual(await dates('spine_year', 'date_year'), ['2020-02-29', '2021-02-28', '2022-02-28']);
  assert.deepEqual(await dates('spine_empty', 'date_day'), []);
  assert.deepEqual(await dates('spine_backwards', 'date_month'), []);
});

test('generate_series, the null-as-empty var, star options and the legacy surrogate_key', async () => {
  const dir = fixtureCopy();
  writeFileSync(join(dir, 'models', 'series.sql'), 'select * from ({{ dbt_utils.generate_series(5) }}) as s\n');
  writeFileSync(join(dir, 'models', 'legacy_keys.sql'), "select customer_id, {{ dbt_utils.surrogate_key('customer_id', 'email') }} as k from {{ ref('customers') }}\n");
  writeFileSync(
    join(dir, 'models', 'renamed.sql'),
    "select {{ dbt_utils.star(ref('customers'), except=['name', 'email'], prefix='c_', suffix='_x') }} from {{ ref('customers') }}\n",
  );
  writeFileSync(join(dir, 'models', 'empty_keys.sql'), "select customer_id, {{ dbt_utils.generate_surrogate_key(['name', 'email']) }} as k from {{ ref('customers') }}\n");
  writeFileSync(join(dir, 'dbt_project.yml'), `${readFileSync(join(dir, 'dbt_project.yml'), 'utf8')}vars:\n  surrogate_key_treat_nulls_as_empty_strings: true\n`);
  await load(dir, ['customers', 'series', 'legacy_keys', 'renamed', 'empty_keys']);
  assert.deepEqual(await query(dir, "select string_agg(generated_number::text, ',' order by generated_number) as s, pg_typeof(min(generated_number))::text as t from dds.series"), [{ s: '1,2,3,4,5', t: 'double precision' }]);
  assert.deepEqual(await query(dir, "select (k = md5('2-'))::text as same from dds.legacy_keys where customer_id = 2"), [{ same: 'true' }]);
  assert.deepEqual(await query(dir, "select (k = md5('-'))::text as same from dds.empty_keys where customer_id = 2"), [{ same: 'true' }]);
  assert.deepEqual(
    await query(dir, "select string_agg(column_name, ',' order by ordinal_position) as cols from information_schema.columns where table_schema = 'dds' and table_name = 'renamed'"),
    [{ cols: 'c_customer_id_x,c_balance_x' }],
  );
});

test('compiling: emulated macros add no diagnostic; unknown columns give * with DV301; other dbt_utils macros stay DV901', () => {
  const dir = fixtureCopy();
  mkdirSync(join(dir, 'models', 'more'), { recursive: true });
  writeFileSync(join(dir, 'models', 'more', 'unknown_star.sql'), "select {{ dbt_utils.star(source('raw', 'people')) }}, {{ dbt_utils.pretty_time() }} as t from {{ source('raw', 'people') }}\n");
  writeFileSync(join(dir, 'models', 'more', 'sources.yml'), 'version: 2\nsources:\n  - name: raw\n    tables:\n      - name: people\n');
  const session = new ProjectSession(dir, { env: { HOME: tmpdir() }, homeDir: tmpdir(), targetName: 'embedded' });
  const compile = (name: string) => session.compile(session.node(name) as NonNullable<ReturnType<ProjectSession['node']>>, { formatSql: false });
  for (const name of ['as_of_date', 'as_of_month', 'customer_keys']) assert.deepEqual(compile(name).diagnostics, [], name);
  const keys = compile('customer_keys');
  assert.match(keys.rawSql, /md5\(cast\(concat\(coalesce\(cast\(customer_id as text\), '_dbt_utils_surrogate_key_null_'\), '-', coalesce\(cast\(name as text\)/);
  const unknown = compile('unknown_star');
  assert.match(unknown.rawSql, /^select \*, \/\* dbt_utils\.pretty_time\(\) comes from the package 'dbt_utils', which is not installed here; not expanded \*\//);
  assert.deepEqual(unknown.diagnostics.map((d) => `${d.code} ${d.severity}`).sort(), ['DV301 information', 'DV901 information']);
});

test('an installed dbt_utils keeps its own macros', () => {
  const dir = fixtureCopy();
  const pkg = join(dir, 'dbt_packages', 'dbt_utils');
  mkdirSync(join(pkg, 'macros'), { recursive: true });
  writeFileSync(join(pkg, 'dbt_project.yml'), "name: dbt_utils\nversion: '1.3.0'\nconfig-version: 2\n");
  writeFileSync(join(pkg, 'macros', 'key.sql'), "{% macro generate_surrogate_key(field_list) %}installed_key({{ field_list | join(', ') }}){% endmacro %}\n");
  const session = new ProjectSession(dir, { env: { HOME: tmpdir() }, homeDir: tmpdir(), targetName: 'embedded' });
  const compiled = session.compile(session.node('customer_keys') as NonNullable<ReturnType<ProjectSession['node']>>, { formatSql: false });
  assert.match(compiled.rawSql, /installed_key\(customer_id, name, email\) as customer_key/);
  assert.doesNotMatch(compiled.rawSql, /_dbt_utils_surrogate_key_null_/);
});
