// The project vars that change AutomateDV's output on PostgreSQL (spec §7), read once per macro call with their
// PostgreSQL defaults. Invalid values fall back as AutomateDV does and leave a warning.
import { CompileError, type AutomateDvCompat, type MacroContext } from '../context';
import { truthy, type JValue } from '../../jinja/values';
import { AUTOMATE_DV_VERSIONS, behaviourAt } from '../../base/automate-dv-versions';

export type HashAlgorithm = 'md5' | 'sha';

/** Everything hashing needs; independent of a MacroContext so the language server can use it with defaults. */
export interface HashSettings {
  algorithm: HashAlgorithm;
  concatString: string;
  nullPlaceholder: string;
  /** hash_content_casing: 'upper' wraps every component in UPPER(); 'disabled' does not. */
  upperCase: boolean;
  /** ≤0.9.6 hashes are the uppercase hex text as BYTEA; 0.9.7+ the raw digest. */
  encoding: AutomateDvCompat['hashing'];
  /** How a list is joined: CONCAT_WS, or 0.9.1–0.10.2's CONCAT with the separator between the parts (default CONCAT_WS). */
  concat?: 'concat-ws' | 'concat';
}

export const DEFAULT_HASH_SETTINGS: HashSettings = {
  algorithm: 'md5',
  concatString: '||',
  nullPlaceholder: '^^',
  upperCase: true,
  encoding: 'binary',
};

/** A var as text the way Jinja's `~` would print it. */
function varText(ctx: MacroContext, name: string, fallback: string): string {
  const v: JValue = ctx.varOf(name, fallback);
  if (v === null || v === undefined) return fallback;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return fallback;
}

export function readHashAlgorithm(ctx: MacroContext): HashAlgorithm {
  const configured = varText(ctx, 'hash', 'MD5');
  if (behaviourAt(AUTOMATE_DV_VERSIONS.hashAlgorithmMatch, ctx.compat.version) === 'case-sensitive') {
    // dbtvault 0.9.0 tests hash == 'SHA' exactly: 'sha', or anything but 'SHA', hashes with MD5 (silently there).
    if (configured === 'SHA') return 'sha';
    if (configured !== 'MD5') {
      ctx.report({
        code: 'DV506',
        severity: 'warning',
        message:
          `dbtvault ${ctx.compat.version} compares var 'hash' case-sensitively: '${configured}' is not 'SHA', so it hashes with MD5. ` +
          "Write 'SHA' (or 'MD5'), or upgrade to 0.9.1 or later, which reads it in any case.",
      });
    }
    return 'md5';
  }
  const lower = configured.toLowerCase();
  if (lower === 'md5' || lower === 'sha') return lower;
  const why =
    lower === 'sha1'
      ? "SHA-1 hashing is not supported on Postgres by AutomateDV; it uses MD5 instead."
      : `Configured hash ('${lower}') not recognised; AutomateDV supports md5 or sha (case-insensitive) and uses MD5 instead.`;
  ctx.report({ code: 'DV506', severity: 'warning', message: `${why} Set var 'hash' to 'MD5' or 'SHA' to make this explicit.` });
  return 'md5';
}

export function readHashSettings(ctx: MacroContext): HashSettings {
  // dbtvault 0.9.0 has no hash_content_casing: every component is upper-cased, whatever the var says.
  const hasCasingVar = behaviourAt(AUTOMATE_DV_VERSIONS.hashContentCasing, ctx.compat.version);
  const casing = hasCasingVar ? varText(ctx, 'hash_content_casing', 'upper').toLowerCase() : 'upper';
  if (casing !== 'upper' && casing !== 'disabled') {
    throw new CompileError(
      `Must provide a valid value for hash_content_casing: 'upper' or 'disabled' (case-insensitive); got '${casing}'. Fix var 'hash_content_casing'.`,
      'DV200',
    );
  }
  return {
    algorithm: readHashAlgorithm(ctx),
    concatString: varText(ctx, 'concat_string', '||'),
    nullPlaceholder: varText(ctx, 'null_placeholder_string', '^^'),
    upperCase: casing === 'upper',
    encoding: ctx.compat.hashing,
    concat: behaviourAt(AUTOMATE_DV_VERSIONS.stageDerivedConcat, ctx.compat.version),
  };
}

