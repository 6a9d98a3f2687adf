import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findProjectRoot, loadProject, nodeFileSystem as nodeFs, type DbtProject, type LoadProjectOptions } from '../../server/src/project';
import type { JValue } from '../../server/src/jinja/values';
import { extractDependencies } from './extractor';

const fixtures = join(__dirname, '..', 'fixtures', 'projects');
const noHome = join(tmpdir(), 'dvs-no-home-for-tests');

function load(name: string, options: Partial<LoadProjectOptions> = {}): DbtProject {
  return loadProject(join(fixtures, name), { extractDependencies, env: {}, homeDir: noHome, ...options });
}

function codes(project: DbtProject, file?: string): string[] {
  return (file ? project.diagnosticsFor(file) : project.diagnostics()).map((d) => d.code);
}

function spanText(project: DbtProject, file: string, span: { start: number; end: number } | undefined): string | undefined {
  if (!span) return undefined;
  return readFileSync(join(project.root, file), 'utf8').slice(span.start, span.end);
}

// ---------------------------------------------------------------------------------------------------------------
// The modern project: model-paths, +schema folders, a generate_schema_name override, sources with columns.

const modern = load('modern');

test('modern: dbt_project.yml settings', () => {
  assert.equal(modern.name, 'shop_vault');
  assert.equal(modern.settings.version, '1.0.0');
  assert.equal(modern.settings.profile, 'shop_vault');
  assert.deepEqual(modern.settings.modelPaths, ['models']);
  assert.deepEqual(modern.settings.seedPaths, ['seeds']);
  assert.deepEqual(modern.settings.requireDbtVersion, ['>=1.5.0', '<2.0.0']);
  assert.equal(modern.settings.legacyLayout, false);
  assert.equal(modern.schemaNaming.kind, 'as-is');
  assert.deepEqual(modern.compat, { version: '0.11.0', satLogic: 'first-record', hashing: 'binary' });
});

test('modern: no diagnostics (analyses and tests folders are not indexed)', () => {
  assert.deepEqual(modern.diagnostics(), []);
  assert.equal(modern.node('adhoc'), undefined);
  assert.equal(modern.node('assert_no_null_keys'), undefined);
});

test('modern: relations follow the override (custom schema as is), alias, seeds and snapshots', () => {
  const rel = (name: string) => modern.relationFor(name)?.render();
  assert.equal(rel('stg_users'), '"shop"."stg"."stg_users"');
  assert.equal(rel('hub_users'), '"shop"."dds"."hub_users"');
  assert.equal(rel('mart_users'), '"shop"."mart"."users_mart"');
  assert.equal(rel('dates'), '"shop"."public"."dates"');
  assert.equal(rel('country_codes'), '"shop"."ref_data"."country_codes"');
  assert.equal(rel('users_snapshot'), '"shop"."snapshots"."users_snapshot"');
  assert.equal(rel('nope'), undefined);
});

test('modern: effective configs merge project folders, properties and config()', () => {
  const hub = modern.node('hub_users');
  assert.ok(hub);
  assert.equal(hub.materialized, 'incremental');
  assert.deepEqual(hub.tags, ['vault', 'hub']);
  assert.deepEqual(hub.config.values.get('meta'), new Map([['owner', 'dv-team']]));
  assert.equal(hub.config.origins.get('tags')?.level, 'file');
  assert.equal(hub.config.origins.get('materialized')?.level, 'project');
  assert.deepEqual(hub.fqn, ['shop_vault', 'dds', 'hub_users']);
  const stg = modern.node('stg_users');
  assert.deepEqual(stg?.tags, ['staging', 'pii']);
  assert.equal(stg?.config.origins.get('tags')?.level, 'properties');
  assert.equal(stg?.properties?.description, 'Staged users');
  assert.deepEqual(stg?.properties?.columns.map((c) => [c.name, c.dataType]), [
    ['USER_HK', 'bytea'],
    ['EMAIL', undefined],
  ]);
  assert.equal(modern.node('dates')?.materialized, 'view');
});

test('modern: configFor takes a path and in-file config values', () => {
  const c = modern.configFor('models/dds/new_sat.sql', new Map<string, JValue>([['materialized', 'table'], ['tags', ['sat']]]));
  assert.equal(c.values.get('materialized'), 'table');
  assert.equal(c.values.get('schema'), 'dds');
  assert.deepEqual(c.values.get('tags'), ['vault', 'sat']);
  const projectSpan = c.origins.get('schema')?.span;
  assert.equal(spanText(modern, 'dbt_project.yml', projectSpan), '+schema');
});

