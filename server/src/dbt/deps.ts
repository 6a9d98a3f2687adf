// `dvs deps`: installs the packages of packages.yml (or dependencies.yml) as `dbt deps` does, into the packages
// install path: dbt Hub packages by version (the hub's JSON index, then the release tarball), git packages at a
// revision (git clone + checkout, optionally a subdirectory), local packages as a symbolic link. Each package's own
// packages.yml is installed too. package-lock.yml records what was installed; while packages.yml is unchanged (its
// hash in the lock), a later run installs exactly the locked versions, as dbt does.
import { createHash } from 'node:crypto';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { parseYaml, scalarText, stringList, valueOf, type YValue } from '../project/yaml-tree';

/**
 * The file and process operations `dvs deps` needs, handed in by its caller (cli/deps.ts implements them on node:fs
 * and child_process), so that this room stays free of IO of its own.
 */
export interface PackageFiles {
  exists(path: string): boolean;
  readText(path: string): string;
  writeFile(path: string, data: string | Uint8Array): void;
  /** Creates the folder and its parents; an existing folder is fine. */
  makeDir(path: string): void;
  /** Creates a fresh folder whose name starts with `prefix` (a path) and returns its path. */
  makeTempDir(prefix: string): string;
  /** The system's folder for temporary files. */
  tempRoot(): string;
  /** Removes a file or folder tree; a missing one is fine. */
  remove(path: string): void;
  /** The names of the folders directly inside `dir`. */
  listDirs(dir: string): string[];
  /** Copies a folder tree, links kept as links; `skipGit` leaves out every `.git` folder. */
  copyTree(from: string, to: string, options?: { skipGit?: boolean }): void;
  /** Makes `to` a symbolic link to the folder `target`; throws where links are not allowed. */
  linkDir(target: string, to: string): void;
  /**
   * Runs a program and resolves to its standard output. On failure it rejects with the error child_process gives
   * (`code` is 'ENOENT' when the program is missing, `stderr` holds its output).
   */
  run(command: string, args: readonly string[], options?: { cwd?: string; env?: NodeJS.ProcessEnv }): Promise<{ stdout: string }>;
}

/** dbt Hub's API; tests point DVS_HUB_URL at a local server. */
export const DEFAULT_HUB_URL = 'https://hub.getdbt.com/api/v1';

/** A failure of the environment (no network, git missing) or of the declarations: the CLI exits 2 with the message. */
export class DepsError extends Error {}

export type PackageSpec =
  | { kind: 'hub'; package: string; versions: string[] }
  | { kind: 'git'; git: string; revision?: string; subdirectory?: string }
  | { kind: 'local'; local: string };

export interface InstalledPackage {
  /** The package's project name: the folder under the install path. */
  name: string;
  spec: PackageSpec;
  /** What was installed: the hub version, the git commit, or the local folder. */
  resolved: string;
}

export interface DepsOptions {
  hubUrl?: string;
  /** Progress lines for people (stderr). */
  log?: (line: string) => void;
}

/** The package entries of a packages.yml / dependencies.yml / package-lock.yml text. */
export function readPackageSpecs(text: string): PackageSpec[] {
  const list = valueOf(parseYaml(text, 'DV021').root, 'packages');
  if (list?.kind !== 'seq') return [];
  const out: PackageSpec[] = [];
  for (const entry of list.items) {
    const spec = specOf(entry);
    if (spec) out.push(spec);
  }
  return out;
}

function specOf(entry: YValue): PackageSpec | undefined {
  const hub = scalarText(valueOf(entry, 'package'));
  if (hub) return { kind: 'hub', package: hub, versions: stringList(valueOf(entry, 'version')).map((v) => v.value) };
  const git = scalarText(valueOf(entry, 'git'));
  if (git) {
    const revision = scalarText(valueOf(entry, 'revision'));
    const subdirectory = scalarText(valueOf(entry, 'subdirectory'));
    return { kind: 'git', git, ...(revision ? { revision } : {}), ...(subdirectory ? { subdirectory } : {}) };
  }
  const local = scalarText(valueOf(entry, 'local'));
  if (local) return { kind: 'local', local };
  return undefined;
}

type Version = { parts: [number, number, number]; pre: string };

