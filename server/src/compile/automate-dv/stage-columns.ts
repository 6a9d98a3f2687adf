// The stage's column bookkeeping (spec §4.2) with its quirks, and the columns a stage produces with their origin
// (the language server's completion and rules use these). No SQL here: stage.ts builds that.
import type { ColumnInfo } from '../context';
import { selectColumnsExcluding, uniqueCaseInsensitive } from './columns';
import { sortHashdiffColumns } from './hashing';
import { readStageConfig, type HashedSpec, type StageConfig } from './stage-config';
import type { BoundArguments } from './signatures';

/** The column lists of §4.2, computed from the configuration and the source's catalog columns. */
export interface StageColumnLists {
  /** S: the source's columns in catalog order; empty when unknown. */
  source: string[];
  derived: string[];
  nulls: string[];
  hashed: string[];
  /** Ranked names whose spec AutomateDV can render (skipped specs are left out, see DV507). */
  ranked: string[];
  /** S minus D, the pass-through of the derived CTE. */
  derivedPassThrough: string[];
  /** unique(S + D) minus (N + H), the pass-through of the null CTE. */
  nullPassThrough: string[];
  /** unique(unique(S + D) + N) minus H, the pass-through of the hashed CTE. */
  hashedPassThrough: string[];
  /** The columns_to_select list. */
  final: string[];
}

export function stageColumnLists(config: StageConfig, sourceColumns: readonly string[]): StageColumnLists {
  const S = [...sourceColumns];
  const D = config.derived?.map((d) => d.name) ?? [];
  const N = config.nulls?.names ?? [];
  const H = config.hashed?.map((h) => h.name) ?? [];
  const R = config.ranked?.filter((r) => r.window).map((r) => r.name) ?? [];
  const SD = uniqueCaseInsensitive([...S, ...D]);
  const derivedNames = new Set(D.map((d) => d.toLowerCase()));
  const nothingConfigured = !config.derived && !config.nulls && !config.hashed && !config.ranked;
  const final: string[] = [];
  if (config.includeSourceColumns) final.push(...(nothingConfigured ? S : selectColumnsExcluding(S, [...D, ...N, ...H])));
  if (config.derived) final.push(...D);
  if (config.nulls) final.push(...N);
  if (config.hashed) final.push(...H);
  if (config.ranked) final.push(...R);
  return {
    source: S,
    derived: D,
    nulls: N,
    hashed: H,
    ranked: R,
    derivedPassThrough: S.filter((c) => !derivedNames.has(c.toLowerCase())),
    nullPassThrough: uniqueCaseInsensitive(selectColumnsExcluding(SD, [...N, ...H])),
    hashedPassThrough: uniqueCaseInsensitive(selectColumnsExcluding([...SD, ...N], H)),
    final: uniqueCaseInsensitive(final),
  };
}

export type StageColumnOrigin = 'source' | 'derived' | 'null' | 'null-original' | 'hashed' | 'ranked';

export interface StageColumn {
  name: string;
  origin: StageColumnOrigin;
  /** The catalog type of a source column passed through unchanged. */
  dataType?: string;
  /** The derived expression as written (items joined with ', ' for a concatenation). */
  expression?: string;
  /** For hashed columns: what is hashed, in hashing order (hashdiffs sorted), and how. */
  hash?: { columns: string[]; isHashdiff: boolean; single: boolean };
}

/** The columns a stage produces, with their origin: the later CTE that defines a name wins. */
export function stageOutputColumns(params: BoundArguments, sourceColumns: readonly ColumnInfo[] | undefined): StageColumn[] {
  let config: StageConfig;
  try {
    config = readStageConfig(params, () => undefined);
  } catch {
    return (sourceColumns ?? []).map((c) => ({ name: c.name, origin: 'source', dataType: c.dataType }));
  }
  const names = (sourceColumns ?? []).map((c) => c.name);
  const lists = stageColumnLists(config, names);
  const describe = stageColumnDescriber(config, sourceColumns ?? [], lists);
  return lists.final.map(describe);
}

/**
 * Describes a stage column by its lower-cased name: the first ranked, hashed, null, derived or source entry of that
 * name, looked up in maps made once per stage (a scan of every list per column made a wide stage quadratic).
 */
function stageColumnDescriber(config: StageConfig, source: readonly ColumnInfo[], lists: StageColumnLists): (name: string) => StageColumn {
  const firstByName = <T>(items: readonly T[] | undefined, nameOf: (item: T) => string): Map<string, T> => {
    const map = new Map<string, T>();
    for (const item of items ?? []) {
      const k = nameOf(item).toLowerCase();
      if (!map.has(k)) map.set(k, item);
    }
    return map;
  };
  const ranked = new Set(lists.ranked.map((n) => n.toLowerCase()));
  const hashed = firstByName(config.hashed, (h) => h.name);
  const nulls = config.nulls;
  const nullNames = new Set(nulls ? [...nulls.required, ...nulls.optional].map((n) => n.toLowerCase()) : []);
  const nullOriginals = new Set(lists.nulls.map((n) => n.toLowerCase()));
  const derived = firstByName(config.derived, (d) => d.name);
  const columns = firstByName(source, (c) => c.name);
  return (name) => {
    const key = name.toLowerCase();
    if (ranked.has(key)) return { name, origin: 'ranked' };
    const hash = hashed.get(key);
    if (hash) return { name, origin: 'hashed', hash: describeHash(hash, lists.source) };
    if (nulls && nullNames.has(key)) return { name, origin: 'null' };
    if (nulls && nullOriginals.has(key)) return { name, origin: 'null-original' };
    const d = derived.get(key);
    if (d) return { name, origin: 'derived', expression: d.items.join(', ') };
    const column = columns.get(key);
    return column ? { name, origin: 'source', dataType: column.dataType } : { name, origin: 'source' };
  };
}

/** The columns a hashed spec hashes; exclude_columns resolves against the source columns. */
export function resolvedHashColumns(spec: HashedSpec, sourceColumns: readonly string[]): string | string[] {
  if (typeof spec.columns === 'string' || Array.isArray(spec.columns)) return spec.columns;
  const except = spec.columns.except;
  return except.length > 0 ? selectColumnsExcluding(sourceColumns, except) : [...sourceColumns];
}

function describeHash(spec: HashedSpec, sourceColumns: readonly string[]): NonNullable<StageColumn['hash']> {
  const columns = resolvedHashColumns(spec, sourceColumns);
  if (typeof columns === 'string') return { columns: [columns], isHashdiff: spec.isHashdiff, single: true };
  return { columns: spec.isHashdiff ? sortHashdiffColumns(columns) : columns, isHashdiff: spec.isHashdiff, single: false };
}
