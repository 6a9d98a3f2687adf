// Ephemeral models are never built: dbt inlines each as a CTE named `__dbt__cte__<name>` at the top of the model that
// refs it (joining an existing top-level WITH), dependencies of ephemerals first. This reproduces that text.

export interface EphemeralCte {
  name: string;
  /** The ephemeral model's compiled SELECT (its own ephemeral refs already written as `__dbt__cte__…`). */
  sql: string;
}

/** What ref() of an ephemeral model renders to. */
export function ephemeralCteName(name: string): string {
  return `__dbt__cte__${name}`;
}

/**
 * The ephemeral CTEs a model needs, in dbt's order: for each ephemeral it refs (in ref order), first that one's own
 * ephemerals, then itself; each once. `lookup` returns undefined for a model that is not ephemeral.
 */
export function collectEphemeralCtes(
  refs: string[],
  lookup: (name: string) => { sql: string; refs: string[] } | undefined,
): EphemeralCte[] {
  const out: EphemeralCte[] = [];
  const seen = new Set<string>();
  const visit = (name: string, path: Set<string>) => {
    if (seen.has(name) || path.has(name)) return;
    const found = lookup(name);
    if (!found) return;
    path.add(name);
    for (const inner of found.refs) visit(inner, path);
    path.delete(name);
    seen.add(name);
    out.push({ name, sql: found.sql });
  };
  for (const ref of refs) visit(ref, new Set());
  return out;
}

/**
 * Prefixes the CTEs the way dbt does: `with __dbt__cte__x as (\n…\n) <sql>` when the SQL has no top-level WITH,
 * otherwise the CTEs go right after its WITH (or WITH RECURSIVE) followed by `, `.
 */
export function inlineEphemerals(sql: string, ctes: EphemeralCte[]): string {
  if (ctes.length === 0) return sql;
  const joined = ctes.map((c) => ` ${ephemeralCteName(c.name)} as (\n${c.sql}\n)`).join(', ');
  const withEnd = topLevelWithEnd(sql);
  if (withEnd !== undefined) return sql.slice(0, withEnd) + joined + ', ' + sql.slice(withEnd);
  const first = sql.search(/\S/);
  const at = first < 0 ? sql.length : first;
  return sql.slice(0, at) + 'with' + joined + ' ' + sql.slice(at);
}

/** Where the statement's leading WITH (or WITH RECURSIVE) keyword ends, skipping comments; undefined when absent. */
function topLevelWithEnd(sql: string): number | undefined {
  let i = 0;
  const skipTrivia = () => {
    for (;;) {
      while (i < sql.length && /\s/.test(sql[i] as string)) i++;
      if (sql.startsWith('--', i)) {
        const nl = sql.indexOf('\n', i);
        i = nl < 0 ? sql.length : nl + 1;
      } else if (sql.startsWith('/*', i)) {
        const end = sql.indexOf('*/', i + 2);
        i = end < 0 ? sql.length : end + 2;
      } else {
        return;
      }
    }
  };
  const word = () => {
    const m = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i));
    return m ? m[0] : '';
  };
  skipTrivia();
  if (word().toLowerCase() !== 'with') return undefined;
  i += 4;
  let end = i;
  skipTrivia();
  if (word().toLowerCase() === 'recursive') end = i + 'recursive'.length;
  return end;
}
