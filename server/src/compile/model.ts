// Compiles one dbt model file to the SELECT that `dbt compile` would write: the model's Jinja rendered with dbt's
// context (ref, source, config, var, env_var, this, is_incremental, run_started_at, target, adapter) and AutomateDV's
// macros, then formatted. Works from an explicit environment so the CLI, the language server and tests share it.
import { format } from 'sql-formatter';
import { diagnostic, type Diagnostic } from '../base/diagnostic';
import { Relation, quoteIdent } from '../base/relation';
import { automateDvMacros } from './automate-dv';
import { CompileError, type AutomateDvCompat, type ColumnInfo, type MacroContext } from './context';
import type { Expression, MacroNode, Statement, Template } from '../jinja/ast';
import { render } from '../jinja';
import { makeDatetime } from '../jinja/datetime';
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
  resolveRef(name: string, packageName?: string): Relation | undefined;
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
    void kwargs;
    const rel = env.resolveRef(name, pkg);
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
  globals.set('adapter', adapterObject(env));
  globals.set('log', callable('log', () => ''));
  globals.set('exceptions', namespaceObject('exceptions', new Map([
    ['raise_compiler_error', callable('raise_compiler_error', (args) => { throw new CompileError(String(args[0] ?? 'compiler error'), 'DV200'); })],
    ['warn', callable('warn', () => '')],
  ])));
  globals.set('execute', true);
  globals.set('model', fromJs({ name: env.modelName, alias: env.self.identifier, schema: env.self.schema }));
  globals.set('modules', fromJs({}));
  for (const name of unknownNamespaces(env.template, globals, env.projectMacros)) {
    globals.set(name, packageStub(name, diagnostics));
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

/** dbt's adapter object, as far as model code uses it on PostgreSQL. */
function adapterObject(env: ModelCompileEnv): JObject {
  const members = new Map<string, JValue>([
    ['get_columns_in_relation', callable('get_columns_in_relation', (args) => {
      const rel = args[0];
      if (!(rel instanceof Relation)) return [];
      return (env.catalog(rel) ?? []).map((c) => columnObject(c));
    })],
    ['quote', callable('quote', (args) => quoteIdent(String(args[0] ?? '')))],
    ['dispatch', callable('dispatch', () => UNDEFINED)],
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
function packageStub(name: string, diagnostics: Diagnostic[]): JObject {
  return {
    kind: 'object',
    getAttr(attr: string): JValue {
      const fn: JCallable = callable(`${name}.${attr}`, () => {
        diagnostics.push(
          diagnostic('DV901', 'information', `${name}.${attr}() comes from a package that is not installed here; it is left unexpanded. Run dbt deps, or ignore this if the package is installed elsewhere.`),
        );
        return `/* ${name}.${attr}() not expanded: package not installed */`;
      });
      return fn;
    },
    render: () => `<package ${name}>`,
  };
}

/** Names used as `x.y(...)` callees that nothing defines: package namespaces we do not have. */
function unknownNamespaces(template: Template, globals: Map<string, JValue>, macros: MacroNode[]): string[] {
  const defined = new Set<string>([...globals.keys(), ...macros.map((m) => m.name), ...AUTOMATE_DV_NAMESPACES, 'loop', 'caller', 'self', 'varargs', 'kwargs']);
  const assigned = new Set<string>();
  const found = new Set<string>();
  const visitExpr = (e: Expression | undefined): void => {
    if (!e) return;
    if (e.kind === 'Call') {
      if (e.callee.kind === 'Getattr' && e.callee.object.kind === 'Name') found.add(e.callee.object.name);
      visitExpr(e.callee);
      e.args.forEach(visitExpr);
      e.kwargs.forEach((k) => visitExpr(k.value));
      return;
    }
    for (const v of Object.values(e)) {
      if (v && typeof v === 'object' && 'kind' in (v as object) && 'span' in (v as object)) visitExpr(v as Expression);
      if (Array.isArray(v)) for (const x of v) if (x && typeof x === 'object' && 'kind' in x) visitExpr(x as Expression);
    }
  };
  const visit = (body: Statement[]): void => {
    for (const st of body) {
      for (const [key, v] of Object.entries(st)) {
        if (key === 'target' && v && typeof v === 'object' && (v as Expression).kind === 'Name') assigned.add((v as { name: string }).name);
        if (Array.isArray(v)) {
          if (key === 'body' || key === 'elseBody') visit(v as Statement[]);
          else if (key === 'branches') for (const b of v as { test: Expression; body: Statement[] }[]) { visitExpr(b.test); visit(b.body); }
          else for (const x of v) if (x && typeof x === 'object' && 'kind' in x) visitExpr(x as Expression);
        } else if (v && typeof v === 'object' && 'kind' in (v as object)) {
          visitExpr(v as Expression);
        }
      }
    }
  };
  visit(template.body);
  return [...found].filter((n) => !defined.has(n) && !assigned.has(n));
}

export type { JDict };
