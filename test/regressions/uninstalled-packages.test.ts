// The other side of the uninstalled-package and fork regressions: where nothing can explain an unknown name, it stays
// the error dbt raises. A released AutomateDV has no automate_dv.hubb(); a missing macro-only package (dbt_utils)
// defines no model; an installed fork's own macros are known by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { automateDvFork, packagesNotInstalled } from '../../server/src/project/package-status';
import { checkProject } from '../support/check-project';

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-packages-'));
  const all: Record<string, string> = {
    'dbt_project.yml': "name: 'p'\nversion: '1.0.0'\nconfig-version: 2\nprofile: 'p'\n",
    'seeds/raw_customers.csv': 'customer_id,loaded_at\n1,2024-01-01 00:00:00\n',
    'models/stg_customers.sql':
      "{{ automate_dv.stage(include_source_columns=true, source_model='raw_customers', derived_columns={'RECORD_SOURCE': '!RAW', 'LOAD_DATETIME': 'loaded_at'}, hashed_columns={'CUSTOMER_HK': 'customer_id'}) }}\n",
    ...files,
  };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const HUB = "{{ automate_dv.HUB_MACRO(src_pk='CUSTOMER_HK', src_nk='customer_id', src_ldts='LOAD_DATETIME', src_source='RECORD_SOURCE', source_model='stg_customers') }}\n";

test('a macro a released AutomateDV does not have is still a DV204 error', async () => {
  const dir = project({ 'packages.yml': 'packages:\n  - package: Datavault-UK/automate_dv\n    version: 0.11.5\n', 'models/hub_customer.sql': HUB.replace('HUB_MACRO', 'hubb') });
  const { doc } = await checkProject(dir);
  assert.deepEqual(doc.diagnostics.map((d) => `${d.severity} ${d.code}`), ['error DV204']);
});

test('a local AutomateDV fork makes an unknown macro information; installed, its own macros are known by name', async () => {
  const local = project({ 'packages.yml': 'packages:\n  - local: ../automate-dv\n', 'models/hub_customer.sql': HUB.replace('HUB_MACRO', 'hub_with_audit') });
  const { doc } = await checkProject(local);
  assert.deepEqual(doc.diagnostics.map((d) => `${d.severity} ${d.code}`), ['information DV901']);
  assert.match(doc.diagnostics[0]?.message ?? '', /fork \(local path \.\.\/automate-dv\)/);
  const installed = project({
    'packages.yml': 'packages:\n  - git: "https://github.com/acme-data/automate-dv.git"\n    revision: acme-main\n',
    'dbt_packages/automate_dv/dbt_project.yml': "name: 'automate_dv'\nversion: '0.11.5'\nconfig-version: 2\n",
    'dbt_packages/automate_dv/macros/audit.sql': '{%- macro hub_with_audit(src_pk, src_nk, src_ldts, src_source, source_model) -%}select 1{%- endmacro -%}\n',
    'models/hub_customer.sql': HUB.replace('HUB_MACRO', 'hub_with_audit'),
    'models/hub_typo.sql': HUB.replace('HUB_MACRO', 'hub_with_audti'),
  });
  const found = (await checkProject(installed)).doc.diagnostics.filter((d) => d.code === 'DV204');
  assert.deepEqual(found.map((d) => `${d.file} ${d.severity}`), ['models/hub_typo.sql error'], 'the installed fork defines hub_with_audit, not hub_with_audti');
});

test('an unknown ref stays a DV101 error when only macro packages are missing', async () => {
  const dir = project({
    'packages.yml': 'packages:\n  - package: dbt-labs/dbt_utils\n    version: 1.1.1\n  - package: Datavault-UK/automate_dv\n    version: 0.11.5\n',
    'models/report.sql': "select * from {{ ref('stg_custmers') }}\n",
  });
  const { doc } = await checkProject(dir);
  assert.deepEqual(doc.diagnostics.map((d) => `${d.severity} ${d.code}`), ['error DV101']);
});

test('package status: declared packages not installed, and how a fork is named', () => {
  assert.deepEqual(packagesNotInstalled(['dbt_utils', 'shopify_source', 'stripe'], new Set(['stripe'])), ['shopify_source']);
  assert.deepEqual(packagesNotInstalled(['dbt_shopify_source'], new Set(['shopify_source'])), [], 'a git repository dbt_x installs as x');
  const pkg = { name: 'automate_dv' as const, version: undefined, file: 'packages.yml' };
  assert.equal(automateDvFork({ ...pkg, spec: 'git acme-main', from: 'packages.yml' }), 'git, revision acme-main');
  assert.equal(automateDvFork({ ...pkg, spec: 'local ../automate-dv', from: 'packages.yml' }), 'local path ../automate-dv');
  assert.equal(automateDvFork({ ...pkg, spec: '0.11.5', from: 'packages.yml' }), undefined, 'a hub release is no fork');
  assert.equal(automateDvFork({ ...pkg, spec: 'git acme-main', from: 'installed' }), undefined, 'an installed fork answers with its own macros');
});

test('an unknown source stays a DV102 error when no package that may declare it is missing', async () => {
  const dir = project({ 'models/report.sql': "select * from {{ source('shopify', 'order') }}\n" });
  const { doc } = await checkProject(dir);
  assert.deepEqual(doc.diagnostics.map((d) => `${d.severity} ${d.code}`), ['error DV102']);
});