/** escape_char_left/right; an empty value falls back to `"` with a warning, as AutomateDV does. */
export function readEscapeChars(ctx: MacroContext): readonly [string, string] {
  // dbtvault 0.9.0's PostgreSQL escape characters are two empty strings and it reads the vars with no fallback, so
  // by default its escaping (even escape: true) leaves every name bare; only vars the project sets add quotes.
  if (behaviourAt(AUTOMATE_DV_VERSIONS.quotesEveryIdentifier, ctx.compat.version)) {
    return [varText(ctx, 'escape_char_left', ''), varText(ctx, 'escape_char_right', '')];
  }
  let left = varText(ctx, 'escape_char_left', '"');
  let right = varText(ctx, 'escape_char_right', '"');
  const empty = [left === '' ? 'escape_char_left' : '', right === '' ? 'escape_char_right' : ''].filter(Boolean);
  if (empty.length > 0) {
    ctx.report({
      code: 'DV200',
      severity: 'warning',
      message: `Invalid ${empty.join(' and ')} value provided (empty); AutomateDV uses the platform default (") instead.`,
    });
    if (left === '') left = '"';
    if (right === '') right = '"';
  }
  return [left, right];
}

/** The values that replace NULLs in a stage's null_columns (always emitted single-quoted). */
export function readNullKeys(ctx: MacroContext): { required: string; optional: string } {
  return { required: varText(ctx, 'null_key_required', '-1'), optional: varText(ctx, 'null_key_optional', '-2') };
}

export interface GhostSettings {
  enabled: boolean;
  systemRecordValue: string;
  /**
   * binary_ghost: 64 zeros for sha, 40 for sha1 (from 0.10.2; 32 before), 32 otherwise, the var compared in lower
   * case (no warning: AutomateDV does not validate here).
   */
  zeroKeyLength: number;
  /** Up to 0.10.2 a key is always the zero key and a load date always 1900-01-01; from 0.11.0 the catalog type decides. */
  typing: 'by-role' | 'by-type';
}

/** The ASCII zeros of a ghost key (binary_ghost, and pit's get_hash_string_length) for var('hash') at `version`. */
export function ghostZeroKeyLength(hash: string, version: string): number {
  const name = hash.toLowerCase();
  if (name === 'sha') return 64;
  if (name === 'sha1') return behaviourAt(AUTOMATE_DV_VERSIONS.ghostSha1Zeros, version);
  return 32;
}

/** The ghost record source without var system_record_value: the package name changed in 0.9.6, and the default with it. */
function defaultSystemRecordValue(version: string): string {
  return behaviourAt(AUTOMATE_DV_VERSIONS.ghostSystemRecordValue, version);
}

/** var('hash') as written (AutomateDV compares it in lower case), for the ghost keys' length. */
export function readHashVar(ctx: MacroContext): string {
  return varText(ctx, 'hash', 'MD5');
}

export function readGhostSettings(ctx: MacroContext): GhostSettings {
  return {
    enabled: truthy(ctx.varOf('enable_ghost_records', false)),
    systemRecordValue: varText(ctx, 'system_record_value', defaultSystemRecordValue(ctx.compat.version)),
    zeroKeyLength: ghostZeroKeyLength(varText(ctx, 'hash', 'MD5'), ctx.compat.version),
    typing: behaviourAt(AUTOMATE_DV_VERSIONS.ghostValueTyping, ctx.compat.version),
  };
}

/** The default (Snowflake) macros' max_datetime, which dbt-postgres uses before 0.9.7 where no PostgreSQL one exists. */
export const DEFAULT_MACRO_MAX_DATETIME = '9999-12-31 23:59:59.999999';

/** var('max_datetime'): the open-record marker of eff_sat and bridge; `fallback` is PostgreSQL's default unless given. */
export function readMaxDatetime(ctx: MacroContext, fallback = '9999-12-31 23:59:59.999'): string {
  return varText(ctx, 'max_datetime', fallback);
}
