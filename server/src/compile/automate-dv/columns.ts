// Column-list building blocks shared by every AutomateDV template (spec §3): expanding metadata into one column list,
// prefixing, aliasing, multi-column conditions, and the case-insensitive list operations the stage relies on.
import { CompileError, type MacroContext } from '../context';
import type { Relation } from '../../base/relation';
import { isDict, isList, isNone, type JValue } from '../../jinja/values';

/** A {source_column, alias} mapping, as used for an aliased hashdiff. */
export interface ColumnMapping {
  readonly sourceColumn: string;
  readonly alias: string;
}

/** A column of table metadata: a plain name, or a mapping whose source and target names differ. */
export type ColumnRef = string | ColumnMapping;

export function isMapping(c: ColumnRef): c is ColumnMapping {
  return typeof c !== 'string';
}

/** The name a column has in the stage (source side). */
export function sourceName(c: ColumnRef): string {
  return typeof c === 'string' ? c.trim() : c.sourceColumn.trim();
}

/** The name a column has in the target table. */
export function targetName(c: ColumnRef): string {
  return typeof c === 'string' ? c.trim() : c.alias.trim();
}

/**
 * Flattens macro parameters into one column list like AutomateDV's expand_column_list: none entries are dropped,
 * nested lists are spliced one level deep, {source_column, alias} mappings stay single items, anything else fails.
 */
export function expandColumnList(values: readonly (JValue | undefined)[], where = 'expand_column_list'): ColumnRef[] {
  const out: ColumnRef[] = [];
  const take = (v: JValue, nested: boolean): void => {
    if (typeof v === 'string') out.push(v);
    else if (isList(v) && !nested) v.forEach((x) => take(x, true));
    else if (isDict(v)) out.push(readMapping(v, where));
    else if (isNone(v) && !nested) return;
    else {
      throw new CompileError(
        `Invalid columns object provided. Must be a list of lists, dictionaries or strings. (${where} got ${JSON.stringify(String(v))})`,
        'DV202',
      );
    }
  };
  for (const v of values) if (v !== undefined) take(v, false);
  return out;
}

function readMapping(v: Map<string, JValue>, where: string): ColumnMapping {
  const source = v.get('source_column');
  const alias = v.get('alias');
  if (typeof source === 'string' && typeof alias === 'string') return { sourceColumn: source, alias };
  throw new CompileError(
    `Invalid columns object provided: ${where} has a mapping without string 'source_column' and 'alias' keys`,
    'DV202',
  );
}

export type AliasTarget = 'source' | 'target';

/**
 * dbtvault 0.9.0's prefix and alias_all print every column they are given, a repeated name too (so its table gets
 * the column twice and PostgreSQL rejects it); from 0.9.1 they print a name once. The compile of one macro call sets
 * this for its duration (printingEveryColumn), so the many column lists of every template follow the release alike.
 */
let keepRepeats = false;
let keepDangling = true;
let repeatedNames: string[] = [];
let danglingNames: string[] = [];

/**
 * Runs `compile` with repeated column names printed (or not), and says which names were printed more than once and
 * which, skipped as the last of their list, left the list ending in a comma.
 */
export function printingEveryColumn<T>(
  mode: { keepRepeats: boolean; keepDangling: boolean },
  compile: () => T,
): { result: T; repeated: string[]; dangling: string[] } {
  const outer = [keepRepeats, keepDangling, repeatedNames, danglingNames] as const;
  keepRepeats = mode.keepRepeats;
  keepDangling = mode.keepDangling;
  repeatedNames = [];
  danglingNames = [];
  try {
    const result = compile();
    return { result, repeated: [...new Set(repeatedNames)], dangling: [...new Set(danglingNames)] };
  } finally {
    [keepRepeats, keepDangling, repeatedNames, danglingNames] = outer;
  }
}

/**
 * From 0.9.1 a skipped repeat prints nothing, but the column before it has already printed its separator: when the
 * last column of a list is a plain name that repeats an earlier one, AutomateDV's list ends in a comma (and the SQL
 * after it fails). A mapping is never skipped (its text never equals a name). `separator` is what is left behind.
 */
function danglingSeparator(columns: readonly ColumnRef[], printed: readonly string[], separator: string): string {
  if (keepRepeats || !keepDangling || columns.length < 2) return '';
  const last = columns[columns.length - 1];
  if (typeof last !== 'string') return '';
  const name = last.trim();
  const folded = name.toLowerCase();
  let earlier = false;
  for (let i = 0; i < printed.length - 1 && !earlier; i++) earlier = (printed[i] as string).toLowerCase() === folded;
  if (!earlier) return '';
  danglingNames.push(name);
  return separator;
}

