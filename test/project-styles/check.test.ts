// `dvs check` over the breadth fixture projects (dbt 0.18 to 1.9 habits, dbtvault 0.7 to AutomateDV 0.11): no errors
// on projects that run under dbt, and exactly the expected warnings and information, each saying how to fix it.
// A case is a fixture folder plus its expectations in expected-check/<fixture>.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../server/src/cli/main';
import type { CliIo } from '../../server/src/cli/io';
import { ProjectSession } from '../../server/src/engine/session';
import { findProjectRoot, nodeFileSystem } from '../../server/src/project';

const FIXTURES = join(__dirname, '..', 'fixtures', 'projects');
const EXPECTED = join(__dirname, 'expected-check');

interface Finding {
  file: string;
  line: number;
  severity: string;
  code: string;
  /** Text the message must contain: the fix, or what was not expanded. */
  says: string;
}

interface Expectation {
  about: string;
  projects: Record<string, { models: number; findings: Finding[] }>;
}

interface CheckDocument {
  models: number;
  diagnostics: { file: string; line: number; severity: string; code: string; message: string }[];
}

function io(cwd: string): CliIo & { stdout: string; stderr: string } {
  const c = {
    stdout: '',
    stderr: '',
    cwd,
    // No profiles in HOME and no DBT_* variables: what a CI machine without credentials sees.
    env: { HOME: tmpdir(), PATH: process.env.PATH },
    isTTY: false,
    out(t: string) {
      c.stdout += t;
    },
    err(t: string) {
      c.stderr += t;
    },
  };
  return c;
}

async function check(dir: string): Promise<{ code: number; doc: CheckDocument; stderr: string }> {
  const c = io(dir);
  const code = await runCli(['check', '--format', 'json', '--project', dir], c);
  return { code, doc: JSON.parse(c.stdout) as CheckDocument, stderr: c.stderr };
}

const cases = readdirSync(EXPECTED).filter((f) => f.endsWith('.json'));

test('every breadth fixture project has expectations', () => {
  const fixtures = readdirSync(FIXTURES).filter((d) => d.startsWith('breadth-'));
  assert.deepEqual(fixtures.sort(), cases.map((c) => c.replace(/\.json$/, '')).sort());
});

for (const file of cases) {
  const fixture = file.replace(/\.json$/, '');
  const expected = JSON.parse(readFileSync(join(EXPECTED, file), 'utf8')) as Expectation;
  for (const [projectPath, want] of Object.entries(expected.projects)) {
    test(`${fixture}/${projectPath}: no errors, only the expected findings (${expected.about})`, async () => {
      const dir = join(FIXTURES, fixture, projectPath);
      const { code, doc, stderr } = await check(dir);
      const errors = doc.diagnostics.filter((d) => d.severity === 'error');
      assert.deepEqual(errors, [], `false errors:\n${errors.map((e) => `${e.file}:${e.line} ${e.code} ${e.message}`).join('\n')}`);
      assert.equal(code, 0, stderr);
      assert.equal(doc.models, want.models);
      const got = doc.diagnostics.map((d) => `${d.file}:${d.line} ${d.severity} ${d.code}`);
      assert.deepEqual(got, want.findings.map((f) => `${f.file}:${f.line} ${f.severity} ${f.code}`));
      doc.diagnostics.forEach((d, i) => {
        const f = want.findings[i] as Finding;
        assert.ok(d.message.includes(f.says), `${d.file}:${d.line} ${d.code}: "${d.message}" should say "${f.says}"`);
      });
    });
  }
}

