// With AutomateDV installed, models compile through the package's own macros as dbt renders them. The package here is
// a tiny stand-in written for these tests (test/dbt/fixtures/fake-vault): a hub dispatching to postgres__hub, a
// project override found first by dispatch, a dispatch search order from dbt_project.yml, a helper overridden by the
// project, and an exceptions.raise_compiler_error that must fail the model at its call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../server/src/cli/main';
import type { CliIo } from '../../server/src/cli/io';
import { ProjectSession } from '../../server/src/engine/session';
import { deliberateDeviation, lineDiff, normalizeSql } from '../../server/src/engine/verify-emulation';
import { PGlite } from '@electric-sql/pglite';

const FIXTURE = join(__dirname, 'fixtures', 'fake-vault');

function session(): ProjectSession {
  return new ProjectSession(FIXTURE, { env: {}, runStartedAt: new Date('2024-01-02T03:04:05Z') });
}

function compiled(name: string, s = session()) {
  const node = s.node(name);
  assert.ok(node, `model ${name} exists`);
  return s.compile(node, { formatSql: false });
}

test('hub renders through the package: dispatch to postgres__hub, config.get, model node, modules', () => {
  const c = compiled('hub_customer');
  assert.deepEqual(c.diagnostics.filter((d) => d.severity === 'error'), []);
  const sql = c.rawSql.trim();
  assert.match(sql, /^SELECT DISTINCT stg\.customer_hk, stg\.customer_id, stg\.load_date, stg\.record_source,/);
  assert.match(sql, /'on' AS flag/);
  assert.match(sql, /'model\.fake_vault_project\.hub_customer' AS node/);
  assert.match(sql, /'table' AS materialized/);
  // itertools.repeat prints as Python's repr; re.findall finds the two upper-case words.
  assert.match(sql, /repeat\('0', 4\) AS ghost/);
  assert.match(sql, /'===' AS banner/);
  assert.match(sql, /2 AS upper_words/);
  assert.match(sql, /FROM "[^"]+"\."[^"]+"\."stg_customers" AS stg$/);
});

test('the package SQL runs on PostgreSQL (PGlite)', async () => {
  const s = session();
  const stg = compiled('stg_customers', s).rawSql;
  const hub = compiled('hub_customer', s).rawSql;
  const db = new PGlite();
  try {
    const rel = s.node('stg_customers')!.relation;
    await db.exec(`CREATE SCHEMA IF NOT EXISTS "${rel.schema}"; CREATE TABLE ${rel.render().split('.').slice(1).join('.')} AS ${stg}`);
    const r = await db.query<{ ghost: string; flag: string }>(hub.replace(/"[^"]+"\.("[^"]+"\."stg_customers")/, '$1'));
    assert.equal(r.rows.length, 1);
    assert.equal(r.rows[0]?.ghost, '0000');
    assert.equal(r.rows[0]?.flag, 'on');
  } finally {
    await db.close();
  }
});

test("the project's own postgres__link overrides the package's (the project is in the search order)", () => {
  assert.equal(compiled('link_customer').rawSql.trim(), "SELECT 'project postgres__link' AS impl");
});

test("dispatch follows dbt_project.yml's search order (shim_pkg before the project and automate_dv)", () => {
  assert.equal(compiled('sat_customer').rawSql.trim(), "SELECT 'shim_pkg postgres__sat' AS impl");
});

test('a helper the package dispatches is overridden by the project (default__hash_of)', () => {
  assert.equal(compiled('eff_sat_customer').rawSql.trim(), 'SELECT SHA256(customer_hk) AS impl');
});

test('raise_compiler_error inside the package fails the model at its call, with the package location', () => {
  const s = session();
  const node = s.node('hub_broken')!;
  const text = s.textOf(node);
  const c = s.compile(node, { formatSql: false });
  const errors = c.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(errors.length, 1);
  assert.match(errors[0]!.message, /fake hub: src_pk is required/);
  assert.match(errors[0]!.message, /in macro automate_dv\.postgres__hub, dbt_packages\/automate_dv\/macros\/tables\/hub\.sql line \d+/);
  // At the model's own call, not somewhere inside the package file.
  const span = errors[0]!.span;
  assert.ok(span);
  assert.ok(text.slice(span.start, span.end).startsWith('automate_dv.hub('), text.slice(span.start, span.end));
  // The same model through the emulation has no such error: the emulation is not what ran.
  const emulated = s.compile(node, { formatSql: false, automateDv: 'emulated' });
  assert.ok(!emulated.diagnostics.some((d) => /fake hub/.test(d.message)));
});