test('modern: sources with schema, identifier, declared columns and spans for go-to-definition', () => {
  assert.equal(modern.sourceRelation('raw', 'users')?.render(), '"shop"."raw"."users"');
  assert.equal(modern.sourceRelation('raw', 'products')?.render(), '"shop"."raw"."faker_products"');
  // Without `schema:` the schema is the source's name.
  assert.equal(modern.sourceRelation('airbyte', 'purchases')?.render(), '"shop"."airbyte"."purchases"');
  assert.deepEqual(
    modern.sourceColumns('raw', 'users').map((c) => [c.name, c.dataType]),
    [
      ['id', 'bigint'],
      ['email', 'character varying'],
      ['updated_at', 'timestamp with time zone'],
    ],
  );
  const table = modern.sourceTable('raw', 'users');
  assert.ok(table);
  assert.equal(spanText(modern, 'models/sources.yml', table.nameSpan), 'users');
  assert.equal(table.loadedAtField, '_airbyte_extracted_at');
  assert.equal(table.description, 'Users from the Faker source');
});

test('modern: seeds get columns from the CSV header with inferred types', () => {
  assert.deepEqual(modern.node('country_codes')?.columns, [
    { name: 'code', dataType: 'text' },
    { name: 'name', dataType: 'text' },
    { name: 'population', dataType: 'integer' },
    { name: 'area_km2', dataType: 'float8' },
    { name: 'is_eu', dataType: 'boolean' },
    { name: 'joined_on', dataType: 'date' },
  ]);
});

test('modern: graph, order and selector nodes', () => {
  assert.deepEqual(modern.parents('mart_users'), ['hub_users', 'sat_users', 'country_codes']);
  assert.deepEqual(modern.children('stg_users'), ['hub_users', 'link_purchases', 'sat_users']);
  assert.deepEqual(modern.ancestors('mart_users'), ['country_codes', 'hub_users', 'sat_users', 'stg_users']);
  assert.deepEqual(modern.descendants('stg_users'), ['hub_users', 'link_purchases', 'mart_users', 'sat_users']);
  const order = modern.topologicalOrder();
  for (const [parent, child] of [
    ['stg_users', 'hub_users'],
    ['hub_users', 'mart_users'],
    ['country_codes', 'mart_users'],
    ['stg_purchases', 'link_purchases'],
  ] as const) {
    assert.ok(order.indexOf(parent) < order.indexOf(child), `${parent} before ${child}`);
  }
  assert.deepEqual(modern.topologicalOrder(['mart_users', 'stg_users']), ['stg_users', 'mart_users']);
  assert.deepEqual(modern.cycles(), []);
  const nodes = modern.projectGraphNodes();
  const mart = nodes.find((n) => n.name === 'mart_users');
  assert.deepEqual(mart && { name: mart.name, path: mart.path, tags: mart.tags, materialized: mart.materialized, dependsOn: mart.dependsOn }, {
    name: 'mart_users',
    path: 'models/mart/mart_users.sql',
    tags: [],
    materialized: 'table',
    dependsOn: ['hub_users', 'sat_users', 'country_codes'],
  });
  assert.equal(nodes.find((n) => n.name === 'country_codes')?.resourceType, 'seed');
});

test('modern: vars are global with a project scope on top, and --vars over both', () => {
  assert.equal(modern.varOf('hash'), 'MD5');
  assert.equal(modern.varOf('load_date'), '2024-02-01');
  assert.equal(modern.varOf('missing', 'fallback'), 'fallback');
  const withCli = load('modern', { cliVars: new Map([['load_date', '2030-01-01']]) });
  assert.equal(withCli.varOf('load_date'), '2030-01-01');
});

test('modern: the embedded target keeps the default target schema; database is postgres', () => {
  const embedded = load('modern', { targetName: 'embedded' });
  assert.equal(embedded.target.ok && embedded.target.target.kind, 'embedded');
  assert.equal(embedded.targetSchema, 'public');
  assert.equal(embedded.relationFor('stg_users')?.render(), '"postgres"."stg"."stg_users"');
  assert.equal(embedded.relationFor('dates')?.render(), '"postgres"."public"."dates"');
  assert.equal(embedded.sourceRelation('raw', 'users')?.render(), '"postgres"."raw"."users"');
});

