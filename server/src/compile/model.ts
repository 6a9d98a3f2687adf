// Compiles one dbt model file to the SELECT that `dbt compile` would write: the model's Jinja rendered with dbt's
// context (ref, source, config, var, env_var, this, is_incremental, run_started_at, target, adapter) and AutomateDV's
// macros, then formatted. Works from an explicit environment so the CLI, the language server and tests share it.
import { diagnostic, type Diagnostic } from '../base/diagnostic';
import { Relation, quoteIdent } from '../base/relation';
import { automateDvMacros } from './automate-dv';
import { isReleasedHelperMacro } from './automate-dv/signatures';
import { CompileError, type AutomateDvCompat, type ColumnInfo, type MacroContext } from './context';
import type { Expression, FilterCall, Keyword, MacroNode, MacroParam, Statement, Template } from '../jinja/ast';
import { parseTemplate, render } from '../jinja';
import { makeDatetime } from '../jinja/datetime';
import { builtinGlobals } from '../jinja/builtins';
import type { Span } from '../base/text';
import { configValue, dbtRuntimeGlobals, modelNodeValue, unexpandedMacro, type ModelNodeInfo, type UnexpandedReporter } from '../dbt/jinja-context';
import { buildMacroWorld } from '../dbt/installed-packages';
import type { PackageMacros } from '../dbt/package-macros';
import type { RuntimeQueries } from '../dbt/query-results';
import { dbtUtilsNamespace } from '../dbt/dbt-utils';
import { callable, fromJs, JUnknown, renderValue, UNDEFINED, type JCallable, type JDict, type JObject, type JValue } from '../jinja/values';

export interface CompileTarget {
  name: string;
  schema: string;
  dbname: string;
  user?: string;
  host?: string;
  port?: number;
  threads?: number;
}

/** Everything a model needs from its project and run to compile. */
export interface ModelCompileEnv {
  modelName: string;
  template: Template;
  self: Relation;
  materialized: string;
  /** Effective model config (project → folder → yml → config() in the file). */
  configOf(key: string): JValue;
  /** A model's relation, or undefined when no such model exists. Ephemeral models render as their CTE name. */
  resolveRef(name: string, packageName?: string, version?: string): Relation | undefined;
  resolveSource(sourceName: string, tableName: string): Relation | undefined;
  /** A project or --vars value; undefined when not set. */
  varValue(name: string): JValue | undefined;
  envValue(name: string): string | undefined;
  target: CompileTarget;
  catalog(relation: Relation): ColumnInfo[] | undefined;
  /** Macro definitions from the project's macro files. */
  projectMacros: MacroNode[];
  /** dbt's is_incremental() for this run. */
  incremental: boolean;
  runStartedAt: Date;
  compat: AutomateDvCompat;
  /** Pretty-print the SQL with sql-formatter (the preview's setting); loads run the unformatted text. */
  formatSql?: boolean;
  /** The dbt project's name (`project_name` in Jinja). */
  projectName?: string;
  /** Macros of installed packages, by package (their namespace). */
  packageMacros?: { name: string; macros: MacroNode[] }[];
  /** A load's run_query()/statement results (and the SQL still to run); absent when only checking or compiling. */
  queries?: RuntimeQueries;
  /**
   * Packages of packages.yml that are not installed and may hold models: a ref() to no model of the project resolves
   * to that name in the target schema (where dbt builds a package's models by default) instead of failing.
   */
  packagesNotInstalled?: readonly string[];
  /** How the project's AutomateDV is declared when it is a git or local fork that is not installed (`git <url>`). */
  automateDvFork?: string;
  /** The model's node (for `model`, `config.get`); without it `model` holds only name, alias and schema. */
  node?: ModelNodeInfo;
  /** --full-refresh: `flags.FULL_REFRESH` and `should_full_refresh()`. */
  fullRefresh?: boolean;
  /**
   * The installed AutomateDV (or dbtvault) with every other installed package: the model renders through their own
   * macros (see dbt/installed-packages.ts) instead of the emulation. Absent: AutomateDV is emulated.
   */
  installed?: InstalledMacrosEnv;
  /** Whether a relation exists and its type, for adapter.get_relation; undefined when unknown. */
  relationType?(relation: Relation): 'table' | 'view' | 'none' | undefined;
}

export interface InstalledMacrosEnv {
  /** Every installed package, AutomateDV included. */
  packages: PackageMacros[];
  /** dbt_project.yml `dispatch:` search orders. */
  dispatchOrder: ReadonlyMap<string, readonly string[]>;
  /** The project folder, to name package files relative to it in errors. */
  projectRoot?: string;
}