function parseSemver(text: string): Version | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:-?([0-9A-Za-z.-]+))?$/.exec(text.trim());
  if (!m) return undefined;
  return { parts: [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)], pre: m[4] ?? '' };
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a.parts[i] !== b.parts[i]) return a.parts[i]! - b.parts[i]!;
  if (a.pre === b.pre) return 0;
  return a.pre === '' ? 1 : b.pre === '' ? -1 : a.pre < b.pre ? -1 : 1;
}

/** The newest release that every version spec allows ("0.11.5", ">=0.10.0", "<0.12.0"); pre-releases only when named. */
export function resolveHubVersion(available: readonly string[], specs: readonly string[]): string | undefined {
  const constraints: { op: string; v: Version }[] = [];
  for (const raw of specs) {
    for (const part of raw.split(',')) {
      const m = /^\s*(>=|<=|==|=|>|<)?\s*(\S+)\s*$/.exec(part);
      const v = m ? parseSemver(m[2] as string) : undefined;
      if (!m || !v) continue;
      constraints.push({ op: m[1] ?? '==', v });
    }
  }
  const candidates = available
    .map((text) => ({ text, v: parseSemver(text) }))
    .filter((c): c is { text: string; v: Version } => c.v !== undefined)
    .filter((c) => c.v.pre === '' || constraints.some((k) => (k.op === '==' || k.op === '=') && compare(k.v, c.v) === 0))
    .filter((c) =>
      constraints.every(({ op, v }) => {
        const d = compare(c.v, v);
        return op === '>=' ? d >= 0 : op === '>' ? d > 0 : op === '<=' ? d <= 0 : op === '<' ? d < 0 : d === 0;
      }),
    )
    .sort((a, b) => compare(a.v, b.v));
  return candidates[candidates.length - 1]?.text;
}

async function fetchOrFail(url: string, what: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new DepsError(
      `cannot reach ${url} to ${what} (${cause?.code ?? cause?.message ?? (error as Error).message}). dvs deps needs network access for hub and git packages; local packages install offline. Check the connection (or a proxy) and run dvs deps again.`,
    );
  }
  if (!response.ok) throw new DepsError(`${url} answered ${response.status} ${response.statusText} when asked to ${what}.`);
  return response;
}

/** The project name a package folder declares in its dbt_project.yml. */
function projectNameIn(files: PackageFiles, dir: string): string | undefined {
  try {
    return scalarText(valueOf(parseYaml(files.readText(join(dir, 'dbt_project.yml')), 'DV021').root, 'name'));
  } catch {
    return undefined;
  }
}

/** The one folder a release tarball unpacks to (GitHub's `<repo>-<tag>/`), or the unpack folder itself. */
function unpackedRoot(files: PackageFiles, dir: string): string {
  if (files.exists(join(dir, 'dbt_project.yml'))) return dir;
  const entries = files.listDirs(dir);
  if (entries.length === 1) return join(dir, entries[0] as string);
  return dir;
}

function place(files: PackageFiles, from: string, installDir: string, name: string): string {
  const to = join(installDir, name);
  files.remove(to);
  files.copyTree(from, to, { skipGit: true });
  return to;
}

