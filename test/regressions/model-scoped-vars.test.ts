// Config-version 1 projects (dbt 0.17 and older) set vars under `models:`; each applies to the models at and below its
// level, a deeper level wins, and --vars wins over all. A var nobody sets is a DV107 warning in a check (the run may
// pass it with --vars), never an error, and the model still renders; dvs compile, like dbt, fails on it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ProjectSession } from '../../server/src/engine/session';
import { runCli } from '../../server/src/cli/main';
import { checkProject } from '../support/check-project';

const FIXTURE = join(__dirname, '..', 'fixtures', 'regressions', 'config-version-1-model-vars');

function compiled(session: ProjectSession, name: string): string {
  const node = session.node(name);
  assert.ok(node, name);
  const c = session.compile(node, { formatSql: false });
  assert.deepEqual(c.diagnostics.filter((d) => d.severity !== 'information'), []);
  return c.rawSql;
}

test('config-version 1: vars under models: reach the models below them, the deeper level winning', () => {
  const session = new ProjectSession(FIXTURE, { env: { HOME: tmpdir() }, homeDir: tmpdir() });
  const stage = compiled(session, 'stg_customers');
  assert.match(stage, /'CRM_STAGE'/, 'the stage: level overrides record_source');
  assert.match(stage, /TO_DATE\('2024-01-31', 'YYYY-MM-DD'\)/, 'load_date from the project level');
  assert.match(compiled(session, 'hub_customer'), /-- loaded for CRM up to 2024-01-31/, 'the vault folder sees only the project level');
  // dbtvault 0.6's metadata-driven style: the satellite's parameters are vars of that one model (lists included).
  assert.match(compiled(session, 'sat_customer_details'), /SELECT DISTINCT stage\.CUSTOMER_HK, stage\.CUSTOMER_HASHDIFF, stage\.email, stage\.LOAD_DATETIME/);
  const cli = new ProjectSession(FIXTURE, { env: { HOME: tmpdir() }, homeDir: tmpdir(), cliVars: new Map([['record_source', 'CLI']]) });
  assert.match(compiled(cli, 'stg_customers'), /'CLI'/, '--vars wins over model-scoped vars');
});

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-vars-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

test('a var nobody sets is one DV107 warning per model, the model renders on, and dvs compile fails on it', async () => {
  const dir = project({
    // config-version 2 has no model-scoped vars: the `vars:` under models: is not read as vars.
    'dbt_project.yml': "name: 'p'\nversion: '1.0.0'\nconfig-version: 2\nprofile: 'p'\nmodels:\n  p:\n    vars:\n      start_date: '2024-01-01'\n",
    'models/report.sql': "select {{ var('start_date') }} as a, {{ var('start_date') }} as b, {{ 1 + 1 }} as rendered_on\n",
  });
  const { code, doc } = await checkProject(dir);
  assert.deepEqual(doc.diagnostics.map((d) => `${d.file}:${d.line} ${d.severity} ${d.code}`), ['models/report.sql:1 warning DV107']);
  assert.equal(code, 0);
  const session = new ProjectSession(dir, { env: { HOME: tmpdir() }, homeDir: tmpdir() });
  const node = session.node('report');
  assert.ok(node);
  assert.match(session.compile(node, { formatSql: false }).rawSql, /2 as rendered_on/);
  let err = '';
  const exit = await runCli(['compile', '--project', dir, '--select', 'report', '--stdout'], {
    cwd: dir,
    env: { HOME: tmpdir(), PATH: process.env.PATH },
    isTTY: false,
    out: () => undefined,
    err: (t: string) => {
      err += t;
    },
  });
  assert.equal(exit, 1, 'dbt compile fails on a missing var, and so does dvs compile');
  assert.match(err, /warning DV107: Required var 'start_date' not found/);
});

test('model-scoped vars are read for config-version 1 or a file without config-version, never for version 2', async () => {
  const { modelVarsTree, modelVarsFor } = await import('../../server/src/project/dbt-project-file');
  const { parseYaml, valueOf } = await import('../../server/src/project/yaml-tree');
  const models = valueOf(
    parseYaml('models:\n  shop:\n    vars:\n      a: 1\n      b: 1\n    marts:\n      vars: {b: 2}\n      finance:\n        +vars: {c: 3}\n', 'DV104').root,
    'models',
  );
  const at = (version: number | undefined, fqn: string[]) => Object.fromEntries(modelVarsFor(modelVarsTree(models, version), fqn));
  assert.deepEqual(at(1, ['shop', 'marts', 'finance', 'revenue']), { a: 1, b: 2, c: 3 });
  assert.deepEqual(at(undefined, ['shop', 'staging', 'stg_orders']), { a: 1, b: 1 }, 'no config-version: dbt 0.17 read it as version 1');
  assert.deepEqual(at(1, ['other_package', 'model']), {}, "another package's models see none of them");
  assert.equal(modelVarsTree(models, 2), undefined);
});

test('an env_var() without default that is not set is one DV105 warning at its call, and the model renders on', async () => {
  const dir = project({
    'dbt_project.yml': "name: 'p'\nversion: '1.0.0'\nconfig-version: 2\nprofile: 'p'\n",
    'models/report.sql': "select '{{ env_var('DVS_TEST_NEVER_SET') }}' as a,\n  {{ env_var('DVS_TEST_NEVER_SET') | length }} as b, {{ 1 + 1 }} as rendered_on\n",
  });
  const { code, doc } = await checkProject(dir);
  assert.deepEqual(doc.diagnostics.map((d) => `${d.file}:${d.line} ${d.severity} ${d.code}`), ['models/report.sql:1 warning DV105']);
  assert.equal(code, 0);
  const session = new ProjectSession(dir, { env: { HOME: tmpdir() }, homeDir: tmpdir() });
  const node = session.node('report');
  assert.ok(node);
  assert.match(session.compile(node, { formatSql: false }).rawSql, /2 as rendered_on/);
});

test('dvs load fails a model whose var nobody sets (as dbt run does), though the check only warns', async () => {
  const dir = project({
    'dbt_project.yml': "name: 'p'\nversion: '1.0.0'\nconfig-version: 2\nprofile: 'p'\n",
    'models/report.sql': "select {{ var('start_date') }}::date as d\n",
  });
  let out = '';
  const io = {
    cwd: dir,
    env: { HOME: tmpdir(), PATH: process.env.PATH, DVS_EMBEDDED_DIR: join(dir, '.dvs', 'pglite') },
    isTTY: false,
    out: (t: string) => {
      out += t;
    },
    err: () => undefined,
  };
  assert.equal(await runCli(['load', '--target', 'embedded', '--format', 'json', '--project', dir], io), 1);
  const report = JSON.parse(out) as { models: { name: string; status: string; message?: string }[] };
  assert.deepEqual(report.models.map((m) => [m.name, m.status]), [['report', 'error']]);
  assert.match(report.models[0]?.message ?? '', /Required var 'start_date' not found/);
});
