// `dvs query` output: the JSON encoding of CONTRACTS.md (typed by the result's field OIDs, from PostgreSQL's text
// output, independent of the session's and the process's time zone) and a plain-text table for `--format table`.
import { civilFromDays, daysFromCivil } from '../base/civil-days';
import type { QueryResult, Warehouse } from './warehouse';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** PostgreSQL type OIDs the encoding distinguishes. */
export const PgType = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  json: 114,
  float4: 700,
  float8: 701,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  numeric: 1700,
  jsonb: 3802,
} as const;

/** A value the encoder cannot read, e.g. a date printed in a non-ISO DateStyle. */
export class EncodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncodeError';
  }
}

/** Rows as JSON objects keyed by column name, each value encoded by its column's type. */
export function encodeRows(result: QueryResult): Array<Record<string, JsonValue>> {
  return result.rows.map((row) => {
    const out: Record<string, JsonValue> = {};
    for (const field of result.fields) out[field.name] = encodeValue(row[field.name], field.dataTypeID);
    return out;
  });
}

/** One value from PostgreSQL's text output (or null) to its JSON form for the given type OID. */
export function encodeValue(value: unknown, typeOid: number): JsonValue {
  if (value === null || value === undefined) return null;
  const text = String(value);
  switch (typeOid) {
    case PgType.bool:
      return text === 't' || text === 'true';
    case PgType.bytea:
      return byteaHex(text);
    case PgType.int2:
    case PgType.int4:
      return Number(text);
    case PgType.float4:
    case PgType.float8: {
      const n = Number(text);
      // JSON has no NaN or infinities; the text keeps them exact.
      return Number.isFinite(n) ? n : text;
    }
    case PgType.int8:
    case PgType.numeric:
      return text;
    case PgType.json:
    case PgType.jsonb:
      return JSON.parse(text) as JsonValue;
    case PgType.date:
      return isoDate(text);
    case PgType.timestamp:
      return isoTimestamp(text);
    case PgType.timestamptz:
      return utcTimestamp(text);
    default:
      return text;
  }
}

/** bytea as `\x…` in lowercase hex, whichever bytea_output the server uses. */
function byteaHex(text: string): string {
  if (text.startsWith('\\x')) return '\\x' + text.slice(2).toLowerCase();
  // The escape format: printable bytes as themselves, `\\` for a backslash, `\ooo` octal for the rest.
  let hex = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) {
      if (text[i + 1] === '\\') {
        hex += '5c';
        i++;
      } else {
        hex += parseInt(text.slice(i + 1, i + 4), 8).toString(16).padStart(2, '0');
        i += 3;
      }
    } else {
      hex += c.toString(16).padStart(2, '0');
    }
  }
  return '\\x' + hex;
}

const SPECIAL_DATETIME = /^-?infinity$| BC$/;

function notIso(text: string, type: string): EncodeError {
  return new EncodeError(
    `cannot read ${type} value '${text}': it is not in ISO DateStyle — run the query with DateStyle ISO (e.g. SET DateStyle = 'ISO, MDY')`,
  );
}

function isoDate(text: string): string {
  if (SPECIAL_DATETIME.test(text)) return text;
  if (!/^\d{4,}-\d{2}-\d{2}$/.test(text)) throw notIso(text, 'date');
  return text;
}

const TIMESTAMP = /^(\d{4,})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;
const TIMESTAMPTZ = /^(\d{4,})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?([+-])(\d{2})(?::(\d{2}))?(?::(\d{2}))?$/;

function fraction(digits: string | undefined): string {
  return digits ? '.' + digits.padEnd(6, '0') : '';
}

/** timestamp without time zone exactly as stored: only the separator changes. */
function isoTimestamp(text: string): string {
  if (SPECIAL_DATETIME.test(text)) return text;
  const m = TIMESTAMP.exec(text);
  if (!m) throw notIso(text, 'timestamp');
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${fraction(m[7])}`;
}

/** timestamptz in UTC with `Z`, computed from the text and its offset, so the session's TimeZone never shows. */
function utcTimestamp(text: string): string {
  if (SPECIAL_DATETIME.test(text)) return text;
  const m = TIMESTAMPTZ.exec(text);
  if (!m) throw notIso(text, 'timestamp with time zone');
  const [, y, mo, d, h, mi, s, frac, sign, oh, om, os] = m;
  const offset = (sign === '-' ? -1 : 1) * (Number(oh) * 3600 + Number(om ?? 0) * 60 + Number(os ?? 0));
  const local = daysFromCivil(Number(y), Number(mo), Number(d)) * 86400 + Number(h) * 3600 + Number(mi) * 60 + Number(s);
  const utc = local - offset;
  const days = Math.floor(utc / 86400);
  const secondOfDay = utc - days * 86400;
  const [uy, um, ud] = civilFromDays(days);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const time = `${pad(Math.floor(secondOfDay / 3600))}:${pad(Math.floor((secondOfDay % 3600) / 60))}:${pad(secondOfDay % 60)}`;
  return `${pad(uy, 4)}-${pad(um)}-${pad(ud)}T${time}${fraction(frac)}Z`;
}

/**
 * Runs SQL for `dvs query` with the dates in ISO style for this query only (SET LOCAL inside a transaction), so the
 * encoder can read them on a server whose DateStyle is something else; the server's TimeZone is left alone.
 */
export async function queryForEncoding(wh: Warehouse, sql: string): Promise<QueryResult | undefined> {
  return wh.transaction(async (tx) => {
    await tx.exec(`SET LOCAL DateStyle = 'ISO, MDY'`);
    return tx.exec(sql);
  });
}

const NUMERIC_TYPES = new Set<number>([PgType.int2, PgType.int4, PgType.int8, PgType.float4, PgType.float8, PgType.numeric]);
const MAX_CELL = 80;

/** A psql-like table: header, rule, rows (NULL as empty), numbers right-aligned, then "(N rows)". */
export function renderTable(result: QueryResult): string {
  const fields = result.fields;
  const cell = (value: unknown): string => {
    if (value === null || value === undefined) return '';
    const flat = String(value).replace(/\r?\n/g, '\\n').replace(/\t/g, '\\t');
    return flat.length > MAX_CELL ? flat.slice(0, MAX_CELL - 1) + '…' : flat;
  };
  const body = result.rows.map((row) => fields.map((f) => cell(row[f.name])));
  const widths = fields.map((f, i) => Math.max(f.name.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[], alignRight: (i: number) => boolean) =>
    cells
      .map((c, i) => {
        const w = widths[i] ?? c.length;
        return alignRight(i) ? c.padStart(w) : c.padEnd(w);
      })
      .join(' | ')
      .trimEnd();
  const numeric = (i: number) => NUMERIC_TYPES.has(fields[i]?.dataTypeID ?? 0);
  const lines = [
    line(
      fields.map((f) => f.name),
      () => false,
    ),
    widths.map((w) => '-'.repeat(w)).join('-+-'),
    ...body.map((r) => line(r, numeric)),
    `(${result.rows.length} ${result.rows.length === 1 ? 'row' : 'rows'})`,
  ];
  return lines.join('\n') + '\n';
}
