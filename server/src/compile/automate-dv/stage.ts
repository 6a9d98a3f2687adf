// AutomateDV's `stage` (spec §4): the SQL of each CTE from the configuration and the column lists of stage-columns.ts.
// The CTE chain itself lives in templates/automate-dv/stage.sql.
import type { MacroContext } from '../context';
import type { Relation } from '../../base/relation';
import { AUTOMATE_DV_VERSIONS, behaviourAt } from '../../base/automate-dv-versions';
import { escapeColumnName, knownColumnsOrReport } from './columns';
import { asConstant, isExpression, type Reporter } from './constants';
import { everyNameEscapeChars } from './escape-every-name';
import { hashExpression } from './hashing';
import { resolvedHashColumns, stageColumnLists, type StageColumnLists } from './stage-columns';
import { DEFAULT_HASH_SETTINGS, readEscapeChars, readHashSettings, readNullKeys, type HashSettings } from './settings';
import { columnsToEscape, readStageConfig, type DerivedSpec, type HashedSpec, type StageConfig } from './stage-config';
import type { BoundArguments } from './signatures';
import { renderMacroTemplate } from './templates';

/** Everything the SQL of one stage needs beyond the configuration. */
interface StageRenderInputs {
  relation: Relation;
  /** Catalog column names; undefined when unknown (the SQL then passes columns through with *). */
  sourceColumns: string[] | undefined;
  hash: HashSettings;
  nullKeys: { required: string; optional: string };
  escapeChars: readonly [string, string];
  /** How a derived list is concatenated: CONCAT_WS, or 0.9.1–0.10.2's CONCAT with the separator between the parts. */
  concat?: 'concat-ws' | 'concat';
  /**
   * dbtvault 0.9.0 escapes every name it prints with these characters (empty unless the project sets them), and prints
   * the names of its column lists upper-cased; undefined for every later release.
   */
  everyName?: readonly [string, string];
  report: Reporter;
}

const LIST_SEPARATOR = ',\n    ';

function derivedSql(
  spec: DerivedSpec,
  escapeChars: readonly [string, string],
  report: Reporter,
  concat: 'concat-ws' | 'concat',
  name: (n: string) => string,
): string {
  const item = (x: string): string => {
    const sql = asConstant(x, report, `derived column ${spec.name}`);
    return spec.escape ? escapeColumnName(sql, escapeChars) : sql;
  };
  const alias = name(spec.name);
  if (spec.form === 'expression') return `${item(spec.items[0] as string)} AS ${alias}`;
  // CONCAT skips a NULL part but keeps the separators around it, and an all-NULL list gives the separators alone
  // (never NULL): other text, so other hash bytes, than CONCAT_WS for the same row.
  if (concat === 'concat') return `CONCAT(\n        ${spec.items.map(item).join(", '||',\n        ")}\n    ) AS ${alias}`;
  return `CONCAT_WS('||',\n        ${spec.items.map(item).join(',\n        ')}\n    ) AS ${alias}`;
}

