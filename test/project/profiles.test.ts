import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProject, parseDotenv, projectEnvironment, findProfilesFile, nodeFileSystem, type DbtProject, type TargetResolution } from '../../server/src/project';
import type { LoadProjectOptions } from '../../server/src/project';
import { renderYamlString } from '../../server/src/project/yaml-jinja';
import { extractDependencies } from './extractor';

const fixture = join(__dirname, '..', 'fixtures', 'projects', 'profiles_env');
const noHome = join(tmpdir(), 'dvs-no-home-for-tests');

function load(options: Partial<LoadProjectOptions> = {}, root = fixture): DbtProject {
  return loadProject(root, { extractDependencies, env: {}, homeDir: noHome, ...options });
}

function resolved(r: TargetResolution) {
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r;
}

/** The fixture without its .env, in a temp folder; removed after `fn`. */
function withoutDotenv(fn: (root: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-profiles-'));
  try {
    cpSync(fixture, dir, { recursive: true });
    rmSync(join(dir, '.env'));
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('.env parsing: quotes, export, comments, empty values', () => {
  const vars = parseDotenv('# c\nA=1\nexport B="two words"\nC=\'x # y\'\nD=v # comment\nE=\nnot a line\nF="multi\nline"\n');
  assert.deepEqual([...vars], [
    ['A', '1'],
    ['B', 'two words'],
    ['C', 'x # y'],
    ['D', 'v'],
    ['E', ''],
    ['F', 'multi\nline'],
  ]);
});

test('the process environment wins over .env', () => {
  const env = projectEnvironment(fixture, nodeFileSystem, { DBT_PORT: '7000' });
  assert.equal(env.get('DBT_PORT'), '7000');
  assert.equal(env.originOf('DBT_PORT'), 'process');
  assert.equal(env.get('DBT_USER'), 'vault_user');
  assert.equal(env.originOf('DBT_USER'), '.env');
  assert.equal(env.get('WITH_COMMENT'), 'abc');
  assert.equal(env.get('NOPE'), undefined);
});

test('env_var with and without defaults, values from .env, port | int, optional fields', () => {
  const p = load();
  const r = resolved(p.target);
  assert.equal(r.selectedBy, 'profile-default');
  assert.deepEqual(r.target, {
    name: 'dev',
    kind: 'postgres',
    host: 'localhost',
    port: 6432,
    user: 'vault_user',
    password: 's3cr3t-from-dotenv',
    passwordSource: 'env var DBT_PASSWORD',
    dbname: 'vault',
    schema: 'dv_dev',
    sslmode: 'require',
    connectTimeout: 10,
  });
  assert.equal(r.threads, 4);
  assert.equal(p.targetSchema, 'dv_dev');
  assert.equal(p.targetDatabase, 'vault');
});

test('Jinja in dbt_project.yml and sources: env_var in a folder config, var() rendering a var with env_var', () => {
  const p = load({ env: { RAW_SCHEMA: 'airbyte_raw' } });
  assert.equal(p.relationFor('stg_users')?.render(), '"vault"."dv_dev_dv"."stg_users"');
  assert.equal(p.varOf('raw_schema'), 'airbyte_raw');
  assert.equal(p.sourceRelation('raw', 'users')?.render(), '"vault"."airbyte_raw"."users"');
  assert.equal(load().sourceRelation('raw', 'users')?.render(), '"vault"."raw"."users"');
});

test('the process environment overrides .env and defaults', () => {
  const r = resolved(load({ env: { DBT_PORT: '7000', DBT_HOST: 'db.example.com', DBT_SCHEMA: 'x' } }).target);
  assert.equal(r.target.kind === 'postgres' && r.target.port, 7000);
  assert.equal(r.target.kind === 'postgres' && r.target.host, 'db.example.com');
  assert.equal(r.schema, 'x');
});

test('an unset env_var without default: read commands fall back to embedded naming the variable', () => {
  withoutDotenv((root) => {
    const p = load({ env: { DBT_PORT: '5432' } }, root);
    const r = resolved(p.target);
    assert.equal(r.selectedBy, 'fallback');
    assert.equal(r.target.kind, 'embedded');
    assert.match(r.fallbackReason ?? '', /target 'dev' of profile 'env_project': environment variable DBT_USER \(used for user\) is not set/);
    assert.match(r.fallbackReason ?? '', /using target embedded$/);
    // Embedded builds into the default target's schema, which resolves by itself.
    assert.equal(r.schema, 'dv_dev');
    assert.equal(p.relationFor('stg_users')?.render(), '"postgres"."dv_dev_dv"."stg_users"');
    const dv105 = p.diagnostics().filter((d) => d.code === 'DV105');
    assert.equal(dv105.length, 1);
    assert.equal(dv105[0]?.file, join(root, 'profiles.yml'));
  });
});

test('an unset env_var without default: write commands stop with the hint --target embedded', () => {
  withoutDotenv((root) => {
    const r = load({ purpose: 'write', env: {} }, root).target;
    assert.equal(r.ok, false);
    assert.ok(!r.ok);
    assert.match(r.reason, /environment variables DBT_PORT \(used for port\), DBT_USER \(used for user\) are not set and have no default/);
    assert.equal(r.hint, '--target embedded');
  });
});

test('an unset password variable keeps the target usable and names the variable', () => {
  withoutDotenv((root) => {
    const r = resolved(load({ env: { DBT_PORT: '5432', DBT_USER: 'u' }, purpose: 'write' }, root).target);
    assert.equal(r.target.kind, 'postgres');
    assert.equal(r.target.kind === 'postgres' && r.target.password, undefined);
    assert.equal(r.passwordEnvVar, 'DBT_PASSWORD');
    assert.equal(r.target.kind === 'postgres' && r.target.passwordSource, 'env var DBT_PASSWORD');
  });
});

test('target selection: --target, then DVS_TARGET, then the profile default', () => {
  const ci = load({ targetName: 'ci', env: { CI_HOST: 'ci.internal' } });
  assert.equal(resolved(ci.target).selectedBy, 'option');
  assert.equal(resolved(ci.target).target.name, 'ci');
  const viaEnv = load({ env: { DVS_TARGET: 'ci', CI_HOST: 'ci.internal' } });
  assert.equal(resolved(viaEnv.target).selectedBy, 'env');
  assert.equal(viaEnv.relationFor('stg_users')?.render(), '"ci"."ci_schema_dv"."stg_users"');
  const optionWins = load({ targetName: 'embedded', env: { DVS_TARGET: 'ci' } });
  assert.equal(resolved(optionWins.target).target.kind, 'embedded');
  // The profile's own default may come from env_var too.
  const viaProfile = load({ env: { DBT_TARGET: 'ci', CI_HOST: 'h' } });
  assert.equal(resolved(viaProfile.target).target.name, 'ci');
  assert.equal(resolved(viaProfile.target).selectedBy, 'profile-default');
});

test('an explicitly named target never falls back', () => {
  const missingVar = load({ targetName: 'ci' }).target;
  assert.ok(!missingVar.ok);
  assert.match(missingVar.reason, /^--target ci: target 'ci' of profile 'env_project': environment variable CI_HOST \(used for host\) is not set/);
  const viaEnv = load({ env: { DVS_TARGET: 'ci' } }).target;
  assert.ok(!viaEnv.ok);
  assert.match(viaEnv.reason, /^DVS_TARGET=ci:/);
  const unknown = load({ targetName: 'deve' }).target;
  assert.ok(!unknown.ok);
  assert.match(unknown.reason, /target 'deve' is not in profile 'env_project' \(targets: embedded, dev, ci, duck\)\. Did you mean 'dev'\?/);
  const duck = load({ targetName: 'duck' }).target;
  assert.ok(!duck.ok);
  assert.match(duck.reason, /type 'duckdb' is not supported/);
});

test('embedded always exists and uses the default target schema', () => {
  const p = load({ targetName: 'embedded' });
  const r = resolved(p.target);
  assert.deepEqual(r.target, { name: 'embedded', kind: 'embedded', schema: 'dv_dev' });
  assert.equal(r.database, 'postgres');
  assert.deepEqual(p.targetNames(), ['embedded', 'dev', 'ci', 'duck']);
});

test('no message or diagnostic ever contains the password', () => {
  const all: unknown[] = [];
  for (const options of [{}, { targetName: 'ci' }, { targetName: 'nope' }, { purpose: 'write' as const }, { targetName: 'duck' }]) {
    const p = load(options);
    all.push(p.diagnostics(), p.target.ok ? p.target.fallbackReason : p.target.reason, [...p.targetValue]);
  }
  withoutDotenv((root) => all.push(load({}, root).target, load({}, root).diagnostics()));
  assert.ok(!JSON.stringify(all).includes('s3cr3t'));
});

test('profiles.yml is found as dbt finds it: --profiles-dir, DBT_PROFILES_DIR, project folder, ~/.dbt', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-profiles-search-'));
  try {
    const project = join(dir, 'project');
    const home = join(dir, 'home');
    const explicit = join(dir, 'explicit');
    const fromEnv = join(dir, 'from-env');
    for (const d of [project, join(home, '.dbt'), explicit, fromEnv]) mkdirSync(d, { recursive: true });
    const env = (vars: Record<string, string>) => projectEnvironment(project, nodeFileSystem, vars);
    const find = (profilesDir?: string, vars: Record<string, string> = {}) =>
      findProfilesFile({ projectRoot: project, profilesDir, env: env(vars), homeDir: home }, nodeFileSystem).file;
    assert.equal(find(), undefined);
    writeFileSync(join(home, '.dbt', 'profiles.yml'), 'p: {}\n');
    assert.equal(find(), join(home, '.dbt', 'profiles.yml'));
    writeFileSync(join(project, 'profiles.yml'), 'p: {}\n');
    assert.equal(find(), join(project, 'profiles.yml'));
    writeFileSync(join(fromEnv, 'profiles.yml'), 'p: {}\n');
    assert.equal(find(undefined, { DBT_PROFILES_DIR: fromEnv }), join(fromEnv, 'profiles.yml'));
    writeFileSync(join(explicit, 'profiles.yml'), 'p: {}\n');
    assert.equal(find(explicit, { DBT_PROFILES_DIR: fromEnv }), join(explicit, 'profiles.yml'));
    // A named folder without the file is not silently replaced by another place.
    const search = findProfilesFile({ projectRoot: project, profilesDir: join(dir, 'empty'), env: env({}), homeDir: home }, nodeFileSystem);
    assert.equal(search.file, undefined);
    assert.deepEqual(search.searched, [join(dir, 'empty', 'profiles.yml')]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a profile without `target:` uses the output named default; a missing profile is explained', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-profiles-default-'));
  try {
    writeFileSync(join(dir, 'dbt_project.yml'), 'name: p\nprofile: p\n');
    writeFileSync(join(dir, 'profiles.yml'), 'p:\n  outputs:\n    default:\n      type: postgres\n      host: h\n      user: u\n      port: 5433\n      database: d\n      schema: s\n');
    const r = resolved(load({}, dir).target);
    assert.equal(r.target.name, 'default');
    assert.equal(r.target.kind === 'postgres' && r.target.dbname, 'd');
    writeFileSync(join(dir, 'dbt_project.yml'), 'name: p\nprofile: q\n');
    const missing = load({}, dir).target;
    assert.ok(missing.ok);
    assert.match(missing.fallbackReason ?? '', /profile 'q' is not in .*profiles\.yml \(did you mean 'p'\?\)/);
    writeFileSync(join(dir, 'dbt_project.yml'), 'name: p\nprofile: p\n');
    writeFileSync(join(dir, 'profiles.yml'), "p:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n      host: h\n      user: u\n      port: 'abc'\n      dbname: d\n      schema: s\n");
    const badPort = load({ purpose: 'write' }, dir).target;
    assert.ok(!badPort.ok);
    assert.match(badPort.reason, /`port:` must be a whole number, got 'abc'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('env_var and var accept their default as a keyword argument', () => {
  const env = projectEnvironment(fixture, nodeFileSystem, {});
  const r = renderYamlString("{{ env_var('NOPE', default='d1') }}-{{ var('nope', default='d2') }}", { env, lookupVar: () => undefined }, { start: 0, end: 0 });
  assert.equal(r.value, 'd1-d2');
  assert.deepEqual(r.missingEnvVars, []);
});