test('breadth-packages: compiled SQL says what it could not expand, and expands what it can', async () => {
  const dir = join(FIXTURES, 'breadth-packages');
  const c = io(dir);
  assert.equal(await runCli(['compile', '--project', dir, '--select', 'stg_visits', '--stdout'], c), 0, c.stderr);
  // dbt_utils is not installed: star() and generate_surrogate_key() are emulated (the columns come from sources.yml).
  assert.match(c.stdout, /"visit_id",\s+"patient_id",\s+"doctor_code",\s+"visited_at",\s+round\(fee_cents/);
  assert.match(c.stdout, /md5\(\s*cast\(\s*concat\(\s*coalesce\(\s*cast\(visit_id as text\),\s*'_dbt_utils_surrogate_key_null_'\s*\),\s*'-',/);
  assert.match(c.stdout, /round\(fee_cents \/ 100\.0, 2\) as fee/, 'project macro cents_to_currency expands');
  assert.match(c.stdout, /limit\s+1000/, "limit_in_dev reads the project-scoped var row_limit");
  const c2 = io(dir);
  assert.equal(await runCli(['compile', '--project', dir, '--select', 'visit_counts', '--stdout'], c2), 0, c2.stderr);
  assert.match(c2.stdout, /\/\* cross_db_age\(\) is not a macro of this project or of an installed package; not expanded \*\//);
  assert.match(c2.stdout, /count\(\*\) as visits_total/);
});

test('breadth-legacy: seeds in data/ are relations with CSV columns; dbtvault 0.7 positional calls bind without src_extra_columns', () => {
  const session = new ProjectSession(join(FIXTURES, 'breadth-legacy'), { env: { HOME: tmpdir() }, homeDir: tmpdir() });
  const rentals = session.node('rentals');
  assert.equal(rentals?.kind, 'seed');
  assert.equal(rentals?.relation.render(), '"postgres"."public_seed_data"."rentals"');
  assert.deepEqual(
    session.columnsOf(rentals.relation)?.map((c) => `${c.name}:${c.dataType}`),
    ['rental_id:bigint', 'bike_code:text', 'station_code:text', 'started_at:timestamp', 'minutes:integer', 'fare:float8'],
  );
  const stage = session.stageColumns(session.node('v_stg_rentals') as NonNullable<ReturnType<ProjectSession['node']>>);
  assert.ok(stage?.some((c) => c.name === 'fare'), 'the stage passes the seed columns through');
  const hub = session.compile(session.node('hub_bike') as NonNullable<ReturnType<ProjectSession['node']>>, { formatSql: false });
  assert.deepEqual(hub.diagnostics.filter((d) => d.severity === 'error'), []);
  assert.match(hub.rawSql, /"public_staging"\."v_stg_rentals"/);
  assert.match(hub.rawSql, /"public_staging"\."v_stg_bikes"/);
  assert.equal(session.project.settings.seedPaths.join(), 'data');
  assert.deepEqual(session.project.settings.requireDbtVersion, ['>=0.18.0', '<0.20.0']);
});

test('breadth-properties: versioned refs, two-argument refs, aliases, schemas and the source identifier resolve like dbt', () => {
  const session = new ProjectSession(join(FIXTURES, 'breadth-properties'), { env: { HOME: tmpdir() }, homeDir: tmpdir(), targetName: 'embedded' });
  const p = session.project;
  assert.equal(p.resolveRef('dim_plants')?.identifier, 'dim_plants_v1', 'latest_version: 1');
  assert.equal(p.resolveRef('dim_plants', undefined, '2')?.identifier, 'dim_plants_v2');
  assert.equal(p.resolveRef('stg_orders', 'nursery')?.render(), '"postgres"."analytics_staging"."stg_orders"');
  assert.equal(p.resolveRef('season_calendar', 'garden_utils')?.render(), '"postgres"."analytics"."season_calendar"');
  assert.equal(p.node('stg_plants')?.relation.render(), '"postgres"."analytics_staging"."plants_clean"');
  assert.equal(p.node('fct_orders')?.relation.render(), '"postgres"."analytics_reporting"."fct_orders"');
  assert.equal(p.sourceRelation('shop', 'shop_orders')?.render(), '"postgres"."analytics_raw".orders');
  assert.deepEqual(p.parents('plant_sales').sort(), ['dim_plants_v2', 'fct_orders']);
  assert.deepEqual(p.parents('plant_names'), ['dim_plants_v1']);
  const sales = session.compile(p.node('plant_sales') as NonNullable<ReturnType<ProjectSession['node']>>, { formatSql: false });
  assert.match(sales.rawSql, /case when extract\(month from max\(f\.ordered_at\)\) in \(12, 1, 2\) then 'winter'/, 'the installed package macro expands');
});

test('breadth-workspace: each file belongs to the nearest dbt_project.yml', () => {
  const root = join(FIXTURES, 'breadth-workspace');
  const sandboxModel = join(root, 'warehouse', 'models', 'sandbox', 'models', 'scratch.sql');
  assert.equal(findProjectRoot(join(sandboxModel, '..'), nodeFileSystem), join(root, 'warehouse', 'models', 'sandbox'));
  const warehouse = new ProjectSession(join(root, 'warehouse'), { env: { HOME: tmpdir() }, homeDir: tmpdir() });
  assert.deepEqual(warehouse.models().map((m) => m.path), ['models/staging/stg_page_views.sql', 'models/staging/top_urls.sql']);
  assert.equal(warehouse.project.updateModelText(sandboxModel, 'select 1'), undefined, 'an edit in the nested project is not the outer project’s');
});
