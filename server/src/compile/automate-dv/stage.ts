// AutomateDV's `stage` (spec §4): the column bookkeeping of §4.2 with its quirks, the SQL lists of each CTE, and
// the columns the stage produces (for the language server). The CTE chain itself lives in templates/automate-dv/stage.sql.
import type { ColumnInfo, MacroContext } from '../context';
import type { Relation } from '../../base/relation';
import { escapeColumnName, selectColumnsExcluding, uniqueCaseInsensitive } from './columns';
import { asConstant, type Reporter } from './constants';
import { hashExpression, sortHashdiffColumns } from './hashing';
import { DEFAULT_HASH_SETTINGS, readEscapeChars, readHashSettings, readNullKeys, type HashSettings } from './settings';
import { columnsToEscape, readStageConfig, type DerivedSpec, type HashedSpec, type StageConfig } from './stage-config';
import type { BoundArguments } from './signatures';
import { renderMacroTemplate } from './templates';

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
  const out: StageColumn[] = [];
  for (const name of lists.final) out.push(describeStageColumn(name, config, sourceColumns ?? [], lists));
  return out;
}

function describeStageColumn(name: string, config: StageConfig, source: readonly ColumnInfo[], lists: StageColumnLists): StageColumn {
  const is = (n: string) => n.toLowerCase() === name.toLowerCase();
  if (lists.ranked.some(is)) return { name, origin: 'ranked' };
  const hashed = config.hashed?.find((h) => is(h.name));
  if (hashed) return { name, origin: 'hashed', hash: describeHash(hashed, lists.source) };
  const nulls = config.nulls;
  if (nulls && [...nulls.required, ...nulls.optional].some(is)) return { name, origin: 'null' };
  if (nulls && lists.nulls.some(is)) return { name, origin: 'null-original' };
  const derived = config.derived?.find((d) => is(d.name));
  if (derived) return { name, origin: 'derived', expression: derived.items.join(', ') };
  const column = source.find((c) => is(c.name));
  return column ? { name, origin: 'source', dataType: column.dataType } : { name, origin: 'source' };
}

function resolvedHashColumns(spec: HashedSpec, sourceColumns: readonly string[]): string | string[] {
  if (typeof spec.columns === 'string' || Array.isArray(spec.columns)) return spec.columns;
  const except = spec.columns.except;
  return except.length > 0 ? selectColumnsExcluding(sourceColumns, except) : [...sourceColumns];
}

function describeHash(spec: HashedSpec, sourceColumns: readonly string[]): NonNullable<StageColumn['hash']> {
  const columns = resolvedHashColumns(spec, sourceColumns);
  if (typeof columns === 'string') return { columns: [columns], isHashdiff: spec.isHashdiff, single: true };
  return { columns: spec.isHashdiff ? sortHashdiffColumns(columns) : columns, isHashdiff: spec.isHashdiff, single: false };
}

/** Everything the SQL of one stage needs beyond the configuration. */
interface StageRenderInputs {
  relation: Relation;
  /** Catalog column names; undefined when unknown (the SQL then passes columns through with *). */
  sourceColumns: string[] | undefined;
  hash: HashSettings;
  nullKeys: { required: string; optional: string };
  escapeChars: readonly [string, string];
  report: Reporter;
}

const LIST_SEPARATOR = ',\n    ';

function derivedSql(spec: DerivedSpec, escapeChars: readonly [string, string], report: Reporter): string {
  const item = (x: string): string => {
    const sql = asConstant(x, report, `derived column ${spec.name}`);
    return spec.escape ? escapeColumnName(sql, escapeChars) : sql;
  };
  if (spec.form === 'expression') return `${item(spec.items[0] as string)} AS ${spec.name}`;
  return `CONCAT_WS('||',\n        ${spec.items.map(item).join(',\n        ')}\n    ) AS ${spec.name}`;
}

