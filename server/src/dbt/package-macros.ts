// Macros of installed packages (dbt_packages/<package>/macros after `dbt deps`, and `local:` packages of packages.yml),
// so models that call them, qualified (`garden_utils.season_of()`) or not, compile as dbt would. AutomateDV (or
// dbtvault) is read from disk only for the real-macro path (see installed-packages.ts); otherwise it is emulated.
import type { MacroNode } from '../jinja/ast';
import { lexTemplate } from '../jinja/lexer';
import { parseTemplate } from '../jinja/parser';
import type { DbtProject } from '../project';
import { parseDbtProjectFile } from '../project/dbt-project-file';
import { isAbsolutePath, joinPath } from '../project/file-system';
import { parseYaml, scalarText, stringList, valueOf } from '../project/yaml-tree';

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
 * Macro files by path, kept for the process: a package does not change between models, and parsing AutomateDV's
 * hundred files again for every model would cost more than rendering it. A file is only lexed at first, to learn its
 * macros' names; it is parsed when one of its macros is first used (see LazyMacroNode), so the one-time cost of a
 * package is paid for the files models actually reach, and a render never waits for the files it does not.
 */
const macroFiles = new Map<string, { text: string; macros: MacroNode[] }>();

function parseMacros(text: string): MacroNode[] {
  const macros: MacroNode[] = [];
  for (const st of parseTemplate(text).template.body) if (st.kind === 'Macro') macros.push(st);
  return macros;
}

/** Statements that may stand at a file's top level beside macros without changing which macros it defines. */
const PLAIN_TOP_LEVEL = new Set(['do', 'import', 'from']);

/**
 * The names of a file's top-level macros, in order, from its tags alone: what parsing would give, for files made of
 * macros and plain statements. Undefined when the file has anything else at its top level (a block such as if, for or
 * set…endset, a tag the lexer could not read): such a file is parsed at once.
 */
export function topLevelMacroNames(text: string): string[] | undefined {
  const { chunks, diagnostics } = lexTemplate(text);
  if (diagnostics.length > 0) return undefined;
  const names: string[] = [];
  let depth = 0;
  for (const chunk of chunks) {
    if (chunk.kind !== 'tag' || chunk.tag !== 'block') continue;
    const [keyword, name] = chunk.tokens;
    if (keyword?.type !== 'name') return undefined;
    if (keyword.value === 'macro') {
      if (depth === 0) {
        if (name?.type !== 'name') return undefined;
        names.push(name.value);
      }
      depth++;
    } else if (keyword.value === 'endmacro') {
      if (--depth < 0) return undefined;
    } else if (depth === 0) {
      // `{% set x = … %}` is a statement; `{% set x %}…{% endset %}` is a block.
      const statement = PLAIN_TOP_LEVEL.has(keyword.value) || (keyword.value === 'set' && chunk.tokens.some((t) => t.type === 'op' && t.value === '='));
      if (!statement) return undefined;
    }
  }
  return depth === 0 ? names : undefined;
}

/**
 * A top-level macro whose file is parsed on first use of anything but its name. Every reader of a MacroNode (the
 * renderer, the package world, error locations) sees the parsed node's fields through it.
 */
class LazyMacroNode implements MacroNode {
  readonly kind = 'Macro' as const;
  private node: MacroNode | undefined;

  constructor(
    readonly name: string,
    private readonly parsed: () => MacroNode,
  ) {}

  private get real(): MacroNode {
    return (this.node ??= this.parsed());
  }
  get span(): MacroNode['span'] {
    return this.real.span;
  }
  get tagSpan(): MacroNode['tagSpan'] {
    return this.real.tagSpan;
  }
  get nameSpan(): MacroNode['nameSpan'] {
    return this.real.nameSpan;
  }
  get params(): MacroNode['params'] {
    return this.real.params;
  }
  get body(): MacroNode['body'] {
    return this.real.body;
  }
  get endTagSpan(): MacroNode['endTagSpan'] {
    return this.real.endTagSpan;
  }
}

function macrosOfFile(file: string, text: string): MacroNode[] {
  const cached = macroFiles.get(file);
  if (cached && cached.text === text) return cached.macros;
  const names = topLevelMacroNames(text);
  let macros: MacroNode[];
  if (names === undefined) {
    macros = parseMacros(text);
  } else {
    let parsed: MacroNode[] | undefined;
    const nth = (i: number, name: string) => (): MacroNode => {
      parsed ??= parseMacros(text);
      const node = parsed[i]?.name === name ? parsed[i] : parsed.filter((m) => m.name === name).pop();
      if (!node) throw new Error(`macro ${name} of ${file} was not found when the file was parsed`);
      return node;
    };
    macros = names.map((name, i) => new LazyMacroNode(name, nth(i, name)));
  }
  macroFiles.set(file, { text, macros });
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
