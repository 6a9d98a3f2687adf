// A hand-filled MacroContext for the compiler's tests: relations in database "dvs", a catalog per relation, project
// vars, model config, and every reported diagnostic collected for assertions.
import { Relation } from '../../server/src/base/relation';
import type { Diagnostic } from '../../server/src/base/diagnostic';
import { DEFAULT_COMPAT, type AutomateDvCompat, type ColumnInfo, type MacroContext } from '../../server/src/compile/context';
import { fromJs, type JValue } from '../../server/src/jinja/values';

export interface FixtureOptions {
  model?: string;
  /** The database in rendered relations ("dvs"; PGlite's is "postgres"). */
  database?: string;
  schema?: string;
  /** Catalog columns by relation identifier (model or source table name); a bare name list means type text. */
  catalog?: Record<string, (ColumnInfo | string)[]>;
  vars?: Record<string, unknown>;
  config?: Record<string, unknown>;
  incremental?: boolean;
  compat?: Partial<AutomateDvCompat>;
}

export interface FixtureContext extends MacroContext {
  readonly diagnostics: Omit<Diagnostic, 'span'>[];
}

export function fixtureContext(options: FixtureOptions = {}): FixtureContext {
  const schema = options.schema ?? 'public';
  const database = options.database ?? 'dvs';
  const diagnostics: Omit<Diagnostic, 'span'>[] = [];
  const catalog = new Map<string, ColumnInfo[]>();
  for (const [name, columns] of Object.entries(options.catalog ?? {})) {
    catalog.set(name, columns.map((c) => (typeof c === 'string' ? { name: c, dataType: 'text' } : c)));
  }
  const model = options.model ?? 'model_under_test';
  return {
    modelName: model,
    self: new Relation(database, schema, model),
    ref: (name) => new Relation(database, schema, name),
    source: (sourceName, table) => new Relation(database, sourceName, table),
    columnsOf: (relation) => catalog.get(relation.identifier),
    varOf: (name, fallback) => (options.vars && name in options.vars ? fromJs(options.vars[name]) : fallback),
    configOf: (name): JValue => (options.config && name in options.config ? fromJs(options.config[name]) : null),
    incremental: options.incremental ?? false,
    compat: { ...DEFAULT_COMPAT, ...options.compat },
    report: (d) => diagnostics.push(d),
    diagnostics,
  };
}

/** Keyword arguments from plain JS data, keeping key order. */
export function kwargs(values: Record<string, unknown>): Map<string, JValue> {
  return new Map(Object.entries(values).map(([k, v]) => [k, fromJs(v)]));
}
