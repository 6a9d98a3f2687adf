// Which AutomateDV (or its former name, dbtvault) the project uses, and at which version, so the compiler reproduces
// that version's satellites and hashes (spec §0). The installed package is the best evidence, then the lock file,
// then packages.yml / dependencies.yml; without any, 0.11.5 is emulated.
import { AUTOMATE_DV_VERSIONS, behaviourAt, type InstalledVersionFingerprint } from '../base/automate-dv-versions';
import type { Diagnostic } from '../base/diagnostic';
import type { Span } from '../base/text';
import { DEFAULT_COMPAT, type AutomateDvCompat } from '../base/compat';
import { isAbsolutePath, joinPath, toSlashes, type FileSystem } from './file-system';
import { parseYaml, scalarText, stringList, valueOf, type YValue } from './yaml-tree';

export type VaultPackageName = 'automate_dv' | 'dbtvault';

export interface AutomateDvPackage {
  name: VaultPackageName;
  /** The version emulated for this package: exact, the newest release a range allows, or a git tag's version. */
  version: string | undefined;
  /** What the project wrote: "0.11.0", ">=0.10.0, <0.11.0", "git v0.9.6". */
  spec: string;
  /** Where the version was found. */
  from: 'installed' | 'package-lock.yml' | 'packages.yml' | 'dependencies.yml';
  file: string;
  span?: Span;
  /** A git repository other than Datavault-UK's, or a local folder: possibly patched, so only information where the release would fail. */
  fork?: boolean;
}

export interface PackagesInfo {
  /** The AutomateDV/dbtvault dependency, if the project declares or installs one. */
  automateDv: AutomateDvPackage | undefined;
  compat: AutomateDvCompat;
  /** Names of every declared package (`Datavault-UK/automate_dv` → `automate_dv`), for "package not installed" hints. */
  declared: string[];
  diagnostics: { file: string; diagnostic: Diagnostic }[];
}

/**
 * Maps an AutomateDV version to the behaviour to emulate; undefined means the default 0.11.5. The satellite logic and
 * the hash encoding come from the version matrix (server/src/base/automate-dv-versions.ts).
 */
export function compatForVersion(version: string | undefined): AutomateDvCompat {
  const v = version ? parseVersion(version) : undefined;
  if (!v || !version) return DEFAULT_COMPAT;
  const exact = v.join('.');
  return {
    version: exact,
    satLogic: behaviourAt(AUTOMATE_DV_VERSIONS.satLogic, exact),
    hashing: behaviourAt(AUTOMATE_DV_VERSIONS.hashEncoding, exact),
  };
}

