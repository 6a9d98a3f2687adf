// Which package is AutomateDV, and which release is installed: a git package whose URL merely contains "automate-dv"
// is another package (regression: its revision was taken for AutomateDV's version); a git repository outside
// Datavault-UK or a local folder is a fork; and the releases whose dbt_project.yml names the release before them
// (0.9.6 says 0.9.5, 0.11.1 says 0.11.0) are told apart by their macros. Every package folder here is written by the
// test: tiny stand-ins with only the texts the reader looks at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AUTOMATE_DV_VERSIONS, behaviourAt, type InstalledVersionFingerprint } from '../../server/src/base/automate-dv-versions';
import { gitRepository, readPackages } from '../../server/src/project/packages';
import { nodeFileSystem } from '../../server/src/project/file-system';

function withProject(files: Record<string, string>, body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-packages-identity-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fingerprintsAt = (claimed: string) => behaviourAt<readonly InstalledVersionFingerprint[]>(AUTOMATE_DV_VERSIONS.installedVersionFingerprints, claimed);
const read = (dir: string) => readPackages(dir, 'dbt_packages', nodeFileSystem);

test('gitRepository reads owner and name from https, ssh and .git forms', () => {
  assert.deepEqual(gitRepository('https://github.com/Datavault-UK/automate-dv.git'), { owner: 'Datavault-UK', name: 'automate-dv' });
  assert.deepEqual(gitRepository('https://github.com/Datavault-UK/dbtvault'), { owner: 'Datavault-UK', name: 'dbtvault' });
  assert.deepEqual(gitRepository('git@github.com:Datavault-UK/automate-dv.git'), { owner: 'Datavault-UK', name: 'automate-dv' });
  assert.deepEqual(gitRepository('https://gitlab.example.com/team/automate-dv-extensions.git/'), { owner: 'team', name: 'automate-dv-extensions' });
});

test('regression: a git package named automate-dv-extensions is not AutomateDV, and its revision is not the AutomateDV version', () => {
  const extension = '  - git: https://github.com/example-org/automate-dv-extensions.git\n    revision: v1.2.0\n';
  withProject({ 'packages.yml': `packages:\n${extension}` }, (dir) => {
    const p = read(dir);
    assert.equal(p.automateDv, undefined);
    assert.equal(p.compat.version, '0.11.5', 'nothing pinned: the default');
    assert.deepEqual(p.declared, ['automate_dv_extensions']);
  });
  withProject({ 'packages.yml': `packages:\n${extension}  - package: Datavault-UK/automate_dv\n    version: 0.10.1\n` }, (dir) => {
    const p = read(dir);
    assert.equal(p.automateDv?.version, '0.10.1');
    assert.equal(p.automateDv?.spec, '0.10.1');
    assert.equal(p.compat.version, '0.10.1');
  });
  withProject({ 'packages.yml': 'packages:\n  - git: https://github.com/example-org/my-dbtvault-macros.git\n    revision: 2.0.0\n' }, (dir) => {
    assert.equal(read(dir).automateDv, undefined);
  });
});

test("Datavault-UK's own repositories are AutomateDV (with or without .git); another owner's automate-dv or dbtvault is a fork", () => {
  const cases: [string, string, 'automate_dv' | 'dbtvault', boolean][] = [
    ['https://github.com/Datavault-UK/automate-dv.git', 'v0.10.1', 'automate_dv', false],
    ['https://github.com/Datavault-UK/automate-dv', 'v0.11.3', 'automate_dv', false],
    ['git@github.com:Datavault-UK/dbtvault.git', 'v0.9.2', 'dbtvault', false],
    ['https://github.com/example-analytics/dbtvault.git', 'v0.7.3', 'dbtvault', true],
  ];
  for (const [url, revision, name, fork] of cases) {
    withProject({ 'packages.yml': `packages:\n  - git: ${url}\n    revision: ${revision}\n` }, (dir) => {
      const p = read(dir);
      assert.equal(p.automateDv?.name, name, url);
      assert.equal(p.automateDv?.version, revision.replace(/^v/, ''), url);
      assert.equal(p.compat.fork === true, fork, url);
    });
  }
});

test('a local package is known by its dbt_project.yml name and is a fork; a local package of another name is not AutomateDV', () => {
  withProject(
    {
      'packages.yml': 'packages:\n  - local: vendor/dv\n',
      'vendor/dv/dbt_project.yml': 'name: automate_dv\nversion: 0.11.2\n',
    },
    (dir) => {
      const p = read(dir);
      assert.equal(p.automateDv?.name, 'automate_dv');
      assert.equal(p.compat.fork, true);
    },
  );
  withProject(
    {
      'packages.yml': 'packages:\n  - local: vendor/automate-dv\n',
      'vendor/automate-dv/dbt_project.yml': 'name: automate_dv_helpers\nversion: 1.0.0\n',
    },
    (dir) => assert.equal(read(dir).automateDv, undefined),
  );
});

const SAT_0_11_0 = '-- stand-in written by the test\nWITH first_record_in_set AS (SELECT 1)\nSELECT 1\n';
const SAT_0_11_1 = '-- stand-in written by the test\nWITH unique_source_records AS (SELECT 1)\nSELECT 1\n';

test('installedVersionFingerprints: 0.11.1 (which says 0.11.0) is told apart by its sat; 0.11.0 stays 0.11.0', () => {
  assert.equal(fingerprintsAt('0.11.0').length, 1);
  assert.equal(fingerprintsAt('0.11.2').length, 0);
  const installed = (sat: string) => ({
    'packages.yml': 'packages:\n  - package: Datavault-UK/automate_dv\n    version: [">=0.11.0", "<0.12.0"]\n',
    'dbt_packages/automate_dv/dbt_project.yml': 'name: automate_dv\nversion: 0.11.0\n',
    'dbt_packages/automate_dv/macros/tables/postgres/sat.sql': sat,
  });
  withProject(installed(SAT_0_11_1), (dir) => {
    const p = read(dir);
    assert.equal(p.automateDv?.from, 'installed');
    assert.equal(p.automateDv?.version, '0.11.1');
    assert.equal(p.compat.satLogic, 'lag-default', "0.11.1's sat, not 0.11.0's");
  });
  withProject(installed(SAT_0_11_0), (dir) => {
    const p = read(dir);
    assert.equal(p.automateDv?.version, '0.11.0');
    assert.equal(p.compat.satLogic, 'first-record');
  });
});

test("installedVersionFingerprints: 0.9.6 (which says 0.9.5) dispatches to 'automate_dv'; dbtvault 0.9.5 stays 0.9.5", () => {
  withProject(
    {
      'dbt_packages/automate_dv/dbt_project.yml': 'name: automate_dv\nversion: 0.9.5\n',
      'dbt_packages/automate_dv/macros/staging/stage.sql': "{# stand-in #}{{ adapter.dispatch('stage', 'automate_dv')() }}\n",
    },
    (dir) => {
      const p = read(dir);
      assert.equal(p.automateDv?.version, '0.9.6');
      assert.equal(p.compat.version, '0.9.6');
    },
  );
  withProject(
    {
      'dbt_packages/dbtvault/dbt_project.yml': 'name: dbtvault\nversion: 0.9.5\n',
      'dbt_packages/dbtvault/macros/staging/stage.sql': "{# stand-in #}{{ adapter.dispatch('stage', 'dbtvault')() }}\n",
    },
    (dir) => {
      const p = read(dir);
      assert.equal(p.automateDv?.name, 'dbtvault');
      assert.equal(p.automateDv?.version, '0.9.5');
    },
  );
});
