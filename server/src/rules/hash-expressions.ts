// What a stage's hashed_columns entry is: a column name, or an SQL expression and the column names it reads. From
// 0.9.1 AutomateDV quotes a hashed entry only when it is one of the derived names marked for escaping and otherwise
// writes it into the hash as it is, so `CAST(id AS TEXT)`, `UPPER(name)` or `a || b` runs as SQL over the stage's
// columns; 0.9.0 on PostgreSQL leaves a call, a cast or a quoted literal as it is too. DV302 (column-exists.ts),
// DV402 (hub-key-from-business-key.ts) and DV405 (hashdiff-covers-payload.ts) read entries through this one module
// so they agree on what is a name; this module reports no code itself.
import type { StageDerived } from './vault-facts';

/** A hashed entry read: a column name as written, or an expression with the identifiers it names (undefined when unsure). */
export type HashedEntry = { kind: 'name'; name: string } | { kind: 'expression'; identifiers: readonly string[] | undefined };

/** A stage's escaped names, read once per parse of the stage: the rules of every satellite and hub reading it ask. */
const escapedOf = new WeakMap<readonly StageDerived[], Set<string>>();

/**
 * The names a stage's derived columns ask AutomateDV to quote: the source columns of an `escape: true` mapping and the
 * "double-quoted" names (letters and spaces) inside a derived expression string. A hashed entry equal to one of them
 * is quoted in the hash, so it is a column reference even when it has spaces.
 */
export function escapedNames(derived: readonly StageDerived[]): ReadonlySet<string> {
  let out = escapedOf.get(derived);
  if (out) return out;
  out = new Set<string>();
  for (const d of derived) {
    if (d.escape) for (const i of d.items) out.add(i.value);
    else if (d.writtenAsString) for (const m of (d.items[0]?.value ?? '').matchAll(/"([a-zA-Z\s]+)"/g)) out.add(m[1] as string);
  }
  escapedOf.set(derived, out);
  return out;
}

/**
 * Whether a hashed entry is a column name rather than an SQL expression: only a plain identifier (bare or
 * "double-quoted") or an escaped name is one, so an expression is never taken for a column.
 */
export function isHashedName(entry: string, escaped: ReadonlySet<string>): boolean {
  if (escaped.has(entry)) return true;
  return /^\s*(?:[A-Za-z_][A-Za-z0-9_$]*|"[^"]+")\s*$/.test(entry);
}

/** A hashed entry read as a name or as an expression over identifiers. */
export function readHashedEntry(entry: string, escaped: ReadonlySet<string>): HashedEntry {
  if (isHashedName(entry, escaped)) return { kind: 'name', name: entry };
  return { kind: 'expression', identifiers: expressionIdentifiers(entry) };
}

/**
 * Words that are SQL syntax or values, never a column, in an expression a hashed entry may hold. A column that really
 * has one of these names would have to be double-quoted, and a quoted name is still read as an identifier.
 */
const KEYWORDS = new Set([
  'and', 'or', 'not', 'is', 'null', 'true', 'false', 'in', 'like', 'ilike', 'similar', 'to', 'between', 'symmetric',
  'case', 'when', 'then', 'else', 'end', 'distinct', 'from', 'as', 'collate', 'escape', 'unknown', 'any', 'all', 'some',
  'array', 'row', 'interval', 'at', 'time', 'zone', 'isnull', 'notnull', 'leading', 'trailing', 'both', 'for', 'placing',
  'current_timestamp', 'current_date', 'current_time', 'localtimestamp', 'localtime', 'current_user', 'session_user',
  'user', 'current_schema', 'current_catalog', 'default',
]);

/** Words that end a type name written after AS or `::` (the operator words that may follow a cast). */
const AFTER_TYPE = new Set(['and', 'or', 'is', 'not', 'in', 'like', 'ilike', 'similar', 'between', 'collate', 'then', 'else', 'end', 'when', 'as', 'from', 'for', 'at', 'isnull', 'notnull']);

