// dbt_utils when it is not installed (no `dbt deps`): its most used macros emulated with the SQL semantics of
// dbt_utils 1.x on dbt-postgres, so models calling them compile and load with the same rows and hash bytes. Every
// other dbt_utils macro keeps the DV901 stand-in. When dbt_utils is installed, its own macros are rendered instead
// (compile/model.ts only builds this namespace for a package nothing defines).
import { diagnostic } from '../base/diagnostic';
import { Relation, quoteIdent, quoteLiteral } from '../base/relation';
import type { ColumnInfo } from '../base/columns';
import { CompileError } from '../base/compile-error';
import { callable, isCallable, isList, numberValue, renderValue, truthy, type JCallable, type JObject, type JValue } from '../jinja/values';
import { dbtNamespace, type UnexpandedReporter } from './jinja-context';
import type { RuntimeQueries } from './query-results';

export interface DbtUtilsEnv {
  reporter: UnexpandedReporter;
  /** A relation's columns from the compiler's catalog (declared or live), undefined when unknown. */
  columnsOf(relation: Relation): ColumnInfo[] | undefined;
  /** A project or --vars value; undefined when not set. */
  varValue(name: string): JValue | undefined;
  /** A load's warehouse queries: star() reads a relation's columns live there, as dbt does at run time. */
  queries?: RuntimeQueries;
}

type Args = { args: JValue[]; kwargs: Map<string, JValue> };

/** A macro argument by keyword, else by position, else the default (as Jinja binds macro parameters). */
function arg({ args, kwargs }: Args, index: number, name: string, fallback: JValue = null): JValue {
  if (kwargs.has(name)) return kwargs.get(name) as JValue;
  return index < args.length ? (args[index] as JValue) : fallback;
}

const text = (v: JValue): string => (typeof v === 'string' ? v : renderValue(v));

/** What Jinja's `for field in value` iterates: a list's items, a string's characters (as dbt_utils would, too). */
function iterated(v: JValue): JValue[] {
  if (isList(v)) return v;
  if (typeof v === 'string') return [...v];
  return [v];
}

/** The dbt_utils namespace: emulated macros, and `fallback`'s stand-in for every other one. */
export function dbtUtilsNamespace(env: DbtUtilsEnv, fallback: JObject): JObject {
  const dbt = dbtNamespace(env.reporter);
  const crossDb = (name: string): JCallable => {
    const fn = dbt.getAttr(name);
    if (!isCallable(fn)) throw new Error(`dbt.${name} is not a cross-database macro`);
    return fn;
  };
  const members = new Map<string, JCallable>([
    ['date_spine', callable('dbt_utils.date_spine', (args, kwargs) => dateSpine({ args, kwargs }, crossDb('datediff')))],
    ['generate_surrogate_key', callable('dbt_utils.generate_surrogate_key', (args, kwargs) => generateSurrogateKey({ args, kwargs }, env))],
    ['surrogate_key', callable('dbt_utils.surrogate_key', (args, kwargs) => legacySurrogateKey({ args, kwargs }, env))],
    ['star', callable('dbt_utils.star', (args, kwargs) => star({ args, kwargs }, env))],
    ['generate_series', callable('dbt_utils.generate_series', (args, kwargs) => generateSeries({ args, kwargs }))],
    // Logging writes to dbt's log only; it renders nothing into the SQL (AutomateDV's materialisations call it).
    ['log_info', callable('dbt_utils.log_info', () => '')],
    ['log_warning', callable('dbt_utils.log_warning', () => '')],
  ]);
  return {
    kind: 'object',
    getAttr: (attr) => members.get(attr) ?? fallback.getAttr(attr),
    render: () => '<package dbt_utils (emulated)>',
  };
}

/**
 * date_spine(datepart, start_date, end_date). dbt_utils asks the warehouse for datediff(start, end) = n, makes n rows
 * k = 0…n-1 of `start + interval '1 <datepart>' * k` (dbt-postgres's dateadd: a date plus an interval is a
 * timestamp), and keeps those `<= end_date`. The same rows come from generate_series bounded by the same datediff
 * expression, so no statement query is needed. Where n <= 0 dbt_utils stops with "upper bound must be positive";
 * here that spine is simply empty.
 */
function dateSpine(call: Args, datediff: JCallable): string {
  const datepart = text(arg(call, 0, 'datepart'));
  const start = text(arg(call, 1, 'start_date'));
  const end = text(arg(call, 2, 'end_date'));
  // The datepart goes into an interval literal and a column name; dbt's datediff rejects all but plain words anyway.
  if (!/^[A-Za-z]+$/.test(datepart)) throw new CompileError(`Unsupported datepart for macro date_spine: '${datepart}'`, 'DV200');
  const intervals = text(datediff.call([start, end, datepart], new Map()));
  // dbt_utils names it date_<datepart> unquoted, which PostgreSQL folds to lower case.
  const column = quoteIdent(`date_${datepart.toLowerCase()}`);
  return (
    `select * from (select (${start} + ((interval '1 ${datepart}') * ("rawdata"."period_index"))) as ${column} ` +
    `from generate_series(0, cast(${intervals} as bigint) - 1) as "rawdata"("period_index")) as "all_periods" ` +
    `where ${column} <= ${end}`
  );
}

/** One field as dbt_utils hashes it: its text, or `nullText` for NULL. */
const keyPart = (field: JValue, nullText: string): string => `coalesce(cast(${text(field)} as text), '${nullText}')`;