async function installHub(files: PackageFiles, spec: Extract<PackageSpec, { kind: 'hub' }>, installDir: string, hubUrl: string, work: string): Promise<{ name: string; resolved: string; dir: string; dependencies: PackageSpec[] }> {
  const indexUrl = `${hubUrl.replace(/\/$/, '')}/${spec.package}.json`;
  const index = (await (await fetchOrFail(indexUrl, `look up ${spec.package}`)).json()) as {
    versions?: Record<string, { name?: string; packages?: { package?: string; version?: string | string[] }[]; downloads?: { tarball?: string } }>;
  };
  const versions = index.versions ?? {};
  const version = resolveHubVersion(Object.keys(versions), spec.versions);
  if (!version) {
    throw new DepsError(`${spec.package}: no release on the hub matches version ${spec.versions.join(', ') || '(none given)'}; available: ${Object.keys(versions).join(', ') || 'none'}. Change the version in packages.yml.`);
  }
  const entry = versions[version] ?? {};
  const tarball = entry.downloads?.tarball;
  if (!tarball) throw new DepsError(`${spec.package} ${version}: the hub lists no tarball to download.`);
  const bytes = Buffer.from(await (await fetchOrFail(tarball, `download ${spec.package} ${version}`)).arrayBuffer());
  const archive = join(work, 'package.tar.gz');
  files.writeFile(archive, bytes);
  const unpack = files.makeTempDir(join(work, 'unpack-'));
  try {
    await files.run('tar', ['-xzf', archive, '-C', unpack]);
  } catch (error) {
    throw new DepsError(`${spec.package} ${version}: could not unpack ${tarball} (${(error as Error).message.split('\n')[0]}).`);
  }
  const root = unpackedRoot(files, unpack);
  const name = entry.name ?? projectNameIn(files, root) ?? (spec.package.split('/').pop() as string);
  const dependencies: PackageSpec[] = (entry.packages ?? [])
    .filter((p) => typeof p.package === 'string')
    .map((p) => ({ kind: 'hub', package: p.package as string, versions: Array.isArray(p.version) ? p.version : p.version ? [p.version] : [] }));
  return { name, resolved: version, dir: place(files, root, installDir, name), dependencies };
}

async function git(files: PackageFiles, args: string[], cwd?: string): Promise<string> {
  try {
    return (await files.run('git', args, { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } })).stdout.trim();
  } catch (error) {
    const e = error as { code?: string; stderr?: string; message: string };
    if (e.code === 'ENOENT') throw new DepsError('git is not installed: install git to use git packages, or use hub/local packages.');
    const detail = (e.stderr ?? e.message).trim().split('\n').pop();
    throw new DepsError(`git ${args[0]} failed: ${detail}. A git package needs network access to its repository and a revision that exists there.`);
  }
}

async function installGit(files: PackageFiles, spec: Extract<PackageSpec, { kind: 'git' }>, installDir: string, work: string): Promise<{ name: string; resolved: string; dir: string }> {
  const clone = files.makeTempDir(join(work, 'git-'));
  await git(files, ['clone', '--quiet', spec.git, clone]);
  if (spec.revision) await git(files, ['-c', 'advice.detachedHead=false', 'checkout', '--quiet', spec.revision], clone);
  const commit = await git(files, ['rev-parse', 'HEAD'], clone);
  const root = spec.subdirectory ? join(clone, spec.subdirectory) : clone;
  const name = projectNameIn(files, root);
  if (!name) throw new DepsError(`${spec.git}${spec.revision ? `@${spec.revision}` : ''}${spec.subdirectory ? `/${spec.subdirectory}` : ''} has no dbt_project.yml with a name: it is not a dbt package.`);
  return { name, resolved: commit, dir: place(files, root, installDir, name) };
}

function installLocal(files: PackageFiles, spec: Extract<PackageSpec, { kind: 'local' }>, installDir: string, projectRoot: string): { name: string; resolved: string; dir: string } {
  const source = isAbsolute(spec.local) ? spec.local : resolve(projectRoot, spec.local);
  const name = projectNameIn(files, source);
  if (!name) throw new DepsError(`local package ${spec.local}: no dbt_project.yml with a name in ${source}.`);
  const to = join(installDir, name);
  files.remove(to);
  // dbt deps links a local package where it can and copies it where links are not allowed.
  try {
    files.linkDir(source, to);
  } catch {
    files.copyTree(source, to);
  }
  return { name, resolved: relative(projectRoot, source) || '.', dir: to };
}

