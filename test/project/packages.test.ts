import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compatForVersion, readPackages, versionFromSpec } from '../../server/src/project/packages';
import { nodeFileSystem } from '../../server/src/project/file-system';

const fixtures = join(__dirname, '..', 'fixtures', 'projects');

// version → [satLogic, hashing], at each boundary of the version matrix (0.9.7's sat is 0.9.6's, latest-only).
const COMPAT_TABLE: [string | undefined, string, string, string][] = [
  [undefined, '0.11.5', 'lag-default', 'binary'],
  ['0.11.5', '0.11.5', 'lag-default', 'binary'],
  ['0.11.1', '0.11.1', 'lag-default', 'binary'],
  ['0.11.0', '0.11.0', 'first-record', 'binary'],
  ['0.10.1', '0.10.1', 'first-record', 'binary'],
  ['0.10.0', '0.10.0', 'first-record', 'binary'],
  ['0.9.7', '0.9.7', 'latest-only', 'binary'],
  ['0.9.6', '0.9.6', 'latest-only', 'upper-hex-text'],
  ['0.9.2', '0.9.2', 'latest-only', 'upper-hex-text'],
  ['0.7.3', '0.7.3', 'latest-only', 'upper-hex-text'],
  ['v0.10', '0.10.0', 'first-record', 'binary'],
];

for (const [version, emulated, satLogic, hashing] of COMPAT_TABLE) {
  test(`AutomateDV ${version ?? '(not pinned)'} → ${satLogic}, ${hashing}`, () => {
    assert.deepEqual(compatForVersion(version), { version: emulated, satLogic, hashing });
  });
}

test('version specs: exact, or the newest release inside a range (what dbt deps installs)', () => {
  assert.equal(versionFromSpec(['0.11.0']), '0.11.0');
  assert.equal(versionFromSpec(['>=0.10.0', '<0.11.0']), '0.10.2');
  assert.equal(versionFromSpec(['>=0.9.0, <1.0.0']), '0.11.5');
  assert.equal(versionFromSpec(['>=0.11.0', '<0.12.0']), '0.11.5');
  assert.equal(versionFromSpec(['>0.9.0', '<=0.9.7']), '0.9.7');
  assert.equal(versionFromSpec(['==0.9.6']), '0.9.6');
  assert.equal(versionFromSpec(['<0.11.0']), '0.10.2', 'an upper bound alone: the newest release below it');
  assert.equal(versionFromSpec(['0.10']), '0.10.0');
  assert.equal(versionFromSpec([]), undefined);
  // The dbtvault name was published up to 0.9.5 (spec §0).
  assert.equal(versionFromSpec(['>=0.9.0', '<1.0.0'], 'dbtvault'), '0.9.5');
  // No known release inside the range (dbtvault 0.7.x/0.8.x): its lower bound; an upper bound alone pins nothing.
  assert.equal(versionFromSpec(['>=0.7.0', '<0.8.0'], 'dbtvault'), '0.7.0');
  assert.equal(versionFromSpec(['<0.8.0'], 'dbtvault'), undefined);
});

