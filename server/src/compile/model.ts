// Compiles one dbt model file to the SELECT that `dbt compile` would write: the model's Jinja rendered with dbt's
// context (ref, source, config, var, env_var, this, is_incremental, run_started_at, target, adapter) and AutomateDV's
// macros, then formatted. Works from an explicit environment so the CLI, the language server and tests share it.
import { format } from 'sql-formatter';
import { diagnostic, type Diagnostic } from '../base/diagnostic';
import { Relation, quoteIdent } from '../base/relation';
import { automateDvMacros } from './automate-dv';
import { CompileError, type AutomateDvCompat, type ColumnInfo, type MacroContext } from './context';
import type { Expression, MacroNode, Template } from '../jinja/ast';
import { parseTemplate, render } from '../jinja';
import { makeDatetime } from '../jinja/datetime';
import { builtinGlobals } from '../jinja/builtins';
import type { Span } from '../base/text';
import { dbtRuntimeGlobals, unexpandedMacro, type UnexpandedReporter } from '../dbt/jinja-context';
import type { RuntimeQueries } from '../dbt/query-results';
import { dbtUtilsNamespace } from '../dbt/dbt-utils';
import { callable, fromJs, UNDEFINED, type JCallable, type JDict, type JObject, type JValue } from '../jinja/values';

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
// Names the renderer itself binds (return() and the names inside macros and loops); never stand-ins.
const RENDERER_NAMES = ['return', 'caller', 'super', 'loop', 'varargs', 'kwargs', 'self'];

export function compileModel(env: ModelCompileEnv): CompiledModel {
  const diagnostics: Diagnostic[] = [];
  const refsUsed: string[] = [];
  const ctx = macroContext(env, diagnostics);
  const macros = automateDvMacros(ctx);
  const namespace = namespaceObject('automate_dv', macros);
  const globals = new Map<string, JValue>();
  globals.set('automate_dv', namespace);
  globals.set('dbtvault', namespace);
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
  globals.set('config', callable('config', () => ''));
  globals.set('var', callable('var', (args) => {
    const name = String(args[0] ?? '');
    const v = env.varValue(name);
    if (v !== undefined) return v;
    if (args.length > 1) return args[1] as JValue;
    throw new CompileError(`Required var '${name}' not found in config. Set it under vars: in dbt_project.yml or pass --vars.`, 'DV107');
  }));
  globals.set('env_var', callable('env_var', (args) => {
    const name = String(args[0] ?? '');
    const v = env.envValue(name);
    if (v !== undefined) return v;
    if (args.length > 1) return args[1] as JValue;
    throw new CompileError(`Env var required but not provided: '${name}'. Set it in the environment or the project's .env file.`, 'DV105');
  }));
  globals.set('this', env.self);
  globals.set('is_incremental', callable('is_incremental', () => env.incremental));
  globals.set('run_started_at', makeDatetime(env.runStartedAt));
  globals.set('target', fromJs({ ...env.target, database: env.target.dbname, type: 'postgres', threads: env.target.threads ?? 1 }));
  globals.set('log', callable('log', () => ''));
  globals.set('exceptions', namespaceObject('exceptions', new Map([
    ['raise_compiler_error', callable('raise_compiler_error', (args) => { throw new CompileError(String(args[0] ?? 'compiler error'), 'DV200'); })],
    ['warn', callable('warn', () => '')],
  ])));
  globals.set('execute', true);
  globals.set('model', fromJs({ name: env.modelName, alias: env.self.identifier, schema: env.self.schema }));
  // What nothing defines is tolerated as dbt would after `dbt deps`: package namespaces (dbt_utils.x()) and plain
  // macros (cents_to_dollars()) render as a comment with an information diagnostic at the model's call, never an error.
  const callees = collectCallees(env.template, env.projectMacros);
  const reporter: UnexpandedReporter = { spanOf: (name) => callees.spanOf(name), diagnostics };
  for (const [name, value] of dbtRuntimeGlobals({ projectName: env.projectName ?? '', reporter, runStartedAt: env.runStartedAt, queries: env.queries })) if (!globals.has(name)) globals.set(name, value);
  // Installed packages: their namespace, and their macros by bare name where the project defines none of that name.
  const packages = env.packageMacros ?? [];
  const invoke = macroInvoker(globals, env.projectMacros, reporter);
  for (const pkg of packages) {
    if (!globals.has(pkg.name)) globals.set(pkg.name, packageNamespace(pkg, invoke));
    for (const m of pkg.macros) {
      if (!globals.has(m.name) && !env.projectMacros.some((p) => p.name === m.name)) globals.set(m.name, invoke(m.name, pkg.macros, pkg.name));
    }
  }
  globals.set('adapter', adapterObject(env, (macro, namespace) => dispatchMacro(macro, namespace, env.projectMacros, packages, invoke, reporter)));
  const defined = new Set<string>([...globals.keys(), ...builtinGlobals({ warn: () => undefined }).keys(), ...env.projectMacros.map((m) => m.name), ...AUTOMATE_DV_NAMESPACES, ...RENDERER_NAMES]);
  for (const name of callees.namespaces) {
    if (defined.has(name)) continue;
    // dbt_utils without `dbt deps`: its common macros are emulated; the rest stay stand-ins.
    const stub = packageStub(name, reporter);
    globals.set(name, name === 'dbt_utils' ? dbtUtilsNamespace({ reporter, columnsOf: (rel) => env.catalog(rel), varValue: (v) => env.varValue(v), queries: env.queries }, stub) : stub);
  }
  for (const name of callees.names) {
    if (defined.has(name) || globals.has(name)) continue;
    globals.set(name, unexpandedMacro(name, 'is not a macro of this project or of an installed package', 'If a package defines it, run dbt deps; otherwise add it under macros/.', reporter));
  }

  const template: Template = { ...env.template, body: [...env.projectMacros, ...env.template.body] };
  const result = render(template, globals);
  diagnostics.push(...result.diagnostics);
  const rawSql = result.output;
  let sql = rawSql;
  if (env.formatSql !== false) {
    try {
      sql = format(rawSql, { language: 'postgresql', tabWidth: 4, keywordCase: 'preserve', linesBetweenQueries: 1 });
    } catch {
      sql = rawSql; // sql-formatter cannot read every dialect corner; the unformatted SQL is still right.
    }
  }
  return { sql, rawSql, diagnostics, refsUsed };
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
        return unexpandedMacro(qualified, `could not be expanded here (${failure.message})`, 'dbt expands it with the installed package when the model runs.', reporter).call([], new Map());
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
  return unexpandedMacro(`adapter.dispatch('${macro}')`, `finds no implementation in ${where}`, namespace ? `Run dbt deps so that ${namespace} is installed.` : 'Define default__' + macro + ' under macros/.', reporter);
}

