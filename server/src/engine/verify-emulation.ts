// `dvs check --verify-emulation`: where AutomateDV is installed, each model is compiled twice, through the package's
// own macros and through the built-in emulation, and every difference is reported with a short diff. Formatting is
// normalised first (whitespace, comments, keyword and unquoted identifier case, which PostgreSQL folds anyway), so
// only differences a database could see are left.
import { format } from 'sql-formatter';
import { vaultCall } from '../model/parse';
import type { ProjectNode } from '../project';
import type { ProjectSession } from './session';
import { VAULT_PACKAGES } from '../dbt/package-macros';
import { hasIncrementalBranch } from '../base/materializations';

export interface EmulationDifference {
  model: string;
  /** The model file, relative to the project. */
  path: string;
  /** Whether the difference is in the incremental branch (the first build compiles the same). */
  incremental: boolean;
  /** Unified-style lines: `-` the installed package's SQL, `+` the emulation's; or the error one side raised. */
  diff: string[];
}

export interface EmulationReport {
  /** The installed package (`automate_dv 0.11.5`). */
  package: string;
  compared: number;
  differences: EmulationDifference[];
  /** Models whose SQL differs only where the emulation deliberately deviates with the same rows (ARCHITECTURE.md). */
  deliberate: { model: string; path: string; incremental: boolean; deviation: string }[];
}

/**
 * Where the emulation writes other SQL on purpose, giving the same rows: each rewrites the package's SQL (normalised,
 * on one line) into the emulation's form. A model that then compiles the same is listed apart, not as a difference.
 */
const DELIBERATE_DEVIATIONS: { what: string; rewrite(sql: string): string }[] = [
  {
    // AutomateDV's apply_source_filter compares each staged row with a correlated MAX over latest_records (quadratic
    // on PostgreSQL); the emulation compares with the latest row it already LEFT JOINs.
    what: "apply_source_filter joins the latest row instead of a correlated SELECT MAX(...) per staged row (same rows)",
    rewrite: (sql) =>
      sql.replace(/OR (\w+)\.(\w+) > \( SELECT MAX\((\w+)\) FROM LATEST_RECORDS AS (\w+) WHERE \4\.(\w+) = \1\.\5 \)/g, 'OR $1.$2 > $4.$3'),
  },
];

const oneLine = (lines: string[]): string => lines.join(' ').replace(/\s+/g, ' ');

/** What deliberate deviations alone turn the package's normalised SQL into the emulation's; undefined if they do not. */
export function deliberateDeviation(real: string[], emulated: string[]): string | undefined {
  let rewritten = oneLine(real);
  const applied: string[] = [];
  for (const d of DELIBERATE_DEVIATIONS) {
    const next = d.rewrite(rewritten);
    if (next !== rewritten) applied.push(d.what);
    rewritten = next;
  }
  return applied.length && rewritten === oneLine(emulated) ? applied.join('; ') : undefined;
}

const MAX_DIFF_LINES = 40;

/** SQL with its formatting normalised: comments dropped, one clause per line, unquoted words upper case. */
export function normalizeSql(sql: string): string[] {
  const withoutComments = sql.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
  let formatted: string;
  try {
    formatted = format(withoutComments, {
      language: 'postgresql',
      keywordCase: 'upper',
      identifierCase: 'upper',
      dataTypeCase: 'upper',
      functionCase: 'upper',
      tabWidth: 2,
      linesBetweenQueries: 1,
    });
  } catch {
    // What sql-formatter cannot read is compared word by word.
    formatted = withoutComments.replace(/\s+/g, ' ').replace(/\s*([(),;])\s*/g, '$1').toUpperCase();
  }
  return formatted
    .split('\n')
    .map((l) => canonicalAlias(l.trimEnd()))
    .filter((l) => l.trim() !== '');
}

/** Words that may end a line after a closing parenthesis without naming the subquery before it. */
const NOT_AN_ALIAS = new Set([
  'AND', 'OR', 'ON', 'THEN', 'ELSE', 'END', 'ASC', 'DESC', 'NULLS', 'FIRST', 'LAST', 'AS', 'IS', 'NOT', 'NULL', 'IN',
  'UNION', 'ALL', 'DISTINCT', 'WHERE', 'FROM', 'SELECT', 'USING', 'EXCEPT', 'INTERSECT', 'LIMIT', 'OFFSET', 'FILTER', 'OVER',
]);

/**
 * `) RIN` → `) AS RIN` and `JOIN LATEST_RECORDS LR ON` → `JOIN LATEST_RECORDS AS LR ON`: PostgreSQL's AS before a
 * subquery's or table's alias is optional (0.10.0's sat leaves it out where later releases write it), so both
 * spellings are one query and compare equal.
 */