function sqlString(text: string): string {
  return "'" + text.replace(/'/g, "''") + "'";
}

/** The SQL pieces of each CTE, as strings the template prints. */
export function stageTemplateVariables(config: StageConfig, inputs: StageRenderInputs): Record<string, unknown> {
  const known = inputs.sourceColumns !== undefined;
  const lists = stageColumnLists(config, inputs.sourceColumns ?? []);
  const everyName = inputs.everyName;
  // dbtvault 0.9.0 escapes every name; later releases only the names marked for escaping (spec §4.6).
  const escapeList = everyName ? [] : columnsToEscape(config.derived, inputs.escapeChars);
  const escapeLower = new Set(escapeList.map((n) => n.toLowerCase()));
  const name = (n: string): string =>
    everyName ? escapeColumnName(n, everyName) : escapeLower.has(n.toLowerCase()) ? escapeColumnName(n, inputs.escapeChars) : n;
  const print = (names: readonly string[]): string[] => names.map(name);
  // 0.9.0 builds the pass-through lists of the null and hashed CTEs, and the final list, from upper-cased names.
  const upper = (names: readonly string[]): string[] => (everyName ? names.map((n) => n.toUpperCase()) : [...names]);
  const passThrough = (names: readonly string[]): string[] => (known ? print(names) : ['*']);

  const derived = config.derived
    ? [
        ...passThrough(lists.derivedPassThrough),
        ...config.derived.map((d) => derivedSql(d, everyName ?? inputs.escapeChars, inputs.report, inputs.concat ?? 'concat-ws', name)),
      ]
    : undefined;

  const nulls = config.nulls
    ? [
        ...passThrough(upper(lists.nullPassThrough)),
        ...nullReplacements(config.nulls.required, inputs.nullKeys.required, name),
        ...nullReplacements(config.nulls.optional, inputs.nullKeys.optional, name),
      ]
    : undefined;

  // Hash expressions are separated by a blank line, as AutomateDV prints them.
  const hashed = config.hashed
    ? [
        passThrough(upper(lists.hashedPassThrough)).join(LIST_SEPARATOR),
        config.hashed.map((h) => hashedSql(h, lists.source, known, escapeList, inputs, name)).join(',\n\n    '),
      ].filter((part) => part !== '')
    : undefined;

  const ranked = config.ranked
    ?.filter((r) => r.window)
    .map((r) => {
      const w = r.window!;
      const partitionBy = everyName ? w.partitionColumns.map(name).join(', ') : w.partitionBy;
      const orderBy = everyName ? w.orderColumns.map((o) => `${name(o.column)} ${o.direction}`.trim()).join(', ') : w.orderBy;
      return `${w.dense ? 'DENSE_RANK()' : 'RANK()'} OVER (PARTITION BY ${partitionBy} ORDER BY ${orderBy}) AS ${name(r.name)}`;
    });

  // With unknown source columns the source passes through with *. Otherwise the list is printed as computed, even
  // when empty: include_source_columns=false with nothing configured is a zero-column view in AutomateDV too. 0.9.0
  // keeps the source's own spelling only when nothing is configured (the source columns are then the whole list).
  const nothingConfigured = !config.derived && !config.nulls && !config.hashed && !config.ranked;
  const finalList = nothingConfigured ? lists.final : upper(lists.final);
  const finalNames = known || !config.includeSourceColumns ? print(finalList) : ['*'];
  if (known && everyName && everyName.join('') !== '') reportCaseMismatch(config, lists, everyName, inputs.report);
  return {
    source_relation: inputs.relation.render(),
    source_columns: known && lists.source.length > 0 ? print(lists.source).join(LIST_SEPARATOR) : '*',
    derived_columns: derived?.join(LIST_SEPARATOR) ?? '',
    null_columns: nulls?.join(LIST_SEPARATOR) ?? '',
    hashed_columns: hashed?.join(LIST_SEPARATOR) ?? '',
    ranked_columns: ranked && ranked.length > 0 ? ranked.join(LIST_SEPARATOR) : '',
    final_columns: finalNames.join(LIST_SEPARATOR),
  };
}

/**
 * dbtvault 0.9.0 with escape characters quotes every name, and after the CTE that defines a column it refers to it
 * upper-cased ("CUSTOMER_ID"). A column defined in another case (a lower-case source column, a mixed-case derived
 * name) is then not found and PostgreSQL rejects the view, as it does under dbt: an error naming the columns. The
 * spelling of each column is followed through the CTEs as 0.9.0 prints them.
 */
function reportCaseMismatch(config: StageConfig, lists: StageColumnLists, chars: readonly [string, string], report: Reporter): void {
  let spelling = new Map<string, string>();
  const define = (names: readonly string[]): void => names.forEach((n) => spelling.set(n.toUpperCase(), n));
  const mismatched: string[] = [];
  const selectUpper = (names: readonly string[]): string[] => {
    const out = names.map((n) => n.toUpperCase());
    for (const n of out) {
      const actual = spelling.get(n);
      if (actual !== undefined && actual !== n && !mismatched.includes(actual)) mismatched.push(actual);
    }
    return out;
  };
  define(lists.source);
  if (config.derived) define(lists.derived);
  if (config.nulls) {
    const passed = selectUpper(lists.nullPassThrough);
    spelling = new Map();
    define(passed);
    define(lists.nulls);
  }
  if (config.hashed) {
    const passed = selectUpper(lists.hashedPassThrough);
    spelling = new Map();
    define(passed);
    define(lists.hashed);
  }
  if (config.ranked) define(lists.ranked);
  if (config.derived || config.nulls || config.hashed || config.ranked) selectUpper(lists.final);
  if (mismatched.length === 0) return;
  const [left, right] = chars;
  const first = mismatched[0] as string;
  const one = mismatched.length === 1;
  report({
    code: 'DV513',
    severity: 'error',
    message:
      `dbtvault 0.9.0 with escape_char_left/right set quotes every stage column and selects it upper-cased after the ` +
      `CTE that defines it (${left}${first.toUpperCase()}${right}), but ${mismatched.join(', ')} ${one ? 'is' : 'are'} ` +
      `spelled in another case there, so PostgreSQL does not find ${one ? 'it' : 'them'} and the view fails. Name the ` +
      'columns in upper case, unset the escape_char vars, or upgrade to dbtvault 0.9.1 or later, which quotes only ' +
      'the names marked for escaping.',
  });
}

function nullReplacements(columns: readonly string[], replacement: string, name: (n: string) => string): string[] {
  return columns.flatMap((c) => [`${name(c)} AS ${name(`${c}_ORIGINAL`)}`, `COALESCE(${name(c)}, ${sqlString(replacement)}) AS ${name(c)}`]);
}

function hashedSql(
  spec: HashedSpec,
  sourceColumns: readonly string[],
  known: boolean,
  escape: readonly string[],
  inputs: StageRenderInputs,
  name: (n: string) => string,
): string {
  if (!known && !(typeof spec.columns === 'string' || Array.isArray(spec.columns))) {
    inputs.report({
      code: 'DV301',
      severity: 'information',
      message: `${spec.name} hashes the source's columns (exclude_columns), which are unknown; it is NULL until they are known.`,
    });
    return `CAST(NULL AS BYTEA) AS ${name(spec.name)}`;
  }
  const columns = resolvedHashColumns(spec, sourceColumns);
  // 0.9.0 escapes every hashed column that is not an expression (a constant, a call or a cast).
  const everyName = inputs.everyName;
  const escaped = everyName ? (typeof columns === 'string' ? [columns] : columns).filter((c) => !isExpression(c)) : escape;
  const expression = hashExpression(columns, {
    ...inputs.hash,
    isHashdiff: spec.isHashdiff,
    columnsToEscape: escaped,
    escapeChars: everyName ?? inputs.escapeChars,
    report: inputs.report,
  });
  return `${expression} AS ${name(spec.name)}`;
}

function stageRelation(config: StageConfig, ctx: MacroContext): Relation {
  return config.source.kind === 'ref' ? ctx.ref(config.source.model) : ctx.source(config.source.sourceName, config.source.table);
}

/** Compiles a bound stage call to its SQL. */
export function compileStage(args: BoundArguments, ctx: MacroContext): string {
  const report: Reporter = (d) => ctx.report(d);
  const config = readStageConfig(args, report);
  const relation = stageRelation(config, ctx);
  const catalog = knownColumnsOrReport(
    ctx,
    relation,
    `The columns of ${relation.render()} are unknown, so the stage passes them through with * and cannot list, exclude ` +
      'or override them. Declare the columns in the sources yml (columns:) or connect a target so they can be read.',
  );
  const variables = stageTemplateVariables(config, {
    relation,
    sourceColumns: catalog?.map((c) => c.name),
    hash: config.hashed ? readHashSettings(ctx) : DEFAULT_HASH_SETTINGS,
    nullKeys: readNullKeys(ctx),
    escapeChars: readEscapeChars(ctx),
    concat: behaviourAt(AUTOMATE_DV_VERSIONS.stageDerivedConcat, ctx.compat.version),
    everyName: everyNameEscapeChars(ctx),
    report,
  });
  return renderMacroTemplate('stage', variables);
}
