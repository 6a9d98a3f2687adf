// Jinja and edge cases inside project YAML, on small projects written to temp folders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadProject, type DbtProject, type LoadProjectOptions } from '../../server/src/project';
import { extractDependencies } from './extractor';

function withProject(files: Record<string, string>, fn: (load: (o?: Partial<LoadProjectOptions>) => DbtProject, root: string) => void): void {
  const root = mkdtempSync(join(tmpdir(), 'dvs-yaml-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    fn((o = {}) => loadProject(root, { extractDependencies, env: {}, homeDir: join(root, 'no-home'), ...o }), root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('an env_var without default in dbt_project.yml is DV104 at the value; a var without default is DV107', () => {
  const project = 'name: p\nprofile: p\nmodels:\n  p:\n    +schema: "{{ env_var(\'MISSING_SCHEMA\') }}"\n    +alias: "{{ var(\'no_such_var\') }}"\n';
  withProject({ 'dbt_project.yml': project, 'models/m.sql': 'select 1' }, (load) => {
    const p = load();
    const diags = p.diagnosticsFor('dbt_project.yml');
    assert.deepEqual(diags.map((d) => [d.code, d.severity]), [
      ['DV104', 'error'],
      ['DV107', 'warning'],
    ]);
    assert.match(diags[0]?.message ?? '', /Environment variable 'MISSING_SCHEMA'.*env_var\('MISSING_SCHEMA', '…'\)/);
    const span = diags[0]?.span;
    assert.equal(span && project.slice(span.start, span.end), `"{{ env_var('MISSING_SCHEMA') }}"`);
    assert.equal(load({ env: { MISSING_SCHEMA: 'x' } }).diagnosticsFor('dbt_project.yml').length, 1);
  });
});

test('target is visible to Jinja in folder configs (e.g. enabled only on prod)', () => {
  const files = {
    'dbt_project.yml': 'name: p\nprofile: p\nmodels:\n  p:\n    prod_only:\n      +enabled: "{{ target.name == \'prod\' }}"\n      +schema: "{{ target.schema }}_x"\n',
    'profiles.yml': 'p:\n  target: dev\n  outputs:\n    dev: {type: postgres, host: h, user: u, port: 1, dbname: d, schema: s}\n    prod: {type: postgres, host: h, user: u, port: 1, dbname: d, schema: live}\n',
    'models/prod_only/m.sql': 'select 1',
  };
  withProject(files, (load) => {
    const dev = load();
    assert.equal(dev.node('m')?.enabled, false);
    const prod = load({ targetName: 'prod' });
    assert.equal(prod.node('m')?.enabled, true);
    // +schema renders to live_x; dbt's default naming prefixes the target schema.
    assert.equal(prod.node('m')?.relation.render(), '"d"."live_live_x"."m"');
  });
});

test('a profile value whose Jinja does not render makes the target unresolvable with the reason', () => {
  const files = {
    'dbt_project.yml': 'name: p\nprofile: p\n',
    'profiles.yml': "p:\n  target: dev\n  outputs:\n    dev: {type: postgres, host: \"{{ env_var('H' }}\", user: u, port: 1, dbname: d, schema: s, password: \"{{ secret-value\"}\n",
  };
  withProject(files, (load) => {
    const t = load({ purpose: 'write' }).target;
    assert.ok(!t.ok);
    assert.match(t.reason, /`host:` does not render/);
  });
});

test('config-version 1 projects may write dict configs without +; sources can turn quoting off and be disabled', () => {
  const files = {
    'dbt_project.yml': 'name: p\nprofile: p\nconfig-version: 1\nsource-paths: [models]\nmodels:\n  p:\n    meta: {owner: a}\n    vault:\n      meta: {layer: raw}\n',
    'models/vault/m.sql': "select * from {{ source('raw', 'users') }} join {{ source('raw', 'off') }} on true",
    'models/src.yml': 'sources:\n  - name: raw\n    database: lake\n    quoting: {identifier: false}\n    tables:\n      - name: users\n        identifier: USERS\n      - name: "off"\n        config: {enabled: false}\n',
  };
  withProject(files, (load) => {
    const p = load();
    assert.deepEqual(p.node('m')?.config.values.get('meta'), new Map([['owner', 'a'], ['layer', 'raw']]));
    assert.equal(p.sourceRelation('raw', 'users')?.render(), '"lake"."raw".USERS');
    const d = p.diagnosticsFor('models/vault/m.sql');
    assert.deepEqual(d.map((x) => x.code), ['DV102']);
    assert.match(d[0]?.message ?? '', /disabled/);
  });
});

test('refs into other packages and to installed package models are not reported', () => {
  const files = {
    'dbt_project.yml': 'name: p\nprofile: p\n',
    'models/m.sql': "select * from {{ ref('dbt_utils', 'anything') }} join {{ ref('pkg_model') }} on true join {{ ref('p', 'other') }} on true",
    'models/other.sql': 'select 1',
    'dbt_packages/some_pkg/dbt_project.yml': 'name: some_pkg\n',
    'dbt_packages/some_pkg/models/pkg_model.sql': 'select 1',
  };
  withProject(files, (load) => {
    const p = load();
    assert.deepEqual(p.diagnostics(), []);
    assert.deepEqual(p.parents('m'), ['other']);
  });
});