test('a range such as [">=0.11.0", "<0.12.0"] emulates 0.11.5, as dbt deps installs it, not 0.11.0', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-packages-'));
  try {
    writeFileSync(join(dir, 'packages.yml'), 'packages:\n  - package: Datavault-UK/automate_dv\n    version: [">=0.11.0", "<0.12.0"]\n');
    const p = readPackages(dir, 'dbt_packages', nodeFileSystem);
    assert.equal(p.automateDv?.spec, '>=0.11.0, <0.12.0');
    assert.deepEqual(p.compat, { version: '0.11.5', satLogic: 'lag-default', hashing: 'binary' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the modern fixture pins automate_dv 0.11.0 in packages.yml', () => {
  const p = readPackages(join(fixtures, 'modern'), 'dbt_packages', nodeFileSystem);
  assert.equal(p.automateDv?.name, 'automate_dv');
  assert.equal(p.automateDv?.version, '0.11.0');
  assert.equal(p.automateDv?.from, 'packages.yml');
  assert.deepEqual(p.compat, { version: '0.11.0', satLogic: 'first-record', hashing: 'binary' });
  assert.deepEqual(p.declared, ['automate_dv', 'dbt_utils']);
});

test('the legacy fixture uses dbtvault 0.7.x: latest-only satellites, hex-text hashes', () => {
  const p = readPackages(join(fixtures, 'legacy'), 'dbt_modules', nodeFileSystem);
  assert.equal(p.automateDv?.name, 'dbtvault');
  assert.equal(p.automateDv?.spec, '>=0.7.0, <0.8.0');
  assert.deepEqual(p.compat, { version: '0.7.0', satLogic: 'latest-only', hashing: 'upper-hex-text' });
});

test('installed package beats the lock file, which beats packages.yml; git revisions are read as versions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-packages-'));
  try {
    writeFileSync(join(dir, 'packages.yml'), 'packages:\n  - git: "https://github.com/Datavault-UK/automate-dv.git"\n    revision: v0.9.6\n');
    let p = readPackages(dir, 'dbt_packages', nodeFileSystem);
    assert.equal(p.automateDv?.version, '0.9.6');
    assert.equal(p.automateDv?.spec, 'git v0.9.6');
    assert.equal(p.compat.hashing, 'upper-hex-text');

    writeFileSync(join(dir, 'package-lock.yml'), 'packages:\n  - package: Datavault-UK/automate_dv\n    version: 0.10.1\nsha1_hash: abc\n');
    p = readPackages(dir, 'dbt_packages', nodeFileSystem);
    assert.equal(p.automateDv?.from, 'package-lock.yml');
    assert.equal(p.compat.satLogic, 'first-record');

    mkdirSync(join(dir, 'dbt_packages', 'automate_dv'), { recursive: true });
    writeFileSync(join(dir, 'dbt_packages', 'automate_dv', 'dbt_project.yml'), "name: automate_dv\nversion: '0.11.2'\n");
    p = readPackages(dir, 'dbt_packages', nodeFileSystem);
    assert.equal(p.automateDv?.from, 'installed');
    assert.deepEqual(p.compat, { version: '0.11.2', satLogic: 'lag-default', hashing: 'binary' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unquoted version such as 0.10 is read as written, not as the number 0.1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-packages-'));
  try {
    writeFileSync(join(dir, 'packages.yml'), 'packages:\n  - package: Datavault-UK/automate_dv\n    version: 0.10\n');
    assert.equal(readPackages(dir, 'dbt_packages', nodeFileSystem).automateDv?.version, '0.10.0');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a git package pinned to a commit, or no vault package at all, emulates 0.11.5', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-packages-'));
  try {
    let p = readPackages(dir, 'dbt_packages', nodeFileSystem);
    assert.equal(p.automateDv, undefined);
    assert.equal(p.compat.version, '0.11.5');
    writeFileSync(join(dir, 'packages.yml'), 'packages:\n  - git: "https://github.com/Datavault-UK/dbtvault"\n    revision: 3f2a9c1\n');
    p = readPackages(dir, 'dbt_packages', nodeFileSystem);
    assert.equal(p.automateDv?.name, 'dbtvault');
    assert.equal(p.automateDv?.version, undefined);
    assert.equal(p.compat.version, '0.11.5');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a broken packages.yml is a DV021 diagnostic, not an exception', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-packages-'));
  try {
    writeFileSync(join(dir, 'packages.yml'), 'packages:\n  - package: [\n');
    const p = readPackages(dir, 'dbt_packages', nodeFileSystem);
    assert.equal(p.diagnostics[0]?.diagnostic.code, 'DV021');
    assert.equal(p.diagnostics[0]?.file, join(dir, 'packages.yml'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