export interface CompiledModel {
  sql: string;
  /** The rendered text before formatting (what loads execute). */
  rawSql: string;
  diagnostics: Diagnostic[];
  /** Relations of ref() calls resolved while rendering, for dependency checks. */
  refsUsed: string[];
}

const AUTOMATE_DV_NAMESPACES = ['automate_dv', 'dbtvault'];

let builtinNames: ReadonlySet<string> | undefined;

/** The names of Jinja's built-in globals (range, dict, fromyaml …), listed once: they are the same for every model. */
function builtinGlobalNames(): ReadonlySet<string> {
  return (builtinNames ??= new Set(builtinGlobals({ warn: () => undefined }).keys()));
}
// Names the renderer itself binds (return() and the names inside macros and loops); never stand-ins.
const RENDERER_NAMES = ['return', 'caller', 'super', 'loop', 'varargs', 'kwargs', 'self'];
/** What the emulated path never makes a stand-in for, besides the model's globals and the project's macros. */
const NEVER_STAND_INS: ReadonlySet<string> = new Set([...AUTOMATE_DV_NAMESPACES, ...RENDERER_NAMES]);

const macroNameSets = new WeakMap<MacroNode[], ReadonlySet<string>>();

/** The names of a list of macros, made once per list (the project's list is the same for every model). */
function macroNames(macros: MacroNode[]): ReadonlySet<string> {
  let names = macroNameSets.get(macros);
  if (!names) {
    names = new Set(macros.map((m) => m.name));
    macroNameSets.set(macros, names);
  }
  return names;
}

