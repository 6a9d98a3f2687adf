// Hash expressions exactly as AutomateDV builds them on PostgreSQL (spec §5): per-column standardisation, single vs
// list keys, hashdiff sorting, null placeholders, and the algorithm wrapper for 0.9.7+ (raw digest) or ≤0.9.6 (hex text).
import { CompileError } from '../context';
import { asConstant, isConstant, type Reporter } from './constants';
import { escapeColumnName } from './columns';
import { DEFAULT_HASH_SETTINGS, type HashAlgorithm, type HashSettings } from './settings';

export interface HashOptions extends Partial<HashSettings> {
  /** A hashdiff: list columns are sorted and there is no all-null NULLIF. */
  isHashdiff?: boolean;
  /** Column names quoted inside the expression; the match is case-sensitive (spec §4.6, quirk 11). */
  columnsToEscape?: Iterable<string>;
  escapeChars?: readonly [string, string];
  /** Where a quote-in-constant warning goes; ignored when absent. */
  report?: Reporter;
}

/** STD(c): `NULLIF(UPPER(TRIM(CAST(c AS VARCHAR))), '')`, without UPPER when hash_content_casing is disabled. */
export function standardise(expression: string, upperCase: boolean): string {
  const trimmed = `TRIM(CAST(${expression} AS VARCHAR))`;
  return `NULLIF(${upperCase ? `UPPER(${trimmed})` : trimmed}, '')`;
}

/** The algorithm around the hash input; the result is always BYTEA. */
export function applyHashAlgorithm(input: string, algorithm: HashAlgorithm, encoding: HashSettings['encoding']): string {
  if (encoding === 'upper-hex-text') {
    return algorithm === 'sha'
      ? `CAST(UPPER(ENCODE(SHA256(CAST(${input} AS BYTEA)), 'hex')) AS BYTEA)`
      : `CAST(UPPER(MD5(${input})) AS BYTEA)`;
  }
  return algorithm === 'sha' ? `SHA256(CAST(${input} AS BYTEA))` : `DECODE(MD5(${input}), 'hex')`;
}

/** Compares by Unicode code points, as Python compares strings. */
function compareCodePoints(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i] as string).codePointAt(0)! - (y[i] as string).codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/**
 * Jinja's `sort` on a hashdiff list: stable, by the lowercased text in code-point order. So `!` sorts before digits and
 * letters, `_` before letters (CUSTOMER_ID < CUSTOMERID), and a case-only tie keeps the given order.
 */
export function sortHashdiffColumns(columns: readonly string[]): string[] {
  // Each name is lowered once (not per comparison); sort is stable, so ties keep the given order as before.
  const keyed = columns.map((c) => {
    const key = c.toLowerCase();
    return { c, key, plain: !SURROGATE.test(key) };
  });
  keyed.sort((x, y) => (x.plain && y.plain ? compareCodeUnits(x.key, y.key) : compareCodePoints(x.key, y.key)));
  return keyed.map((k) => k.c);
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** Without surrogate pairs, UTF-16 code-unit order is code-point order, which JavaScript's < compares directly. */
function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sqlLiteral(text: string): string {
  return "'" + text.replace(/'/g, "''") + "'";
}

/** The SQL one hash component stands for: a constant literal, the quoted name if escaped, or the name. */
function componentSql(column: string, escape: ReadonlySet<string>, escapeChars: readonly [string, string], report: Reporter): string {
  if (isConstant(column)) return asConstant(column, report, 'a hashed column');
  return escape.has(column) ? escapeColumnName(column, escapeChars) : column;
}

/**
 * The hash expression (without `AS alias`) for a hash key or hashdiff. A string is a single column: no placeholder,
 * so NULL or '' gives a NULL key. A list (even of one) concatenates placeholders; a hash key is NULL only when every
 * component is, a hashdiff is never NULL and is sorted first.
 */
export function hashExpression(columns: string | readonly string[], options: HashOptions = {}): string {
  const settings: HashSettings = {
    algorithm: options.algorithm ?? DEFAULT_HASH_SETTINGS.algorithm,
    concatString: options.concatString ?? DEFAULT_HASH_SETTINGS.concatString,
    nullPlaceholder: options.nullPlaceholder ?? DEFAULT_HASH_SETTINGS.nullPlaceholder,
    upperCase: options.upperCase ?? DEFAULT_HASH_SETTINGS.upperCase,
    encoding: options.encoding ?? DEFAULT_HASH_SETTINGS.encoding,
    concat: options.concat ?? 'concat-ws',
  };
  const escape = new Set(options.columnsToEscape ?? []);
  const escapeChars = options.escapeChars ?? ['"', '"'];
  const report: Reporter = options.report ?? (() => undefined);
  const std = (c: string): string => standardise(componentSql(c, escape, escapeChars, report), settings.upperCase);
  const wrap = (input: string): string => applyHashAlgorithm(input, settings.algorithm, settings.encoding);

  if (typeof columns === 'string') return wrap(std(columns));

  if (columns.length === 0) {
    throw new CompileError('A hash needs at least one column, but an empty list was given; list the columns to hash.', 'DV202');
  }
  const ordered = options.isHashdiff ? sortHashdiffColumns(columns) : [...columns];
  const placeholder = sqlLiteral(settings.nullPlaceholder);
  const components = ordered.map((c) => `COALESCE(${std(c)}, ${placeholder})`);
  const separator = sqlLiteral(settings.concatString);
  // Every part is COALESCEd, so CONCAT with the separator between the parts gives the same bytes as CONCAT_WS; the
  // version's own form is written all the same, so the SQL reads as the package's.
  const joined =
    settings.concat === 'concat' ? `CONCAT(${components.join(`, ${separator}, `)})` : `CONCAT_WS(${separator}, ${components.join(', ')})`;
  if (options.isHashdiff) {
    if (components.length === 1) return wrap(components[0] as string);
    return wrap(joined);
  }
  const allNull = ordered.map(() => settings.nullPlaceholder).join(settings.concatString);
  return wrap(`NULLIF(${joined}, ${sqlLiteral(allNull)})`);
}
