// A project session: one dbt project opened for work, shared by the CLI and the language server. It ties the
// project model, the model parser, the catalog (schema cache, declared source columns, seeds, statically known stage
// outputs) and the compiler together, and re-analyses one file at a time as it changes.
import { resolve as resolvePath } from 'node:path';
import type { Diagnostic } from '../base/diagnostic';
import { diagnostic } from '../base/diagnostic';
import type { Relation } from '../base/relation';
import { automateDvConfigValue } from '../compile/automate-dv/config-meta';
import { isBeforeExtraColumns, stageOutputColumns, type StageColumn } from '../compile/automate-dv';
import type { AutomateDvCompat, ColumnInfo } from '../compile/context';
import { compileModel, type CompiledModel, type InstalledMacrosEnv } from '../compile/model';
import type { MacroNode } from '../jinja/ast';
import { parseTemplate } from '../jinja/parser';
import { isNone, type JValue } from '../jinja/values';
import { dispatchSearchOrder, installedPackageMacros, VAULT_PACKAGES, type PackageMacros } from '../dbt/package-macros';
import type { RuntimeQueries } from '../dbt/query-results';
import { metaEntry, metaToJValue, type MetaEntry, type MetaValue } from '../model/meta';
import { parseModel, vaultCall, type MacroCallInfo, type ParsedModel } from '../model/parse';
import { automateDvFork, installedAutomateDvMacroNames } from '../project/package-status';
import type { Span } from '../base/text';
import { loadProject, nodeFileSystem, type DbtProject, type FileSystem, type ModelDependencies, type ProjectNode } from '../project';
import type { TargetPurpose } from '../project/profiles';
import { hasIncrementalBranch } from '../base/materializations';
import { columnsInSnapshot, readSchemaCache, type SchemaSnapshot } from '../warehouse/introspect';

export interface SessionOptions {
  files?: FileSystem;
  env?: Readonly<Record<string, string | undefined>>;
  profilesDir?: string;
  targetName?: string;
  purpose?: TargetPurpose;
  cliVars?: ReadonlyMap<string, JValue>;
  /** One value per invocation, shared by every model (CONTRACTS.md run_started_at). */
  runStartedAt?: Date;
  /** Overrides the AutomateDV version the project pins (--automate-dv-version). */
  compat?: AutomateDvCompat;
  homeDir?: string;
  /**
   * Where AutomateDV's macros come from: 'installed' renders the package's own macros when it is installed (the
   * default), 'emulated' always uses the built-in emulation.
   */
  automateDv?: AutomateDvSource;
  /** --full-refresh of a load: flags.FULL_REFRESH and should_full_refresh() in Jinja. */
  fullRefresh?: boolean;
  /**
   * List the model files without reading them; the caller indexes them with indexPending() (the language server
   * does, in slices between requests). Lookups by name or path read the files they need at once.
   */
  deferModels?: boolean;
}

export type AutomateDvSource = 'installed' | 'emulated';

export interface CompileRequest {
  incremental?: boolean;
  formatSql?: boolean;
  /** Text of the model as the editor has it (unsaved). */
  text?: string;
  /** run_started_at for this compile (the preview's pinned time); default the session's. */
  runStartedAt?: Date;
  /** A load's query results for run_query()/statement blocks (see engine/load.ts); absent when only compiling. */
  queries?: RuntimeQueries;
  /** Overrides the session's choice of AutomateDV's macros for this compile (--verify-emulation compiles both). */
  automateDv?: AutomateDvSource;
}

export class ProjectSession {
  readonly project: DbtProject;
  readonly runStartedAt: Date;
  private readonly parsedByText = new Map<string, ParsedModel>();
  private readonly parsedByFile = new Map<string, { text: string; parsed: ParsedModel }>();
  private readonly openTexts = new Map<string, string>();
  private snapshot: SchemaSnapshot | undefined;
  private projectMacros: MacroNode[] | undefined;
  private packageMacros: PackageMacros[] | undefined;
  private installedMacros: InstalledMacrosEnv | null | undefined;