export function compileModel(given: ModelCompileEnv): CompiledModel {
  const env = withUninstalledPackageRefs(given);
  const diagnostics: Diagnostic[] = [];
  const refsUsed: string[] = [];
  const missingVars = new Set<string>();
  const ctx = macroContext(env, diagnostics);
  const macros = automateDvMacros(ctx);
  const globals = new Map<string, JValue>();
  globals.set('automate_dv', automateDvNamespace('automate_dv', macros, env, () => reporter));
  globals.set('dbtvault', automateDvNamespace('dbtvault', macros, env, () => reporter));
  globals.set('ref', callable('ref', (args, kwargs) => {
    const names = args.map((a) => String(a));
    const name = names.length >= 2 ? names[1] : names[0];
    const pkg = names.length >= 2 ? names[0] : undefined;
    if (!name) throw new CompileError('ref() needs a model name.', 'DV101');
    const version = kwargs.get('v') ?? kwargs.get('version');
    const rel = env.resolveRef(name, pkg, typeof version === 'string' || typeof version === 'number' ? String(version) : undefined);
    if (!rel) throw new CompileError(`Model '${env.modelName}' depends on a node named '${name}' which was not found.`, 'DV101');
    refsUsed.push(name);
    return rel;
  }));
  globals.set('source', callable('source', (args) => {
    const [s, t] = args.map((a) => String(a));
    if (!s || !t) throw new CompileError('source() needs a source name and a table name.', 'DV102');
    const rel = env.resolveSource(s, t);
    if (!rel) throw new CompileError(`Model '${env.modelName}' depends on a source named '${s}.${t}' which was not found.`, 'DV102');
    return rel;
  }));
  globals.set('config', env.node ? configValue(env.node.config) : callable('config', () => ''));
  globals.set('var', callable('var', (args) => {
    const name = String(args[0] ?? '');
    const v = env.varValue(name);
    if (v !== undefined) return v;
    if (args.length > 1) return args[1] as JValue;
    // dbt stops the model here, but a check cannot know the --vars of the run: a warning once per name (dvs load and
    // dvs compile still fail on it), and the rest of the model renders with the value unknown.
    if (!missingVars.has(name)) {
      missingVars.add(name);
      diagnostics.push(diagnostic('DV107', 'warning', `Required var '${name}' not found in config. Set it under vars: in dbt_project.yml or pass --vars.`, varCallSpan(env, name)));
    }
    return new JUnknown(`/* var('${name}') is not set */`);
  }));
  globals.set('env_var', callable('env_var', (args) => {
    const name = String(args[0] ?? '');
    const v = env.envValue(name);
    if (v !== undefined) return v;
    if (args.length > 1) return args[1] as JValue;
    // As with var(): dbt stops here, but the environment of the run is not the check's; one warning per name (dvs load
    // and dvs compile fail on it) and the rest of the model renders.
    if (!missingVars.has(`env:${name}`)) {
      missingVars.add(`env:${name}`);
      diagnostics.push(diagnostic('DV105', 'warning', `Env var required but not provided: '${name}'. Set it in the environment or the project's .env file.`, varCallSpan(env, name, 'env_var')));
    }
    return new JUnknown(`/* env_var('${name}') is not set */`);
  }));
  globals.set('this', env.self);
  globals.set('is_incremental', callable('is_incremental', () => env.incremental));
  globals.set('run_started_at', makeDatetime(env.runStartedAt));
  globals.set('target', fromJs(targetObject(env.target)));
  globals.set('log', callable('log', () => ''));
  globals.set('exceptions', namespaceObject('exceptions', new Map([
    ['raise_compiler_error', callable('raise_compiler_error', (args) => { throw new CompileError(String(args[0] ?? 'compiler error'), 'DV200'); })],
    ['warn', callable('warn', () => '')],
  ])));
  globals.set('execute', true);
  globals.set('model', env.node ? modelNodeValue(env.node) : fromJs({ name: env.modelName, alias: env.self.identifier, schema: env.self.schema }));
  globals.set('should_full_refresh', callable('should_full_refresh', () => env.fullRefresh === true));
  globals.set('invocation_args_dict', fromJs({ which: env.queries ? 'run' : 'compile', full_refresh: env.fullRefresh === true }));
  // What nothing defines is tolerated as dbt would after `dbt deps`: package namespaces (dbt_utils.x()) and plain
  // macros (cents_to_dollars()) render as a comment with an information diagnostic at the model's call, never an error.
  const callees = collectCallees(env.template, env.projectMacros);
  const reporter: UnexpandedReporter = { spanOf: (name) => callees.spanOf(name), diagnostics };
  for (const [name, value] of dbtRuntimeGlobals({ projectName: env.projectName ?? '', reporter, runStartedAt: env.runStartedAt, queries: env.queries, fullRefresh: env.fullRefresh })) if (!globals.has(name)) globals.set(name, value);
  if (env.installed) return renderWithInstalledPackages(env, env.installed, globals, callees, reporter, diagnostics, refsUsed);
  // Installed packages: their namespace, and their macros by bare name where the project defines none of that name.
  const projectMacroNames = macroNames(env.projectMacros);
  const packages = env.packageMacros ?? [];
  const invoke = macroInvoker(globals, env.projectMacros, reporter);
  for (const pkg of packages) {
    if (!globals.has(pkg.name)) globals.set(pkg.name, packageNamespace(pkg, invoke));
    for (const m of pkg.macros) {
      if (!globals.has(m.name) && !projectMacroNames.has(m.name)) globals.set(m.name, invoke(m.name, pkg.macros, pkg.name));
    }
  }
  globals.set('adapter', adapterObject(env, (macro, namespace) => dispatchMacro(macro, namespace, env.projectMacros, packages, invoke, reporter)));
  // Asked per callee rather than made as one set of every name per model. The globals are asked as they are now: the
  // loops below add stand-ins to them, but only under names that no later callee of the same loop repeats.
  const defined = { has: (name: string) => globals.has(name) || builtinGlobalNames().has(name) || projectMacroNames.has(name) || NEVER_STAND_INS.has(name) };
  for (const name of callees.namespaces) {
    if (defined.has(name)) continue;
    // dbt_utils without `dbt deps`: its common macros are emulated; the rest stay stand-ins.
    const stub = packageStub(name, reporter);
    globals.set(name, name === 'dbt_utils' ? dbtUtilsNamespace({ reporter, columnsOf: (rel) => env.catalog(rel), varValue: (v) => env.varValue(v), queries: env.queries }, stub) : stub);
  }
  for (const name of callees.names) {
    if (defined.has(name) || globals.has(name)) continue;
    globals.set(name, unknownResult(unexpandedMacro(name, 'is not a macro of this project or of an installed package', 'If a package defines it, run dbt deps; otherwise add it under macros/.', reporter)));
  }

  return renderModel(env, globals, diagnostics, refsUsed);
}

/**
 * dbt's `target` as a plain object: the target's fields in their order, then database, type and threads. Object.assign
 * and stores instead of an object spread with extra keys, which a cold check runs unoptimized, where the spread took
 * three to five times as long (once per model).
 */
function targetObject(target: CompileTarget): Record<string, unknown> {
  const out: Record<string, unknown> = Object.assign({}, target as unknown as Record<string, unknown>);
  out.database = target.dbname;
  out.type = 'postgres';
  out.threads = target.threads ?? 1;
  return out;
}