export function canonicalAlias(line: string): string {
  const m = /^(\s*)\) ([A-Z_][A-Z0-9_$]*)$/.exec(line);
  if (m && !NOT_AN_ALIAS.has(m[2]!)) return `${m[1]}) AS ${m[2]}`;
  return line.replace(
    /\b((?:JOIN|FROM) [A-Za-z_"][^\s()]*) ([A-Z_][A-Z0-9_$]*)(?= ON\b|$)/g,
    (whole, table: string, alias: string) => (NOT_AN_ALIAS.has(alias) ? whole : `${table} AS ${alias}`),
  );
}

/** A line diff (longest common subsequence) with `-` for lines only in `a`, `+` only in `b`, two lines of context. */
export function lineDiff(a: string[], b: string[]): string[] {
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: { op: ' ' | '-' | '+'; line: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ op: ' ', line: a[i]! });
      i++;
      j++;
    } else if (j >= m || (i < n && lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      ops.push({ op: '-', line: a[i++]! });
    } else {
      ops.push({ op: '+', line: b[j++]! });
    }
  }
  const keep = new Set<number>();
  ops.forEach((o, k) => {
    if (o.op === ' ') return;
    for (let c = Math.max(0, k - 2); c <= Math.min(ops.length - 1, k + 2); c++) keep.add(c);
  });
  const out: string[] = [];
  let last = -1;
  for (const k of [...keep].sort((x, y) => x - y)) {
    if (last !== -1 && k > last + 1) out.push('  …');
    const o = ops[k]!;
    out.push(`${o.op} ${o.line}`);
    last = k;
  }
  return out;
}

/**
 * A stage whose source columns nobody knows (no columns: in the sources yml, no target to read them from): the
 * package's stage then selects only the derived and hashed columns, the emulation passes the source through with *.
 * Neither is what a load would run, where the warehouse answers; the difference is listed apart, not as a real one.
 */
function unknownColumns(compiled: { diagnostics: { code: string }[] }): string | undefined {
  return compiled.diagnostics.some((d) => d.code === 'DV301')
    ? "the stage's source columns are unknown (no catalog, no target): the package selects only derived and hashed columns, the emulation passes * through"
    : undefined;
}

function errorsOf(compiled: { diagnostics: { severity: string; code: string; message: string }[] }): string | undefined {
  const e = compiled.diagnostics.find((d) => d.severity === 'error');
  return e ? `${e.code}: ${e.message}` : undefined;
}

/** The models worth comparing: those that call AutomateDV (every other model compiles the same way on both paths). */
function callsAutomateDv(session: ProjectSession, node: ProjectNode): boolean {
  const text = session.textOf(node);
  return vaultCall(session.parse(text)) !== undefined || /\b(automate_dv|dbtvault)\s*\./.test(text);
}

/** Compiles each AutomateDV model both ways; undefined when no AutomateDV package is installed. */
export function verifyEmulation(session: ProjectSession, nodes: readonly ProjectNode[] = session.models()): EmulationReport | undefined {
  const installed = session.installedAutomateDv();
  const pkg = installed?.packages.find((p) => VAULT_PACKAGES.has(p.name));
  if (!installed || !pkg) return undefined;
  const differences: EmulationDifference[] = [];
  const deliberate: EmulationReport['deliberate'] = [];
  let compared = 0;
  for (const node of nodes) {
    if (!callsAutomateDv(session, node)) continue;
    compared++;
    // Both branches a load can run: the first build, and the incremental one where the materialization has it.
    for (const incremental of hasIncrementalBranch(node.materialized) ? [false, true] : [false]) {
      const real = session.compile(node, { automateDv: 'installed', formatSql: false, incremental });
      const emulated = session.compile(node, { automateDv: 'emulated', formatSql: false, incremental });
      const realError = errorsOf(real);
      const emulatedError = errorsOf(emulated);
      let diff: string[] = [];
      // The emulation also reports, beside the SQL it renders, where PostgreSQL will reject that SQL at run time
      // (the package's own SQL then compiles and fails the same way in dbt's run): there the SQL decides.
      const renderedBeside = !realError && emulatedError !== undefined && normalizeSql(emulated.rawSql).some((l) => /\bSELECT\b/.test(l));
      if ((realError || emulatedError) && !renderedBeside) {
        // Both failing is agreement: dbt fails the model either way, and the emulation's message names the cause
        // and the fix in words where the package's names the macro that gave up.
        if (!realError || !emulatedError) diff = [`- ${realError ?? '(compiles)'}`, `+ ${emulatedError ?? '(compiles)'}`];
      } else {
        const a = normalizeSql(real.rawSql);
        const b = normalizeSql(emulated.rawSql);
        if (a.join('\n') !== b.join('\n')) {
          const deviation = deliberateDeviation(a, b) ?? unknownColumns(emulated);
          if (deviation) {
            deliberate.push({ model: node.name, path: node.path, incremental, deviation });
            continue;
          }
          diff = lineDiff(a, b);
        }
      }
      if (diff.length === 0) continue;
      if (diff.length > MAX_DIFF_LINES) diff = [...diff.slice(0, MAX_DIFF_LINES), `  … ${diff.length - MAX_DIFF_LINES} more lines`];
      differences.push({ model: node.name, path: node.path, incremental, diff });
      // The first build already differs: the incremental diff would mostly repeat it.
      break;
    }
  }
  // 0.9.6 and 0.11.1 name the release before them in their dbt_project.yml; the emulation follows the release the
  // package's macros show, so the report names that one.
  const release = session.compat.version;
  const label =
    pkg.version === undefined || pkg.version === release
      ? `${pkg.name} ${pkg.version ?? '(no version)'}`
      : `${pkg.name} ${release} (its dbt_project.yml says ${pkg.version})`;
  return { package: label, compared, differences, deliberate };
}
