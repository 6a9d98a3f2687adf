// A dbt project read the way dbt reads it: dbt_project.yml, profiles.yml and the chosen target, packages, macros
// that name schemas, property files, and an index of every model, seed and snapshot with its effective config,
// relation and ref()/source() edges. One edited model file is re-analysed on its own (updateModelText).
import * as os from 'node:os';
import { closestName, diagnostic, type Diagnostic, type TextFix } from '../base/diagnostic';
import { Relation } from '../base/relation';
import type { Span } from '../base/text';
import type { AutomateDvCompat } from '../base/compat';
import type { ColumnInfo } from '../base/columns';
import { isDict, type JDict, type JValue } from '../jinja/values';
import { makeStringRenderer, modelVarsFor, parseDbtProjectFile, type DbtProjectFile } from './dbt-project-file';
import { projectEnvironment, type ProjectEnvironment } from './environment';
import { dirName, fileStem, isAbsolutePath, joinPath, nodeFileSystem, relativePath, toSlashes, type FileSystem } from './file-system';
import { ancestors as graphAncestors, buildGraph, descendants as graphDescendants, findCycles, topologicalOrder as graphOrder, type DependencyGraph } from './graph';
import {
  buildConfigTree,
  configBoolean,
  configString,
  configTags,
  mergeConfigLayers,
  projectConfigLayers,
  type ConfigLayer,
  type ConfigLevel,
  type EffectiveConfig,
} from './model-config';
import { readPackages, type PackagesInfo } from './packages';
import { installedPackageNames, notInstalledReason, packagesNotInstalled } from './package-status';
import {
  findProfilesFile,
  parseProfilesFile,
  profileDiagnostics,
  resolveTarget,
  targetJinjaValue,
  targetNames,
  type ProfilesFile,
  type TargetContext,
  type TargetPurpose,
  type TargetResolution,
} from './profiles';
import { parsePropertiesFile, type DeclaredColumn, type NodeProperties, type PropertiesFile, type SourceDefinition, type SourceTable } from './properties';
import { findProjectMacros, macroOverrideNotices, schemaNamingFrom, type MacroDefinition, type ProjectNotice, type SchemaNaming } from './schema-naming';
import { seedColumns } from './seeds';
import { renderYamlString, type YamlRenderContext } from './yaml-jinja';

// ---------------------------------------------------------------------------------------------------------------
// What the model parser provides for each model file (another module implements it; tests pass a stand-in).

export interface RefCall {
  name: string;
  /** The package of a two-argument ref('package', 'model'). */
  package?: string;
  /** `ref('model', v=2)` (or `version=`): a version of a versioned model. */
  version?: string;
  /** Span of the model name (its text, with or without the quotes) in the model file. */
  span: Span;
}

export interface SourceCall {
  source: string;
  table: string;
  /** Span of the call or of its table argument in the model file (diagnostics are placed there). */
  span: Span;
}

export interface ModelDependencies {
  refs: RefCall[];
  sources: SourceCall[];
  /** Values of the file's `config(...)` call(s). */
  config: Map<string, JValue>;
}

/**
 * Reads a model's dependencies. `loading` is true while the project is first read (in the constructor, or later in
 * slices when the models were deferred): the extractor then reads the file as the project's first load does.
 */
export type DependencyExtractor = (text: string, loading?: boolean) => ModelDependencies;

// ---------------------------------------------------------------------------------------------------------------

export type NodeKind = 'model' | 'seed' | 'snapshot';

export interface ProjectNode {
  kind: NodeKind;
  name: string;
  /** Path relative to the project folder, with '/' separators (`models/stg/stg_users.sql`). */
  path: string;
  /** Absolute path. */
  file: string;
  /** dbt's fully qualified name: project, folders, name. */
  fqn: string[];
  config: EffectiveConfig;
  enabled: boolean;
  materialized: string;
  tags: string[];
  relation: Relation;
  dependencies: ModelDependencies;
  /** The node's entry in a property file, if any. */
  properties?: NodeProperties;
  /** Seeds: columns from the CSV header (types inferred or from column_types). */
  columns?: ColumnInfo[];
  /** Snapshots: where the `{% snapshot %}` block starts in the file. */
  span?: Span;
}

/** A diagnostic with the file it belongs to (absolute path). */
export interface ProjectDiagnostic extends Diagnostic {
  file: string;
}

/** What the selector code needs of each node. */
export interface ProjectGraphNode {
  name: string;
  /** Relative to the project, '/' separators. */
  path: string;
  tags: string[];
  materialized: string;
  /** Names of the nodes it selects from (models, seeds, snapshots). */
  dependsOn: string[];
  resourceType: NodeKind;
  fqn: string[];
}

export interface LoadProjectOptions {
  /** Reads the model's ref()/source()/config() calls. */
  extractDependencies: DependencyExtractor;
  files?: FileSystem;
  /** The process environment (default: process.env). `.env` in the project folder adds to it. */
  env?: Readonly<Record<string, string | undefined>>;
  /** For ~/.dbt/profiles.yml (default: os.homedir()). */
  homeDir?: string;
  /** --profiles-dir. */
  profilesDir?: string;
  /** --target. */
  targetName?: string;
  /** 'read' commands fall back to embedded when the default target cannot be resolved; 'write' commands do not. */
  purpose?: TargetPurpose;
  /** --vars. */
  cliVars?: ReadonlyMap<string, JValue>;
  /**
   * The model files are listed but not read or analysed yet (the language server starts with the open files and
   * indexes the rest in slices with indexPending()). A lookup by name or path analyses the files it needs at once;
   * whole-project lists (allNodes, models, graph, diagnostics) hold only what is analysed until indexing ends.
   */
  deferModels?: boolean;
}

const DEFAULT_MATERIALIZED: Record<NodeKind, string> = { model: 'view', seed: 'seed', snapshot: 'snapshot' };

/** What the project derives from all its nodes together; rebuilt when a file is added or removed or changes shape. */
interface DerivedState {
  byName: Map<string, ProjectNode[]>;
  /** Enabled nodes by lower-cased `schema.identifier`, the first by path. */
  byRelation: Map<string, ProjectNode>;
  graph: DependencyGraph;
  cycles: string[][];
  /** Each file's findings, computed when first asked for. */
  diagnosticsByFile: Map<string, ProjectDiagnostic[]>;
  /** Names of enabled nodes, for "did you mean" suggestions. */
  knownNames: string[];
}

const collator = new Intl.Collator(undefined);
/** The order localeCompare gives, without building a collator per comparison. */
function compareText(a: string, b: string): number {
  return a === b ? 0 : collator.compare(a, b);
}