function renderModel(env: ModelCompileEnv, globals: Map<string, JValue>, diagnostics: Diagnostic[], refsUsed: string[]): CompiledModel {
  const template = withProjectMacros(env.template, env.projectMacros);
  const result = render(template, globals);
  diagnostics.push(...result.diagnostics);
  const rawSql = result.output;
  let sql = rawSql;
  if (env.formatSql !== false) {
    try {
      // Loaded on first use: `dvs check`, `dvs compile` without --pretty and loads never format SQL.
      const { format } = require('sql-formatter') as typeof import('sql-formatter');
      sql = format(rawSql, { language: 'postgresql', tabWidth: 4, keywordCase: 'preserve', linesBetweenQueries: 1 });
    } catch {
      sql = rawSql; // sql-formatter cannot read every dialect corner; the unformatted SQL is still right.
    }
  }
  return { sql, rawSql, diagnostics, refsUsed };
}

/** A model's template with the project's macros in front, made once per parse and macro list (see withProjectMacros). */
const withMacros = new WeakMap<Template, { macros: MacroNode[]; count: number; template: Template }>();

/**
 * The model's template preceded by the project's macro definitions, as dbt makes them visible to every model. Kept
 * per parse so that a model rendered again, and the renderer's per-body checks, see the same body array.
 */
function withProjectMacros(model: Template, macros: MacroNode[]): Template {
  const known = withMacros.get(model);
  if (known && known.macros === macros && known.count === macros.length) return known.template;
  const template: Template = { ...model, body: [...macros, ...model.body] };
  withMacros.set(model, { macros, count: macros.length, template });
  return template;
}

/** Callees of each package's macros, computed once per package (they never change while the process runs). */
const packageCallees = new WeakMap<MacroNode[], Callees>();

/**
 * The real-macro path: the model renders through the installed packages' own macros. Names that neither the
 * packages, the project nor dbt's context define become stand-ins (information), as on the emulated path; an error
 * raised inside a package fails the model at its call.
 */
function renderWithInstalledPackages(
  env: ModelCompileEnv,
  installed: InstalledMacrosEnv,
  globals: Map<string, JValue>,
  callees: Callees,
  reporter: UnexpandedReporter,
  diagnostics: Diagnostic[],
  refsUsed: string[],
): CompiledModel {
  const packageNames = new Set(installed.packages.map((p) => p.name));
  const packageMacroNames = new Set(installed.packages.flatMap((p) => p.macros.map((m) => m.name)));
  const defined = new Set<string>([
    ...globals.keys(),
    ...builtinGlobalNames(),
    ...macroNames(env.projectMacros),
    ...packageNames,
    ...RENDERER_NAMES,
    'adapter',
    env.projectName ?? '',
  ]);
  const namespaces = new Set(callees.namespaces);
  const names = new Set(callees.names);
  for (const pkg of installed.packages) {
    let c = packageCallees.get(pkg.macros);
    if (!c) {
      c = collectCallees({ kind: 'Template', span: { start: 0, end: 0 }, body: [] }, pkg.macros);
      packageCallees.set(pkg.macros, c);
    }
    for (const n of c.namespaces) namespaces.add(n);
    for (const n of c.names) if (!packageMacroNames.has(n)) names.add(n);
  }
  for (const name of namespaces) {
    if (defined.has(name) || globals.has(name)) continue;
    const stub = packageStub(name, reporter);
    globals.set(name, name === 'dbt_utils' ? dbtUtilsNamespace({ reporter, columnsOf: (rel) => env.catalog(rel), varValue: (v) => env.varValue(v), queries: env.queries }, stub) : stub);
  }
  for (const name of names) {
    if (defined.has(name) || globals.has(name)) continue;
    globals.set(name, unknownResult(unexpandedMacro(name, 'is not a macro of this project or of an installed package', 'If a package defines it, run dbt deps; otherwise add it under macros/.', reporter)));
  }
  const world = buildMacroWorld(
    {
      projectName: env.projectName ?? '',
      projectMacros: env.projectMacros,
      packages: installed.packages,
      dispatchOrder: installed.dispatchOrder,
      globals,
      unresolvedDispatch: (macro, namespace) =>
        unknownResult(unexpandedMacro(`adapter.dispatch('${macro}')`, `finds no implementation in ${namespace ?? 'the project'}`, namespace ? `Run dbt deps so that ${namespace} is installed.` : `Define default__${macro} under macros/.`, reporter)),
    },
    installed.projectRoot,
  );
  for (const [name, ns] of world.namespaces) if (name !== env.projectName) globals.set(name, ns);
  // Models may call an installed package's macros by bare name where the project defines none of that name.
  for (const pkg of installed.packages) {
    if (packageNames.has(pkg.name) && (pkg.name === 'automate_dv' || pkg.name === 'dbtvault')) continue;
    const ns = world.namespaces.get(pkg.name);
    for (const m of pkg.macros) {
      if (!globals.has(m.name) && !env.projectMacros.some((p) => p.name === m.name) && ns) globals.set(m.name, ns.getAttr(m.name));
    }
  }
  const adapter = adapterObject(env, (macro, namespace, packages) => world.dispatch(macro, namespace, packages));
  globals.set('adapter', adapter);
  world.setGlobal('adapter', adapter);
  return renderModel(env, globals, diagnostics, refsUsed);
}