/** "v0.9.6", "0.11.0", "1.2" → [major, minor, patch]; undefined when the text holds no version. */
export function parseVersion(text: string): [number, number, number] | undefined {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Releases published on the dbt package hub under each name (spec §0 timeline): dbt deps installs the newest of them
 * that a version range allows. Only where a release lies relative to 0.9.7, 0.10.0, 0.11.0, 0.11.1 and 0.11.5 changes
 * the emulation, so a missing patch release inside one of those bands does no harm.
 */
const HUB_RELEASES: Record<VaultPackageName, readonly string[]> = {
  dbtvault: ['0.9.0', '0.9.1', '0.9.2', '0.9.3', '0.9.4', '0.9.5'],
  automate_dv: ['0.9.6', '0.9.7', '0.10.0', '0.10.1', '0.10.2', '0.11.0', '0.11.1', '0.11.2', '0.11.3', '0.11.4', '0.11.5'],
};

type Bound = { op: '>=' | '>' | '<=' | '<'; version: [number, number, number] };

function satisfies(v: readonly number[], bounds: readonly Bound[]): boolean {
  return bounds.every((b) => {
    const d = compareVersions(v, b.version);
    return b.op === '>=' ? d >= 0 : b.op === '>' ? d > 0 : b.op === '<=' ? d <= 0 : d < 0;
  });
}

/**
 * The version a dbt version spec pins: "0.11.0" exactly; a range (">=0.10.0", [">=0.10.0", "<0.11.0"]) by the newest
 * known hub release inside it, which is what dbt deps installs. A range holding no known release (dbtvault 0.7.x)
 * falls back to its lower bound; an upper bound alone then pins nothing.
 */
export function versionFromSpec(specs: readonly string[], name: VaultPackageName = 'automate_dv'): string | undefined {
  const bounds: Bound[] = [];
  for (const raw of specs) {
    for (const part of raw.split(',')) {
      const m = /^(>=|>|<=|<|==|=)?\s*v?(\d+\.\d+(?:\.\d+)?)/.exec(part.trim());
      if (!m) continue;
      const v = parseVersion(m[2] as string);
      if (!v) continue;
      if (!m[1] || m[1] === '==' || m[1] === '=') return v.join('.');
      bounds.push({ op: m[1] as Bound['op'], version: v });
    }
  }
  if (bounds.length === 0) return undefined;
  const allowed = HUB_RELEASES[name]
    .map((r) => parseVersion(r) as [number, number, number])
    .filter((r) => satisfies(r, bounds))
    .sort(compareVersions);
  const newest = allowed[allowed.length - 1];
  if (newest) return newest.join('.');
  let lower: [number, number, number] | undefined;
  for (const b of bounds) {
    if ((b.op === '>=' || b.op === '>') && (!lower || compareVersions(b.version, lower) > 0)) lower = b.version;
  }
  return lower?.join('.');
}

/** The package a repository name stands for: only the exact names, so `automate-dv-extensions` is not AutomateDV. */
function vaultPackageNamed(repository: string): VaultPackageName | undefined {
  const n = repository.toLowerCase();
  if (n === 'automate-dv' || n === 'automate_dv') return 'automate_dv';
  if (n === 'dbtvault') return 'dbtvault';
  return undefined;
}

/**
 * The owner and repository name of a git URL (https://github.com/Datavault-UK/automate-dv.git,
 * git@github.com:Datavault-UK/dbtvault, …), without a trailing .git or slash.
 */
export function gitRepository(url: string): { owner: string; name: string } | undefined {
  const parts = url.trim().replace(/\/+$/, '').replace(/\.git$/i, '').split(/[/:]/).filter((p) => p !== '');
  const name = parts[parts.length - 1];
  const owner = parts[parts.length - 2];
  return name && owner ? { owner, name } : undefined;
}

/** The project name in a local package's dbt_project.yml, which is what dbt knows it by. */
function localProjectName(projectRoot: string, local: string, files: FileSystem): string | undefined {
  const folder = isAbsolutePath(local) ? local : joinPath(projectRoot, local);
  const text = files.readFile(joinPath(folder, 'dbt_project.yml'));
  return text === undefined ? undefined : scalarText(valueOf(parseYaml(text, 'DV021').root, 'name'));
}

/**
 * The vault package a `packages.yml` entry refers to, from its hub name, git URL or local path. A git URL counts only
 * when its repository is named automate-dv or dbtvault (another package that depends on AutomateDV is not it); one
 * not owned by Datavault-UK is a fork. A local package is known by its dbt_project.yml name, else its folder name.
 */
function vaultPackageOf(entry: YValue, projectRoot: string, files: FileSystem): { name: VaultPackageName; kind: 'hub' | 'git' | 'local'; ref: string; fork: boolean } | undefined {
  const hub = scalarText(valueOf(entry, 'package'));
  if (hub) {
    const n = hub.toLowerCase();
    if (/(^|\/)automate[-_]dv$/.test(n)) return { name: 'automate_dv', kind: 'hub', ref: hub, fork: false };
    if (/(^|\/)dbtvault$/.test(n)) return { name: 'dbtvault', kind: 'hub', ref: hub, fork: false };
    return undefined;
  }
  const git = scalarText(valueOf(entry, 'git'));
  if (git) {
    const repository = gitRepository(git);
    const name = repository ? vaultPackageNamed(repository.name) : undefined;
    if (!repository || !name) return undefined;
    return { name, kind: 'git', ref: git, fork: repository.owner.toLowerCase() !== 'datavault-uk' };
  }
  const local = scalarText(valueOf(entry, 'local'));
  if (local) {
    const projectName = localProjectName(projectRoot, local, files);
    const folder = toSlashes(local).replace(/\/+$/, '').split('/').pop() ?? local;
    const name = projectName !== undefined ? vaultPackageNamed(projectName) : vaultPackageNamed(folder);
    if (name) return { name, kind: 'local', ref: local, fork: true };
  }
  return undefined;
}

function declaredName(entry: YValue): string | undefined {
  const hub = scalarText(valueOf(entry, 'package'));
  if (hub) return (hub.split('/').pop() ?? hub).replace(/-/g, '_');
  const git = scalarText(valueOf(entry, 'git')) ?? scalarText(valueOf(entry, 'local'));
  if (git) return (git.replace(/\.git$/, '').split(/[/\\]/).pop() ?? git).replace(/-/g, '_');
  return undefined;
}

function readPackageFile(
  projectRoot: string,
  file: string,
  from: AutomateDvPackage['from'],
  files: FileSystem,
  diagnostics: PackagesInfo['diagnostics'],
  declared: Set<string>,
): AutomateDvPackage | undefined {
  const text = files.readFile(file);
  if (text === undefined) return undefined;
  const parsed = parseYaml(text, 'DV021');
  for (const d of parsed.diagnostics) diagnostics.push({ file, diagnostic: d });
  const list = valueOf(parsed.root, 'packages');
  if (!list || list.kind !== 'seq') return undefined;
  let found: AutomateDvPackage | undefined;
  for (const entry of list.items) {
    const n = declaredName(entry);
    if (n) declared.add(n);
    const pkg = vaultPackageOf(entry, projectRoot, files);
    if (!pkg || found) continue;
    if (pkg.kind === 'git') {
      const revision = scalarText(valueOf(entry, 'revision'));
      const version = revision ? parseVersion(revision)?.join('.') : undefined;
      found = { name: pkg.name, version, spec: `git ${revision ?? '(default branch)'}`, from, file, span: entry.span, ...(pkg.fork ? { fork: true } : {}) };
    } else if (pkg.kind === 'hub') {
      const versions = stringList(valueOf(entry, 'version')).map((v) => v.value);
      found = { name: pkg.name, version: versionFromSpec(versions, pkg.name), spec: versions.join(', '), from, file, span: entry.span };
    } else {
      found = { name: pkg.name, version: undefined, spec: `local ${pkg.ref}`, from, file, span: entry.span, fork: true };
    }
  }
  return found;
}

/**
 * The release an installed package is: its dbt_project.yml version, except for releases whose version line names the
 * release before (0.9.6 says 0.9.5, 0.11.1 says 0.11.0), told apart by a text of their macros.
 */
export function installedVersion(packageDir: string, claimed: string, files: FileSystem): string {
  for (const fingerprint of behaviourAt<readonly InstalledVersionFingerprint[]>(AUTOMATE_DV_VERSIONS.installedVersionFingerprints, claimed)) {
    if (compareVersions(parseVersion(claimed) ?? [0, 0, 0], parseVersion(fingerprint.claims) ?? [0, 0, 0]) !== 0) continue;
    const text = files.readFile(joinPath(packageDir, fingerprint.file));
    if (text === undefined) continue;
    if (text.includes(fingerprint.text) !== fingerprint.absent) return fingerprint.actual;
  }
  return claimed;
}

/** The installed package's own dbt_project.yml version (dbt_packages/automate_dv or dbt_packages/dbtvault). */
function installedVaultPackage(installDir: string, files: FileSystem): AutomateDvPackage | undefined {
  for (const name of ['automate_dv', 'dbtvault'] as const) {
    const file = joinPath(installDir, name, 'dbt_project.yml');
    const text = files.readFile(file);
    if (text === undefined) continue;
    const parsed = parseYaml(text, 'DV021');
    const version = scalarText(valueOf(parsed.root, 'version'));
    const projectName = scalarText(valueOf(parsed.root, 'name'));
    const pkgName: VaultPackageName = projectName === 'dbtvault' ? 'dbtvault' : name;
    const claimed = version ? parseVersion(version)?.join('.') : undefined;
    if (claimed) return { name: pkgName, version: installedVersion(joinPath(installDir, name), claimed, files), spec: version ?? '', from: 'installed', file };
  }
  return undefined;
}

/** Reads the project's package declarations and works out the AutomateDV compatibility mode. */
export function readPackages(projectRoot: string, packagesInstallPath: string, files: FileSystem): PackagesInfo {
  const diagnostics: PackagesInfo['diagnostics'] = [];
  const declared = new Set<string>();
  const fromPackages =
    readPackageFile(projectRoot, joinPath(projectRoot, 'packages.yml'), 'packages.yml', files, diagnostics, declared) ??
    readPackageFile(projectRoot, joinPath(projectRoot, 'dependencies.yml'), 'dependencies.yml', files, diagnostics, declared);
  const fromLock = readPackageFile(projectRoot, joinPath(projectRoot, 'package-lock.yml'), 'package-lock.yml', files, [], new Set());
  const installed = installedVaultPackage(joinPath(projectRoot, packagesInstallPath), files);
  // The installed copy is what dbt runs; the lock file is what `dbt deps` installs; packages.yml is the wish.
  const candidates = [installed, fromLock, fromPackages].filter((p): p is AutomateDvPackage => p !== undefined);
  const withVersion = candidates.find((p) => p.version !== undefined);
  const automateDv = withVersion ?? candidates[0];
  // The installed copy came from what packages.yml declares: a declared fork makes the installed package one too.
  const fork = candidates.some((p) => p.fork === true);
  const compat = compatForVersion(automateDv?.version);
  return { automateDv, compat: fork ? { ...compat, fork } : compat, declared: [...declared].sort(), diagnostics };
}