/** dbt-postgres's hash(concat(parts)) with '-' between the fields, as dbt_utils builds its surrogate keys. */
function hashedKey(fields: JValue[], nullText: string): string {
  const parts = fields.map((f) => keyPart(f, nullText));
  return `md5(cast(concat(${parts.join(", '-', ")}) as text))`;
}

/**
 * generate_surrogate_key(field_list): NULL fields count as '_dbt_utils_surrogate_key_null_', or as '' when the var
 * surrogate_key_treat_nulls_as_empty_strings is true.
 */
function generateSurrogateKey(call: Args, env: DbtUtilsEnv): string {
  const asEmpty = truthy(env.varValue('surrogate_key_treat_nulls_as_empty_strings') ?? false);
  return hashedKey(iterated(arg(call, 0, 'field_list')), asEmpty ? '' : '_dbt_utils_surrogate_key_null_');
}

/**
 * surrogate_key(field_list, *more): dbt_utils 1.x only raises an error pointing to generate_surrogate_key; its 0.x
 * meaning (fields as a list or as separate arguments, NULL as '') is what projects calling it were written for, so
 * that is what it compiles to, with a note that dbt_utils 1.x would refuse it.
 */
function legacySurrogateKey(call: Args, env: DbtUtilsEnv): string {
  const first = arg(call, 0, 'field_list');
  const fields = isList(first) ? first : [first, ...call.args.slice(1)];
  env.reporter.diagnostics.push(
    diagnostic(
      'DV904',
      'information',
      'dbt_utils.surrogate_key() is compiled as dbt_utils 0.x did (NULL fields hash as empty strings); dbt_utils 1.x refuses it. Use dbt_utils.generate_surrogate_key() for keys that match dbt_utils 1.x.',
      env.reporter.spanOf('dbt_utils.surrogate_key'),
    ),
  );
  return hashedKey(fields, '');
}

/**
 * star(from, relation_alias, except, prefix, suffix, quote_identifiers): the relation's columns (minus `except`,
 * compared case-insensitively), each quoted and optionally qualified and renamed. Unknown columns give `*`.
 */
function star(call: Args, env: DbtUtilsEnv): string {
  const from = arg(call, 0, 'from');
  if (!(from instanceof Relation)) throw new CompileError(`Macro star expected a Relation but received the value: ${text(from)}`, 'DV200');
  const alias = arg(call, 1, 'relation_alias', false);
  const except = new Set(iterated(arg(call, 2, 'except', [])).map((c) => text(c).toLowerCase()));
  const prefix = text(arg(call, 3, 'prefix', ''));
  const suffix = text(arg(call, 4, 'suffix', ''));
  const quoted = truthy(arg(call, 5, 'quote_identifiers', true));
  const columns = liveColumns(from, env.queries) ?? env.columnsOf(from);
  if (!columns) {
    env.reporter.diagnostics.push(
      diagnostic(
        'DV301',
        'information',
        `dbt_utils.star() cannot list the columns of ${from.render()}: they are not declared and no database was read, so it compiles to *. Declare the columns in the sources/models yml.`,
        env.reporter.spanOf('dbt_utils.star'),
      ),
    );
    return '*';
  }
  const kept = columns.filter((c) => !except.has(c.name.toLowerCase()));
  // What dbt_utils returns when no column is left.
  if (kept.length === 0) return '/* no columns returned from star() macro */';
  const name = (n: string) => (quoted ? quoteIdent(n) : n);
  const qualifier = truthy(alias) ? `${text(alias)}.` : '';
  const renamed = prefix !== '' || suffix !== '';
  return kept.map((c) => `${qualifier}${name(c.name)}${renamed ? ` as ${name(prefix + c.name + suffix)}` : ''}`).join(',\n  ');
}

/**
 * The relation's columns as the warehouse has them now (dbt_utils reads them with get_columns_in_relation when the
 * model runs, after its parents were built in the same run), or undefined while the result is not known yet or the
 * relation does not exist; the catalog answers then.
 */
function liveColumns(relation: Relation, queries: RuntimeQueries | undefined): ColumnInfo[] | undefined {
  if (!queries || relation.schema === '' || relation.identifier === '') return undefined;
  // Unquoted parts are folded to lower case by PostgreSQL.
  const schema = relation.quoting.schema ? relation.schema : relation.schema.toLowerCase();
  const table = relation.quoting.identifier ? relation.identifier : relation.identifier.toLowerCase();
  const sql =
    'select column_name, data_type from information_schema.columns ' +
    `where table_schema = ${quoteLiteral(schema)} and table_name = ${quoteLiteral(table)} order by ordinal_position`;
  const outcome = queries.resultOf(sql);
  if (!outcome || outcome.rows.length === 0) return undefined;
  return outcome.rows.map((row) => ({ name: text(row[0] ?? ''), dataType: text(row[1] ?? '') }));
}

/**
 * generate_series(upper_bound): generated_number 1…upper_bound. dbt_utils builds it from powers of two, so the
 * column is double precision (integer * power()).
 */
function generateSeries(call: Args): string {
  const upper = numberValue(arg(call, 0, 'upper_bound'));
  if (upper === undefined) throw new CompileError('dbt_utils.generate_series() needs a number as its upper bound.', 'DV200');
  if (upper <= 0) throw new CompileError('upper bound must be positive', 'DV200');
  return (
    `select cast("series"."generated_number" as double precision) as "generated_number" ` +
    `from generate_series(1, ${Math.floor(upper)}) as "series"("generated_number") order by 1`
  );
}