function macroContext(env: ModelCompileEnv, diagnostics: Diagnostic[]): MacroContext {
  return {
    modelName: env.modelName,
    self: env.self,
    ref(name: string): Relation {
      const rel = env.resolveRef(name);
      if (!rel) throw new CompileError(`Model '${env.modelName}' depends on a node named '${name}' which was not found.`, 'DV101');
      return rel;
    },
    source(sourceName: string, tableName: string): Relation {
      const rel = env.resolveSource(sourceName, tableName);
      if (!rel) throw new CompileError(`Model '${env.modelName}' depends on a source named '${sourceName}.${tableName}' which was not found.`, 'DV102');
      return rel;
    },
    columnsOf: (relation) => env.catalog(relation),
    varOf(name: string, fallback: JValue): JValue {
      const v = env.varValue(name);
      return v === undefined ? fallback : v;
    },
    configOf: (name) => env.configOf(name),
    incremental: env.incremental,
    compat: env.compat,
    report(d) {
      diagnostics.push(diagnostic(d.code, d.severity, d.message, undefined, d.fixes));
    },
  };
}

/** Where the model's own text calls var('name') (or env_var), for a finding about it (none when a macro calls it). */
function varCallSpan(env: ModelCompileEnv, name: string, fn = 'var'): Span | undefined {
  let found: Span | undefined;
  const visit = (node: unknown): void => {
    if (found || !node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const x of node) visit(x);
      return;
    }
    const call = node as Extract<Expression, { kind: 'Call' }>;
    if (call.kind === 'Call' && call.callee.kind === 'Name' && call.callee.name === fn) {
      const first = call.args[0];
      if (first?.kind === 'Const' && first.value === name) {
        found = call.span;
        return;
      }
    }
    for (const [k, v] of Object.entries(node)) if (k !== 'span' && v && typeof v === 'object') visit(v);
  };
  visit(env.template.body);
  return found;
}

/** A stand-in macro whose result is unknown (JUnknown) rather than text, so later uses of it raise nothing either. */
function unknownResult(stand: JCallable): JCallable {
  return callable(stand.name, (args, kwargs) => new JUnknown(renderValue(stand.call(args, kwargs))));
}

/**
 * While a package that may define models and sources is not installed, ref() and source() of names the project does
 * not know resolve where dbt would put them by default (the target schema; a schema named after the source) instead
 * of failing: the check reports them as information.
 */
function withUninstalledPackageRefs(env: ModelCompileEnv): ModelCompileEnv {
  const missing = env.packagesNotInstalled ?? [];
  if (missing.length === 0) return env;
  return {
    ...env,
    resolveRef: (name, packageName, version) =>
      env.resolveRef(name, packageName, version) ??
      (packageName === undefined || missing.includes(packageName) ? new Relation(env.target.dbname, env.target.schema, name) : undefined),
    resolveSource: (sourceName, tableName) => env.resolveSource(sourceName, tableName) ?? new Relation(env.target.dbname, sourceName, tableName),
  };
}

/**
 * `automate_dv` / `dbtvault`: the emulated macros. A name the emulation does not know is DV204 for a released version;
 * for a git or local fork that is not installed it may be the fork's own macro, so it becomes a stand-in (DV901).
 */
function automateDvNamespace(name: string, macros: Map<string, JCallable>, env: ModelCompileEnv, reporter: () => UnexpandedReporter): JObject {
  const fork = env.automateDvFork;
  const stands = new Map<string, JCallable>();
  return {
    kind: 'object',
    getAttr(attr: string): JValue {
      const known = macros.get(attr);
      const released = isReleasedHelperMacro(attr);
      if (known || (!fork && !released)) return known ?? UNDEFINED;
      let stand = stands.get(attr);
      if (!stand) {
        // A helper macro of a release (type_timestamp, current_timestamp, …) exists in dbt; dvs does not render it.
        const why = released
          ? 'is an AutomateDV helper macro that dvs does not emulate'
          : `is not a macro of the AutomateDV releases dvs emulates; the project's AutomateDV is a fork (${fork}) that may define it`;
        const fix = released ? 'Run dbt deps, so the installed AutomateDV renders it.' : 'Run dbt deps to install the fork, so its own macros render.';
        stand = unknownResult(unexpandedMacro(`${name}.${attr}`, why, fix, reporter()));
        stands.set(attr, stand);
      }
      return stand;
    },
    render: () => `<namespace ${name}>`,
  };
}