// ---------------------------------------------------------------------------------------------------------------
// A pre-1.0 project: source-paths, data-paths, bare config keys, dbtvault 0.7.x, profiles in a named folder.

const legacy = load('legacy', { profilesDir: 'profiles' });

test('legacy: source-paths and data-paths are the model and seed folders', () => {
  assert.equal(legacy.settings.legacyLayout, true);
  assert.deepEqual(legacy.settings.modelPaths, ['models']);
  assert.deepEqual(legacy.settings.seedPaths, ['data']);
  assert.equal(legacy.settings.packagesInstallPath, 'dbt_modules');
  assert.equal(legacy.node('seed_dates')?.kind, 'seed');
});

test("legacy: bare config keys at any depth, dbt's default schema naming", () => {
  assert.equal(legacy.schemaNaming.kind, 'default');
  const hub = legacy.node('hub_customer');
  assert.equal(hub?.materialized, 'incremental');
  assert.deepEqual(hub?.tags, ['raw_vault', 'hub']);
  assert.equal(hub?.relation.render(), '"dwh"."analytics_vault"."hub_customer"');
  assert.equal(legacy.node('v_stg_orders')?.relation.render(), '"dwh"."analytics_stage"."v_stg_orders"');
  assert.deepEqual(legacy.node('v_stg_orders')?.tags, ['raw']);
  assert.equal(legacy.node('v_stg_orders')?.materialized, 'view');
  assert.equal(legacy.node('seed_dates')?.relation.render(), '"dwh"."analytics_seeds"."seed_dates"');
  assert.equal(legacy.node('sat_order_details')?.enabled, true);
});

test('legacy: dbtvault 0.7.x compat and the `pass` password alias', () => {
  assert.equal(legacy.packages.automateDv?.name, 'dbtvault');
  assert.deepEqual(legacy.compat, { version: '0.7.0', satLogic: 'latest-only', hashing: 'upper-hex-text' });
  assert.ok(legacy.target.ok);
  assert.equal(legacy.target.target.kind === 'postgres' && legacy.target.target.password, 'postgres');
  assert.deepEqual(legacy.diagnostics(), []);
  assert.deepEqual(legacy.topologicalOrder(), ['seed_dates', 'raw_orders', 'v_stg_orders', 'hub_customer', 'sat_order_details']);
});

// ---------------------------------------------------------------------------------------------------------------
// Nested folder configs and disabled models.

const nested = load('nested');

test('nested: tags accumulate down the folders; the closest folder wins for other keys', () => {
  assert.deepEqual(nested.node('a_model')?.tags, ['base', 'a']);
  assert.equal(nested.node('a_model')?.materialized, 'table');
  assert.deepEqual(nested.node('keep_me')?.tags, ['base', 'a', 'b', 'c']);
  assert.equal(nested.node('keep_me')?.relation.render(), '"nested_db"."analytics_deep"."keep_me"');
});

test('nested: project → properties → config() precedence', () => {
  const b = nested.node('b_model');
  assert.ok(b);
  assert.equal(b.materialized, 'view'); // project table, properties incremental, config() view
  assert.deepEqual(b.tags, ['base', 'a', 'b', 'props', 'file']);
  assert.deepEqual(b.config.values.get('meta'), new Map([['level', 'props']]));
  assert.equal(b.relation.render(), '"nested_db"."analytics_deep"."b_alias"');
  assert.equal(nested.node('a_model')?.relation.render(), '"nested_db"."analytics_from_props"."a_model"');
});

test('nested: folder-disabled models, model-level and config() re-enabling', () => {
  assert.equal(nested.node('c_model')?.enabled, false);
  assert.equal(nested.node('keep_me')?.enabled, true);
  assert.equal(nested.node('revived')?.enabled, true);
  assert.equal(nested.node('old_model')?.enabled, false);
  assert.deepEqual(
    nested.models().map((m) => m.name),
    ['a_model', 'b_model', 'keep_me', 'revived', 'uses_disabled'],
  );
  assert.ok(!nested.projectGraphNodes().some((n) => n.name === 'c_model' || n.name === 'old_model'));
});

