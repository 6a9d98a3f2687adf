// dbtvault 0.9.0 passes every column name of a vault macro through escape_column_names before it renders anything:
// the stage's names (stage.ts prints them so) and the column parameters of every table macro (here). Its PostgreSQL
// escape characters are empty, so by default a name is only trimmed; a project that sets escape_char_left/right gets
// every one of those names quoted, and the case it is written in then matters to PostgreSQL. 0.9.1 and later quote
// only what is asked, so nothing here applies to them.
import { AUTOMATE_DV_VERSIONS, behaviourAt } from '../../base/automate-dv-versions';
import { CompileError, type MacroContext } from '../context';
import { isDict, isList, isNone, type JDict, type JValue } from '../../jinja/values';
import { escapeColumnName } from './columns';
import { readEscapeChars } from './settings';
import type { BoundArguments, VaultMacroName } from './signatures';

/**
 * The column parameters each table macro of dbtvault 0.9.0 escapes before dispatching to its adapter's SQL (the
 * parameters not listed, such as source_model or xts' src_satellite, are passed on as written).
 */
const ESCAPED_PARAMETERS: Partial<Record<VaultMacroName, readonly string[]>> = {
  hub: ['src_pk', 'src_nk', 'src_extra_columns', 'src_ldts', 'src_source'],
  link: ['src_pk', 'src_fk', 'src_extra_columns', 'src_ldts', 'src_source'],
  sat: ['src_pk', 'src_hashdiff', 'src_payload', 'src_extra_columns', 'src_eff', 'src_ldts', 'src_source'],
  t_link: ['src_pk', 'src_fk', 'src_payload', 'src_extra_columns', 'src_eff', 'src_ldts', 'src_source'],
  eff_sat: ['src_pk', 'src_dfk', 'src_sfk', 'src_extra_columns', 'src_start_date', 'src_end_date', 'src_eff', 'src_ldts', 'src_source'],
  ma_sat: ['src_pk', 'src_cdk', 'src_hashdiff', 'src_payload', 'src_extra_columns', 'src_eff', 'src_ldts', 'src_source'],
  xts: ['src_pk', 'src_ldts', 'src_extra_columns', 'src_source'],
  pit: ['src_pk', 'src_ldts'],
  bridge: ['src_pk', 'src_ldts'],
};

/** The escape characters when the emulated release escapes every name (dbtvault 0.9.0); undefined for every other. */
export function everyNameEscapeChars(ctx: MacroContext): readonly [string, string] | undefined {
  if (!behaviourAt(AUTOMATE_DV_VERSIONS.quotesEveryIdentifier, ctx.compat.version)) return undefined;
  return readEscapeChars(ctx);
}

const NOT_A_STRING = 'Invalid column name(s) provided. Must be a string.';
const NOT_A_COLUMN = 'Invalid column name(s) provided. Must be a string, a list of strings, or a dictionary of hashdiff metadata.';

/**
 * escape_column_names of 0.9.0 on one parameter value: a name is escaped; a list is flattened one level (none items
 * dropped) and every item must then be a name; a {source_column, alias} mapping has both escaped. Anything else fails
 * as the package fails, with its message.
 */
export function escapeColumnValue(value: JValue, chars: readonly [string, string], where: string): JValue {
  if (isNone(value)) return value;
  if (typeof value === 'string') {
    if (value === '') throw new CompileError(`Expected a column name or a list of column names, got an empty string (${where})`, 'DV202');
    return escapeColumnName(value, chars);
  }
  if (isList(value)) {
    const flat: JValue[] = [];
    for (const item of value) {
      if (isNone(item)) continue;
      if (isList(item)) flat.push(...item);
      else flat.push(item);
    }
    return flat.map((item) => {
      if (typeof item !== 'string') throw new CompileError(`${NOT_A_STRING} (${where} holds ${describe(item)})`, 'DV202');
      return escapeColumnName(item, chars);
    });
  }
  if (isDict(value)) {
    const source = value.get('source_column');
    const alias = value.get('alias');
    if (typeof source === 'string' && source !== '' && typeof alias === 'string' && alias !== '') {
      const escaped: JDict = new Map(value);
      escaped.set('source_column', escapeColumnName(source, chars));
      escaped.set('alias', escapeColumnName(alias, chars));
      return escaped;
    }
    throw new CompileError(`${NOT_A_COLUMN} (${where} is a mapping without source_column and alias)`, 'DV202');
  }
  throw new CompileError(`${NOT_A_COLUMN} (${where} is ${describe(value)})`, 'DV202');
}

function describe(value: JValue): string {
  if (isDict(value)) return 'a mapping';
  if (isList(value)) return 'a list';
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `the boolean ${value}`;
  return 'a value that is not a column name';
}

/** The bound arguments as dbtvault 0.9.0 hands them to a table macro's SQL: every column parameter escaped. */
export function escapeEveryName(macro: VaultMacroName, args: BoundArguments, ctx: MacroContext): BoundArguments {
  const params = ESCAPED_PARAMETERS[macro];
  if (!params) return args;
  const chars = everyNameEscapeChars(ctx);
  if (!chars) return args;
  const escaped: BoundArguments = new Map(args);
  for (const name of params) {
    const value = args.get(name);
    if (value === undefined) continue;
    escaped.set(name, escapeColumnValue(value, chars, `${macro}() ${name}`));
  }
  return escaped;
}
