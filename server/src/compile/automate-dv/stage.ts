// AutomateDV's `stage` (spec §4): the SQL of each CTE from the configuration and the column lists of stage-columns.ts.
// The CTE chain itself lives in templates/automate-dv/stage.sql.
import type { MacroContext } from '../context';
import type { Relation } from '../../base/relation';
import { AUTOMATE_DV_VERSIONS, behaviourAt } from '../../base/automate-dv-versions';
import { escapeColumnName } from './columns';
import { asConstant, type Reporter } from './constants';
import { hashExpression } from './hashing';
import { resolvedHashColumns, stageColumnLists } from './stage-columns';
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
  report: Reporter;
}

const LIST_SEPARATOR = ',\n    ';

function derivedSql(spec: DerivedSpec, escapeChars: readonly [string, string], report: Reporter, concat: 'concat-ws' | 'concat'): string {
  const item = (x: string): string => {
    const sql = asConstant(x, report, `derived column ${spec.name}`);
    return spec.escape ? escapeColumnName(sql, escapeChars) : sql;
  };
  if (spec.form === 'expression') return `${item(spec.items[0] as string)} AS ${spec.name}`;
  // CONCAT skips a NULL part but keeps the separators around it, and an all-NULL list gives the separators alone
  // (never NULL): other text, so other hash bytes, than CONCAT_WS for the same row.
  if (concat === 'concat') return `CONCAT(\n        ${spec.items.map(item).join(", '||',\n        ")}\n    ) AS ${spec.name}`;
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
    ? [...passThrough(lists.derivedPassThrough), ...config.derived.map((d) => derivedSql(d, inputs.escapeChars, inputs.report, inputs.concat ?? 'concat-ws'))]
    : undefined;

  const nulls = config.nulls
    ? [
        ...passThrough(lists.nullPassThrough),
        ...nullReplacements(config.nulls.required, inputs.nullKeys.required),
        ...nullReplacements(config.nulls.optional, inputs.nullKeys.optional),
      ]
    : undefined;

  // Hash expressions are separated by a blank line, as AutomateDV prints them.
  const hashed = config.hashed
    ? [
        passThrough(lists.hashedPassThrough).join(LIST_SEPARATOR),
        config.hashed.map((h) => hashedSql(h, lists.source, known, escapeList, inputs)).join(',\n\n    '),
      ].filter((part) => part !== '')
    : undefined;

  const ranked = config.ranked
    ?.filter((r) => r.window)
    .map((r) => `${r.window!.dense ? 'DENSE_RANK()' : 'RANK()'} OVER (PARTITION BY ${r.window!.partitionBy} ORDER BY ${r.window!.orderBy}) AS ${r.name}`);

  // With unknown source columns the source passes through with *. Otherwise the list is printed as computed, even
  // when empty: include_source_columns=false with nothing configured is a zero-column view in AutomateDV too.
  const finalNames = known || !config.includeSourceColumns ? print(lists.final) : ['*'];
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

function nullReplacements(columns: readonly string[], replacement: string): string[] {
  return columns.flatMap((c) => [`${c} AS ${c}_ORIGINAL`, `COALESCE(${c}, ${sqlString(replacement)}) AS ${c}`]);
}

function hashedSql(spec: HashedSpec, sourceColumns: readonly string[], known: boolean, escape: readonly string[], inputs: StageRenderInputs): string {
  if (!known && !(typeof spec.columns === 'string' || Array.isArray(spec.columns))) {
    inputs.report({
      code: 'DV301',
      severity: 'information',
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
      severity: 'information',
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
    concat: behaviourAt(AUTOMATE_DV_VERSIONS.stageDerivedConcat, ctx.compat.version),
    report,
  });
  return renderMacroTemplate('stage', variables);
}
