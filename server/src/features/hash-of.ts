// dvs/hashOf: the hash AutomateDV would store for given values, computed here exactly as the SQL does (standardise,
// placeholders, concatenation, algorithm, version encoding), with the hashed string and an equivalent SQL expression.
import { createHash } from 'node:crypto';
import { quoteLiteral } from '../base/relation';
import { applyHashAlgorithm, hashExpression, standardise, type HashOptions } from '../compile/automate-dv/hashing';
import { DEFAULT_HASH_SETTINGS } from '../compile/automate-dv/settings';
import type { HashOfParams, HashOfResult } from '../protocol';

export function hashOf(params: HashOfParams, options: HashOptions): HashOfResult {
  const settings = { ...DEFAULT_HASH_SETTINGS, ...options };
  const std = (v: string | null): string | null => {
    if (v === null) return null;
    const trimmed = trimSpaces(v);
    const cased = settings.upperCase ? upperPerCharacter(trimmed) : trimmed;
    return cased === '' ? null : cased;
  };
  const values = params.values;
  let input: string | null;
  if (values.length === 1 && !params.isHashdiff) input = std(values[0] ?? null);
  else {
    const parts = values.map((v) => std(v) ?? settings.nullPlaceholder);
    input = parts.join(settings.concatString);
    const allNull = values.map(() => settings.nullPlaceholder).join(settings.concatString);
    if (!params.isHashdiff && input === allNull) input = null;
  }
  const literals = values.map((v) => (v === null ? 'NULL' : quoteLiteral(v)));
  const sql = params.isHashdiff ? hashdiffSql(literals, settings) : hashExpression(values.length === 1 ? (literals[0] as string) : literals, { ...settings, isHashdiff: false });
  const algorithm = settings.algorithm === 'sha' ? 'SHA256' : 'MD5';
  if (input === null) return { hash: 'NULL', hashedString: 'NULL', sql, algorithm };
  // MD5(text) hashes the text's bytes; SHA256(CAST(text AS BYTEA)) first reads the text as a bytea literal.
  const data = settings.algorithm === 'sha' ? byteaInput(input) : Buffer.from(input, 'utf8');
  const digest = createHash(settings.algorithm === 'sha' ? 'sha256' : 'md5').update(data).digest();
  const bytes = settings.encoding === 'upper-hex-text' ? Buffer.from(digest.toString('hex').toUpperCase(), 'latin1') : digest;
  return { hash: `\\x${bytes.toString('hex')}`, hashedString: input, sql, algorithm };
}

/**
 * CAST(text AS BYTEA) as PostgreSQL reads it: a leading `\x` starts hex digit pairs (whitespace allowed between pairs);
 * otherwise a doubled backslash is one backslash, a backslash and three octal digits one byte, and any other backslash
 * is an error, which fails the load with `hash: SHA` in dbt as well.
 */
function byteaInput(text: string): Buffer {
  const invalid = (): Error =>
    new Error(`PostgreSQL cannot read ${JSON.stringify(text)} as bytea (SHA hashing casts the text to BYTEA): invalid input syntax for type bytea`);
  if (text.startsWith('\\x')) {
    const out: number[] = [];
    const hex = text.slice(2);
    for (let i = 0; i < hex.length; i++) {
      if (' \t\n\r'.includes(hex[i] as string)) continue;
      const pair = hex.slice(i, i + 2);
      if (!/^[0-9a-fA-F]{2}$/.test(pair)) throw invalid();
      out.push(parseInt(pair, 16));
      i += 1;
    }
    return Buffer.from(out);
  }
  const bytes = Buffer.from(text, 'utf8');
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b !== 0x5c) {
      out.push(b);
      continue;
    }
    const octal = bytes.subarray(i + 1, i + 4).toString('latin1');
    if (bytes[i + 1] === 0x5c) {
      out.push(0x5c);
      i += 1;
    } else if (/^[0-3][0-7][0-7]$/.test(octal)) {
      out.push(parseInt(octal, 8));
      i += 3;
    } else throw invalid();
  }
  return Buffer.from(out);
}

/** PostgreSQL's TRIM(x): only spaces go; a tab, CR, newline or no-break space stays part of the value. */
function trimSpaces(text: string): string {
  return text.replace(/^ +| +$/g, '');
}

/**
 * PostgreSQL's UPPER maps one character to one character (ß stays ß or becomes ẞ depending on the database's locale,
 * never SS); JavaScript's toUpperCase may expand, so an expanding character is kept as it is. Non-ASCII letters still
 * depend on the target's LC_CTYPE.
 */
function upperPerCharacter(text: string): string {
  let out = '';
  for (const ch of text) {
    const upper = ch.toUpperCase();
    out += Array.from(upper).length === 1 ? upper : ch;
  }
  return out;
}

/** A hashdiff over the values in the order given (AutomateDV sorts column names; the caller already chose the order). */
function hashdiffSql(literals: readonly string[], settings: typeof DEFAULT_HASH_SETTINGS): string {
  const parts = literals.map((l) => `COALESCE(${standardise(l, settings.upperCase)}, ${quoteLiteral(settings.nullPlaceholder)})`);
  const input = parts.length === 1 ? (parts[0] as string) : `CONCAT_WS(${quoteLiteral(settings.concatString)}, ${parts.join(', ')})`;
  return applyHashAlgorithm(input, settings.algorithm, settings.encoding);
}
