// dbt's Jinja context beyond ref/source/config/var: the `dbt` namespace of cross-database macros (as dbt-postgres
// renders them), run_query/statement/load_result (with the results a load ran, or empty while checking), invocation
// globals, and stand-ins for macros nothing defines. Real projects call all of these; a check must compile them
// without false errors.
import { randomUUID } from 'node:crypto';
import { diagnostic, type Diagnostic } from '../base/diagnostic';
import { quoteLiteral } from '../base/relation';
import type { Span } from '../base/text';
import { makeDate, makeDatetime, PyDatetime } from '../jinja/datetime';
import { callable, fromJs, isCallable, isList, makeTuple, renderValue, reprValue, truthy, UNDEFINED, type JCallable, type JDict, type JObject, type JValue } from '../jinja/values';
import { CompileError } from '../base/compile-error';
import { agateTable, EMPTY_OUTCOME, loadResultValue, type RuntimeQueries } from './query-results';

/** Where a stand-in reports what it could not expand. */
export interface UnexpandedReporter {
  /** The span of the first call of `name` in the model file, when the model calls it directly. */
  spanOf(name: string): Span | undefined;
  diagnostics: Diagnostic[];
}

const text = (v: JValue | undefined): string => (v === undefined || v === null ? '' : typeof v === 'string' ? v : String(v));

