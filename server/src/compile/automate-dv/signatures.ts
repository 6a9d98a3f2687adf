// Every AutomateDV macro's signature as 0.11.x defines it: positional order, required parameters and the kind of value
// each takes, read from the one descriptor table (base/automate-dv-macros.ts). The compiler binds calls with it; the
// model parser and the language server use it too.
import { CompileError } from '../context';
import { isNone, type JValue } from '../../jinja/values';
import { AUTOMATE_DV_VERSIONS, behaviourAt } from '../../base/automate-dv-versions';
import { isVaultMacroName, macroDescriptor, VAULT_MACRO_NAMES, type ParamSpec, type VaultMacroName } from '../../base/automate-dv-macros';

export type { ParamKind, ParamSpec, VaultMacroName } from '../../base/automate-dv-macros';
export { isVaultMacroName } from '../../base/automate-dv-macros';

export interface MacroSignature {
  readonly name: string;
  readonly params: readonly ParamSpec[];
  readonly description: string;
}

/** Every macro's signature, by name: the descriptor table's name, description and parameters. */
export const MACRO_SIGNATURES: Readonly<Record<VaultMacroName, MacroSignature>> = Object.fromEntries(
  VAULT_MACRO_NAMES.map((name): [VaultMacroName, MacroSignature] => {
    const { description, params } = macroDescriptor(name);
    return [name, { name, description, params }];
  }),
) as Record<VaultMacroName, MacroSignature>;

/**
 * The signature as the given AutomateDV/dbtvault version defines it: before 0.9.0 no macro had `src_extra_columns`,
 * so positional calls written for dbtvault ≤0.8 (`hub(src_pk, src_nk, src_ldts, src_source, source_model)`) bind
 * without it. Undefined means the default (0.11.x).
 */
export function signatureFor(macro: VaultMacroName, version?: string): MacroSignature {
  const signature = MACRO_SIGNATURES[macro];
  if (version === undefined || !isBeforeExtraColumns(version)) return signature;
  return { ...signature, params: signature.params.filter((p) => p.name !== 'src_extra_columns') };
}

/** The answers by version text: every model parsed and every macro bound asks, for the same one or two versions. */
const beforeExtraColumns = new Map<string, boolean>();

/** True for versions before 0.9.0, whose macros take no `src_extra_columns`. */
export function isBeforeExtraColumns(version: string): boolean {
  let before = beforeExtraColumns.get(version);
  if (before === undefined) {
    const [major = 0, minor = 0] = version.split('.').map((x) => parseInt(x, 10) || 0);
    before = major === 0 && minor < 9;
    if (beforeExtraColumns.size > 100) beforeExtraColumns.clear();
    beforeExtraColumns.set(version, before);
  }
  return before;
}

/** Bound arguments by parameter name; a parameter that was not passed is absent. */
export type BoundArguments = Map<string, JValue>;

export interface BindOptions {
  /** What AutomateDV names in "Required parameter(s) missing or none in '<where>'": the model's relation. */
  where?: string;
  /** Skip the required-parameter check (the language server binds incomplete calls while the user types). */
  skipRequiredCheck?: boolean;
  /** The emulated AutomateDV version: positional arguments bind by that version's signature (signatureFor). */
  version?: string;
}

/**
 * Binds a call's arguments to the macro's parameters as Jinja does: positionals in signature order, then keywords.
 * Fails like dbt would on too many positionals (DV205), an unknown keyword (DV203), or a required parameter that is
 * none or that the macro cannot render without (DV201, with AutomateDV's own message; see missingRequiredParameters).
 * An undefined parameter the macro renders without is bound as AutomateDV reads it: an empty column list, or a single
 * column left unbound so the table is built without it (a single column with no stand-in would fail with the warning
 * code DV207; every listed one has a stand-in today). The stage reports its missing source_model itself.
 */