function namespaceObject(name: string, members: Map<string, JValue>): JObject {
  return {
    kind: 'object',
    getAttr: (attr) => members.get(attr) ?? UNDEFINED,
    render: () => `<namespace ${name}>`,
  };
}

/**
 * Calls a macro defined in Jinja (a package's, or the project's through adapter.dispatch) from host code: renders the
 * macro with the model's globals. A failure inside a package macro is not the model's error: it becomes DV901
 * information and a comment, since dbt itself, with the real package, expands it.
 */
type MacroInvoker = (name: string, pool: MacroNode[], label: string) => JCallable;

function macroInvoker(globals: Map<string, JValue>, projectMacros: MacroNode[], reporter: UnexpandedReporter): MacroInvoker {
  return (name, pool, label) =>
    callable(name, (args, kwargs) => {
      const qualified = label === '' ? name : `${label}.${name}`;
      // The macro's value is captured, not its rendered text, so a return() of a number or a list stays one (as in
      // dbt, where `adapter.dispatch(...)(...)` and `pkg.macro()` hand back what the macro returned).
      const call = parseTemplate(`{{ __dvs_capture(${name}(*__dvs_args, **__dvs_kwargs)) }}`).template.body;
      let value: JValue = '';
      const inner = new Map(globals);
      inner.set('__dvs_args', args);
      inner.set('__dvs_kwargs', kwargs);
      inner.set('__dvs_capture', callable('__dvs_capture', (captured) => {
        value = captured[0] ?? '';
        return '';
      }));
      const result = render({ kind: 'Template', span: { start: 0, end: 0 }, body: [...projectMacros, ...pool, ...call] }, inner);
      const failure = result.diagnostics.find((d) => d.severity === 'error');
      if (failure) {
        if (label === '') throw new CompileError(failure.message, failure.code);
        return unknownResult(unexpandedMacro(qualified, `could not be expanded here (${failure.message})`, 'dbt expands it with the installed package when the model runs.', reporter)).call([], new Map());
      }
      for (const d of result.diagnostics) reporter.diagnostics.push({ ...d, span: reporter.spanOf(qualified) });
      return value;
    });
}

function packageNamespace(pkg: { name: string; macros: MacroNode[] }, invoke: MacroInvoker): JObject {
  return {
    kind: 'object',
    getAttr: (attr) => (pkg.macros.some((m) => m.name === attr) ? invoke(attr, pkg.macros, pkg.name) : UNDEFINED),
    render: () => `<package ${pkg.name}>`,
  };
}

/** adapter.dispatch(name, namespace): postgres__name, then default__name, in the project and then the package. */
function dispatchMacro(
  macro: string,
  namespace: string | undefined,
  projectMacros: MacroNode[],
  packages: { name: string; macros: MacroNode[] }[],
  invoke: MacroInvoker,
  reporter: UnexpandedReporter,
): JCallable {
  const pools: { label: string; macros: MacroNode[] }[] = [{ label: '', macros: projectMacros }];
  for (const p of packages) if (namespace === undefined || p.name === namespace) pools.push({ label: p.name, macros: p.macros });
  for (const prefix of ['postgres__', 'default__', '']) {
    for (const pool of pools) {
      if (pool.macros.some((m) => m.name === prefix + macro)) return invoke(prefix + macro, pool.macros, pool.label);
    }
  }
  const where = namespace ?? 'the project';
  return unknownResult(unexpandedMacro(`adapter.dispatch('${macro}')`, `finds no implementation in ${where}`, namespace ? `Run dbt deps so that ${namespace} is installed.` : 'Define default__' + macro + ' under macros/.', reporter));
}

/** dbt's adapter object, as far as model code uses it on PostgreSQL. */
function adapterObject(env: ModelCompileEnv, dispatch: (macro: string, namespace: string | undefined, packages?: JValue) => JCallable): JObject {
  const members = new Map<string, JValue>([
    ['get_columns_in_relation', callable('get_columns_in_relation', (args) => {
      const rel = args[0];
      if (!(rel instanceof Relation)) return [];
      return (env.catalog(rel) ?? []).map((c) => columnObject(c));
    })],
    ['quote', callable('quote', (args) => quoteIdent(String(args[0] ?? '')))],
    ['dispatch', callable('dispatch', (args, kwargs) => {
      const namespace = kwargs.get('macro_namespace') ?? args[1];
      return dispatch(String(kwargs.get('macro_name') ?? args[0] ?? ''), typeof namespace === 'string' ? namespace : undefined, kwargs.get('packages'));
    })],
    ['get_relation', callable('get_relation', (args, kwargs) => {
      const part = (name: string, i: number): string => {
        const v = kwargs.get(name) ?? args[i];
        return v === undefined || v === null ? '' : String(v);
      };
      const rel = new Relation(part('database', 0) || env.target.dbname, part('schema', 1), part('identifier', 2));
      const self = rel.schema === env.self.schema && rel.identifier === env.self.identifier;
      // The model's own table, outside a load, exists exactly when this compile is the incremental one (`dvs compile
      // --incremental`), as a load decides is_incremental() from its existence.
      const type = env.queries ? relationTypeFromWarehouse(env.queries, rel) : self ? (env.incremental ? 'table' : 'none') : env.relationType?.(rel);
      if (type === 'none') return null;
      // Unknown (no warehouse, no model of that name): dbt would find it once the project has run, so it exists.
      return rel.withType(type ?? 'table');
    })],
    ['type', callable('type', () => 'postgres')],
  ]);
  return namespaceObject('adapter', members);
}

