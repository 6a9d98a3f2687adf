// Results of the queries a model runs while it renders (run_query() and statement blocks), as dbt's execute phase
// gives them to Jinja: agate-like tables whose rows read by position and by column name, and load_result()'s
// {data, table, response}. A load renders a model, runs the queries it asked for, and renders again with their results
// (see engine/load.ts); while only checking or compiling there is no database and every result is empty.
import { PyDatetime, makeDate } from '../jinja/datetime';
import { callable, floatValue, fromJs, makeNamedSequence, makeTuple, UNDEFINED, type JDict, type JObject, type JValue } from '../jinja/values';
import type { QueryResult } from '../warehouse/warehouse';

/** One executed query: its columns and rows (values already converted to Jinja values), and what the database said. */
export interface QueryOutcome {
  columns: { name: string; typeName: string }[];
  rows: JValue[][];
  /** PostgreSQL's command tag word (`SELECT`, `INSERT` …) and the rows it affected or returned. */
  code: string;
  rowsAffected: number;
}

/**
 * The queries of one model's renders: results known so far (by SQL text) and the SQL asked for that has no result
 * yet. One instance spans every render of the model in a load.
 */
export class RuntimeQueries {
  private readonly known = new Map<string, QueryOutcome>();
  private readonly asked: string[] = [];

  /** The result of `sql` when it was run; otherwise remembers that the render needs it and returns undefined. */
  resultOf(sql: string): QueryOutcome | undefined {
    const found = this.known.get(sql);
    if (!found && !this.asked.includes(sql)) this.asked.push(sql);
    return found;
  }

  /** The SQL asked for since the last call, in the order the render asked, and forgets it. */
  takePending(): string[] {
    return this.asked.splice(0, this.asked.length);
  }

  record(sql: string, outcome: QueryOutcome): void {
    this.known.set(sql, outcome);
  }
}

const INTEGER_TYPES = new Set([20, 21, 23, 26]);
const FLOAT_TYPES = new Set([700, 701]);
const NUMERIC = 1700;
const BOOL = 16;
const DATE = 1082;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;

/** A PostgreSQL text value as agate would hand it to Jinja: numbers, booleans and dates typed, the rest text. */
function jinjaValue(text: unknown, typeId: number): JValue {
  if (text === null || text === undefined) return null;
  const s = String(text);
  if (typeId === BOOL) return s === 't' || s === 'true';
  if (INTEGER_TYPES.has(typeId) || typeId === NUMERIC) {
    const n = Number(s);
    if (!Number.isFinite(n)) return s;
    if (Number.isInteger(n)) return Number.isSafeInteger(n) ? n : s; // beyond 2^53 the exact text is kept
    return n;
  }
  if (FLOAT_TYPES.has(typeId)) {
    const n = s === 'NaN' ? NaN : s === 'Infinity' ? Infinity : s === '-Infinity' ? -Infinity : Number(s);
    return floatValue(n);
  }
  if (typeId === DATE) return dateValue(s) ?? s;
  if (typeId === TIMESTAMP || typeId === TIMESTAMPTZ) return datetimeValue(s) ?? s;
  return s;
}

function dateValue(s: string): JValue | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  return m ? makeDate(Number(m[1]), Number(m[2]), Number(m[3])) : undefined;
}

/** `2024-01-31 12:00:00.5` or, for timestamptz, with an offset (`+00`, `-05:30`). */
function datetimeValue(s: string): JValue | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:([+-])(\d{2})(?::?(\d{2}))?)?$/.exec(s);
  if (!m) return undefined;
  const micro = m[7] ? Number(m[7].padEnd(6, '0')) : 0;
  const offset = m[8] ? (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10] ?? 0)) : null;
  return new PyDatetime(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), micro, offset);
}

/** A QueryOutcome from what the warehouse returned. `typeName` names a column's type OID for column_types. */
export function queryOutcome(result: QueryResult, typeName: (oid: number) => string): QueryOutcome {
  const fields = result.fields;
  return {
    columns: fields.map((f) => ({ name: f.name, typeName: typeName(f.dataTypeID) })),
    rows: result.rows.map((row) => fields.map((f) => jinjaValue(row[f.name], f.dataTypeID))),
    code: fields.length > 0 ? 'SELECT' : 'OK',
    rowsAffected: result.rowCount ?? result.rows.length,
  };
}

/** What nothing was run for: no columns, no rows. */
export const EMPTY_OUTCOME: QueryOutcome = { columns: [], rows: [], code: 'SELECT', rowsAffected: 0 };

function columnObject(name: string, typeName: string, values: JValue[]): JObject {
  const members: Record<string, JValue> = {
    name,
    data_type: typeName,
    values: callable('values', () => makeTuple([...values])),
    values_distinct: callable('values_distinct', () => makeTuple([...new Map(values.map((v) => [JSON.stringify(v), v])).values()])),
    values_without_nulls: callable('values_without_nulls', () => makeTuple(values.filter((v) => v !== null))),
  };
  return { kind: 'object', getAttr: (attr) => members[attr] ?? UNDEFINED, render: () => `<agate.Column ${name}>` };
}

/**
 * An agate table as dbt's run_query() returns it: `rows` (each readable as `row[0]` or `row['name']`), `columns`
 * (by position or name, each with `.name` and `.values()`), `column_names` and `column_types`. Without columns
 * (nothing was run) `columns[0].values()` still answers, with nothing, as today's compile-only renders rely on.
 */
export function agateTable(outcome: QueryOutcome): JObject {
  const names = outcome.columns.map((c) => c.name);
  const rows = outcome.rows.map((r) => makeNamedSequence([...r], names));
  const columns =
    outcome.columns.length > 0
      ? makeNamedSequence(outcome.columns.map((c, i) => columnObject(c.name, c.typeName, outcome.rows.map((r) => r[i] ?? null))), names)
      : [columnObject('', '', [])];
  return {
    kind: 'object',
    getAttr(attr: string): JValue {
      switch (attr) {
        case 'rows':
          return rows;
        case 'columns':
          return columns;
        case 'column_names':
          return makeTuple([...names]);
        case 'column_types':
          return makeTuple(outcome.columns.map((c) => c.typeName));
        case 'print_table':
        case 'print_csv':
          return callable(attr, () => '');
        default:
          return UNDEFINED;
      }
    },
    render: () => `<agate.Table (${outcome.rows.length} rows)>`,
  };
}

/** load_result(name): dbt's {response, data (rows as lists), table}. */
export function loadResultValue(outcome: QueryOutcome): JDict {
  const value = fromJs({ response: { code: outcome.code, rows_affected: outcome.rowsAffected, _message: `${outcome.code} ${outcome.rowsAffected}` } }) as JDict;
  value.set('data', outcome.rows.map((r) => [...r]));
  value.set('table', agateTable(outcome));
  return value;
}
