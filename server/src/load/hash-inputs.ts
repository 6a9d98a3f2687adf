// Each hash input of an AutomateDV stage normalised once per row when the load engine stages the stage's rows
// (load/high-water.ts). A stage's hashed_columns CTE writes the same normalisation of a column,
// NULLIF(UPPER(TRIM(CAST(col AS VARCHAR))), ''), into every hash that uses the column: a link's key repeats the business
// keys of its hubs' keys, so in a typical stage a business key is normalised two or three times per row. PostgreSQL
// computes each written expression separately; the casts, trims and upper-casing cost about half as much as the MD5
// calls themselves (PGlite, a million rows: 0.36 s per normalisation, 0.3 s per MD5).
//
// The rewrite computes each repeated normalisation once, as a column of a subquery between the CTE and the one it
// reads, and the hashes read that column. It changes only where a value is computed, never the expression computing
// it, so every hash keeps its bytes. `OFFSET 0` keeps PostgreSQL from flattening the subquery, which would write the
// expressions back into each use. Whatever does not look exactly like AutomateDV's stage is left as it is.
//
// Used on the embedded database only: on a PostgreSQL server the subquery keeps the hashing above the Gather of a
// parallel scan, in one process, where the workers would otherwise hash the rows between them.

/** A plain or double-quoted SQL identifier. */
const IDENT = String.raw`(?:[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"]|"")+")`;
/** AutomateDV's normalisation of one column for hashing, with or without upper-casing (hash_content_casing). */
const NORMALISED = new RegExp(String.raw`NULLIF\((?:UPPER\(TRIM\(CAST\(${IDENT} AS VARCHAR\)\)\)|TRIM\(CAST\(${IDENT} AS VARCHAR\)\)), ''\)`, 'g');
const PREFIX = 'dvs_hash_input_';

/** The offset just past the parenthesis that closes the one before `from`, skipping strings and comments; -1 if none. */
function closingParen(sql: string, from: number): number {
  let depth = 1;
  for (let i = from; i < sql.length; i++) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      if (end < 0) return -1;
      i = end;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      if (end < 0) return -1;
      i = end;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) return -1;
      i = end + 1;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i + 1;
  }
  return -1;
}

/**
 * `stageSql` with every hash input that its hashed_columns CTE normalises more than once computed once per row; the
 * SQL unchanged when nothing repeats or the CTE is not AutomateDV's.
 */
export function shareHashInputs(stageSql: string): string {
  const head = /\bhashed_columns AS \(\s*SELECT\b/i.exec(stageSql);
  if (!head || stageSql.includes(PREFIX)) return stageSql;
  const bodyStart = head.index + head[0].length;
  const end = closingParen(stageSql, stageSql.indexOf('(', head.index) + 1);
  if (end < 0) return stageSql;
  const body = stageSql.slice(bodyStart, end - 1);
  // The CTE ends by reading the CTE before it: `FROM <name>` with nothing after it.
  const from = new RegExp(String.raw`\bFROM\s+(${IDENT})(\s*)$`, 'i').exec(body);
  if (!from) return stageSql;
  const list = body.slice(0, from.index);

  const uses = new Map<string, number>();
  for (const m of list.matchAll(NORMALISED)) uses.set(m[0], (uses.get(m[0]) ?? 0) + 1);
  const shared = [...uses.entries()].filter(([, n]) => n > 1).map(([expression]) => expression);
  if (shared.length === 0) return stageSql;
  const alias = new Map(shared.map((expression, i) => [expression, `${PREFIX}${i + 1}`]));

  const rewritten = list.replace(NORMALISED, (expression) => alias.get(expression) ?? expression);
  const previous = from[1] as string;
  const inputs = shared.map((expression) => `${expression} AS ${alias.get(expression)}`).join(', ');
  const source = `FROM (SELECT *, ${inputs} FROM ${previous} OFFSET 0) AS ${previous}`;
  return stageSql.slice(0, bodyStart) + rewritten + source + (from[2] ?? '') + stageSql.slice(end - 1);
}