type Token = { kind: 'word'; text: string } | { kind: 'quoted'; text: string } | { kind: 'string' } | { kind: 'number' } | { kind: 'punct'; text: string };

/**
 * The column identifiers an SQL expression names, read conservatively: string literals, numbers, SQL keywords, type
 * names after AS or `::` (with their modifiers, as in `NUMERIC(10,2)` or `timestamp with time zone`), a function name
 * before `(`, a word that types a literal (`DATE '2024-01-01'`) and a table qualifier before `.` are not identifiers.
 * Undefined when the text holds something this reading does not follow (Jinja, a dollar-quoted string, a sub-select,
 * an unterminated quote), so a caller can say nothing rather than guess.
 */
export function expressionIdentifiers(sql: string): string[] | undefined {
  const tokens = tokenize(sql);
  if (!tokens) return undefined;
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    const next = tokens[i + 1];
    if (t.kind === 'punct' && t.text === '::') {
      i = skipType(tokens, i + 1) - 1;
      continue;
    }
    if (t.kind === 'word' && t.text.toLowerCase() === 'as') {
      i = skipType(tokens, i + 1) - 1;
      continue;
    }
    if (t.kind !== 'word' && t.kind !== 'quoted') continue;
    if (t.kind === 'word' && t.text.toLowerCase() === 'select') return undefined;
    if (next?.kind === 'punct' && (next.text === '(' || next.text === '.')) continue;
    if (t.kind === 'word' && (KEYWORDS.has(t.text.toLowerCase()) || next?.kind === 'string')) continue;
    out.push(t.text);
  }
  return out;
}

/** The index after a type name that starts at `from`: its words, a `(…)` modifier and `[]` array marks. */
function skipType(tokens: readonly Token[], from: number): number {
  let i = from;
  while (i < tokens.length) {
    const t = tokens[i] as Token;
    if (t.kind === 'word' && !AFTER_TYPE.has(t.text.toLowerCase())) i++;
    else if (t.kind === 'quoted') i++;
    else if (t.kind === 'punct' && (t.text === '(' || t.text === '[') && i > from) i = closing(tokens, i) + 1;
    else break;
  }
  return i;
}

/** The index of the bracket that closes the one at `open` (the last token when it is never closed). */
function closing(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind !== 'punct') continue;
    if (t.text === '(' || t.text === '[') depth++;
    else if (t.text === ')' || t.text === ']') depth--;
    if (depth === 0) return i;
  }
  return tokens.length - 1;
}

function tokenize(sql: string): Token[] | undefined {
  if (/\{[{%#]|\$/.test(sql.replace(/'(?:[^']|'')*'/g, "''"))) return undefined;
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let j = i + 1;
      for (;;) {
        const end = sql.indexOf("'", j);
        if (end < 0) return undefined;
        if (sql[end + 1] === "'") j = end + 2;
        else {
          i = end + 1;
          break;
        }
      }
      out.push({ kind: 'string' });
    } else if (c === '"') {
      const end = sql.indexOf('"', i + 1);
      if (end < 0) return undefined;
      out.push({ kind: 'quoted', text: sql.slice(i + 1, end) });
      i = end + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i)) as RegExpExecArray;
      // E'…', B'…', X'…' and U&'…' are prefixed string literals, not a word before a literal.
      if (/^(?:e|b|x|n)$/i.test(m[0]) && sql[i + 1] === "'") {
        i++;
        continue;
      }
      out.push({ kind: 'word', text: m[0] });
      i += m[0].length;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const m = /^(?:[0-9]*\.?[0-9]+|[0-9]+\.)(?:[eE][+-]?[0-9]+)?/.exec(sql.slice(i)) as RegExpExecArray;
      out.push({ kind: 'number' });
      i += m[0].length;
    } else if (c === ':' && sql[i + 1] === ':') {
      out.push({ kind: 'punct', text: '::' });
      i += 2;
    } else {
      out.push({ kind: 'punct', text: c });
      i++;
    }
  }
  return out;
}