/** dbt's lock-file hash of packages.yml: sha1 over the file's text, so any edit makes the lock stale. */
function packagesHash(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

function lockText(installed: InstalledPackage[], hash: string): string {
  const lines = ['packages:'];
  for (const p of installed) {
    if (p.spec.kind === 'hub') lines.push(`  - package: ${p.spec.package}`, `    version: ${p.resolved}`);
    else if (p.spec.kind === 'git') {
      lines.push(`  - git: ${JSON.stringify(p.spec.git)}`, `    revision: ${p.resolved}`);
      if (p.spec.subdirectory) lines.push(`    subdirectory: ${JSON.stringify(p.spec.subdirectory)}`);
    } else lines.push(`  - local: ${JSON.stringify(p.spec.local)}`);
    lines.push(`    name: ${p.name}`);
  }
  lines.push(`sha1_hash: ${hash}`);
  return lines.join('\n') + '\n';
}

/**
 * Whether a lock file (one dbt wrote, whose hash dvs does not reproduce) still pins what packages.yml asks for: every
 * declared package has a locked entry that satisfies it (a hub version inside the range, the same git repository).
 */
function lockCovers(locked: readonly PackageSpec[], declared: readonly PackageSpec[]): boolean {
  return declared.every((d) =>
    locked.some((l) => {
      if (d.kind === 'hub' && l.kind === 'hub') {
        const pinned = l.versions[0];
        return l.package.toLowerCase() === d.package.toLowerCase() && pinned !== undefined && resolveHubVersion([pinned], d.versions) === pinned;
      }
      if (d.kind === 'git' && l.kind === 'git') return l.git === d.git && (l.subdirectory ?? '') === (d.subdirectory ?? '');
      return d.kind === 'local' && l.kind === 'local' && l.local === d.local;
    }),
  );
}

function specKey(spec: PackageSpec): string {
  return spec.kind === 'hub' ? `hub:${spec.package.toLowerCase()}` : spec.kind === 'git' ? `git:${spec.git}:${spec.subdirectory ?? ''}` : `local:${spec.local}`;
}

/**
 * Installs every package (and what each one needs) into `<project>/<installPath>`, writes package-lock.yml, and
 * returns what it installed. Throws DepsError for what the user must fix (no network, a version that does not exist).
 */
export async function installPackages(projectRoot: string, installPath: string, files: PackageFiles, options: DepsOptions = {}): Promise<InstalledPackage[]> {
  const hubUrl = options.hubUrl ?? DEFAULT_HUB_URL;
  const log = options.log ?? (() => undefined);
  const file = ['packages.yml', 'dependencies.yml'].map((f) => join(projectRoot, f)).find((f) => files.exists(f));
  if (!file) return [];
  const text = files.readText(file);
  const hash = packagesHash(text);
  let specs = readPackageSpecs(text);
  const lockFile = join(projectRoot, 'package-lock.yml');
  if (files.exists(lockFile)) {
    const lock = files.readText(lockFile);
    const locked = readPackageSpecs(lock);
    if (scalarText(valueOf(parseYaml(lock, 'DV021').root, 'sha1_hash')) === hash || lockCovers(locked, specs)) {
      specs = locked;
      log('Using the versions in package-lock.yml (packages.yml is unchanged).');
    }
  }
  const installDir = join(projectRoot, installPath);
  files.makeDir(installDir);
  const work = files.makeTempDir(join(files.tempRoot(), 'dvs-deps-'));
  const installed: InstalledPackage[] = [];
  const seen = new Set<string>();
  const names = new Set<string>();
  try {
    const queue = [...specs];
    while (queue.length) {
      const spec = queue.shift() as PackageSpec;
      const key = specKey(spec);
      if (seen.has(key)) continue;
      seen.add(key);
      let result: { name: string; resolved: string; dir: string; dependencies?: PackageSpec[] };
      if (spec.kind === 'hub') result = await installHub(files, spec, installDir, hubUrl, work);
      else if (spec.kind === 'git') result = await installGit(files, spec, installDir, work);
      else result = installLocal(files, spec, installDir, projectRoot);
      // The first declaration of a package name wins, as dbt resolves one version per package.
      if (names.has(result.name)) continue;
      names.add(result.name);
      installed.push({ name: result.name, spec, resolved: result.resolved });
      log(`Installed ${result.name} ${spec.kind === 'git' ? `@ ${result.resolved.slice(0, 12)}` : spec.kind === 'local' ? `(local ${result.resolved})` : result.resolved}`);
      queue.push(...(result.dependencies ?? []));
      const own = ['packages.yml', 'dependencies.yml'].map((f) => join(result.dir, f)).find((f) => files.exists(f));
      if (own && spec.kind !== 'hub') queue.push(...readPackageSpecs(files.readText(own)));
    }
  } finally {
    files.remove(work);
  }
  files.writeFile(lockFile, lockText(installed, hash));
  return installed;
}