export function bindArguments(
  macro: VaultMacroName,
  args: readonly JValue[],
  kwargs: ReadonlyMap<string, JValue>,
  options: BindOptions = {},
): BoundArguments {
  const signature = signatureFor(macro, options.version);
  const names = signature.params.map((p) => p.name);
  if (args.length > names.length) {
    throw new CompileError(
      `${macro}() takes at most ${names.length} positional argument(s) (${names.join(', ')}) but ${args.length} were given; ` +
        'pass the extra values by keyword, e.g. src_ldts=...',
      'DV205',
    );
  }
  const bound: BoundArguments = new Map();
  args.forEach((value, i) => bound.set(names[i] as string, value));
  for (const [name, value] of kwargs) {
    if (!names.includes(name)) {
      throw new CompileError(`${macro}() has no parameter '${name}'; its parameters are: ${names.join(', ')}`, 'DV203');
    }
    if (bound.has(name)) {
      throw new CompileError(`${macro}() got two values for '${name}' (one positional, one by keyword); pass it once`, 'DV205');
    }
    bound.set(name, value);
  }
  if (!options.skipRequiredCheck && macro !== 'stage' && !skipsRequiredCheck(macro, options.version)) {
    const missing = missingRequiredParameters(macro, bound);
    if (missing.length > 0) {
      throw new CompileError(`Required parameter(s) missing or none in '${options.where ?? macro}': ${missing.join(', ')}`, 'DV201');
    }
    for (const p of signature.params) {
      const value = bound.get(p.name);
      if (!p.required || value === null || !isNone(value) || !rendersWithoutWhenUndefined(macro, p.name)) continue;
      const standIn = undefinedStandIn(macro, p.name);
      if (standIn === OMIT) bound.delete(p.name);
      else if (standIn !== undefined) bound.set(p.name, standIn);
      else {
        // AutomateDV renders SQL without this column; the emulation does not reproduce that SQL. A warning code, so the
        // model is not reported as failing where dbt would not fail.
        throw new CompileError(`${macro}() is built without ${p.name} (it is undefined); add ${p.name} to see the SQL`, 'DV207');
      }
    }
  }
  return bound;
}

/**
 * True when AutomateDV does not check the macro's required parameters: t_link in 0.11.5 is a thin alias that calls
 * nh_link's SQL without the check (docs/automate-dv.md §1.3), so a t_link without src_eff compiles there. No version
 * means 0.11.5.
 */
export function skipsRequiredCheck(macro: string, version: string | undefined): boolean {
  // From 0.11.5, the release that brings nh_link, t_link is its alias (the version matrix's nhLinkMacro row).
  return macro === 't_link' && (version === undefined || behaviourAt(AUTOMATE_DV_VERSIONS.nhLinkMacro, version));
}

/**
 * The required parameters AutomateDV fails on, in signature order: its required-parameter check rejects only none,
 * and a parameter that was not passed (or is bound to a missing key or an unset name) is Jinja Undefined, which the
 * check lets through. Undefined then breaks the SQL where the macro writes it as a column in a key condition, a
 * DISTINCT ON or an ORDER BY (`rr. IS NOT NULL`, `ORDER BY rr.pk, `), so dbt run fails; parameters that only pass
 * through expand_column_list become an empty list and the table is built without them.
 */
export function missingRequiredParameters(macro: VaultMacroName, bound: BoundArguments): string[] {
  return MACRO_SIGNATURES[macro].params
    .filter((p) => p.required && isNone(bound.get(p.name)) && (bound.get(p.name) === null || !rendersWithoutWhenUndefined(macro, p.name)))
    .map((p) => p.name);
}

/** True when the macro renders without this parameter when it is undefined (not passed, a missing key, an unset name). */
export function rendersWithoutWhenUndefined(macro: string, param: string): boolean {
  if (!isVaultMacroName(macro)) return false;
  const spec = MACRO_SIGNATURES[macro].params.find((p) => p.name === param);
  return spec?.rendersWithoutWhenUndefined === true || failsOnlyIncrementallyWhenUndefined(macro, param);
}

/**
 * Required parameters an undefined value breaks only in the macro's incremental branch: ma_sat's src_cdk is read by
 * its first load through expand_column_list (or a loop over nothing), but its incremental SQL orders and joins by the
 * child key (0.10.2, 0.11.x); pit's and bridge's src_ldts is read only by the as-of-date window of an incremental run
 * (`h.<src_ldts> >= …`, 0.9.7 to 0.11.5). Every run after the first fails. Whether that is an error depends on the
 * model's materialization, which the rules know.
 */
export function failsOnlyIncrementallyWhenUndefined(macro: string, param: string): boolean {
  return incrementalFailure(macro, param) !== undefined;
}