/** The names a column list prints: each once (case-insensitive, first wins), or every one under 0.9.0. */
function printedNames(names: readonly string[]): string[] {
  if (!keepRepeats) return uniqueCaseInsensitive(names);
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n.toLowerCase())) repeatedNames.push(n);
    seen.add(n.toLowerCase());
  }
  return [...names];
}

/**
 * `p.col` for each column, skipping a name already emitted (case-insensitive, first wins). A mapping prints its
 * source_column ('source') or its alias ('target').
 */
export function prefixColumns(columns: readonly ColumnRef[], prefix: string, side: AliasTarget = 'source'): string {
  const all: string[] = [];
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i] as ColumnRef;
    all.push(side === 'source' ? sourceName(c) : targetName(c));
  }
  const names = printedNames(all);
  // Built by concatenation rather than map and join: every template prints several of these lists per model.
  let text = '';
  for (let i = 0; i < names.length; i++) text += i === 0 ? `${prefix}.${names[i]}` : `, ${prefix}.${names[i]}`;
  return text + danglingSeparator(columns, all, ', ');
}

/**
 * `p.col` for plain names, `p.source AS alias` for mappings: how the sat's final select renames the hashdiff. Like
 * AutomateDV it skips a column whose source name was already emitted (case-insensitive).
 */
export function aliasAll(columns: readonly ColumnRef[], prefix: string): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const c of columns) {
    const key = sourceName(c).toLowerCase();
    if (seen.has(key)) {
      if (!keepRepeats) continue;
      repeatedNames.push(sourceName(c));
    }
    seen.add(key);
    parts.push(isMapping(c) ? `${prefix}.${sourceName(c)} AS ${targetName(c)}` : `${prefix}.${sourceName(c)}`);
  }
  return parts.join(', ') + danglingSeparator(columns, columns.map(sourceName), ' , ');
}

/** `a.C1 = b.C1 AND a.C2 = b.C2` for a join between two prefixes. */
export function multikeyEquals(columns: string | readonly string[], left: string, right: string): string {
  return asList(columns)
    .map((c) => `${left}.${c.trim()} = ${right}.${c.trim()}`)
    .join(' AND ');
}

/** `p.C1 IS NOT NULL` for one column; one line per column joined with AND for a list. An empty prefix writes bare names. */
export function multikeyCondition(columns: string | readonly string[], prefix: string, condition: string): string {
  return asList(columns)
    .map((c) => `${prefix ? `${prefix}.` : ''}${c.trim()} ${condition}`)
    .join('\n    AND ');
}

export function asList(columns: string | readonly string[]): string[] {
  return typeof columns === 'string' ? [columns] : [...columns];
}

/** Jinja's `unique` filter: case-insensitive, the first spelling wins, order kept. */
export function uniqueCaseInsensitive(names: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  // An index loop: for-of allocates an iterator result per name until V8 optimizes the loop, which a check rarely waits for.
  for (let i = 0; i < names.length; i++) {
    const n = names[i] as string;
    const key = n.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(n);
  }
  return out;
}

/**
 * AutomateDV's process_columns_to_select: `columns` minus `excluded`, compared case-insensitively. Quirk kept on
 * purpose: an empty exclusion list selects nothing at all (spec §4.2).
 */
export function selectColumnsExcluding(columns: readonly string[], excluded: readonly string[]): string[] {
  if (columns.length === 0 || excluded.length === 0) return [];
  // Loops, not map/filter with a callback per name: a cold check calls this for every stage, mostly unoptimized.
  const drop = new Set<string>();
  for (let i = 0; i < excluded.length; i++) drop.add((excluded[i] as string).toUpperCase());
  const out: string[] = [];
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i] as string;
    if (!drop.has(c.toUpperCase())) out.push(c);
  }
  return out;
}

/** AutomateDV's escape_column_name: a single-quoted constant stays as it is; otherwise strip the escape chars and wrap. */
export function escapeColumnName(name: string, escapeChars: readonly [string, string]): string {
  if (name.length >= 2 && name.startsWith("'") && name.endsWith("'")) return name;
  const [left, right] = escapeChars;
  const bare = name.split(left).join('').split(right).join('').trim();
  return left + bare + right;
}

/**
 * The columns the catalog knows for `relation`; when it knows none, reports DV301 (information) with `message`, which
 * says what the macro compiles to instead and how to make the columns known, and returns undefined.
 */
export function knownColumnsOrReport(ctx: MacroContext, relation: Relation, message: string): ReturnType<MacroContext['columnsOf']> {
  const catalog = ctx.columnsOf(relation);
  if (catalog === undefined) ctx.report({ code: 'DV301', severity: 'information', message });
  return catalog;
}
