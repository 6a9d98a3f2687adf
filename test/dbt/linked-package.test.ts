// dbt deps links a `local:` package into dbt_packages/ with a symbolic link: the package's macros are found through
// the link (the project's FileSystem lists linked folders and resolves the link), and a dangling link is no package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installedPackageMacros } from '../../server/src/dbt/package-macros';
import { ProjectSession } from '../../server/src/engine/session';

test('a package linked into dbt_packages is read through its link; a dangling link is skipped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-linked-'));
  try {
    const pkg = join(dir, 'garden_utils');
    mkdirSync(join(pkg, 'macros'), { recursive: true });
    writeFileSync(join(pkg, 'dbt_project.yml'), "name: garden_utils\nversion: '1.2.0'\nconfig-version: 2\n");
    writeFileSync(join(pkg, 'macros', 'greet.sql'), "{% macro greet(x) %}hello {{ x }}{% endmacro %}\n");
    const proj = join(dir, 'proj');
    mkdirSync(join(proj, 'dbt_packages'), { recursive: true });
    mkdirSync(join(proj, 'models'));
    writeFileSync(join(proj, 'dbt_project.yml'), "name: proj\nversion: '1.0'\nconfig-version: 2\nprofile: proj\n");
    symlinkSync(pkg, join(proj, 'dbt_packages', 'garden_utils'), 'dir');
    symlinkSync(join(dir, 'missing'), join(proj, 'dbt_packages', 'gone'), 'dir');
    const project = new ProjectSession(proj, { env: {}, homeDir: dir }).project;
    const found = installedPackageMacros(project);
    assert.deepEqual(found.map((p) => [p.name, p.version, p.macros.map((m) => m.name)]), [['garden_utils', '1.2.0', ['greet']]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