  readonly root: string;

  /** How the session reads files: the disk, or what the caller hands in (the editor's buffers, a test's files). */
  readonly files: FileSystem;

  constructor(
    root: string,
    private readonly options: SessionOptions = {},
  ) {
    this.runStartedAt = options.runStartedAt ?? new Date();
    this.files = options.files ?? nodeFileSystem;
    this.root = resolvePath(root);
    this.project = loadProject(this.root, {
      extractDependencies: (text, loading) => this.dependenciesOf(text, loading === true),
      files: this.files,
      env: options.env,
      profilesDir: options.profilesDir,
      targetName: options.targetName,
      purpose: options.purpose ?? 'read',
      cliVars: options.cliVars,
      homeDir: options.homeDir,
      deferModels: options.deferModels,
    });
    const target = this.project.target;
    if (target.ok) this.snapshot = readSchemaCache(this.project.root, target.target.name);
  }

  get compat(): AutomateDvCompat {
    return this.options.compat ?? this.project.compat;
  }

  /** Introspection results (live or cached) the catalog reads first. */
  setSchemaSnapshot(snapshot: SchemaSnapshot | undefined): void {
    this.snapshot = snapshot;
  }

  get schemaSnapshot(): SchemaSnapshot | undefined {
    return this.snapshot;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Models and their text.

  /** Enabled models, ordered by path (a copy of the project's kept list, for callers that reorder it). */
  models(): ProjectNode[] {
    return [...this.project.models()];
  }

  node(name: string): ProjectNode | undefined {
    return this.project.node(name);
  }

  /** The node whose file is `path` (absolute or relative to the project). */
  nodeByPath(path: string): ProjectNode | undefined {
    const abs = path.startsWith('/') ? path : `${this.project.root}/${path}`;
    const nodes = this.project.nodesIn(abs);
    // A snapshot file may define several nodes: the first by name, as the path-ordered node list has them.
    return nodes.length < 2 ? nodes[0] : [...nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))[0];
  }

  /** The model's text: the editor's, else the text the project read it with (files are read once). */
  textOf(node: ProjectNode): string {
    const open = this.openTexts.get(node.file);
    if (open !== undefined) return open;
    const known = this.project.textOfFile(node.file);
    if (known !== undefined) return known;
    return this.files.readFile(node.file) ?? '';
  }

  /** The model's parse, kept per file while its text stays the same (index builds ask for every model per edit). */
  parsed(node: ProjectNode): ParsedModel {
    const text = this.textOf(node);
    const known = this.parsedByFile.get(node.file);
    if (known && known.text === text) return known.parsed;
    const parsed = this.parse(text);
    this.parsedByFile.set(node.file, { text, parsed });
    return parsed;
  }

  parse(text: string): ParsedModel {
    return this.parseAs(text, false);
  }

  /**
   * Positional arguments bind by the pinned version's signature. While the project itself is loading (only refs,
   * sources and config are read then) the version is not known yet, and the default binding serves; files indexed
   * later in slices are read the same way, so a deferred index equals an eager one.
   */
  private parseAs(text: string, loading: boolean): ParsedModel {
    const project = loading ? undefined : (this.project as DbtProject | undefined);
    const version = this.options.compat?.version ?? project?.compat.version;
    const legacy = version !== undefined && isBeforeExtraColumns(version);
    const otherMacros = project ? this.otherAutomateDvMacros() : undefined;
    const key = (legacy ? `\u0000legacy\u0000` : '') + (otherMacros ? '\u0000other\u0000' : '') + text;
    let p = this.parsedByText.get(key);
    if (!p) {
      p = parseModel(text, { automateDvVersion: legacy ? version : undefined, otherAutomateDvMacros: otherMacros });
      if (this.parsedByText.size > 5000) this.parsedByText.clear();
      this.parsedByText.set(key, p);
    }
    return p;
  }

  private installedVaultMacros: Set<string> | undefined;