function relationKey(schema: string, identifier: string): string {
  return `${schema.toLowerCase()}\u0000${identifier.toLowerCase()}`;
}

/** A stable text for a config value, to tell whether a file's own config() changed. */
function valueKey(v: JValue): string {
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${JSON.stringify(k)}:${valueKey(x)}`).join(',')}}`;
  if (Array.isArray(v)) return `[${v.map((x) => valueKey(x)).join(',')}]`;
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return JSON.stringify(v);
  return `${typeof v}:${String(v)}`;
}

/** The facts the derived state is built from: names, refs, sources, the file's own config. Spans may differ. */
function sameShape(before: readonly ProjectNode[], after: readonly ProjectNode[]): boolean {
  if (before.length !== after.length) return false;
  return before.every((b, i) => {
    const a = after[i] as ProjectNode;
    const d1 = b.dependencies;
    const d2 = a.dependencies;
    return (
      a.name === b.name &&
      a.kind === b.kind &&
      a.path === b.path &&
      d1.refs.length === d2.refs.length &&
      d1.refs.every((r, j) => r.name === d2.refs[j]?.name && r.package === d2.refs[j]?.package && r.version === d2.refs[j]?.version) &&
      d1.sources.length === d2.sources.length &&
      d1.sources.every((s, j) => s.source === d2.sources[j]?.source && s.table === d2.sources[j]?.table) &&
      valueKey(d1.config) === valueKey(d2.config) &&
      (a.span === undefined) === (b.span === undefined)
    );
  });
}

/** Loads a dbt project from its folder. Never throws on bad input: problems are in `diagnostics()`. */
export function loadProject(root: string, options: LoadProjectOptions): DbtProject {
  return new DbtProject(toSlashes(root), options);
}

export class DbtProject {
  readonly root: string;
  readonly files: FileSystem;
  readonly env: ProjectEnvironment;
  /** Absolute path of dbt_project.yml. */
  readonly projectFile: string;
  readonly settings: DbtProjectFile;
  readonly profilesFile: string | undefined;
  readonly profilesSearched: string[];
  readonly profiles: ProfilesFile | undefined;
  readonly target: TargetResolution;
  /** The schema and database models build into on the selected target (or embedded's when none resolves). */
  readonly targetSchema: string;
  readonly targetDatabase: string;
  /** `target` as Jinja sees it (no password). */
  readonly targetValue: JDict;
  readonly packages: PackagesInfo;
  readonly macros: Map<string, MacroDefinition>;
  readonly schemaNaming: SchemaNaming;
  /** Information for people that is not a diagnostic (e.g. macro overrides that are not emulated). */
  readonly notices: ProjectNotice[];
  readonly sources: Map<string, SourceDefinition>;
  readonly propertyFiles: PropertiesFile[];

  private readonly extract: DependencyExtractor;
  private readonly cliVars: ReadonlyMap<string, JValue>;
  private readonly staticDiagnostics: ProjectDiagnostic[] = [];
  private readonly configTrees: Record<NodeKind, ConfigLevel>;
  private readonly nodeProperties = new Map<string, NodeProperties>();
  private readonly packageModelNames = new Set<string>();
  private readonly nodesByFile = new Map<string, ProjectNode[]>();
  private readonly renderCtx: YamlRenderContext;
  /** Vars whose Jinja is being rendered right now (a var that reads itself renders as written). */
  private readonly renderingVars = new Set<string>();
  private readonly refTexts = new WeakMap<RefCall, string>();
  private readonly nestedRoots = new Map<string, boolean>();
  private readonly ignoredDirs = new Map<string, boolean>();
  /** The text each model and snapshot file was last analysed with (the disk's, or the editor's after an edit). */
  private readonly texts = new Map<string, string>();
  /** allNodes() and models(), kept until a file is added, removed or changes its shape. */
  private sorted: ProjectNode[] | undefined;
  private enabledModels: ProjectNode[] | undefined;
  private enabledModelNames: string[] | undefined;
  private derived: DerivedState | undefined;
  /** Model files listed but not yet analysed (deferModels), in listing order, and the same by file stem. */
  private readonly pendingModels = new Set<string>();
  private readonly pendingByStem = new Map<string, string[]>();
  /**
   * Nodes by name while files are still deferred: kept up to date as slices analyse files, so a lookup by name does
   * not rebuild the whole derived state (graph, cycles) after every slice.
   */
  private partialByName: Map<string, ProjectNode[]> | undefined;
  /** knownModelNames() while files are deferred, kept until the next change. */
  private knownNames: string[] | undefined;

