// Models and package macros that query the warehouse while they render (statement blocks read with load_result(),
// run_query()): a load runs those queries and renders again with the results, as dbt's execute phase does; checking
// and compiling render with empty results and say so (DV903).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
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
  const dir = mkdtempSync(join(tmpdir(), 'dvs-runtime-queries-'));
  cpSync(join(__dirname, 'fixtures', 'spine'), dir, { recursive: true });
  return dir;
}

async function query(dir: string, sql: string): Promise<Record<string, string | null>[]> {
  const io = capture(dir);
  assert.equal(await runCli(['query', '--target', 'embedded', sql], io), 0, io.stderr);
  return JSON.parse(io.stdout) as Record<string, string | null>[];
}

test('dvs load runs statement and run_query() SQL: a package date spine gets its real length, run_query() values reach the SQL', async () => {
  const dir = fixtureCopy();
  const io = capture(dir);
  assert.equal(await runCli(['load', '--target', 'embedded', '--format', 'json'], io), 0, io.stdout + io.stderr);
  const summary = JSON.parse(io.stdout) as { models: { name: string; status: string; rows: number | null }[] };
  assert.deepEqual(
    Object.fromEntries(summary.models.map((m) => [m.name, m.status])),
    { orders: 'success', as_of_date: 'success', as_of_month: 'success', order_stats: 'success', date_diffs: 'success' },
  );

  // Every day from 2024-01-01 up to (not including) 2024-03-01: 31 + 29 days of a leap year.
  const days = await query(dir, "select count(*) as n, min(as_of_date)::text as first, max(as_of_date)::text as last, count(distinct as_of_date) as distinct_days from dds.as_of_date");
  assert.deepEqual(days, [{ n: '60', first: '2024-01-01', last: '2024-02-29', distinct_days: '60' }]);
  assert.equal(summary.models.find((m) => m.name === 'as_of_date')?.rows, 60);

  // Months: dbt-postgres's datediff counts 4 month boundaries from 2023-11-15 to 2024-03-01 (a float the package casts).
  const months = await query(dir, 'select as_of_date::text as d from dds.as_of_month order by 1');
  assert.deepEqual(months.map((r) => r.d), ['2023-11-15', '2023-12-15', '2024-01-15', '2024-02-15']);

  // run_query(): rows by name and position, columns by name, column_names, attribute access on a row.
  const stats = await query(dir, 'select top_amount::text, order_count::text, first_column::text, column_names, by_attribute::text from dds.order_stats');
  assert.deepEqual(stats, [{ top_amount: '99.25', order_count: '3', first_column: '99.25', column_names: 'top_amount,order_count', by_attribute: '3' }]);
});

test('dbt.datediff has dbt-postgres semantics for every datepart, both directions', async () => {
  const dir = fixtureCopy();
  const io = capture(dir);
  assert.equal(await runCli(['load', '--target', 'embedded', '--format', 'json', '--select', 'date_diffs'], io), 0, io.stdout + io.stderr);
  const [row] = await query(dir, 'select * from dds.date_diffs');
  // 2023-12-30 22:50:10 → 2024-03-02 01:05:03 (both Saturdays): 62 days 2:14:53 apart.
  assert.deepEqual(row, {
    years: '1', years_back: '-1',
    quarters: '1', quarters_back: '-1',
    months: '3', months_back: '-3',
    weeks: '9', weeks_back: '-10',
    days: '63', days_back: '-63',
    hours: '1491', hours_back: '-1491',
    minutes: '89415', minutes_back: '-89415',
    seconds: '5364893', seconds_back: '-5364893',
  });
});

/** A model whose every run_query() SQL depends on the previous result: `steps` queries, one after another. */
function chainModel(steps: number): string {
  return [
    '{%- set ns = namespace(v=0) -%}',
    `{%- for i in range(${steps}) -%}`,
    '{%- set r = run_query("select " ~ ns.v ~ " + 1 as v") -%}',
    '{%- if r.rows -%}{%- set ns.v = r.rows[0][0] -%}{%- endif -%}',
    '{%- endfor %}',
    'select {{ ns.v }} as v',
  ].join('\n');
}

test('queries that depend on earlier results run one after another; a chain longer than the render cap is an error', async () => {
  const dir = fixtureCopy();
  writeFileSync(join(dir, 'models', 'chain_short.sql'), chainModel(3));
  writeFileSync(join(dir, 'models', 'chain_long.sql'), chainModel(10));
  const io = capture(dir);
  assert.equal(await runCli(['load', '--target', 'embedded', '--format', 'json', '--select', 'chain_short', 'chain_long'], io), 1, io.stdout + io.stderr);
  const summary = JSON.parse(io.stdout) as { models: { name: string; status: string; message?: string }[] };
  const byName = Object.fromEntries(summary.models.map((m) => [m.name, m]));
  assert.equal(byName.chain_short?.status, 'success');
  assert.equal(byName.chain_long?.status, 'error');
  assert.match(byName.chain_long?.message ?? '', /still asked for new query results after 5 renders/);
  assert.deepEqual(await query(dir, 'select v::text from dds.chain_short'), [{ v: '3' }]);
});

test('compiling without a load renders queries as empty and says dvs load uses real results (DV903)', () => {
  const dir = fixtureCopy();
  const session = new ProjectSession(dir, { env: { HOME: tmpdir() }, homeDir: tmpdir(), targetName: 'embedded' });
  const spine = session.compile(session.node('as_of_date') as NonNullable<ReturnType<ProjectSession['node']>>, { formatSql: false });
  assert.deepEqual(spine.diagnostics.filter((d) => d.severity === 'error'), []);
  const info = spine.diagnostics.filter((d) => d.code === 'DV903');
  assert.equal(info.length, 1);
  assert.equal(info[0]?.severity, 'information');
  assert.match(info[0]?.message ?? '', /not run while checking, compiling or previewing/);
  assert.match(info[0]?.message ?? '', /dvs load, the query runs against the warehouse and the real results are used/);
  // No result: the package falls back to one period.
  assert.equal((spine.rawSql.match(/as period_number/g) ?? []).length, 1);

  const stats = session.compile(session.node('order_stats') as NonNullable<ReturnType<ProjectSession['node']>>, { formatSql: false });
  assert.match(stats.rawSql, /select -1 as top_amount, 0 as order_count, -1 as first_column,\s+'' as column_names, -1 as by_attribute/);
  assert.deepEqual(stats.diagnostics.map((d) => `${d.code} ${d.severity}`), ['DV903 information']);
});

test('a model whose package is not installed fails its load with the reason, not just a SQL syntax error', async () => {
  const dir = fixtureCopy();
  writeFileSync(join(dir, 'models', 'uses_missing_package.sql'), "select * from ({{ missing_kit.spine('day', \"'2024-01-01'::date\") }}) as s\n");
  const io = capture(dir);
  assert.equal(await runCli(['load', '--target', 'embedded', '--format', 'json', '--select', 'uses_missing_package'], io), 1, io.stdout + io.stderr);
  const summary = JSON.parse(io.stdout) as { models: { name: string; status: string; message?: string }[] };
  const model = summary.models.find((m) => m.name === 'uses_missing_package');
  assert.equal(model?.status, 'error');
  assert.match(model?.message ?? '', /missing_kit\.spine\(\).*not installed.*dbt deps/s);
});