  /** Macros the project's AutomateDV may have beyond the emulated ones: 'any' for a fork that is not installed. */
  private otherAutomateDvMacros(): ReadonlySet<string> | 'any' | undefined {
    const project = this.project as DbtProject | undefined;
    if (!project) return undefined;
    if (automateDvFork(project.packages.automateDv)) return 'any';
    this.installedVaultMacros ??= installedAutomateDvMacroNames(project.root, project.settings.packagesInstallPath, project.files);
    return this.installedVaultMacros.size ? this.installedVaultMacros : undefined;
  }

  /** The editor changed a file: re-analyse that file only. */
  updateFile(file: string, text: string): void {
    this.openTexts.set(file, text);
    this.project.updateModelText(file, text);
  }

  /** The editor closed a file: the disk version counts again. */
  closeFile(file: string): void {
    this.openTexts.delete(file);
    const text = this.files.readFile(file);
    if (text !== undefined) this.project.updateModelText(file, text);
    else this.project.removeFile(file);
  }

  /** Model files not yet indexed (deferModels). */
  get pendingModelCount(): number {
    return this.project.pendingModelCount;
  }

  /** Indexes deferred model files for about `budgetMs`; true once the whole project is indexed. */
  indexPending(budgetMs: number): boolean {
    return this.project.indexPending(budgetMs);
  }

  private dependenciesOf(text: string, loading: boolean): ModelDependencies {
    const p = this.parseAs(text, loading);
    const config = new Map<string, JValue>();
    for (const [k, v] of p.config) config.set(k, metaToJValue(v));
    const refs = p.refs.map((r) => ({ name: r.name, package: r.package, version: r.version, span: r.nameSpan }));
    const sources = p.sources.map((s) => ({ source: s.source, table: s.table, span: s.tableSpan }));
    // AutomateDV macros call ref()/source() themselves on their metadata, so those names are dependencies too.
    for (const call of p.calls) {
      for (const dep of macroDependencies(call)) {
        if (dep.kind === 'ref') refs.push({ name: dep.name, package: undefined, version: undefined, span: dep.span });
        else sources.push({ source: dep.source, table: dep.table, span: dep.span });
      }
    }
    return { refs, sources, config };
  }

  // -------------------------------------------------------------------------------------------------------------
  // The catalog: what columns a relation has.

  /** Columns of a relation: live/cached introspection, then sources yml, then seeds, then a stage's static output. */
  columnsOf(relation: Relation): ColumnInfo[] | undefined {
    if (this.snapshot) {
      const live = columnsInSnapshot(this.snapshot, relation.schema, relation.identifier);
      if (live && live.length) return live;
    }
    for (const source of this.project.sources.values()) {
      for (const table of source.tables.values()) {
        const rel = this.project.sourceRelation(source.name, table.name);
        if (rel && sameRelation(rel, relation) && table.columns.length) {
          return table.columns.map((c) => ({ name: c.name, dataType: c.dataType ?? 'text' }));
        }
      }
    }
    const node = this.project.nodeByRelation(relation.schema, relation.identifier);
    if (!node) return undefined;
    if (node.columns) return node.columns;
    const stage = this.stageColumns(node);
    return stage?.map((c) => ({ name: c.name, dataType: c.dataType ?? 'text' }));
  }

