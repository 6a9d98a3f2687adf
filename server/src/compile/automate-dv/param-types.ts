// Reads macro arguments (Jinja values) into the shapes the compiler works with, failing with DV202 and a message
// that names the parameter, what it got and what it expects, wherever AutomateDV would fail or emit garbage SQL.
import { CompileError } from '../context';
import { isDict, isList, isNone, type JDict, type JValue } from '../../jinja/values';
import { expandColumnList, type ColumnRef } from './columns';

/** "a string ('X')", "a number (1)", "a dict", … for messages. */
export function describeValue(v: JValue | undefined): string {
  if (isNone(v)) return 'none';
  if (typeof v === 'string') return `a string ('${v}')`;
  if (typeof v === 'number') return `a number (${v})`;
  if (typeof v === 'boolean') return `a boolean (${v ? 'true' : 'false'})`;
  if (isList(v)) return `a list of ${v.length} item(s)`;
  if (isDict(v)) return `a dict with keys ${[...v.keys()].map((k) => `'${k}'`).join(', ') || '(none)'}`;
  return 'an object';
}

export function wrongType(macro: string, param: string, got: JValue | undefined, expected: string): CompileError {
  return new CompileError(`${macro}: '${param}' must be ${expected}, but got ${describeValue(got)}`, 'DV202');
}

/**
 * Parameters AutomateDV passes to multikey(), which prints a mapping as it is (SQL that fails), so a
 * {source_column, alias} mapping never works there.
 */
const MULTIKEY_PARAMS = new Set(['src_pk', 'src_dfk', 'src_sfk', 'src_cdk']);

/**
 * A {source_column: X, alias: Y} mapping in a column parameter: AutomateDV's prefix() selects X from the stage and
 * later reads the column back as Y, so the mapping works exactly when Y names X (PostgreSQL folds the unquoted names).
 * Returns the column the mapping stands for, or undefined when `v` is not such a mapping.
 */
export function columnOfMapping(macro: string, param: string, v: JValue | ColumnRef | undefined): string | undefined {
  let source: JValue | undefined;
  let alias: JValue | undefined;
  if (isDict(v as JValue)) {
    source = (v as JDict).get('source_column');
    alias = (v as JDict).get('alias');
  } else if (typeof v === 'object' && v !== null && 'sourceColumn' in v) {
    source = v.sourceColumn;
    alias = v.alias;
  } else return undefined;
  if (typeof source !== 'string' || source === '' || typeof alias !== 'string' || alias === '') return undefined;
  if (MULTIKEY_PARAMS.has(param)) {
    throw new CompileError(`${macro}: '${param}' must be a column name or a list of them; AutomateDV writes a mapping into its key conditions as it is, which fails. Use '${source}'`, 'DV202');
  }
  if (source.toLowerCase() !== alias.toLowerCase()) throw new CompileError(mappingRenamesMessage(macro, param, source, alias), 'DV202');
  return source;
}

/**
 * The column a single-column parameter names, kept as its {source_column, alias} mapping when it was given as one:
 * AutomateDV's alias_all writes such a column `x.col AS alias` in a final select (the same column, since the alias must
 * name it), and a plain name otherwise. `name` is what readColumn returned for `v`.
 */
export function columnRefOf(v: JValue | undefined, name: string | undefined): ColumnRef | undefined {
  if (name === undefined || !isDict(v ?? null)) return undefined;
  const alias = (v as JDict).get('alias');
  return typeof alias === 'string' ? { sourceColumn: name, alias } : undefined;
}

/** The message for a column mapping whose alias is another name (the parser's rule says the same). */
export function mappingRenamesMessage(macro: string, param: string, source: string, alias: string): string {
  return (
    `${macro}(): ${param} maps ${source} to the alias ${alias}, but AutomateDV selects ${source} from the stage and then reads ${alias}, ` +
    `which does not exist, so dbt run fails. Name the column as the stage has it ('${source}'); to rename it, derive ${alias} in the stage and name ${alias} here.`
  );
}

/** A single column name (src_ldts, src_source, src_eff). Undefined when not given. */
export function readColumn(macro: string, param: string, v: JValue | undefined): string | undefined {
  if (isNone(v)) return undefined;
  if (typeof v === 'string' && v.trim() !== '') return v;
  const mapped = columnOfMapping(macro, param, v);
  if (mapped !== undefined) return mapped;
  throw wrongType(macro, param, v, 'a column name (a non-empty string)');
}

/** A column name or a list of names, kept as given: hashing and multikey treat a string and a list differently. */
export function readColumns(macro: string, param: string, v: JValue | undefined): string | string[] | undefined {
  if (isNone(v)) return undefined;
  if (typeof v === 'string' && v.trim() !== '') return v;
  const mapped = columnOfMapping(macro, param, v);
  if (mapped !== undefined) return mapped;
  if (isList(v)) {
    const names = expandColumnList([v], `${macro}: '${param}'`);
    const plain: string[] = [];
    for (const c of names) {
      const name = typeof c === 'string' ? c : columnOfMapping(macro, param, c);
      if (name === undefined) throw wrongType(macro, param, v, 'a column name or a list of column names');
      plain.push(name);
    }
    return plain;
  }
  throw wrongType(macro, param, v, 'a column name or a list of column names');
}

/** src_hashdiff: a column name, or {source_column, alias}. */
export function readHashdiff(macro: string, param: string, v: JValue | undefined): ColumnRef | undefined {
  if (isNone(v)) return undefined;
  if (typeof v === 'string' && v.trim() !== '') return v;
  if (isDict(v)) {
    const source = v.get('source_column');
    const alias = v.get('alias');
    if (typeof source === 'string' && source !== '' && typeof alias === 'string' && alias !== '') {
      return { sourceColumn: source, alias };
    }
  }
  throw wrongType(macro, param, v, "a column name or a mapping {source_column: ..., alias: ...}");
}

/** source_model of a single-source macro. */
export function readModelName(macro: string, param: string, v: JValue | undefined): string | undefined {
  if (isNone(v)) return undefined;
  if (typeof v === 'string' && v !== '') return v;
  throw wrongType(macro, param, v, 'a model name (a string)');
}

/** source_model of a multi-source macro: one name or a list of names, always returned as a list. */
export function readModelNames(macro: string, param: string, v: JValue | undefined): string[] | undefined {
  if (isNone(v)) return undefined;
  if (typeof v === 'string' && v !== '') return [v];
  if (isList(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x !== '')) return v as string[];
  throw wrongType(macro, param, v, 'a model name or a non-empty list of model names');
}

/** A dict-valued parameter (derived_columns, hashed_columns, …); none gives undefined. */
export function readDict(macro: string, param: string, v: JValue | undefined): JDict | undefined {
  if (isNone(v)) return undefined;
  if (isDict(v)) return v;
  throw wrongType(macro, param, v, 'a dict (a YAML mapping or a Jinja {...} literal)');
}

/** Python truthiness of a flag such as include_source_columns or escape. */
export function readFlag(v: JValue | undefined, fallback: boolean): boolean {
  if (isNone(v)) return fallback;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (isList(v)) return v.length > 0;
  if (isDict(v)) return v.size > 0;
  return true;
}

/** A required value that binding has already checked; fails with DV201 if a caller skipped that check. */
export function required<T>(macro: string, param: string, value: T | undefined): T {
  if (value === undefined) throw new CompileError(`${macro}: required parameter '${param}' is missing or none`, 'DV201');
  return value;
}