/**
 * In a load, adapter.get_relation asks the warehouse, as dbt does: through the load's queries, so the first render
 * asks and the next one has the answer (until then the relation counts as an existing table).
 */
function relationTypeFromWarehouse(queries: RuntimeQueries, rel: Relation): 'table' | 'view' | 'none' | undefined {
  const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const outcome = queries.resultOf(
    `select table_type from information_schema.tables where table_schema = ${literal(rel.schema)} and table_name = ${literal(rel.identifier)}`,
  );
  if (!outcome) return undefined;
  const row = outcome.rows[0];
  if (!row) return 'none';
  return row[0] === 'VIEW' ? 'view' : 'table';
}

function columnObject(c: ColumnInfo): JObject {
  const attrs = new Map<string, JValue>([
    ['name', c.name],
    ['column', c.name],
    ['data_type', c.dataType],
    ['dtype', c.dataType],
    ['quoted', quoteIdent(c.name)],
  ]);
  return { kind: 'object', getAttr: (a) => attrs.get(a) ?? UNDEFINED, render: () => `<Column ${c.name} (${c.dataType})>` };
}

/**
 * A namespace such as `dbt_utils` whose package is not installed: calls to it render a comment saying what was not
 * expanded and an information diagnostic, instead of failing (dbt would need `dbt deps`).
 */
function packageStub(name: string, reporter: UnexpandedReporter): JObject {
  const members = new Map<string, JCallable>();
  return {
    kind: 'object',
    getAttr(attr: string): JValue {
      let fn = members.get(attr);
      if (!fn) {
        fn = unknownResult(unexpandedMacro(`${name}.${attr}`, `comes from the package '${name}', which is not installed here`, `Run dbt deps, or ignore this if the package is installed elsewhere.`, reporter));
        members.set(attr, fn);
      }
      return fn;
    },
    render: () => `<package ${name}>`,
  };
}

interface Callees {
  /** `x` of every `x.y(...)` call whose object is a bare name. */
  namespaces: Set<string>;
  /** Every bare-name callee `f(...)`. */
  names: Set<string>;
  /**
   * Where the model calls `f` / `x.y`: its own first call, else its first call of a project macro that (through other
   * macros) calls it, so a finding inside a macro file lands on the model line that led there.
   */
  spanOf(key: string): Span | undefined;
}

/** What one template or macro calls: bare names, namespaces, and where each call key is first written. */
export interface CalleeParts {
  names: string[];
  namespaces: string[];
  /** Every call key (`f`, `x.y`) with the span of its first call. */
  first: Map<string, Span>;
}

/**
 * The calls of a template body or a macro, found once per parsed node: parses are cached and never changed, and every
 * model of a project walked the same project macros again.
 */
const calleeParts = new WeakMap<object, CalleeParts>();

function calleePartsOf(node: Template | MacroNode, body: Statement[]): CalleeParts {
  let parts = calleeParts.get(node);
  if (!parts) {
    parts = callsIn(body);
    calleeParts.set(node, parts);
  }
  return parts;
}

/**
 * What a body calls. The walk goes through each node's children in the order the parser gives them their fields (the
 * first call of a name is where a finding about it lands): a walk over every field of every node did the same, but
 * most of a cold check's time in it went to enumerating fields and telling spans from nodes.
 * test/compile/callee-walk.test.ts compares the two on every model and macro file of the fixtures.
 */
