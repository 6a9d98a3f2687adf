// The AutomateDV-compatible compiler's entry points: the callables the model renderer registers under the
// `automate_dv` and `dbtvault` namespaces, compileMacro for tests and tools, and the building blocks other parts reuse.
import { CompileError, type MacroContext } from '../context';
import { callable, isList, isNone, truthy, type JCallable, type JValue } from '../../jinja/values';
import { readHashSettings } from './settings';
import { AUTOMATE_DV_VERSIONS, behaviourAt } from '../../base/automate-dv-versions';
import { hashExpression } from './hashing';
import { checkHashMacro, checkMacroExists, MACRO_COMPILERS } from './registry';
import { bindArguments, isVaultMacroName, MACRO_SIGNATURES } from './signatures';
import { escapeEveryName, everyNameEscapeChars } from './escape-every-name';
import { escapeColumnName, printingEveryColumn } from './columns';
import { isExpression } from './constants';

export { MACRO_SIGNATURES, bindArguments, missingRequiredParameters, isVaultMacroName, signatureFor, isBeforeExtraColumns } from './signatures';
export type { MacroSignature, ParamSpec, ParamKind, VaultMacroName, BoundArguments, BindOptions } from './signatures';
export { hashExpression, sortHashdiffColumns, standardise, applyHashAlgorithm } from './hashing';
export type { HashOptions } from './hashing';
export { stageOutputColumns, stageColumnLists, resolvedHashColumns } from './stage-columns';
export type { StageColumn, StageColumnOrigin, StageColumnLists } from './stage-columns';
export { readStageConfig, columnsToEscape } from './stage-config';
export type { StageConfig } from './stage-config';
export {
  expandColumnList,
  prefixColumns,
  aliasAll,
  multikeyEquals,
  multikeyCondition,
  uniqueCaseInsensitive,
  selectColumnsExcluding,
  escapeColumnName,
} from './columns';
export type { ColumnRef, ColumnMapping } from './columns';
export { asConstant } from './constants';
export { castDateColumn, castDateLiteral, castDatetimeLiteral, castBinaryLiteral } from './casting';
export { ghostSelectList, catalogTypeName } from './ghost';
export { readPayload } from './payload';
export { readLoadContext, versionAtLeast, GENERATED_BY } from './load-context';
export { DEFAULT_HASH_SETTINGS, readHashSettings, readEscapeChars, readNullKeys, readGhostSettings, readMaxDatetime } from './settings';
export type { HashSettings, HashAlgorithm } from './settings';
export { MACRO_COMPILERS } from './registry';
export { periodFilter, rankFilter, applyPeriodFilter, applyRankFilter, PERIOD_PLACEHOLDER, RANK_PLACEHOLDER } from './vault-insert';
export type { PeriodFilterOptions } from './vault-insert';
export { readXtsSatellites } from './xts';
export type { XtsSatellite } from './xts';
export { readBridgeWalk } from './bridge';
export type { BridgeStep } from './bridge';
export type { MacroCompiler } from './registry';

/** Compiles one AutomateDV macro call to SQL, or fails with a CompileError carrying its DV code. */
export function compileMacro(name: string, args: JValue[], kwargs: Map<string, JValue>, ctx: MacroContext): string {
  if (!isVaultMacroName(name)) {
    throw new CompileError(`'${name}' is not an AutomateDV macro; known macros: ${Object.keys(MACRO_SIGNATURES).join(', ')}`, 'DV204');
  }
  const compiler = MACRO_COMPILERS[name];
  if (!compiler) {
    throw new CompileError(`automate_dv.${name} is not compiled by Data Vault Studio yet; its SQL cannot be previewed or loaded.`, 'DV200');
  }
  checkMacroExists(name, ctx);
  const bound = bindArguments(name, args, kwargs, { where: ctx.self.render(), version: ctx.compat.version });
  const keepRepeats = behaviourAt(AUTOMATE_DV_VERSIONS.columnListRepeats, ctx.compat.version) === 'printed';
  // nh_link and t_link list a repeated column once on purpose and say so (DV511): no dangling comma there.
  const repairs = name === 'nh_link' || name === 't_link';
  const { result, repeated, dangling } = printingEveryColumn({ keepRepeats, keepDangling: !repairs }, () =>
    compiler(escapeEveryName(name, bound, ctx), ctx),
  );
  if (dangling.length > 0) {
    ctx.report({
      code: 'DV513',
      severity: 'error',
      message:
        `${dangling.join(', ')} is the last column of one of ${name}'s column lists and repeats an earlier one: AutomateDV ` +
        'skips it but keeps the comma before it, so its SQL has a comma before FROM and PostgreSQL rejects it. Name ' +
        'each column once (leave it out of src_extra_columns or the payload, say).',
    });
  }
  if (repeated.length > 0) {
    ctx.report({
      code: 'DV513',
      severity: 'error',
      message:
        `dbtvault ${ctx.compat.version} prints every column of ${name}'s metadata, so ${repeated.join(', ')}, named twice, ` +
        'is selected twice and PostgreSQL rejects the SQL (an ambiguous column, or one specified more than once). Name ' +
        'each column once (a different src_eff, say), or upgrade to dbtvault 0.9.1 or later, which prints a repeated name once.',
    });
  }
  return result;
}

/** automate_dv.hash(columns, alias, is_hashdiff): the hash expression with its alias, as models sometimes call it. */
function hashCallable(ctx: MacroContext): JCallable {
  return callable('hash', (args, kwargs) => {
    const columns = kwargs.get('columns') ?? args[0] ?? null;
    const alias = kwargs.get('alias') ?? args[1] ?? null;
    const isHashdiff = truthy(kwargs.get('is_hashdiff') ?? args[2] ?? false);
    if (typeof columns !== 'string' && !(isList(columns) && columns.every((c) => typeof c === 'string'))) {
      throw new CompileError('automate_dv.hash: columns must be a column name or a list of column names', 'DV202');
    }
    checkHashMacro(ctx);
    // dbtvault 0.9.0 escapes every hashed column that is not an expression, and the alias.
    const everyName = everyNameEscapeChars(ctx);
    const names = typeof columns === 'string' ? [columns] : (columns as string[]);
    const escape = everyName ? { columnsToEscape: names.filter((c) => !isExpression(c)), escapeChars: everyName } : {};
    const expression = hashExpression(columns as string | string[], { ...readHashSettings(ctx), isHashdiff, ...escape, report: (d) => ctx.report(d) });
    if (isNone(alias)) return expression;
    return `${expression} AS ${everyName ? escapeColumnName(String(alias), everyName) : String(alias)}`;
  });
}

/**
 * The callables to register under both `automate_dv` and `dbtvault`: every table macro with a compiler, plus hash.
 * Each binds its arguments, validates their types and returns the SQL text.
 */
export function automateDvMacros(ctx: MacroContext): Map<string, JCallable> {
  const macros = new Map<string, JCallable>();
  for (const name of Object.keys(MACRO_COMPILERS)) {
    macros.set(name, callable(name, (args, kwargs) => compileMacro(name, args, kwargs, ctx)));
  }
  macros.set('hash', hashCallable(ctx));
  return macros;
}
