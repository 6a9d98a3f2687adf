// What the project's packages leave unknowable: packages declared in packages.yml that are not installed (a ref() to
// no model of the project may name one of their models), and an AutomateDV that is a git or local fork (its macros may
// go beyond the releases dvs knows). Findings that hinge on these are information, not errors: dbt with the package
// installed may well succeed.
import { joinPath, type FileSystem } from './file-system';
import type { AutomateDvPackage } from './packages';

/**
 * Packages that only ship macros, never models or seeds: one of them missing cannot explain an unknown ref(), so a
 * typo there stays an error.
 */
const MACRO_ONLY_PACKAGES = new Set([
  'automate_dv',
  'dbtvault',
  'dbt_utils',
  'dbt_date',
  'codegen',
  'audit_helper',
  'dbt_expectations',
  'dbt_external_tables',
  'dbt_project_evaluator_macros',
]);

/** Names of the packages installed under the install path: each folder's name and its dbt_project.yml `name:`. */
export function installedPackageNames(root: string, packagesInstallPath: string, files: FileSystem): Set<string> {
  const installDir = joinPath(root, packagesInstallPath);
  const names = new Set<string>();
  for (const projectYml of files.listFiles(installDir, (p) => p.endsWith('/dbt_project.yml'))) {
    const pkgRoot = projectYml.slice(0, -'/dbt_project.yml'.length);
    const folder = pkgRoot.slice(installDir.length + 1);
    if (folder.includes('/')) continue;
    names.add(folder);
    const declaredName = /^name:\s*['"]?([A-Za-z_][A-Za-z0-9_]*)/m.exec(files.readFile(projectYml) ?? '')?.[1];
    if (declaredName) names.add(declaredName);
  }
  return names;
}

/**
 * Declared packages (by the name packages.ts derives from packages.yml) that are not installed and may hold models.
 * A git repository is often named `dbt_<project>` (dbt_shopify_source installs as shopify_source), so names are
 * compared without that prefix.
 */
export function packagesNotInstalled(declared: readonly string[], installed: ReadonlySet<string>): string[] {
  const bare = (name: string) => name.toLowerCase().replace(/-/g, '_').replace(/^dbt_/, '');
  const present = new Set([...installed].map(bare));
  return declared.filter((name) => !present.has(bare(name)) && !MACRO_ONLY_PACKAGES.has(name) && !MACRO_ONLY_PACKAGES.has(bare(name)));
}

/** The sentence a finding about an unknown model adds when packages that may define it are not installed. */
export function notInstalledReason(missing: readonly string[]): string {
  const list = missing.map((n) => `'${n}'`).join(', ');
  return `${missing.length === 1 ? 'The package' : 'The packages'} ${list} of packages.yml ${missing.length === 1 ? 'is' : 'are'} not installed and may define it; run dbt deps to check.`;
}

/**
 * Where the project's AutomateDV comes from when it is a fork dvs cannot know the macros of ("git, revision x" or
 * "local path ../x"), and only while it is not installed (an installed package's own macros answer the question).
 */
export function automateDvFork(automateDv: AutomateDvPackage | undefined): string | undefined {
  if (!automateDv || automateDv.from === 'installed') return undefined;
  const git = /^git\s+(.*)$/.exec(automateDv.spec);
  if (git) return `git, revision ${git[1]}`;
  const local = /^local\s+(.*)$/.exec(automateDv.spec);
  return local ? `local path ${local[1]}` : undefined;
}

/** Names of the macros an installed AutomateDV (or dbtvault) defines, read from its macros folder. */
export function installedAutomateDvMacroNames(root: string, packagesInstallPath: string, files: FileSystem): Set<string> {
  const names = new Set<string>();
  for (const pkg of ['automate_dv', 'dbtvault']) {
    const macros = joinPath(joinPath(root, packagesInstallPath), joinPath(pkg, 'macros'));
    for (const file of files.listFiles(macros, (p) => p.endsWith('.sql'))) {
      for (const m of (files.readFile(file) ?? '').matchAll(/\{%-?\s*macro\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(/g)) names.add(m[1] as string);
    }
  }
  return names;
}