/** dbt's adapter object, as far as model code uses it on PostgreSQL. */
function adapterObject(env: ModelCompileEnv, dispatch: (macro: string, namespace: string | undefined) => JCallable): JObject {
  const members = new Map<string, JValue>([
    ['get_columns_in_relation', callable('get_columns_in_relation', (args) => {
      const rel = args[0];
      if (!(rel instanceof Relation)) return [];
      return (env.catalog(rel) ?? []).map((c) => columnObject(c));
    })],
    ['quote', callable('quote', (args) => quoteIdent(String(args[0] ?? '')))],
    ['dispatch', callable('dispatch', (args, kwargs) => {
      const namespace = kwargs.get('macro_namespace') ?? args[1];
      return dispatch(String(kwargs.get('macro_name') ?? args[0] ?? ''), typeof namespace === 'string' ? namespace : undefined);
    })],
    ['type', callable('type', () => 'postgres')],
  ]);
  return namespaceObject('adapter', members);
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
        fn = unexpandedMacro(`${name}.${attr}`, `comes from the package '${name}', which is not installed here`, `Run dbt deps, or ignore this if the package is installed elsewhere.`, reporter);
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

/** The callees of the model and of the project's macros (whose own calls may name packages the model does not). */
function collectCallees(template: Template, macros: MacroNode[]): Callees {
  const namespaces = new Set<string>();
  const names = new Set<string>();
  const modelSpans = new Map<string, Span>();
  const calledBy = new Map<string, Set<string>>();
  const visit = (node: unknown, record: (key: string, span: Span) => void): void => {
    if (Array.isArray(node)) {
      for (const x of node) visit(x, record);
      return;
    }
    if (!node || typeof node !== 'object') return;
    if ((node as { kind?: unknown }).kind === 'Call') {
      const call = node as Extract<Expression, { kind: 'Call' }>;
      if (call.callee.kind === 'Name') {
        names.add(call.callee.name);
        record(call.callee.name, call.callee.span);
      } else if (call.callee.kind === 'Getattr' && call.callee.object.kind === 'Name') {
        namespaces.add(call.callee.object.name);
        record(`${call.callee.object.name}.${call.callee.attr}`, call.callee.span);
      }
    }
    for (const [k, v] of Object.entries(node)) if (k !== 'span' && v && typeof v === 'object') visit(v, record);
  };
  visit(template.body, (key, span) => {
    if (!modelSpans.has(key)) modelSpans.set(key, span);
  });
  for (const m of macros) {
    const inner = new Set<string>();
    visit(m.body, (key) => inner.add(key));
    calledBy.set(m.name, inner);
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
        queue.push(...inner);
      }
    }
    return undefined;
  };
  return { namespaces, names, spanOf };
}

export type { JDict };
