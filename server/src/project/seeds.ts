// Seeds (CSV files under the seed paths) as relations with columns: names from the header, types inferred from the
// values roughly as dbt-postgres does (integer, float8, boolean, date, timestamp, else text), overridable with the
// `column_types` config.
import type { ColumnInfo } from '../base/columns';

/** Splits CSV text into rows of fields (RFC 4180 quotes, CRLF or LF). */
export function parseCsv(text: string, maxRows = Infinity): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  while (i < s.length) {
    const ch = s[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (s[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += ch;
      i++;
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      row.push(field);
      field = '';
      if (!(row.length === 1 && row[0] === '')) rows.push(row);
      row = [];
      if (rows.length >= maxRows) return rows;
      if (ch === '\r' && s[i + 1] === '\n') i++;
    } else field += ch;
    i++;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    if (!(row.length === 1 && row[0] === '')) rows.push(row);
  }
  return rows;
}

const INTEGER = /^[-+]?\d+$/;
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const BOOLEAN = /^(true|false)$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/** The PostgreSQL type dbt would give a CSV column, from its non-empty values. */
export function inferSeedColumnType(values: readonly string[]): string {
  const present = values.map((v) => v.trim()).filter((v) => v !== '' && v.toLowerCase() !== 'null');
  if (present.length === 0) return 'text';
  if (present.every((v) => INTEGER.test(v))) return 'integer';
  if (present.every((v) => NUMBER.test(v))) return 'float8';
  if (present.every((v) => BOOLEAN.test(v))) return 'boolean';
  if (present.every((v) => DATE.test(v))) return 'date';
  if (present.every((v) => DATETIME.test(v))) return 'timestamp without time zone';
  return 'text';
}

/** Columns of a seed from its CSV text; `columnTypes` (the column_types config) overrides inferred types. */
export function seedColumns(csvText: string, columnTypes: ReadonlyMap<string, string> = new Map()): ColumnInfo[] {
  const rows = parseCsv(csvText);
  const header = rows[0] ?? [];
  return header.map((name, index) => {
    const override = columnTypes.get(name);
    const dataType = override ?? inferSeedColumnType(rows.slice(1).map((r) => r[index] ?? ''));
    return { name, dataType };
  });
}