export function callsIn(body: readonly Statement[]): CalleeParts {
  const names = new Set<string>();
  const namespaces = new Set<string>();
  const first = new Map<string, Span>();
  const record = (key: string, span: Span) => {
    if (!first.has(key)) first.set(key, span);
  };
  const exprs = (list: readonly Expression[]): void => {
    for (const e of list) expr(e);
  };
  const keywords = (list: readonly Keyword[]): void => {
    for (const k of list) expr(k.value);
  };
  const filterCalls = (list: readonly FilterCall[]): void => {
    for (const f of list) {
      exprs(f.args);
      keywords(f.kwargs);
      expr(f.dynArgs);
      expr(f.dynKwargs);
    }
  };
  const params = (list: readonly MacroParam[]): void => {
    for (const p of list) expr(p.default);
  };
  const expr = (e: Expression | undefined): void => {
    if (!e) return;
    switch (e.kind) {
      case 'Const':
      case 'Name':
      case 'Invalid':
        return;
      case 'List':
      case 'Tuple':
        exprs(e.items);
        return;
      case 'Dict':
        for (const item of e.items) {
          expr(item.key);
          expr(item.value);
        }
        return;
      case 'Getattr':
        expr(e.object);
        return;
      case 'Getitem':
        expr(e.object);
        expr(e.index);
        return;
      case 'Slice':
        expr(e.start);
        expr(e.stop);
        expr(e.step);
        return;
      case 'Call':
        if (e.callee.kind === 'Name') {
          names.add(e.callee.name);
          record(e.callee.name, e.callee.span);
        } else if (e.callee.kind === 'Getattr' && e.callee.object.kind === 'Name') {
          namespaces.add(e.callee.object.name);
          record(`${e.callee.object.name}.${e.callee.attr}`, e.callee.span);
        }
        expr(e.callee);
        exprs(e.args);
        keywords(e.kwargs);
        expr(e.dynArgs);
        expr(e.dynKwargs);
        return;
      case 'Filter':
        expr(e.value);
        filterCalls([e.filter]);
        return;
      case 'Test':
        expr(e.value);
        exprs(e.args);
        keywords(e.kwargs);
        return;
      case 'Unary':
        expr(e.operand);
        return;
      case 'Binary':
        expr(e.left);
        expr(e.right);
        return;
      case 'Compare':
        expr(e.first);
        for (const o of e.ops) expr(o.expr);
        return;
      case 'CondExpr':
        expr(e.test);
        expr(e.then);
        expr(e.otherwise);
        return;
    }
  };
  const statements = (list: readonly Statement[] | undefined): void => {
    if (list) for (const st of list) statement(st);
  };
  const statement = (st: Statement): void => {
    switch (st.kind) {
      case 'Text':
      case 'Comment':
      case 'Raw':
      case 'Break':
      case 'Continue':
        return;
      case 'Output':
      case 'Do':
        expr(st.expr);
        return;
      case 'If':
        for (const branch of st.branches) {
          expr(branch.test);
          statements(branch.body);
        }
        statements(st.elseBody);
        return;
      case 'For':
        expr(st.target);
        expr(st.iter);
        statements(st.body);
        expr(st.filter);
        statements(st.elseBody);
        return;
      case 'Set':
        expr(st.target);
        expr(st.value);
        return;
      case 'SetBlock':
        expr(st.target);
        filterCalls(st.filters);
        statements(st.body);
        return;
      case 'Macro':
        params(st.params);
        statements(st.body);
        return;
      case 'CallBlock':
        params(st.params);
        expr(st.call);
        statements(st.body);
        return;
      case 'FilterBlock':
        filterCalls(st.filters);
        statements(st.body);
        return;
      case 'With':
        for (const a of st.assignments) {
          expr(a.target);
          expr(a.value);
        }
        statements(st.body);
        return;
      case 'NamedBlock':
        statements(st.body);
        return;
    }
  };
  statements(body);
  return { names: [...names], namespaces: [...namespaces], first };
}

/** The callees of the model and of the project's macros (whose own calls may name packages the model does not). */
function collectCallees(template: Template, macros: MacroNode[]): Callees {
  const own = calleePartsOf(template, template.body);
  const namespaces = new Set<string>(own.namespaces);
  const names = new Set<string>(own.names);
  const modelSpans = own.first;
  const calledBy = new Map<string, ReadonlyMap<string, Span>>();
  for (const m of macros) {
    const parts = calleePartsOf(m, m.body);
    for (const n of parts.names) names.add(n);
    for (const n of parts.namespaces) namespaces.add(n);
    calledBy.set(m.name, parts.first);
  }
  const spanOf = (key: string): Span | undefined => {
    const own = modelSpans.get(key);
    if (own) return own;
    for (const [macro, span] of modelSpans) {
      const seen = new Set<string>();
      const queue = [macro];
      while (queue.length) {
        const m = queue.shift() as string;
        if (seen.has(m)) continue;
        seen.add(m);
        const inner = calledBy.get(m);
        if (!inner) continue;
        if (inner.has(key)) return span;
        queue.push(...inner.keys());
      }
    }
    return undefined;
  };
  return { namespaces, names, spanOf };
}

export type { JDict };