  constructor(root: string, options: LoadProjectOptions) {
    this.root = root;
    this.files = options.files ?? nodeFileSystem;
    this.extract = options.extractDependencies;
    this.cliVars = options.cliVars ?? new Map();
    this.env = projectEnvironment(root, this.files, options.env ?? process.env);
    this.projectFile = joinPath(root, 'dbt_project.yml');

    // dbt_project.yml: its Jinja sees env_var() and only the --vars (dbt's rule).
    const cliOnly: YamlRenderContext = { env: this.env, lookupVar: (n) => this.cliVars.get(n) };
    const projectText = this.files.readFile(this.projectFile);
    if (projectText === undefined) {
      this.staticDiagnostics.push({
        ...diagnostic('DV104', 'error', `No dbt_project.yml in ${root}: open the folder of a dbt project, or pass --project DIR.`),
        file: this.projectFile,
      });
    }
    const parsedProject = parseDbtProjectFile(projectText ?? '', this.projectFile, cliOnly);
    this.settings = parsedProject.project;
    if (projectText !== undefined) this.addStatic(this.projectFile, parsedProject.diagnostics);

    // profiles.yml and the target.
    const location = findProfilesFile({ projectRoot: root, profilesDir: options.profilesDir, env: this.env, homeDir: options.homeDir ?? os.homedir() }, this.files);
    this.profilesFile = location.file;
    this.profilesSearched = location.searched;
    const profilesText = location.file ? this.files.readFile(location.file) : undefined;
    this.profiles = location.file && profilesText !== undefined ? parseProfilesFile(profilesText, location.file) : undefined;
    const targetCtx = this.targetContext();
    this.target = resolveTarget(targetCtx, { targetName: options.targetName, purpose: options.purpose ?? 'read' });
    if (this.profiles && options.targetName === undefined) this.addStatic(this.profiles.file, profileDiagnostics(targetCtx, this.target));
    else if (this.profiles) this.addStatic(this.profiles.file, this.profiles.diagnostics);
    if (this.target.ok) {
      this.targetSchema = this.target.schema;
      this.targetDatabase = this.target.database;
      this.targetValue = targetJinjaValue(this.target, this.settings.profile);
    } else {
      // The CLI stops on an unresolved target; the editor still needs relations, so they follow embedded's naming.
      const fallback = resolveTarget(targetCtx, { targetName: 'embedded', purpose: 'read' });
      this.targetSchema = fallback.ok ? fallback.schema : 'public';
      this.targetDatabase = 'postgres';
      this.targetValue = fallback.ok ? targetJinjaValue(fallback, this.settings.profile) : new Map();
    }

    // Config trees, property files: Jinja sees env_var(), var() over project vars, and target.
    this.renderCtx = { env: this.env, lookupVar: (n) => this.lookupVar(n), globals: new Map([['target', this.targetValue]]) };
    const treeDiagnostics: Diagnostic[] = [];
    const treeRender = makeStringRenderer(this.renderCtx, treeDiagnostics, 'dbt_project.yml');
    const bareDictConfigs = this.settings.configVersion === 1 || (this.settings.legacyLayout && this.settings.configVersion === undefined);
    const trees = this.settings.configTrees;
    this.configTrees = {
      model: buildConfigTree(trees.models, { renderString: treeRender, bareDictConfigs }),
      seed: buildConfigTree(trees.seeds, { renderString: treeRender, bareDictConfigs }),
      snapshot: buildConfigTree(trees.snapshots, { renderString: treeRender, bareDictConfigs }),
    };
    this.addStatic(this.projectFile, treeDiagnostics);

    this.packages = readPackages(root, this.settings.packagesInstallPath, this.files);
    for (const d of this.packages.diagnostics) this.addStatic(d.file, [d.diagnostic]);
    this.collectPackageModelNames();
    this.packagesNotInstalled(); // read now: later edits of a model must not touch the disk

    this.macros = findProjectMacros(this.absDirs(this.settings.macroPaths), this.files);
    this.schemaNaming = schemaNamingFrom(this.macros);
    this.notices = macroOverrideNotices(this.macros, root);

    // Property files under the model paths (and seeds/snapshots paths, where their properties may live).
    this.sources = new Map();
    this.propertyFiles = [];
    const yamlDirs = [...this.settings.modelPaths, ...this.settings.seedPaths, ...this.settings.snapshotPaths];
    const seenYaml = new Set<string>();
    for (const dir of this.absDirs(yamlDirs)) {
      for (const file of this.files.listFiles(dir, (p) => /\.ya?ml$/i.test(p))) {
        if (seenYaml.has(file) || this.inNestedProject(file)) continue;
        seenYaml.add(file);
        this.readPropertyFile(file);
      }
    }

    // Models, seeds, snapshots.
    for (const dir of this.absDirs(this.settings.modelPaths)) {
      for (const file of this.files.listFiles(dir, (p) => p.endsWith('.sql'))) {
        if (this.nodesByFile.has(file) || this.pendingModels.has(file) || this.isIgnoredPath(file) || this.inNestedProject(file)) continue;
        if (options.deferModels) {
          this.pendingModels.add(file);
          const stem = fileStem(file);
          this.pendingByStem.set(stem, [...(this.pendingByStem.get(stem) ?? []), file]);
          continue;
        }
        const text = this.files.readFile(file);
        if (text === undefined) continue;
        this.texts.set(file, text);
        this.nodesByFile.set(file, [this.analyseModel(file, text, true)]);
      }
    }
    for (const dir of this.absDirs(this.settings.seedPaths)) {
      for (const file of this.files.listFiles(dir, (p) => p.toLowerCase().endsWith('.csv'))) {
        if (this.nodesByFile.has(file) || this.inNestedProject(file)) continue;
        const text = this.files.readFile(file);
        if (text !== undefined) this.nodesByFile.set(file, [this.analyseSeed(file, text)]);
      }
    }
    for (const dir of this.absDirs(this.settings.snapshotPaths)) {
      for (const file of this.files.listFiles(dir, (p) => p.endsWith('.sql'))) {
        if (this.nodesByFile.has(file) || this.pendingModels.has(file) || this.inNestedProject(file)) continue;
        const text = this.files.readFile(file);
        if (text === undefined) continue;
        this.texts.set(file, text);
        this.nodesByFile.set(file, this.analyseSnapshots(file, text, true));
      }
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Names, vars, config, relations.

  get name(): string {
    return this.settings.name;
  }

  /** The AutomateDV behaviour to emulate. */
  get compat(): AutomateDvCompat {
    return this.packages.compat;
  }

  /** The names --target accepts. */
  targetNames(): string[] {
    return targetNames(this.targetContext());
  }

  /**
   * var(name) as a model of this project sees it: --vars, then (config-version 1) the `vars:` of the `models:` levels
   * holding the model at `fqn`, deepest first, then the project-scoped `vars: {<project>: {…}}`, then the global vars.
   * A string holding Jinja is rendered when read, as dbt does. Returns `fallback` when unset.
   */
  varOf(name: string, fallback: JValue = null, fqn?: readonly string[]): JValue {
    const v = this.lookupVar(name, fqn);
    return v === undefined ? fallback : v;
  }

  private lookupVar(name: string, fqn?: readonly string[]): JValue | undefined {
    let value: JValue | undefined;
    const modelScoped = fqn && this.settings.modelVars ? modelVarsFor(this.settings.modelVars, fqn) : undefined;
    if (this.cliVars.has(name)) value = this.cliVars.get(name);
    else if (modelScoped?.has(name)) value = modelScoped.get(name);
    else {
      const scoped = this.settings.vars.get(this.settings.name);
      if (scoped !== undefined && isDict(scoped) && scoped.has(name)) value = scoped.get(name);
      else if (this.settings.vars.has(name)) value = this.settings.vars.get(name);
    }
    if (typeof value === 'string' && (value.includes('{{') || value.includes('{%')) && !this.renderingVars.has(name)) {
      this.renderingVars.add(name);
      try {
        const ctx = this.renderCtx ?? { env: this.env, lookupVar: (n: string) => this.lookupVar(n) };
        value = renderYamlString(value, fqn ? { ...ctx, lookupVar: (n) => this.lookupVar(n, fqn) } : ctx, { start: 0, end: 0 }).value;
      } finally {
        this.renderingVars.delete(name);
      }
    }
    return value;
  }

  /** The schema a node with config `schema: customSchema` builds into on the selected target. */
  schemaFor(customSchema: string | undefined, node?: JDict): string {
    return this.schemaNaming.schemaFor(customSchema, this.targetSchema, { target: this.targetValue, node });
  }

  /**
   * The effective config of a model (or seed/snapshot) at `path` (absolute or relative to the project) whose own
   * `config()` holds `inFileConfig`: project folders → properties → the file.
   */
  configFor(path: string, inFileConfig: ReadonlyMap<string, JValue> = new Map(), kind: NodeKind = 'model', name?: string): EffectiveConfig {
    const file = this.absolute(path);
    const nodeName = name ?? fileStem(file);
    const fqn = this.fqnOf(file, kind, nodeName);
    const layers: ConfigLayer[] = projectConfigLayers(this.configTrees[kind], fqn, this.projectFile);
    const props = this.nodeProperties.get(`${kind}s:${nodeName}`);
    if (props && props.config.size) layers.push({ values: props.config, spans: props.configSpans, origin: { level: 'properties', file: props.file } });
    if (inFileConfig.size) layers.push({ values: new Map(inFileConfig), origin: { level: 'file', file } });
    const defaults = new Map<string, JValue>([
      ['enabled', true],
      ['materialized', DEFAULT_MATERIALIZED[kind]],
      ['tags', []],
      ['meta', new Map()],
      ['pre_hook', []],
      ['post_hook', []],
    ]);
    return mergeConfigLayers(layers, defaults);
  }

  /** dbt's fqn: the project name, the folders below the resource path the file is in, and the node name. */
  fqnOf(path: string, kind: NodeKind, name?: string): string[] {
    const file = this.absolute(path);
    const dirs = kind === 'model' ? this.settings.modelPaths : kind === 'seed' ? this.settings.seedPaths : this.settings.snapshotPaths;
    let folders: string[] | undefined;
    for (const dir of this.absDirs(dirs)) {
      const rel = relativePath(dir, file);
      if (!rel.startsWith('..') && !isAbsolutePath(rel)) {
        folders = rel.split('/').slice(0, -1);
        break;
      }
    }
    folders ??= relativePath(this.root, file).split('/').slice(0, -1);
    return [this.settings.name, ...folders, name ?? fileStem(file)];
  }

  private nodeJinja(kind: NodeKind, name: string, fqn: string[], path: string, config: EffectiveConfig): JDict {
    return new Map<string, JValue>([
      ['name', name],
      ['resource_type', kind],
      ['package_name', this.settings.name],
      ['fqn', fqn],
      ['original_file_path', path],
      ['path', path],
      ['unique_id', `${kind}.${this.settings.name}.${name}`],
      ['config', config.values],
    ]);
  }

  private relationOf(kind: NodeKind, name: string, fqn: string[], path: string, config: EffectiveConfig): Relation {
    const quoting = this.settings.quoting;
    if (kind === 'snapshot') {
      // Snapshots with target_schema/target_database use them as written (dbt's legacy snapshot config).
      const targetSchema = configString(config, 'target_schema');
      const schema = targetSchema ?? this.schemaFor(configString(config, 'schema'), this.nodeJinja(kind, name, fqn, path, config));
      const database = configString(config, 'target_database') ?? configString(config, 'database') ?? this.targetDatabase;
      return new Relation(database, schema, configString(config, 'alias') ?? name, quoting);
    }
    const schema = this.schemaFor(configString(config, 'schema'), this.nodeJinja(kind, name, fqn, path, config));
    const database = configString(config, 'database') ?? this.targetDatabase;
    return new Relation(database, schema, configString(config, 'alias') ?? name, quoting);
  }

  private makeNode(kind: NodeKind, name: string, file: string, dependencies: ModelDependencies): ProjectNode {
    const path = relativePath(this.root, file);
    const fqn = this.fqnOf(file, kind, name);
    const config = this.configFor(file, dependencies.config, kind, name);
    const node: ProjectNode = {
      kind,
      name,
      path,
      file,
      fqn,
      config,
      enabled: configBoolean(config, 'enabled', true),
      materialized: configString(config, 'materialized') ?? DEFAULT_MATERIALIZED[kind],
      tags: configTags(config),
      relation: this.relationOf(kind, name, fqn, path, config),
      dependencies,
    };
    const props = this.nodeProperties.get(`${kind}s:${name}`);
    if (props) node.properties = props;
    return node;
  }

  private analyseModel(file: string, text: string, loading = false): ProjectNode {
    return this.makeNode('model', fileStem(file), file, this.safeExtract(text, loading));
  }

  private analyseSeed(file: string, text: string): ProjectNode {
    const name = fileStem(file);
    const node = this.makeNode('seed', name, file, { refs: [], sources: [], config: new Map() });
    const types = new Map<string, string>();
    const columnTypes = node.config.values.get('column_types');
    if (columnTypes !== undefined && isDict(columnTypes)) for (const [k, v] of columnTypes) if (typeof v === 'string') types.set(k, v);
    node.columns = seedColumns(text, types);
    return node;
  }

  /** Each `{% snapshot name %} … {% endsnapshot %}` block in a file is a node named after the block. */
  private analyseSnapshots(file: string, text: string, loading = false): ProjectNode[] {
    const nodes: ProjectNode[] = [];
    const open = /\{%-?\s*snapshot\s+([A-Za-z_][A-Za-z0-9_]*)\s*-?%\}/g;
    let m: RegExpExecArray | null;
    while ((m = open.exec(text))) {
      const start = m.index + m[0].length;
      const close = /\{%-?\s*endsnapshot\s*-?%\}/g;
      close.lastIndex = start;
      const c = close.exec(text);
      const end = c ? c.index : text.length;
      // The extractor sees the whole file with everything outside the block blanked, so its spans stay file offsets.
      const masked = text.slice(0, start).replace(/[^\n]/g, ' ') + text.slice(start, end) + text.slice(end).replace(/[^\n]/g, ' ');
      const node = this.makeNode('snapshot', m[1] as string, file, this.safeExtract(masked, loading));
      node.span = { start: m.index, end: m.index + m[0].length };
      nodes.push(node);
      open.lastIndex = c ? c.index + c[0].length : text.length;
    }
    return nodes;
  }

  private safeExtract(text: string, loading: boolean): ModelDependencies {
    let deps: ModelDependencies;
    try {
      deps = this.extract(text, loading);
    } catch {
      // The model parser reports its own problems; a failure here must not stop the project from loading.
      return { refs: [], sources: [], config: new Map() };
    }
    // Quick fixes need the text under each ref's span as the file was analysed, not as it is on disk.
    for (const ref of deps.refs) this.refTexts.set(ref, text.slice(ref.span.start, ref.span.end));
    return deps;
  }

  private readPropertyFile(file: string): void {
    const text = this.files.readFile(file);
    if (text === undefined) return;
    const diagnostics: Diagnostic[] = [];
    const render = makeStringRenderer(this.renderCtx, diagnostics, relativePath(this.root, file));
    const parsed = parsePropertiesFile(text, file, render);
    this.propertyFiles.push(parsed);
    this.addStatic(file, [...parsed.diagnostics, ...diagnostics]);
    for (const s of parsed.sources) {
      const existing = this.sources.get(s.name);
      if (!existing) {
        this.sources.set(s.name, s);
        continue;
      }
      // dbt allows one source's tables to be spread over files only through overrides; report a plain duplicate.
      for (const [tableName, table] of s.tables) {
        if (existing.tables.has(tableName)) {
          this.addStatic(file, [diagnostic('DV021', 'error', `Source table '${s.name}.${tableName}' is declared twice (also in ${relativePath(this.root, existing.file)}); remove one.`, table.nameSpan)]);
        } else existing.tables.set(tableName, table);
      }
    }
    for (const n of parsed.nodes) {
      const key = `${n.resourceType}:${n.name}`;
      if (!this.nodeProperties.has(key)) this.nodeProperties.set(key, n);
    }
  }

  /** Model names of installed packages (dbt_packages/*), so ref() to them is not reported as unknown. */
  private missingPackages: string[] | undefined;

  /** Packages declared in packages.yml but not installed that may hold models (see package-status.ts). */
  packagesNotInstalled(): string[] {
    this.missingPackages ??= packagesNotInstalled(this.packages.declared, installedPackageNames(this.root, this.settings.packagesInstallPath, this.files));
    return this.missingPackages;
  }

  private collectPackageModelNames(): void {
    const installDir = joinPath(this.root, this.settings.packagesInstallPath);
    for (const projectYml of this.files.listFiles(installDir, (p) => p.endsWith('/dbt_project.yml'))) {
      const pkgRoot = projectYml.slice(0, -'/dbt_project.yml'.length);
      if (pkgRoot.slice(installDir.length + 1).includes('/')) continue;
      for (const file of this.files.listFiles(pkgRoot, (p) => p.endsWith('.sql') || p.toLowerCase().endsWith('.csv'))) this.packageModelNames.add(fileStem(file));
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Lookups.

  /** Every node (models, seeds, snapshots), enabled or not, ordered by path. Kept sorted between shape changes. */
  allNodes(): readonly ProjectNode[] {
    this.sorted ??= [...this.nodesByFile.values()].flat().sort((a, b) => compareText(a.path, b.path) || compareText(a.name, b.name));
    return this.sorted;
  }

  /** Enabled models only, ordered by path. */
  models(): readonly ProjectNode[] {
    this.enabledModels ??= this.allNodes().filter((n) => n.kind === 'model' && n.enabled);
    return this.enabledModels;
  }

  /** Names of the enabled models, ordered by path (kept with the model list). */
  modelNames(): readonly string[] {
    this.enabledModelNames ??= this.models().map((n) => n.name);
    return this.enabledModelNames;
  }

  /** The enabled node named `name` (a disabled one when no enabled node has the name). */
  node(name: string): ProjectNode | undefined {
    if (this.pendingByStem.has(name)) this.analyseDeferred(this.pendingByStem.get(name) ?? []);
    const candidates = this.pendingModels.size && !this.derived ? this.partialNamed(name) : (this.derivedState().byName.get(name) ?? []);
    // A loop, not find() with a callback: rules and the catalog look up nodes by name thousands of times per check.
    for (const n of candidates) if (n.enabled) return n;
    return candidates[0];
  }

  /** The analysed nodes named `name`, in path order as allNodes() has them. */
  private partialNamed(name: string): ProjectNode[] {
    if (!this.partialByName) {
      this.partialByName = new Map();
      for (const nodes of this.nodesByFile.values()) for (const n of nodes) this.partialByName.set(n.name, [...(this.partialByName.get(n.name) ?? []), n]);
    }
    const found = this.partialByName.get(name) ?? [];
    return found.length < 2 ? found : [...found].sort((a, b) => compareText(a.path, b.path) || compareText(a.name, b.name));
  }

  /** The nodes defined in a file (absolute or project-relative path). */
  nodesIn(path: string): ProjectNode[] {
    const file = this.absolute(path);
    if (this.pendingModels.has(file)) this.analyseDeferred([file]);
    return this.nodesByFile.get(file) ?? [];
  }

  /**
   * modelNames(), and while files are still deferred also their names (a model file's name is its stem), in path
   * order: what a list of models offered to people shows before the project is indexed. A deferred file disabled by
   * its own config() is listed until it is read.
   */
  knownModelNames(): readonly string[] {
    if (this.pendingModels.size === 0) return this.modelNames();
    if (this.knownNames) return this.knownNames;
    const named = this.models().map((n) => ({ path: n.path, name: n.name }));
    for (const file of this.pendingModels) named.push({ path: relativePath(this.root, file), name: fileStem(file) });
    this.knownNames = named.sort((a, b) => compareText(a.path, b.path) || compareText(a.name, b.name)).map((n) => n.name);
    return this.knownNames;
  }

  /** How many model files are listed but not analysed yet (deferModels). */
  get pendingModelCount(): number {
    return this.pendingModels.size;
  }

  /**
   * Analyses deferred model files, in listing order, for about `budgetMs` (at least one file). Returns true once every
   * file is analysed; until then whole-project lists hold only the analysed ones.
   */
  indexPending(budgetMs: number): boolean {
    const started = performance.now();
    const batch: string[] = [];
    for (const file of this.pendingModels) {
      batch.push(file);
      this.analyseOne(file);
      if (performance.now() - started >= budgetMs) break;
    }
    if (batch.length) this.shapeChanged(true);
    return this.pendingModels.size === 0;
  }

  /**
   * Analyses the deferred files that `nodes` select from, and theirs, up the graph: what a file's findings (unknown
   * refs, cycles through it) depend on, so its findings are complete before the whole project is indexed.
   */
  analyseAncestors(nodes: readonly ProjectNode[]): void {
    if (this.pendingModels.size === 0) return;
    const seen = new Set<string>();
    let level: readonly ProjectNode[] = nodes;
    while (level.length && this.pendingModels.size) {
      const names: string[] = [];
      for (const n of level) {
        for (const ref of n.dependencies.refs) {
          if (ref.package !== undefined && ref.package !== this.settings.name) continue;
          for (const name of [ref.name, this.versionedStem(ref.name, ref.version)]) {
            if (name === undefined || seen.has(name)) continue;
            seen.add(name);
            names.push(name);
          }
        }
      }
      this.analyseDeferred(names.flatMap((name) => this.pendingByStem.get(name) ?? []));
      // Parents analysed before are walked too: their own parents may still be deferred.
      const byName = this.derivedState().byName;
      level = names.flatMap((name) => byName.get(name) ?? []);
    }
  }

  private analyseDeferred(files: readonly string[]): void {
    let any = false;
    for (const file of files) any = this.analyseOne(file) || any;
    if (any) this.shapeChanged(true);
  }

  /** Reads and analyses one deferred model file as the first load would have. */
  private analyseOne(file: string): boolean {
    if (!this.pendingModels.delete(file)) return false;
    const stem = fileStem(file);
    const rest = (this.pendingByStem.get(stem) ?? []).filter((f) => f !== file);
    if (rest.length) this.pendingByStem.set(stem, rest);
    else this.pendingByStem.delete(stem);
    const text = this.files.readFile(file);
    if (text === undefined) return false;
    this.texts.set(file, text);
    const node = this.analyseModel(file, text, true);
    this.nodesByFile.set(file, [node]);
    this.partialByName?.set(node.name, [...(this.partialByName.get(node.name) ?? []), node]);
    return true;
  }

  /** The text a model or snapshot file was last analysed with, without reading the disk again. */
  textOfFile(path: string): string | undefined {
    return this.texts.get(path) ?? this.texts.get(this.absolute(path));
  }

  /** The first enabled node (by path) whose relation is schema.identifier, compared case-insensitively. */
  nodeByRelation(schema: string, identifier: string): ProjectNode | undefined {
    return this.derivedState().byRelation.get(relationKey(schema, identifier));
  }

  /** ref('name') as a relation, or undefined for an unknown name. */
  relationFor(name: string): Relation | undefined {
    return this.node(name)?.relation;
  }

  /**
   * The node a `ref(name)` / `ref(name, v=…)` selects: the node of that name, else the version of a versioned model
   * (its `versions:` in a properties file; without `v`, `latest_version` or the highest version).
   */
  refNode(name: string, version?: string): ProjectNode | undefined {
    const direct = version === undefined ? this.node(name) : undefined;
    if (direct) return direct;
    const stem = this.versionedStem(name, version);
    return stem === undefined ? undefined : this.node(stem);
  }

  /**
   * ref() as the compiler resolves it: this project's models, seeds and snapshots (versions included), and models of
   * other packages, which build in the target schema under their own name (dbt's default for package models).
   * Undefined when the name is unknown in this project.
   */
  resolveRef(name: string, packageName?: string, version?: string): Relation | undefined {
    if (packageName !== undefined && packageName !== this.settings.name) {
      return new Relation(this.targetDatabase, this.schemaFor(undefined), name, this.settings.quoting);
    }
    const node = this.refNode(name, version);
    return node && node.enabled ? node.relation : undefined;
  }

  private versionedStem(name: string, version: string | undefined): string | undefined {
    const props = this.nodeProperties.get(`models:${name}`);
    const versions = props?.versions;
    if (!versions || versions.length === 0) return undefined;
    const numeric = (v: string) => (Number.isFinite(Number(v)) ? Number(v) : -Infinity);
    const wanted = version ?? props.latestVersion ?? [...versions].sort((a, b) => numeric(b.v) - numeric(a.v) || b.v.localeCompare(a.v))[0]?.v;
    return versions.find((x) => x.v === wanted)?.definedIn;
  }

  sourceTable(sourceName: string, tableName: string): SourceTable | undefined {
    return this.sources.get(sourceName)?.tables.get(tableName);
  }

  /** source('src', 'table') as a relation (database defaults to the target's, schema to the source name). */
  sourceRelation(sourceName: string, tableName: string): Relation | undefined {
    const source = this.sources.get(sourceName);
    const table = source?.tables.get(tableName);
    if (!source || !table) return undefined;
    return new Relation(source.database ?? this.targetDatabase, source.schema, table.identifier, table.quoting);
  }

  /** Columns declared in the sources yml for a source table (types where `data_type:` is given). */
  sourceColumns(sourceName: string, tableName: string): DeclaredColumn[] {
    return this.sourceTable(sourceName, tableName)?.columns ?? [];
  }

  // -------------------------------------------------------------------------------------------------------------
  // Graph.

  graph(): DependencyGraph {
    return this.derivedState().graph;
  }

  parents(name: string): string[] {
    return [...(this.graph().parents.get(name) ?? [])];
  }

  children(name: string): string[] {
    return [...(this.graph().children.get(name) ?? [])];
  }

  ancestors(name: string): string[] {
    return graphAncestors(this.graph(), name);
  }

  descendants(name: string): string[] {
    return graphDescendants(this.graph(), name);
  }

  /** Enabled nodes in build order (parents first); `only` restricts the result to those names, still in order. */
  topologicalOrder(only?: Iterable<string>): string[] {
    return graphOrder(this.graph(), only);
  }

  /** Dependency cycles, each as [a, b, …] where a selects from b, … and the last from a. */
  cycles(): string[][] {
    return this.derivedState().cycles.map((c) => [...c]);
  }

  /** The nodes the selector works on: enabled models, seeds and snapshots. */
  projectGraphNodes(): ProjectGraphNode[] {
    const graph = this.graph();
    return this.allNodes()
      .filter((n) => n.enabled)
      .map((n) => ({
        name: n.name,
        path: n.path,
        tags: [...n.tags],
        materialized: n.materialized,
        dependsOn: [...(graph.parents.get(n.name) ?? [])],
        resourceType: n.kind,
        fqn: [...n.fqn],
      }));
  }

  // -------------------------------------------------------------------------------------------------------------
  // Editing.

  /**
   * Re-analyses one model or snapshot file after an edit (or adds it when new): its refs, sources, config() and
   * relation. Nothing else is read again. Returns the file's nodes, or undefined when the path is not a model or
   * snapshot file of this project (then reload the project if it was a .yml).
   */
  updateModelText(path: string, text: string): ProjectNode[] | undefined {
    const file = this.absolute(path);
    if (!file.endsWith('.sql')) return undefined;
    this.forgetDeferred(file);
    let nodes: ProjectNode[];
    if (this.inNestedProject(file)) return undefined;
    if (this.isUnder(file, this.settings.modelPaths) && !this.isIgnoredPath(file)) nodes = [this.analyseModel(file, text)];
    else if (this.isUnder(file, this.settings.snapshotPaths)) nodes = this.analyseSnapshots(file, text);
    else return undefined;
    const before = this.nodesByFile.get(file);
    this.nodesByFile.set(file, nodes);
    this.texts.set(file, text);
    if (before && this.derived && sameShape(before, nodes)) this.replaceNodes(file, before, nodes, this.derived);
    else this.shapeChanged();
    return nodes;
  }

  /** Forgets a deleted model, seed or snapshot file. */
  removeFile(path: string): boolean {
    const file = this.absolute(path);
    this.forgetDeferred(file);
    const removed = this.nodesByFile.delete(file);
    this.texts.delete(file);
    if (removed) this.shapeChanged();
    return removed;
  }

  /** A deferred file the editor now supplies (or that went away) is no longer waiting to be read. */
  private forgetDeferred(file: string): void {
    if (!this.pendingModels.delete(file)) return;
    const stem = fileStem(file);
    const rest = (this.pendingByStem.get(stem) ?? []).filter((f) => f !== file);
    if (rest.length) this.pendingByStem.set(stem, rest);
    else this.pendingByStem.delete(stem);
  }

  /** `added`: files were only added by deferred indexing, which keeps the partial name map up to date itself. */
  private shapeChanged(added = false): void {
    if (!added || this.pendingModels.size === 0) this.partialByName = undefined;
    this.knownNames = undefined;
    this.sorted = undefined;
    this.enabledModels = undefined;
    this.enabledModelNames = undefined;
    this.derived = undefined;
  }

  /**
   * An edit that kept the file's names, refs, sources and config: the graph, the name and relation maps keep their
   * shape, so the new nodes take the old ones' places and only this file's findings are computed again (their spans
   * moved with the edit).
   */
  private replaceNodes(file: string, before: readonly ProjectNode[], after: readonly ProjectNode[], derived: DerivedState): void {
    const swap = (list: ProjectNode[] | undefined) => {
      if (!list) return;
      before.forEach((old, i) => {
        const at = list.indexOf(old);
        if (at >= 0) list[at] = after[i] as ProjectNode;
      });
    };
    swap(this.sorted);
    swap(this.enabledModels);
    this.partialByName = undefined;
    for (const [i, old] of before.entries()) {
      swap(derived.byName.get(old.name));
      const key = relationKey(old.relation.schema, old.relation.identifier);
      if (derived.byRelation.get(key) === old) derived.byRelation.set(key, after[i] as ProjectNode);
    }
    derived.diagnosticsByFile.delete(file);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Diagnostics.

  /** Every diagnostic of the project: YAML and project files, then per-model ref/source/cycle/duplicate findings. */
  diagnostics(): ProjectDiagnostic[] {
    const derived = this.derivedState();
    const out = [...this.staticDiagnostics];
    for (const n of this.allNodes()) {
      // A snapshot file holds several nodes; its findings are listed once, at its first node.
      if (this.nodesByFile.get(n.file)?.[0] !== n) continue;
      out.push(...this.fileFindings(n.file, derived));
    }
    return out;
  }

  /** The diagnostics of one file (absolute or project-relative path). */
  diagnosticsFor(path: string): ProjectDiagnostic[] {
    const file = this.absolute(path);
    // Before the whole project is indexed, what this file's findings depend on is analysed first: the files it selects
    // from (up the graph, for unknown refs and cycles) and the files of the same name (for duplicates).
    if (this.pendingModels.size) {
      const nodes = this.nodesIn(file);
      this.analyseDeferred(nodes.flatMap((n) => this.pendingByStem.get(n.name) ?? []));
      this.analyseAncestors(nodes);
    }
    return [...this.staticDiagnostics.filter((d) => d.file === file), ...this.fileFindings(file, this.derivedState())];
  }

  private fileFindings(file: string, derived: DerivedState): ProjectDiagnostic[] {
    let found = derived.diagnosticsByFile.get(file);
    if (!found) derived.diagnosticsByFile.set(file, (found = this.fileDiagnostics(this.nodesByFile.get(file) ?? [], derived)));
    return found;
  }

  private addStatic(file: string, diagnostics: readonly Diagnostic[]): void {
    for (const d of diagnostics) this.staticDiagnostics.push({ ...d, file });
  }

  private derivedState(): DerivedState {
    if (this.derived) return this.derived;
    const all = this.allNodes();
    const byName = new Map<string, ProjectNode[]>();
    const byRelation = new Map<string, ProjectNode>();
    for (const n of all) {
      const list = byName.get(n.name) ?? [];
      list.push(n);
      byName.set(n.name, list);
      if (!n.enabled) continue;
      const key = relationKey(n.relation.schema, n.relation.identifier);
      if (!byRelation.has(key)) byRelation.set(key, n);
    }
    const parentsOf = new Map<string, string[]>();
    const partial = { byName, byRelation, graph: { parents: new Map(), children: new Map() }, cycles: [], diagnosticsByFile: new Map(), knownNames: [] } as DerivedState;
    partial.knownNames = [...byName.keys()].filter((n) => this.enabledNamed(partial, n));
    for (const n of all) {
      if (!n.enabled) continue;
      const parents: string[] = [];
      parentsOf.set(n.name, parentsOf.get(n.name) ?? parents);
      for (const ref of n.dependencies.refs) {
        const target = this.refTarget(partial, ref);
        if (target) parentsOf.get(n.name)?.push(target.name);
      }
    }
    partial.graph = buildGraph(parentsOf);
    partial.cycles = findCycles(partial.graph);
    this.derived = partial;
    return partial;
  }

  private enabledNamed(derived: DerivedState, name: string): ProjectNode | undefined {
    const named = derived.byName.get(name);
    if (named) for (const n of named) if (n.enabled) return n;
    return undefined;
  }

  /** The enabled node a ref() of this project selects from, or undefined (unknown, disabled, another package). */
  private refTarget(derived: DerivedState, ref: RefCall): ProjectNode | undefined {
    if (ref.package !== undefined && ref.package !== this.settings.name) return undefined; // other packages are not indexed
    const stem = ref.version !== undefined || !this.enabledNamed(derived, ref.name) ? this.versionedStem(ref.name, ref.version) : undefined;
    return this.enabledNamed(derived, stem ?? ref.name);
  }

  /** One file's project findings: duplicate names, refs and sources that resolve to nothing, cycles through it. */
  private fileDiagnostics(nodes: readonly ProjectNode[], derived: DerivedState): ProjectDiagnostic[] {
    const diagnostics: ProjectDiagnostic[] = [];
    // Two enabled nodes with one name: dbt refuses the project (a disabled duplicate is allowed).
    for (const n of nodes) {
      if (!n.enabled) continue;
      const enabled = (derived.byName.get(n.name) ?? []).filter((o) => o.enabled);
      if (enabled.length < 2) continue;
      const others = enabled.filter((o) => o !== n).map((o) => o.path);
      diagnostics.push({
        ...diagnostic('DV106', 'error', `Two nodes are named '${n.name}': ${n.path} and ${others.join(', ')}. ref('${n.name}') would be ambiguous; rename one of the files or disable one.`, n.span),
        file: n.file,
      });
    }
    for (const n of nodes) {
      if (!n.enabled) continue;
      for (const ref of n.dependencies.refs) {
        if (ref.package !== undefined && ref.package !== this.settings.name) continue;
        if (this.refTarget(derived, ref)) continue;
        if ((derived.byName.get(ref.name) ?? []).length > 0) {
          diagnostics.push({
            ...diagnostic('DV101', 'error', `ref('${ref.name}'): the model is disabled (enabled: false), so ${n.name} cannot select from it. Enable it or remove the ref.`, ref.span),
            file: n.file,
          });
          continue;
        }
        if (this.packageModelNames.has(ref.name)) continue;
        const suggestion = closestName(ref.name, derived.knownNames);
        const fixes: TextFix[] = suggestion ? [this.renameFix(ref, suggestion)] : [];
        // A package of packages.yml that is not installed may define the model: that cannot be known here.
        const missing = this.packagesNotInstalled();
        diagnostics.push({
          ...diagnostic(
            'DV101',
            missing.length ? 'information' : 'error',
            `ref('${ref.name}'): no model, seed or snapshot named '${ref.name}' in this project.${suggestion ? ` Did you mean '${suggestion}'?` : ' Check the file name under the model paths.'}${missing.length ? ` ${notInstalledReason(missing)}` : ''}`,
            ref.span,
            fixes,
          ),
          file: n.file,
        });
      }
      for (const src of n.dependencies.sources) {
        const source = this.sources.get(src.source);
        if (!source) {
          const suggestion = closestName(src.source, this.sources.keys());
          // Packages declare sources too: one that is not installed may declare this one.
          const missing = this.packagesNotInstalled();
          diagnostics.push({
            ...diagnostic(
              'DV102',
              missing.length ? 'information' : 'error',
              `source('${src.source}', '${src.table}'): no source named '${src.source}' is declared in a .yml under the model paths.${suggestion ? ` Did you mean '${suggestion}'?` : ''}${missing.length ? ` ${notInstalledReason(missing)}` : ''}`,
              src.span,
            ),
            file: n.file,
          });
          continue;
        }
        const table = source.tables.get(src.table);
        if (!table) {
          const suggestion = closestName(src.table, source.tables.keys());
          diagnostics.push({
            ...diagnostic(
              'DV102',
              'error',
              `source('${src.source}', '${src.table}'): source '${src.source}' has no table '${src.table}'.${suggestion ? ` Did you mean '${suggestion}'?` : ` Add it under tables: in ${relativePath(this.root, source.file)}.`}`,
              src.span,
            ),
            file: n.file,
          });
          continue;
        }
        if (!table.enabled) {
          diagnostics.push({
            ...diagnostic('DV102', 'error', `source('${src.source}', '${src.table}') is disabled (enabled: false) in ${relativePath(this.root, table.file)}.`, src.span),
            file: n.file,
          });
        }
      }
    }
    for (const cycle of derived.cycles) {
      const shown = [...cycle, cycle[0]].join(' → ');
      for (let i = 0; i < cycle.length; i++) {
        const name = cycle[i] as string;
        const node = nodes.find((n) => n.enabled && n.name === name);
        if (!node || this.enabledNamed(derived, name) !== node) continue;
        const next = cycle[(i + 1) % cycle.length] as string;
        const ref = node.dependencies.refs.find((r) => r.name === next && (r.package === undefined || r.package === this.settings.name));
        diagnostics.push({
          ...diagnostic('DV103', 'error', `Dependency cycle: ${shown} (each selects from the next). dbt cannot build these models; remove one of the ref() calls.`, ref?.span),
          file: node.file,
        });
      }
    }
    return diagnostics;
  }

  /** A quick fix replacing a ref's name, whether its span covers the bare name or the quoted string. */
  private renameFix(ref: RefCall, to: string): TextFix {
    const current = this.refTexts.get(ref);
    const quote = current && current.length === ref.name.length + 2 ? current[0] : undefined;
    const newText = quote === "'" || quote === '"' ? `${quote}${to}${quote}` : to;
    return { title: `Change to '${to}'`, span: ref.span, newText };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Paths.

  private absolute(path: string): string {
    const p = toSlashes(path);
    return isAbsolutePath(p) ? p : joinPath(this.root, p);
  }

  private absDirs(dirs: readonly string[]): string[] {
    return [...new Set(dirs.map((d) => this.absolute(d)))];
  }

  private isUnder(file: string, dirs: readonly string[]): boolean {
    return this.absDirs(dirs).some((d) => {
      const rel = relativePath(d, file);
      return !rel.startsWith('..') && !isAbsolutePath(rel);
    });
  }

  /**
   * True when a dbt_project.yml sits between the file and this project's root: the file belongs to that nearer
   * project (several projects in one workspace), not to this one.
   */
  private inNestedProject(file: string): boolean {
    let dir = dirName(file);
    while (dir.length > this.root.length && dir.startsWith(this.root + '/')) {
      let nested = this.nestedRoots.get(dir);
      if (nested === undefined) {
        nested = this.files.exists(joinPath(dir, 'dbt_project.yml'));
        this.nestedRoots.set(dir, nested);
      }
      if (nested) return true;
      dir = dirName(dir);
    }
    return false;
  }

  /** Files under the model paths that are really analyses, tests or snapshots (when those folders nest inside). */
  private isIgnoredPath(file: string): boolean {
    // Answered once per folder: a file is under one of those paths exactly when its folder is (a project lists
    // thousands of model files in a few folders).
    const dir = dirName(file);
    let ignored = this.ignoredDirs.get(dir);
    if (ignored === undefined) {
      const s = this.settings;
      ignored = this.isUnder(file, [...s.analysisPaths, ...s.testPaths, ...s.snapshotPaths, ...s.seedPaths].filter((d) => !s.modelPaths.includes(d)));
      this.ignoredDirs.set(dir, ignored);
    }
    return ignored;
  }

  private targetContext(): TargetContext {
    return {
      profileName: this.settings.profile,
      profiles: this.profiles,
      searched: this.profilesSearched,
      env: this.env,
      cliVars: this.cliVars,
    };
  }
}
