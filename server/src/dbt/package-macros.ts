// Macros of installed packages (dbt_packages/<package>/macros after `dbt deps`, and `local:` packages of packages.yml),
// so models that call them, qualified (`garden_utils.season_of()`) or not, compile as dbt would. AutomateDV (or
// dbtvault) is read from disk only for the real-macro path (see installed-packages.ts); otherwise it is emulated.
import type { MacroNode } from '../jinja/ast';
import { parseTemplate } from '../jinja/parser';
import type { DbtProject } from '../project';
import { parseDbtProjectFile } from '../project/dbtProjectFile';
import { isAbsolutePath, joinPath } from '../project/fileSystem';
import { parseYaml, scalarText, stringList, valueOf } from '../project/yamlTree';

export interface PackageMacros {
  /** The package's project name (`garden_utils`), the namespace its macros are called with. */
  name: string;
  macros: MacroNode[];
  /** The package's folder. */
  root?: string;
  /** The file each macro is defined in, for error messages that point into the package. */
  fileOf?: Map<MacroNode, { file: string; text: string }>;
  /** The version its own dbt_project.yml declares. */
  version?: string;
}

export const VAULT_PACKAGES: ReadonlySet<string> = new Set(['automate_dv', 'dbtvault']);

/**
 * Parsed macro files by path, kept for the process: a package does not change between models, and parsing
 * AutomateDV's hundred files again for every model would cost more than rendering it.
 */
const parsedFiles = new Map<string, { text: string; macros: MacroNode[] }>();

function macrosOfFile(file: string, text: string): MacroNode[] {
  const cached = parsedFiles.get(file);
  if (cached && cached.text === text) return cached.macros;
  const macros: MacroNode[] = [];
  for (const st of parseTemplate(text).template.body) if (st.kind === 'Macro') macros.push(st);
  parsedFiles.set(file, { text, macros });
  return macros;
}

/** Package folders below the install path, following symbolic links (dbt deps links `local:` packages). */
function installedRoots(project: DbtProject, installDir: string): string[] {
  const roots = new Set<string>();
  for (const projectFile of project.files.listFiles(installDir, (p) => p.endsWith('/dbt_project.yml'))) {
    const root = projectFile.slice(0, -'/dbt_project.yml'.length);
    if (!root.slice(installDir.length + 1).includes('/')) roots.add(root);
  }
  // listFiles does not follow a linked folder; folders() does (no install folder: nothing installed).
  for (const dir of project.files.folders?.(installDir) ?? []) {
    if (project.files.exists(joinPath(dir, 'dbt_project.yml'))) roots.add(dir);
  }
  return [...roots].sort();
}

/** Folders of the `local:` packages that packages.yml (or dependencies.yml) declares, relative to the project. */
export function localPackageRoots(project: DbtProject): string[] {
  const out: string[] = [];
  for (const name of ['packages.yml', 'dependencies.yml']) {
    const text = project.files.readFile(joinPath(project.root, name));
    if (text === undefined) continue;
    const list = valueOf(parseYaml(text, 'DV021').root, 'packages');
    if (list?.kind !== 'seq') continue;
    for (const entry of list.items) {
      const local = scalarText(valueOf(entry, 'local'));
      if (local) out.push(isAbsolutePath(local) ? local : joinPath(project.root, local));
    }
    break;
  }
  return out;
}

function readPackage(project: DbtProject, root: string, skip: (name: string) => boolean): PackageMacros | undefined {
  const projectFile = joinPath(root, 'dbt_project.yml');
  const text = project.files.readFile(projectFile);
  if (text === undefined) return undefined;
  const settings = parseDbtProjectFile(text, projectFile, { env: project.env, lookupVar: () => undefined }).project;
  if (!settings.name || skip(settings.name)) return undefined;
  const macros: MacroNode[] = [];
  const fileOf = new Map<MacroNode, { file: string; text: string }>();
  const realRoot = project.files.realPath?.(root) ?? root;
  for (const dir of settings.macroPaths) {
    for (const file of project.files.listFiles(joinPath(realRoot, dir), (p) => p.endsWith('.sql'))) {
      const source = project.files.readFile(file);
      if (source === undefined) continue;
      for (const m of macrosOfFile(file, source)) {
        macros.push(m);
        fileOf.set(m, { file, text: source });
      }
    }
  }
  const version = scalarText(valueOf(parseYaml(text, 'DV021').root, 'version'));
  return { name: settings.name, macros, root, fileOf, version };
}

/**
 * Every installed package (one folder level below the install path, plus `local:` packages not installed yet) with
 * the macros its macro paths define. AutomateDV/dbtvault only with `includeVault`: the emulation path leaves it out.
 */
export function installedPackageMacros(project: DbtProject, options: { includeVault?: boolean } = {}): PackageMacros[] {
  const installDir = joinPath(project.root, project.settings.packagesInstallPath);
  const out: PackageMacros[] = [];
  const seen = new Set<string>();
  for (const root of [...installedRoots(project, installDir), ...localPackageRoots(project)]) {
    const pkg = readPackage(project, root, (name) => seen.has(name) || name === project.name || (!options.includeVault && VAULT_PACKAGES.has(name)));
    if (!pkg) continue;
    seen.add(pkg.name);
    out.push(pkg);
  }
  return out;
}

/**
 * dbt_project.yml `dispatch:` — for each macro namespace, the packages adapter.dispatch searches, in order
 * (`[{macro_namespace: dbt_utils, search_order: [my_project, dbt_utils]}]`).
 */
export function dispatchSearchOrder(project: DbtProject): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const text = project.files.readFile(joinPath(project.root, 'dbt_project.yml'));
  if (text === undefined) return out;
  const list = valueOf(parseYaml(text, 'DV021').root, 'dispatch');
  if (list?.kind !== 'seq') return out;
  for (const entry of list.items) {
    const namespace = scalarText(valueOf(entry, 'macro_namespace'));
    const order = stringList(valueOf(entry, 'search_order')).map((s) => s.value);
    if (namespace && order.length) out.set(namespace, order);
  }
  return out;
}