/** Why the incremental SQL fails without the parameter, and what to add; undefined where it does not fail. */
export function incrementalFailure(macro: string, param: string): { reason: string; fix: string; without: string } | undefined {
  if (macro === 'ma_sat' && param === 'src_cdk') {
    return { reason: `the ${macro}'s incremental SQL orders and joins by the child key`, fix: `${param}=[…] (the child dependent key columns)`, without: 'child keys' };
  }
  if ((macro === 'pit' || macro === 'bridge') && param === 'src_ldts') {
    return {
      reason: `the ${macro}'s incremental SQL compares the hub's load date with it in its as-of-date window`,
      fix: `${param}=… (the hub's load-date column)`,
      without: 'an as-of-date window',
    };
  }
  return undefined;
}

/**
 * What the compiler binds for an undefined parameter the macro renders without: expand_column_list makes an empty list
 * of a column list; a single column has no such stand-in, so it stays unbound.
 */
function undefinedStandIn(macro: VaultMacroName, param: string): JValue | typeof OMIT | undefined {
  const spec = MACRO_SIGNATURES[macro].params.find((p) => p.name === param);
  if (spec?.kind === 'columns' || spec?.kind === 'payload') return [];
  // A single column the macro renders without only joins its expand_column_list of source columns (checked at 0.9.7,
  // 0.10.2, 0.11.0 and 0.11.5; the sat's ghost record compares catalog names with them, which an undefined never
  // matches), so leaving it unbound renders the table AutomateDV builds: the same columns minus that one.
  if (spec?.kind === 'column' && spec.rendersWithoutWhenUndefined === true) return OMIT;
  return undefined;
}

/** A stand-in that means "leave the parameter unbound": the macro's module reads it as not given. */
const OMIT: unique symbol = Symbol('omit');

// Every other macro AutomateDV/dbtvault releases define (0.7.9 to 0.11.5, by name): a model may call them.
const RELEASED_HELPER_MACROS: ReadonlySet<string> = new Set([
  'alias', 'alias_all', 'as_constant', 'as_of_date_window', 'binary_ghost', 'bridge_overlap_and_new_rows',
  'cast_binary', 'cast_date', 'cast_datetime', 'check_num_periods', 'check_placeholder', 'check_required_parameters',
  'concat_ws', 'config_meta_get', 'config_meta_require', 'create_ghost_record', 'current_timestamp',
  'current_timestamp_in_utc', 'currently_disabled_error', 'date_ghost', 'dateadd',
  'datepart_not_recommended_warning', 'datepart_too_small_error', 'derive_columns', 'drop_temporary_special',
  'escape_column_name', 'escape_column_names', 'expand_column_list', 'experimental_not_recommended_warning',
  'extract_column_names', 'extract_null_column_names', 'get_escape_characters', 'get_hash_string_length',
  'get_min_max_ranks', 'get_period_boundaries', 'get_period_filter_sql', 'get_period_of_load',
  'get_query_results_as_dict', 'get_start_stop_dates', 'ghost_for_type', 'hash', 'hash_alg_md5', 'hash_alg_sha1',
  'hash_alg_sha256', 'hash_columns', 'incremental_bridge_replace', 'incremental_pit_replace', 'is_any_incremental',
  'is_bridge_incremental', 'is_expression', 'is_list', 'is_nothing', 'is_pit_incremental', 'is_something',
  'is_vault_insert_by_period', 'is_vault_insert_by_rank', 'log_error', 'log_relation_sources', 'log_warning',
  'materialisation_deprecation_warning', 'max_datetime', 'max_iterations_error', 'multikey', 'null_column_sql',
  'null_columns', 'null_expression', 'null_ghost', 'pit_bridge_deprecation_warning', 'prefix',
  'prepend_generated_by', 'print_list', 'process_columns_to_escape', 'process_columns_to_select',
  'process_hash_column_excludes', 'process_payload_column_excludes', 'rank_columns', 'repeat',
  'replace_placeholder_with_period_filter', 'replace_placeholder_with_rank_filter', 'select_hash_alg',
  'source_columns', 'sqlserver_datepart_too_small_error', 'sqlserver_max_iterations_error',
  'standard_column_wrapper', 't_link_deprecation_warning', 'timestamp_add', 'type_binary', 'type_string',
  'type_timestamp', 'wrap_get_columns_in_relation', 'wrap_message', 'wrap_warning'
]);

/** True for a helper macro some AutomateDV/dbtvault release defines (prefix, hash, type_timestamp, …). */
export function isReleasedHelperMacro(name: string): boolean {
  return RELEASED_HELPER_MACROS.has(name);
}