test('dvs check reports the package error and --verify-emulation reports each model that differs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-fake-vault-'));
  try {
    cpSync(FIXTURE, dir, { recursive: true });
    const c = { stdout: '', stderr: '' };
    const io: CliIo = { out: (t) => void (c.stdout += t), err: (t) => void (c.stderr += t), cwd: dir, env: {}, isTTY: false };
    const code = await runCli(['check', '--verify-emulation', '--format', 'json'], io);
    assert.equal(code, 1);
    const doc = JSON.parse(c.stdout) as { diagnostics: { file: string; severity: string; message: string }[]; emulation: { package: string; compared: number; differences: { model: string; diff: string[] }[] } };
    // (The fake link/sat/eff_sat take fewer parameters than AutomateDV's: the editor's parameter checks flag those.)
    const errorsIn = (file: string) => doc.diagnostics.filter((d) => d.severity === 'error' && d.file === file);
    assert.deepEqual(errorsIn('models/hub_customer.sql'), []);
    // src_pk=none is caught before compiling by the parameter check; the package's own error is the compile test's.
    assert.equal(errorsIn('models/hub_broken.sql').length, 1);
    assert.equal(doc.emulation.package, 'automate_dv 0.11.5');
    assert.equal(doc.emulation.compared, 7);
    const differing = doc.emulation.differences.map((d) => d.model).sort();
    // hub_broken and nh_link_customer fail both ways (the package raises or lacks the macro; the emulation rejects
    // src_pk=none or the missing src_fk): dbt fails them either way, so they are no difference.
    assert.deepEqual(differing, ['eff_sat_customer', 'hub_customer', 'link_customer', 'relation_probe', 'sat_customer']);
    const hub = doc.emulation.differences.find((d) => d.model === 'hub_customer')!;
    assert.ok(hub.diff.some((l) => l.startsWith('- ') && /FLAG/.test(l)), hub.diff.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--verify-emulation without AutomateDV installed is a configuration problem (exit 2)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-fake-vault-'));
  try {
    cpSync(FIXTURE, dir, { recursive: true });
    rmSync(join(dir, 'dbt_packages'), { recursive: true });
    const c = { stdout: '', stderr: '' };
    const io: CliIo = { out: (t) => void (c.stdout += t), err: (t) => void (c.stderr += t), cwd: dir, env: {}, isTTY: false };
    assert.equal(await runCli(['check', '--verify-emulation'], io), 2);
    assert.match(c.stderr, /run dvs deps/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('adapter.get_relation answers from the project (a table; an ephemeral model is none), should_full_refresh follows --full-refresh', () => {
  assert.equal(
    compiled('relation_probe').rawSql.trim(),
    "SELECT 'table' AS stg_type, true AS ephemeral_is_none,\n    false AS full_refresh, 'False' AS flag,\n    'compile' AS which",
  );
  const full = new ProjectSession(FIXTURE, { env: {}, fullRefresh: true });
  assert.match(compiled('relation_probe', full).rawSql, /true AS full_refresh, 'True' AS flag/);
});

test('a local: package of packages.yml is used before dbt deps links it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-fake-vault-'));
  try {
    cpSync(FIXTURE, join(dir, 'project'), { recursive: true });
    renameSync(join(dir, 'project', 'dbt_packages', 'automate_dv'), join(dir, 'vault_fork'));
    writeFileSync(join(dir, 'project', 'packages.yml'), 'packages:\n  - local: ../vault_fork\n');
    const s = new ProjectSession(join(dir, 'project'), { env: {} });
    assert.match(compiled('hub_customer', s).rawSql, /^SELECT DISTINCT stg\.customer_hk/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a macro the installed version lacks fails the model, naming the package', () => {
  const errors = compiled('nh_link_customer').diagnostics.filter((d) => d.severity === 'error');
  assert.equal(errors.length, 1);
  assert.match(errors[0]!.message, /the installed package 'automate_dv' has no macro 'nh_link'/);
});

test('formatting differences are not differences; a changed word is', () => {
  const a = normalizeSql('select a.X,\n  b from t -- note\n');
  const b = normalizeSql('SELECT  a.x, b\nFROM t');
  assert.deepEqual(a, b);
  const c = normalizeSql('SELECT a.x, c FROM t');
  const diff = lineDiff(a, c);
  assert.ok(diff.some((l) => l.startsWith('- ') && /\bB\b/.test(l)));
  assert.ok(diff.some((l) => l.startsWith('+ ') && /\bC\b/.test(l)));
});

test("the emulation's apply_source_filter join is a deliberate deviation; any other change is not", () => {
  const packageSql = normalizeSql(
    'SELECT s.* FROM stage AS s LEFT JOIN latest_records AS sat ON sat.pk = s.pk WHERE sat.pk IS NULL OR s.ldts > (SELECT MAX(ldts) FROM latest_records AS sat WHERE sat.pk = s.pk)',
  );
  const emulationSql = normalizeSql('SELECT s.* FROM stage AS s LEFT JOIN latest_records AS sat ON sat.pk = s.pk WHERE sat.pk IS NULL OR s.ldts > sat.ldts');
  assert.match(deliberateDeviation(packageSql, emulationSql) ?? '', /apply_source_filter/);
  const otherwise = normalizeSql('SELECT s.* FROM stage AS s LEFT JOIN latest_records AS sat ON sat.pk = s.pk WHERE sat.pk IS NULL OR s.ldts >= sat.ldts');
  assert.equal(deliberateDeviation(packageSql, otherwise), undefined);
});