function sqlString(text: string): string {
  return "'" + text.replace(/'/g, "''") + "'";
}

/** The SQL pieces of each CTE, as strings the template prints. */
export function stageTemplateVariables(config: StageConfig, inputs: StageRenderInputs): Record<string, unknown> {
  const known = inputs.sourceColumns !== undefined;
  const lists = stageColumnLists(config, inputs.sourceColumns ?? []);
  const escapeList = columnsToEscape(config.derived, inputs.escapeChars);
  const escapeLower = new Set(escapeList.map((n) => n.toLowerCase()));
  const print = (names: readonly string[]): string[] =>
    names.map((n) => (escapeLower.has(n.toLowerCase()) ? escapeColumnName(n, inputs.escapeChars) : n));
  const passThrough = (names: readonly string[]): string[] => (known ? print(names) : ['*']);

  const derived = config.derived
    ? [...passThrough(lists.derivedPassThrough), ...config.derived.map((d) => derivedSql(d, inputs.escapeChars, inputs.report))]
    : undefined;

  const nulls = config.nulls
    ? [
        ...passThrough(lists.nullPassThrough),
        ...nullReplacements(config.nulls.required, inputs.nullKeys.required),
        ...nullReplacements(config.nulls.optional, inputs.nullKeys.optional),
      ]
    : undefined;

  const hashed = config.hashed
    ? [...passThrough(lists.hashedPassThrough), ...config.hashed.map((h) => hashedSql(h, lists.source, known, escapeList, inputs))]
    : undefined;

  const ranked = config.ranked
    ?.filter((r) => r.window)
    .map((r) => `${r.window!.dense ? 'DENSE_RANK()' : 'RANK()'} OVER (PARTITION BY ${r.window!.partitionBy} ORDER BY ${r.window!.orderBy}) AS ${r.name}`);

  const finalNames = known || !config.includeSourceColumns ? print(lists.final) : ['*'];
  return {
    source_relation: inputs.relation.render(),
    source_columns: known && lists.source.length > 0 ? print(lists.source).join(LIST_SEPARATOR) : '*',
    derived_columns: derived?.join(LIST_SEPARATOR) ?? '',
    null_columns: nulls?.join(LIST_SEPARATOR) ?? '',
    hashed_columns: hashed?.join(',\n\n    ') ?? '',
    ranked_columns: ranked && ranked.length > 0 ? ranked.join(LIST_SEPARATOR) : '',
    final_columns: finalNames.length > 0 ? finalNames.join(LIST_SEPARATOR) : '*',
  };
}

function nullReplacements(columns: readonly string[], replacement: string): string[] {
  return columns.flatMap((c) => [`${c} AS ${c}_ORIGINAL`, `COALESCE(${c}, ${sqlString(replacement)}) AS ${c}`]);
}

function hashedSql(spec: HashedSpec, sourceColumns: readonly string[], known: boolean, escape: readonly string[], inputs: StageRenderInputs): string {
  if (!known && !(typeof spec.columns === 'string' || Array.isArray(spec.columns))) {
    inputs.report({
      code: 'DV301',
      severity: 'warning',
      message: `${spec.name} hashes the source's columns (exclude_columns), which are unknown; it is NULL until they are known.`,
    });
    return `CAST(NULL AS BYTEA) AS ${spec.name}`;
  }
  const columns = resolvedHashColumns(spec, sourceColumns);
  const expression = hashExpression(columns, {
    ...inputs.hash,
    isHashdiff: spec.isHashdiff,
    columnsToEscape: escape,
    escapeChars: inputs.escapeChars,
    report: inputs.report,
  });
  return `${expression} AS ${spec.name}`;
}

function stageRelation(config: StageConfig, ctx: MacroContext): Relation {
  return config.source.kind === 'ref' ? ctx.ref(config.source.model) : ctx.source(config.source.sourceName, config.source.table);
}

/** Compiles a bound stage call to its SQL. */
export function compileStage(args: BoundArguments, ctx: MacroContext): string {
  const report: Reporter = (d) => ctx.report(d);
  const config = readStageConfig(args, report);
  const relation = stageRelation(config, ctx);
  const catalog = ctx.columnsOf(relation);
  if (catalog === undefined) {
    ctx.report({
      code: 'DV301',
      severity: 'warning',
      message:
        `The columns of ${relation.render()} are unknown, so the stage passes them through with * and cannot list, exclude ` +
        'or override them. Declare the columns in the sources yml (columns:) or connect a target so they can be read.',
    });
  }
  const variables = stageTemplateVariables(config, {
    relation,
    sourceColumns: catalog?.map((c) => c.name),
    hash: config.hashed ? readHashSettings(ctx) : DEFAULT_HASH_SETTINGS,
    nullKeys: readNullKeys(ctx),
    escapeChars: readEscapeChars(ctx),
    report,
  });
  return renderMacroTemplate('stage', variables);
}