/** The cross-database macros of dbt ≥1.2 (`dbt.current_timestamp()` …) with dbt-postgres's SQL. */
const CROSS_DB: Record<string, (args: JValue[], kwargs: Map<string, JValue>) => string> = {
  current_timestamp: () => 'now()',
  current_timestamp_backcompat: () => 'current_timestamp::timestamp',
  current_timestamp_in_utc_backcompat: () => "(current_timestamp at time zone 'utc')::timestamp",
  type_string: () => 'text',
  type_timestamp: () => 'timestamp',
  type_float: () => 'float',
  type_numeric: () => 'numeric(28,6)',
  type_bigint: () => 'bigint',
  type_int: () => 'integer',
  type_boolean: () => 'boolean',
  date_trunc: (a, k) => `date_trunc('${text(k.get('datepart') ?? a[0])}', ${text(k.get('date') ?? a[1])})`,
  dateadd: (a, k) =>
    `${text(k.get('from_date_or_timestamp') ?? a[2])} + ((interval '1 ${text(k.get('datepart') ?? a[0])}') * (${text(k.get('interval') ?? a[1])}))`,
  datediff: (a, k) => datediff(text(k.get('first_date') ?? a[0]), text(k.get('second_date') ?? a[1]), text(k.get('datepart') ?? a[2])),
  safe_cast: (a, k) => `cast(${text(k.get('field') ?? a[0])} as ${text(k.get('type') ?? a[1])})`,
  cast: (a, k) => `cast(${text(k.get('field') ?? a[0])} as ${text(k.get('type') ?? a[1])})`,
  concat: (a, k) => {
    const fields = k.get('fields') ?? a[0];
    return `concat(${isList(fields) ? fields.map(text).join(', ') : text(fields)})`;
  },
  hash: (a, k) => `md5(cast(${text(k.get('field') ?? a[0])} as text))`,
  cast_bool_to_text: (a, k) => `cast(${text(k.get('field') ?? a[0])} as text)`,
  any_value: (a, k) => `min(${text(k.get('expression') ?? a[0])})`,
  bool_or: (a, k) => `bool_or(${text(k.get('expression') ?? a[0])})`,
  string_literal: (a, k) => quoteLiteral(text(k.get('value') ?? a[0])),
  escape_single_quotes: (a, k) => text(k.get('expression') ?? a[0]).replace(/'/g, "''"),
  split_part: (a, k) => `split_part(${text(k.get('string_text') ?? a[0])}, ${text(k.get('delimiter_text') ?? a[1])}, ${text(k.get('part_number') ?? a[2])})`,
  position: (a, k) => `position(${text(k.get('substring_text') ?? a[0])} in ${text(k.get('string_text') ?? a[1])})`,
  length: (a, k) => `length(${text(k.get('expression') ?? a[0])})`,
  replace: (a, k) => `replace(${text(k.get('field') ?? a[0])}, ${text(k.get('old_chars') ?? a[1])}, ${text(k.get('new_chars') ?? a[2])})`,
  right: (a, k) => `right(${text(k.get('string_text') ?? a[0])}, ${text(k.get('length_expression') ?? a[1])})`,
};

/**
 * dbt-postgres's datediff: the number of datepart boundaries crossed from first to second (calendar parts from the
 * dates' fields, week by days and weekdays, hour/minute/second built up from the coarser part).
 */
export function datediff(first: string, second: string, datepart: string): string {
  const part = datepart.toLowerCase();
  const asDate = (x: string) => `(${x})::date`;
  const asTimestamp = (x: string) => `(${x})::timestamp`;
  const fieldDiff = (field: string, cast: (x: string) => string, wrap = (x: string) => x) =>
    `${wrap(`date_part('${field}', ${cast(second)})`)} - ${wrap(`date_part('${field}', ${cast(first)})`)}`;
  switch (part) {
    case 'year':
      return `(${fieldDiff('year', asDate)})`;
    case 'quarter':
      return `(${datediff(first, second, 'year')} * 4 + ${fieldDiff('quarter', asDate)})`;
    case 'month':
      return `(${datediff(first, second, 'year')} * 12 + ${fieldDiff('month', asDate)})`;
    case 'day':
      return `(${asDate(second)} - ${asDate(first)})`;
    case 'week': {
      // Whole weeks of days, plus one more when the later weekday wraps past the earlier one.
      const forward = `${first} <= ${second}`;
      return (
        `(${datediff(first, second, 'day')} / 7 + case when date_part('dow', ${asTimestamp(first)}) <= date_part('dow', ${asTimestamp(second)}) ` +
        `then case when ${forward} then 0 else -1 end else case when ${forward} then 1 else 0 end end)`
      );
    }
    case 'hour':
      return `(${datediff(first, second, 'day')} * 24 + ${fieldDiff('hour', asTimestamp)})`;
    case 'minute':
      return `(${datediff(first, second, 'hour')} * 60 + ${fieldDiff('minute', asTimestamp)})`;
    case 'second':
      return `(${datediff(first, second, 'minute')} * 60 + ${fieldDiff('second', asTimestamp, (x) => `floor(${x})`)})`;
    default:
      throw new CompileError(`Unsupported datepart for macro datediff in postgres: '${datepart}'`, 'DV200');
  }
}

/**
 * A callable standing in for a macro that is not expanded: it renders a SQL comment saying so and reports one
 * information diagnostic (DV901) per name with `fix`, the way to make it expand.
 */
export function unexpandedMacro(name: string, why: string, fix: string, reporter: UnexpandedReporter): JCallable {
  let reported = false;
  return callable(name, () => {
    if (!reported) {
      reported = true;
      reporter.diagnostics.push(diagnostic('DV901', 'information', `${name}() ${why}, so it is left unexpanded in the compiled SQL. ${fix}`, reporter.spanOf(name)));
    }
    // The reason may quote an error message; it must not end the SQL comment early.
    return `/* ${name}() ${why.replace(/\*\//g, '* /')}; not expanded */`;
  });
}

/** The `dbt` namespace: cross-database macros with dbt-postgres's SQL; anything else is a stand-in. */
export function dbtNamespace(reporter: UnexpandedReporter): JObject {
  const stubs = new Map<string, JCallable>();
  return {
    kind: 'object',
    getAttr(attr: string): JValue {
      const known = CROSS_DB[attr];
      if (known) return callable(`dbt.${attr}`, known);
      let stub = stubs.get(attr);
      if (!stub) {
        stub = unexpandedMacro(`dbt.${attr}`, 'is a dbt macro that Data Vault Studio does not emulate', 'dbt itself expands it when the model runs.', reporter);
        stubs.set(attr, stub);
      }
      return stub;
    },
    render: () => '<namespace dbt>',
  };
}

/**
 * dbt's `modules`: `modules.datetime` with date.today() and datetime.now()/utcnow() taken from run_started_at (one
 * value per invocation); anything else (re, pytz, itertools, timedelta …) is a stand-in.
 */
function modulesObject(runStartedAt: Date, reporter: UnexpandedReporter): JObject {
  const stand = (name: string) => unexpandedMacro(`modules.${name}`, 'is a Python module function that Data Vault Studio does not emulate', 'dbt runs it when the model compiles there.', reporter);
  const object = (name: string, members: Record<string, JValue>): JObject => ({
    kind: 'object',
    getAttr: (attr) => members[attr] ?? stand(`${name}.${attr}`),
    render: () => `<module '${name}'>`,
  });
  const dateClass = object('datetime.date', {
    today: callable('today', () => makeDate(runStartedAt.getUTCFullYear(), runStartedAt.getUTCMonth() + 1, runStartedAt.getUTCDate())),
  });
  const datetimeClass = object('datetime.datetime', {
    now: callable('now', () => makeDatetime(runStartedAt)),
    utcnow: callable('utcnow', () => {
      const d = makeDatetime(runStartedAt);
      return new PyDatetime(d.year, d.month, d.day, d.hour, d.minute, d.second, d.microsecond, null);
    }),
  });
  const datetimeModule = object('datetime', { date: dateClass, datetime: datetimeClass });
  return object('modules', { datetime: datetimeModule, re: (theReModule ??= reModule()), itertools: object('itertools', { repeat: callable('repeat', (a, k) => itertoolsRepeat(a[0] ?? null, k.get('times') ?? a[1])) }) });
}

/**
 * itertools.repeat as Jinja prints it: Python's repr `repeat('0', 32)`. AutomateDV 0.11.0–0.11.2's pit writes that
 * repr into its SQL as the ghost key, where PostgreSQL evaluates it as its own repeat() function.
 */
function itertoolsRepeat(value: JValue, times: JValue | undefined): JObject {
  const repr = `repeat(${reprValue(value)}${typeof times === 'number' ? `, ${times}` : ''})`;
  // With a count it iterates that many times (`repeat('=', 10) | join('')`, AutomateDV's log banners); without one
  // Python's repeat never ends, so it only prints.
  const items = typeof times === 'number' ? new Array<JValue>(Math.max(0, times)).fill(value) : undefined;
  return {
    kind: 'object',
    getAttr: (name) => (name === '__iter__' && items ? items : UNDEFINED),
    render: () => repr,
  };
}

/** Python's re flags as dbt's modules.re exposes them. */
const RE_FLAGS: Record<string, number> = { I: 2, IGNORECASE: 2, M: 8, MULTILINE: 8, S: 16, DOTALL: 16, X: 64, VERBOSE: 64 };

/** A Python pattern as a JavaScript RegExp: named groups, \A and \Z, and the flags above. */
function jsRegex(pattern: JValue, flags: JValue | undefined, extra = ''): RegExp {
  const source = text(pattern)
    .replace(/\\A/g, '^')
    .replace(/\\Z/g, '$')
    .replace(/\(\?P<(\w+)>/g, '(?<$1>')
    .replace(/\(\?P=(\w+)\)/g, '\\k<$1>');
  const f = typeof flags === 'number' ? flags : 0;
  let js = extra;
  if (f & 2) js += 'i';
  if (f & 8) js += 'm';
  if (f & 16) js += 's';
  return new RegExp(source, js);
}

function matchObject(m: RegExpExecArray): JObject {
  const group = (i: JValue | undefined): JValue => {
    const key = i === undefined ? 0 : i;
    const v = typeof key === 'number' ? m[key] : m.groups?.[text(key)];
    return v === undefined ? null : v;
  };
  const members: Record<string, JValue> = {
    group: callable('group', (a) => (a.length <= 1 ? group(a[0]) : makeTuple(a.map(group)))),
    groups: callable('groups', () => makeTuple(m.slice(1).map((v) => (v === undefined ? null : v)))),
    groupdict: callable('groupdict', () => new Map(Object.entries(m.groups ?? {}).map(([k, v]) => [k, v === undefined ? null : v]))),
    start: callable('start', () => m.index),
    end: callable('end', () => m.index + (m[0]?.length ?? 0)),
    span: callable('span', () => makeTuple([m.index, m.index + (m[0]?.length ?? 0)])),
  };
  return { kind: 'object', getAttr: (a) => members[a] ?? UNDEFINED, render: () => `<re.Match object; span=(${m.index}, ${m.index + (m[0]?.length ?? 0)}), match=${reprValue(m[0] ?? '')}>` };
}

/** modules.re, made once: it holds no state, and every model compiled would make its dozen callables again. */
let theReModule: JObject | undefined;

/** Python's re module over JavaScript regular expressions (findall, match, search, fullmatch, sub, split, compile). */
function reModule(): JObject {
  const functions = (bound?: { pattern: JValue; flags: JValue | undefined }): Record<string, JValue> => {
    // With a compiled pattern the pattern argument is gone: every call shifts its arguments by one.
    const args = (a: JValue[], k: Map<string, JValue>, names: string[]): JValue[] => {
      const all = bound ? [bound.pattern, ...a] : a;
      return names.map((n, i) => (n === 'flags' && bound ? bound.flags : k.get(n) ?? all[i]) as JValue);
    };
    return {
      findall: callable('findall', (a, k) => {
        const [p, s, f] = args(a, k, ['pattern', 'string', 'flags']);
        const out: JValue[] = [];
        for (const m of text(s).matchAll(jsRegex(p ?? '', f, 'g'))) {
          if (m.length === 1) out.push(m[0]);
          else if (m.length === 2) out.push(m[1] ?? '');
          else out.push(makeTuple(m.slice(1).map((g) => g ?? '')));
        }
        return out;
      }),
      match: callable('match', (a, k) => {
        const [p, s, f] = args(a, k, ['pattern', 'string', 'flags']);
        const re = jsRegex(p ?? '', f, 'y');
        const m = re.exec(text(s));
        return m ? matchObject(m) : null;
      }),
      fullmatch: callable('fullmatch', (a, k) => {
        const [p, s, f] = args(a, k, ['pattern', 'string', 'flags']);
        const m = jsRegex(`(?:${text(p)})$`, f, 'y').exec(text(s));
        return m ? matchObject(m) : null;
      }),
      search: callable('search', (a, k) => {
        const [p, s, f] = args(a, k, ['pattern', 'string', 'flags']);
        const m = jsRegex(p ?? '', f).exec(text(s));
        return m ? matchObject(m) : null;
      }),
      sub: callable('sub', (a, k) => {
        const [p, repl, s, count, f] = args(a, k, ['pattern', 'repl', 'string', 'count', 'flags']);
        let n = typeof count === 'number' && count > 0 ? count : Infinity;
        const replacement = text(repl).replace(/\\(\d+)|\\g<(\w+)>/g, (_m, d: string | undefined, g: string | undefined) => `$${d !== undefined ? d : `<${g}>`}`);
        return text(s).replace(jsRegex(p ?? '', f, 'g'), (...m) => {
          if (n <= 0) return m[0] as string;
          n--;
          return replacement.replace(/\$(\d+)|\$<(\w+)>/g, (_x, d: string | undefined, g: string | undefined) => {
            const groups = m[m.length - 1];
            if (d !== undefined) return (m[Number(d)] as string | undefined) ?? '';
            return typeof groups === 'object' && groups ? ((groups as Record<string, string>)[g ?? ''] ?? '') : '';
          });
        });
      }),
      split: callable('split', (a, k) => {
        const [p, s, , f] = args(a, k, ['pattern', 'string', 'maxsplit', 'flags']);
        return text(s).split(jsRegex(p ?? '', f));
      }),
      escape: callable('escape', (a) => text(a[0]).replace(/[.*+?^${}()|[\]\\\-#&~\s]/g, '\\$&')),
    };
  };
  const members: Record<string, JValue> = {
    ...functions(),
    ...RE_FLAGS,
    compile: callable('compile', (a, k) => {
      const bound = { pattern: a[0] ?? '', flags: k.get('flags') ?? a[1] };
      const fns = functions(bound);
      return { kind: 'object', getAttr: (x: string) => (x === 'pattern' ? bound.pattern : fns[x] ?? UNDEFINED), render: () => `re.compile(${reprValue(bound.pattern)})` } as JObject;
    }),
  };
  return { kind: 'object', getAttr: (a) => members[a] ?? UNDEFINED, render: () => "<module 're'>" };
}

/** The parts of a model's node that dbt's `model` variable and `config` read. */
export interface ModelNodeInfo {
  name: string;
  alias: string;
  schema: string;
  database: string;
  packageName: string;
  fqn: readonly string[];
  path: string;
  /** The model's effective config (project, folders, properties, config() in the file). */
  config: ReadonlyMap<string, JValue>;
  rawCode?: string;
}

/** dbt's `model`: the node as a dict (`model.config.materialized`, `model.unique_id`, …). */
export function modelNodeValue(node: ModelNodeInfo): JDict {
  return new Map<string, JValue>([
    ['name', node.name],
    ['alias', node.alias],
    ['schema', node.schema],
    ['database', node.database],
    ['resource_type', 'model'],
    ['package_name', node.packageName],
    ['fqn', [...node.fqn]],
    ['path', node.path],
    ['original_file_path', node.path],
    ['unique_id', `model.${node.packageName}.${node.name}`],
    ['config', new Map(node.config)],
    ['tags', node.config.get('tags') ?? []],
    ['meta', node.config.get('meta') ?? new Map()],
    ['raw_code', node.rawCode ?? ''],
    ['raw_sql', node.rawCode ?? ''],
  ]);
}

/**
 * dbt's `config`: `config(...)` in a model renders nothing (its values are read statically); `config.get(name,
 * default)` answers the model's effective config (only the config, never its `meta`), `config.require(name)` fails the
 * model when it is unset, as dbt does.
 */
export function configValue(values: ReadonlyMap<string, JValue>): JCallable {
  const get = (args: JValue[], kwargs: Map<string, JValue>): JValue => {
    const v = values.get(text(kwargs.get('name') ?? args[0]));
    return v === undefined || v === null ? (kwargs.get('default') ?? args[1] ?? null) : v;
  };
  const members: Record<string, JValue> = {
    get: callable('config.get', get),
    require: callable('config.require', (args) => {
      const name = text(args[0]);
      const v = values.get(name);
      if (v === undefined || v === null) throw new CompileError(`Required config '${name}' was not set on this model. Set it in config() or under models: in dbt_project.yml.`, 'DV200');
      return v;
    }),
    set: callable('config.set', () => ''),
    persist_relation_docs: callable('config.persist_relation_docs', () => false),
    persist_column_docs: callable('config.persist_column_docs', () => false),
  };
  const value = { kind: 'callable' as const, name: 'config', call: () => '', getAttr: (a: string) => members[a] ?? UNDEFINED };
  return value;
}

export interface RuntimeContextOptions {
  projectName: string;
  reporter: UnexpandedReporter;
  /** run_started_at: modules.datetime's today and now, so one invocation sees one time. */
  runStartedAt: Date;
  /**
   * The queries of a load that runs this model: run_query() and statement blocks take their results from here and
   * ask for the SQL it does not know yet. Absent while checking, compiling or previewing: results are empty then.
   */
  queries?: RuntimeQueries;
  /** --full-refresh, for flags.FULL_REFRESH. */
  fullRefresh?: boolean;
}

/**
 * Globals dbt provides at compile time: run_query(), statement blocks and load_result() (real results in a load;
 * otherwise no rows, reported once as DV903 information), plus invocation_id, flags, graph, dbt_version,
 * project_name, and the dbt namespace.
 */
export function dbtRuntimeGlobals(options: RuntimeContextOptions): Map<string, JValue> {
  const { reporter, queries } = options;
  let queried = false;
  const noDatabase = (what: string): void => {
    if (queried) return;
    queried = true;
    reporter.diagnostics.push(
      diagnostic(
        'DV903',
        'information',
        `${what} is not run while checking, compiling or previewing: the model is rendered here as if the query returned no rows. When the model runs with dvs load, the query runs against the warehouse and the real results are used.`,
        reporter.spanOf(what.replace(/\(.*$/, '')),
      ),
    );
  };
  const results = new Map<string, JValue>();
  const g = new Map<string, JValue>();
  g.set('run_query', callable('run_query', (args, kwargs) => {
    if (!queries) {
      noDatabase('run_query()');
      return agateTable(EMPTY_OUTCOME);
    }
    return agateTable(queries.resultOf(text(kwargs.get('sql') ?? args[0])) ?? EMPTY_OUTCOME);
  }));
  // {% call statement(name, fetch_result=…) %}SQL{% endcall %}: the SQL is what caller() renders.
  g.set('statement', callable('statement', (args, kwargs) => {
    const name = text(kwargs.get('name') ?? args[0] ?? 'statement');
    if (!queries) {
      noDatabase('statement');
      results.set(name, loadResultValue(EMPTY_OUTCOME));
      return '';
    }
    const caller = kwargs.get('caller');
    const sql = isCallable(caller) ? renderValue(caller.call([], new Map())) : '';
    const fetch = kwargs.get('fetch_result') ?? args[1] ?? false;
    const outcome = sql.trim() === '' ? undefined : queries.resultOf(sql);
    // Without fetch_result dbt keeps only the response, no rows.
    results.set(name, loadResultValue(outcome ? (truthy(fetch) ? outcome : { ...outcome, columns: [], rows: [] }) : EMPTY_OUTCOME));
    return '';
  }));
  g.set('load_result', callable('load_result', (args) => results.get(text(args[0])) ?? null));
  g.set('invocation_id', randomUUID());
  g.set('dbt_version', '1.9.0');
  g.set('project_name', options.projectName);
  g.set('flags', fromJs({ FULL_REFRESH: options.fullRefresh === true, WHICH: queries ? 'run' : 'compile', STORE_FAILURES: false, WARN_ERROR: false }));
  g.set('graph', fromJs({ nodes: {}, sources: {}, exposures: {}, metrics: {}, macros: {} }));
  g.set('selected_resources', []);
  g.set('dbt', dbtNamespace(reporter));
  g.set('modules', modulesObject(options.runStartedAt, reporter));
  return g;
}

/** Names of the globals above, so the compiler does not mistake them for unknown macros. */
export const DBT_RUNTIME_NAMES: readonly string[] = [
  'run_query',
  'statement',
  'load_result',
  'invocation_id',
  'dbt_version',
  'project_name',
  'flags',
  'graph',
  'selected_resources',
  'dbt',
  'modules',
];