test('nested: a disabled duplicate name is allowed; a ref to a disabled model is DV101', () => {
  assert.equal(nested.node('a_model')?.path, 'models/a/a_model.sql');
  const diags = nested.diagnostics();
  assert.deepEqual(diags.map((d) => d.code), ['DV101']);
  const d = diags[0];
  assert.ok(d);
  assert.equal(d.file, join(nested.root, 'models/a/uses_disabled.sql'));
  assert.match(d.message, /disabled/);
  assert.equal(spanText(nested, 'models/a/uses_disabled.sql', d.span), 'c_model');
});

// ---------------------------------------------------------------------------------------------------------------
// A broken project: cycle, missing refs, unknown sources, duplicate names, YAML errors.

const broken = load('broken');

test('broken: a cycle is DV103 on every member, naming the cycle, at the ref that closes it', () => {
  assert.deepEqual(broken.cycles(), [['self_model'], ['x_model', 'y_model', 'z_model']]);
  const x = broken.diagnosticsFor('models/cycle/x_model.sql');
  assert.deepEqual(x.map((d) => d.code), ['DV103']);
  assert.match(x[0]?.message ?? '', /x_model → y_model → z_model → x_model/);
  assert.equal(spanText(broken, 'models/cycle/x_model.sql', x[0]?.span), 'y_model');
  assert.deepEqual(codes(broken, 'models/cycle/self_model.sql'), ['DV103']);
  assert.deepEqual(codes(broken, 'models/after_cycle.sql'), []);
  const order = broken.topologicalOrder();
  assert.ok(order.indexOf('after_cycle') > order.indexOf('x_model'));
});

test('broken: a missing ref is DV101 with "did you mean" and a quick fix', () => {
  const diags = broken.diagnosticsFor('models/orders.sql');
  const missing = diags.filter((d) => d.code === 'DV101');
  assert.equal(missing.length, 2);
  assert.match(missing[0]?.message ?? '', /'custmers'.*Did you mean 'customers'\?/);
  assert.equal(spanText(broken, 'models/orders.sql', missing[0]?.span), 'custmers');
  assert.deepEqual(missing[0]?.fixes?.map((f) => f.newText), ['customers']);
  assert.equal(missing[1]?.fixes, undefined);
  assert.equal(missing[0]?.severity, 'error');
});

test('broken: unknown source and unknown source table are DV102', () => {
  const diags = broken.diagnosticsFor('models/orders.sql').filter((d) => d.code === 'DV102');
  assert.equal(diags.length, 2);
  assert.match(diags[0]?.message ?? '', /source 'raw' has no table 'userz'. Did you mean 'users'\?/);
  assert.equal(spanText(broken, 'models/orders.sql', diags[0]?.span), "source('raw', 'userz')");
  assert.match(diags[1]?.message ?? '', /no source named 'rawdata'/);
});

test('broken: two enabled models with one name are DV106 in both files', () => {
  assert.deepEqual(codes(broken, 'models/customers.sql'), ['DV106']);
  assert.deepEqual(codes(broken, 'models/dup/customers.sql'), ['DV106']);
  assert.match(broken.diagnosticsFor('models/customers.sql')[0]?.message ?? '', /models\/customers\.sql and models\/dup\/customers\.sql/);
});

test('broken: a property file that does not parse is DV021 with a span, and loading goes on', () => {
  const yaml = broken.diagnosticsFor('models/properties.yml');
  assert.ok(yaml.length >= 1);
  assert.ok(yaml.every((d) => d.code === 'DV021' && d.severity === 'error' && d.span));
  assert.ok(broken.sourceTable('raw', 'users'));
});

test('broken: without profiles.yml a read command falls back to embedded and says why', () => {
  assert.ok(broken.target.ok);
  assert.equal(broken.target.selectedBy, 'fallback');
  assert.match(broken.target.fallbackReason ?? '', /no profiles\.yml found \(looked for .*broken\/profiles\.yml.*\); using target embedded/);
  const write = load('broken', { purpose: 'write' });
  assert.equal(write.target.ok, false);
  assert.equal(!write.target.ok && write.target.hint, '--target embedded');
});

// ---------------------------------------------------------------------------------------------------------------
// Incremental re-indexing.