  /** The columns a stage model produces, computed statically, or undefined when the model is not a stage. */
  stageColumns(node: ProjectNode, seen = new Set<string>()): StageColumn[] | undefined {
    if (seen.has(node.name)) return undefined;
    seen.add(node.name);
    const call = vaultCall(this.parsed(node));
    if (!call || call.macro !== 'stage') return undefined;
    const params = new Map<string, JValue>();
    // A value rendered by Jinja inside the metadata still names its column (see metaToJValue).
    for (const [k, p] of call.params) params.set(k, metaToJValue(p.value, 'NULL'));
    const source = params.get('source_model');
    let sourceColumns: ColumnInfo[] | undefined;
    if (typeof source === 'string') {
      const upstream = this.project.node(source);
      const rel = upstream?.relation;
      if (rel) sourceColumns = this.columnsOf(rel);
    } else if (source instanceof Map && source.size === 1) {
      const [[s, t]] = [...source.entries()] as [[string, JValue]];
      const rel = this.project.sourceRelation(s, String(t));
      if (rel) sourceColumns = this.columnsOf(rel);
    }
    if (isNone(params.get('include_source_columns') ?? null)) params.delete('include_source_columns');
    return stageOutputColumns(params, sourceColumns);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Compiling.

  private macroDefinitions(): MacroNode[] {
    if (!this.projectMacros) {
      this.projectMacros = [];
      for (const def of this.project.macros.values()) {
        const text = this.files.readFile(def.file);
        if (text === undefined) continue;
        for (const st of parseTemplate(text).template.body) if (st.kind === 'Macro') this.projectMacros.push(st);
      }
    }
    return this.projectMacros;
  }

  /**
   * The installed packages with AutomateDV (or dbtvault) among them, for the real-macro path; undefined when
   * AutomateDV is not installed (then it is emulated).
   */
  installedAutomateDv(): InstalledMacrosEnv | undefined {
    if (this.installedMacros === undefined) {
      const packages = installedPackageMacros(this.project, { includeVault: true });
      this.installedMacros = packages.some((p) => VAULT_PACKAGES.has(p.name))
        ? { packages, dispatchOrder: dispatchSearchOrder(this.project), projectRoot: this.project.root }
        : null;
    }
    return this.installedMacros ?? undefined;
  }

  /** adapter.get_relation without a database: the schema cache knows tables; otherwise the project's own models. */
  private relationType(rel: Relation): 'table' | 'view' | 'none' | undefined {
    const node = this.project.allNodes().find((n) => n.relation.schema === rel.schema && n.relation.identifier === rel.identifier);
    if (node) return node.materialized === 'view' ? 'view' : node.materialized === 'ephemeral' ? 'none' : 'table';
    if (this.snapshot && this.columnsOf(rel)) return 'table';
    return undefined;
  }

  compile(node: ProjectNode, request: CompileRequest = {}): CompiledModel {
    const text = request.text ?? this.textOf(node);
    const parsed = this.parse(text);
    const target = this.project.target;
    const config = node.config.values;
    const incremental = request.incremental === true && hasIncrementalBranch(node.materialized);
    const result = compileModel({
      modelName: node.name,
      template: parsed.template,
      self: node.relation,
      materialized: node.materialized,
      // AutomateDV reads meta: only from 0.11.3 (and first from 0.11.5): the version matrix decides.
      configOf: (key) => automateDvConfigValue(config, key, this.compat.version),
      resolveRef: (name, packageName, version) => this.project.resolveRef(name, packageName, version),
      resolveSource: (s, t) => this.project.sourceRelation(s, t),
      varValue: (name) => {
        const marker = Symbol.for('dvs.unset');
        const v = this.project.varOf(name, marker as unknown as JValue, node.fqn);
        return (v as unknown) === marker ? undefined : v;
      },
      envValue: (name) => this.project.env.get(name),
      target: {
        name: target.ok ? target.target.name : 'embedded',
        schema: this.project.targetSchema,
        dbname: this.project.targetDatabase,
        user: target.ok && target.target.kind === 'postgres' ? target.target.user : 'postgres',
        host: target.ok && target.target.kind === 'postgres' ? target.target.host : 'localhost',
        port: target.ok && target.target.kind === 'postgres' ? target.target.port : 5432,
        threads: target.ok ? target.threads : 1,
      },
      catalog: (rel) => this.columnsOf(rel),
      projectMacros: this.macroDefinitions(),
      packageMacros: this.packageMacros ??= installedPackageMacros(this.project),
      incremental,
      runStartedAt: request.runStartedAt ?? this.runStartedAt,
      compat: this.compat,
      formatSql: request.formatSql,
      projectName: this.project.name,
      queries: request.queries,
      packagesNotInstalled: this.project.packagesNotInstalled(),
      automateDvFork: automateDvFork(this.project.packages.automateDv),
      node: {
        name: node.name,
        alias: node.relation.identifier,
        schema: node.relation.schema,
        database: node.relation.database,
        packageName: this.project.name,
        fqn: node.fqn,
        path: node.path,
        config,
        rawCode: text,
      },
      fullRefresh: this.options.fullRefresh,
      relationType: (rel) => this.relationType(rel),
      installed: (request.automateDv ?? this.options.automateDv ?? 'installed') === 'installed' ? this.installedAutomateDv() : undefined,
    });
    return result;
  }

  /** Diagnostics of one model file: parser, project (refs, sources) and compile findings. */
  diagnosticsFor(node: ProjectNode, text?: string): Diagnostic[] {
    const parsed = this.parse(text ?? this.textOf(node));
    const out: Diagnostic[] = [...parsed.diagnostics];
    for (const d of this.project.diagnosticsFor(node.file)) out.push(d);
    const hasErrors = out.some((d) => d.severity === 'error');
    if (!hasErrors) {
      const compiled = this.compile(node, { text, formatSql: false });
      const call = vaultCall(parsed);
      for (const d of compiled.diagnostics) {
        if (out.some((o) => o.code === d.code && o.message === d.message)) continue;
        out.push(d.span ? d : { ...d, span: call?.nameSpan ?? firstLineSpan(parsed.text) });
      }
    }
    return out;
  }
}

type MacroDependency = { kind: 'ref'; name: string; span: Span } | { kind: 'source'; source: string; table: string; span: Span };

/** The models and sources an AutomateDV call reads, from its metadata (source_model, as-of dates, pit/bridge tables). */
export function macroDependencies(call: MacroCallInfo): MacroDependency[] {
  const out: MacroDependency[] = [];
  const modelOrSource = (v: MetaValue | undefined): void => {
    if (!v) return;
    if (v.kind === 'string') out.push({ kind: 'ref', name: v.value, span: v.contentSpan });
    else if (v.kind === 'list') for (const i of v.items) modelOrSource(i);
    else if (v.kind === 'dict' && v.entries.length === 1) {
      const [e] = v.entries as [MetaEntry];
      if (e.value.kind === 'string') out.push({ kind: 'source', source: e.key, table: e.value.value, span: e.value.contentSpan });
    }
  };
  const dictKeys = (v: MetaValue | undefined): void => {
    if (v?.kind === 'dict') for (const e of v.entries) out.push({ kind: 'ref', name: e.key, span: e.keySpan });
  };
  modelOrSource(call.params.get('source_model')?.value);
  modelOrSource(call.params.get('as_of_dates_table')?.value);
  dictKeys(call.params.get('satellites')?.value);
  dictKeys(call.params.get('stage_tables_ldts')?.value);
  const walk = call.params.get('bridge_walk')?.value;
  if (walk?.kind === 'dict') {
    for (const step of walk.entries) {
      for (const key of ['link_table', 'eff_sat_table']) {
        const e = metaEntry(step.value, key);
        if (e?.value.kind === 'string') out.push({ kind: 'ref', name: e.value.value, span: e.value.contentSpan });
      }
    }
  }
  return out;
}

function sameRelation(a: Relation, b: Relation): boolean {
  return a.schema.toLowerCase() === b.schema.toLowerCase() && a.identifier.toLowerCase() === b.identifier.toLowerCase();
}

function firstLineSpan(text: string): { start: number; end: number } {
  const nl = text.indexOf('\n');
  return { start: 0, end: nl < 0 ? text.length : nl };
}

export function noProjectDiagnostic(dir: string): Diagnostic {
  return diagnostic('DV104', 'error', `No dbt_project.yml found in ${dir} or any folder above it. Pass --project DIR or run from inside a dbt project.`);
}