test('updateModelText re-analyses one file: refs, config, diagnostics and graph follow the edit', () => {
  const p = load('broken');
  const orders = 'models/orders.sql';
  assert.equal(codes(p, orders).length, 4);
  const nodes = p.updateModelText(orders, "{{ config(materialized='table', tags=['fixed']) }}\nselect * from {{ ref('after_cycle') }}");
  assert.equal(nodes?.[0]?.materialized, 'table');
  assert.deepEqual(p.node('orders')?.tags, ['fixed']);
  assert.deepEqual(codes(p, orders), []);
  assert.deepEqual(p.parents('orders'), ['after_cycle']);
  assert.ok(p.descendants('x_model').includes('orders'));

  // Breaking the cycle in one file clears DV103 everywhere.
  p.updateModelText('models/cycle/z_model.sql', 'select 1');
  assert.deepEqual(p.cycles(), [['self_model']]);
  assert.deepEqual(codes(p, 'models/cycle/x_model.sql'), []);

  // A new file is added; disabling it through config() makes refs to it DV101.
  p.updateModelText(join(p.root, 'models/new_model.sql'), "select * from {{ ref('orders') }}");
  assert.deepEqual(p.children('orders'), ['new_model']);
  p.updateModelText('models/orders.sql', "{{ config(enabled=false) }} select 1");
  assert.match(p.diagnosticsFor('models/new_model.sql')[0]?.message ?? '', /disabled/);

  // Files outside the model and snapshot paths are not models.
  assert.equal(p.updateModelText('analyses/x.sql', 'select 1'), undefined);
  assert.equal(p.updateModelText('models/sources.yml', 'x'), undefined);
  assert.equal(p.removeFile('models/new_model.sql'), true);
  assert.equal(p.node('new_model'), undefined);
});

test('updateModelText does not read any file', () => {
  let reads = 0;
  const counting = {
    readFile: (path: string) => {
      reads++;
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
    },
    listFiles: (dir: string, pred: (p: string) => boolean) => {
      reads++;
      return nodeFs.listFiles(dir, pred);
    },
    exists: (path: string) => nodeFs.exists(path),
  };
  const p = load('modern', { files: counting });
  reads = 0;
  p.updateModelText('models/dds/hub_users.sql', "select * from {{ ref('stg_user') }}");
  const [d] = p.diagnostics();
  assert.equal(d?.code, 'DV101');
  assert.deepEqual(d?.fixes?.map((f) => f.newText), ['stg_users']);
  assert.equal(reads, 0);
});

// ---------------------------------------------------------------------------------------------------------------
// Missing or invalid dbt_project.yml.

test('a folder without dbt_project.yml is DV104, never an exception', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-noproject-'));
  try {
    const p = loadProject(dir, { extractDependencies, env: {}, homeDir: noHome });
    assert.deepEqual(codes(p), ['DV104']);
    assert.match(p.diagnostics()[0]?.message ?? '', /No dbt_project\.yml/);
    assert.deepEqual(p.allNodes(), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a dbt_project.yml that does not parse, or has no name, is DV104 with a span', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-badproject-'));
  try {
    cpSync(join(fixtures, 'nested'), dir, { recursive: true });
    writeFileSync(join(dir, 'dbt_project.yml'), 'name: nested\nmodels:\n  nested: [\n    a: 1\n');
    let p = loadProject(dir, { extractDependencies, env: {}, homeDir: noHome });
    const d = p.diagnosticsFor('dbt_project.yml');
    assert.ok(d.length > 0 && d.every((x) => x.code === 'DV104' && x.span));
    writeFileSync(join(dir, 'dbt_project.yml'), 'version: 1.0\nprofile: nested\n');
    p = loadProject(dir, { extractDependencies, env: {}, homeDir: noHome });
    assert.match(p.diagnosticsFor('dbt_project.yml')[0]?.message ?? '', /no `name:`/);
    writeFileSync(join(dir, 'dbt_project.yml'), 'name: my-project\n');
    p = loadProject(dir, { extractDependencies, env: {}, homeDir: noHome });
    assert.match(p.diagnosticsFor('dbt_project.yml')[0]?.message ?? '', /'my-project' is not valid/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('findProjectRoot walks up to the folder holding dbt_project.yml', () => {
  assert.equal(findProjectRoot(join(fixtures, 'modern', 'models', 'dds'), nodeFs), join(fixtures, 'modern'));
  assert.equal(findProjectRoot(tmpdir(), nodeFs), undefined);
});
