// Reads a stage call's arguments into a typed configuration (spec §4.1): derived, null, hashed and ranked column
// specs with their quirks (!constants, escape, exclude_columns, rank specs that AutomateDV silently skips).
import { CompileError } from '../context';
import { isDict, isList, isNone, truthy, type JDict, type JValue } from '../../jinja/values';
import type { Reporter } from './constants';
import { readDict, readFlag, wrongType } from './param-types';
import type { BoundArguments } from './signatures';

export type StageSource = { kind: 'ref'; model: string } | { kind: 'source'; sourceName: string; table: string };

/** One derived column: an expression (or !constant), or a list to concatenate; `escape` quotes its column names. */
export interface DerivedSpec {
  name: string;
  form: 'expression' | 'concat';
  /** The expression, or the concatenated items, exactly as written (constants still with their `!`). */
  items: string[];
  escape: boolean;
  /** How it was written: only plain strings are scanned for "quoted" names to escape. */
  written: 'string' | 'list' | 'mapping';
}

export interface NullSpec {
  /** Columns whose NULL becomes var('null_key_required'), in the order given. */
  required: string[];
  /** Columns whose NULL becomes var('null_key_optional'). */
  optional: string[];
  /** The output names X and X_ORIGINAL per column, in the order the null_columns dict lists required/optional. */
  names: string[];
}

export interface HashedSpec {
  name: string;
  isHashdiff: boolean;
  /** A string hashes one column (no placeholder); a list hashes a composite. */
  columns: string | string[] | { excludeFrom: 'source'; except: string[] };
}

export interface RankedSpec {
  name: string;
  /** undefined when AutomateDV skips the spec (no partition_by or no order_by). */
  window?: {
    dense: boolean;
    partitionBy: string;
    orderBy: string;
    /** The same, one item per column, for a release that escapes each name (dbtvault 0.9.0). */
    partitionColumns: string[];
    orderColumns: { column: string; direction: string }[];
  };
}

export interface StageConfig {
  includeSourceColumns: boolean;
  source: StageSource;
  /** Each is undefined when not configured (none or an empty dict), which changes the column bookkeeping. */
  derived?: DerivedSpec[];
  nulls?: NullSpec;
  hashed?: HashedSpec[];
  ranked?: RankedSpec[];
}

const MISSING_SOURCE_MODEL =
  'Staging error: Missing source_model configuration. A source model name must be provided.\n' +
  'e.g.\n[REF STYLE]\nsource_model: model_name\nOR\n[SOURCES STYLE]\nsource_model:\n    source_name: source_table_name';

export function readStageSource(v: JValue | undefined): StageSource {
  if (isNone(v)) throw new CompileError(MISSING_SOURCE_MODEL, 'DV201');
  if (typeof v === 'string' && v !== '') return { kind: 'ref', model: v };
  if (isDict(v) && v.size > 0) {
    const [sourceName, table] = [...v][0] as [string, JValue];
    if (typeof table === 'string' && table !== '') return { kind: 'source', sourceName, table };
  }
  throw wrongType('stage', 'source_model', v, 'a model name, or a one-key dict {source_name: table_name}');
}

/** A configured dict parameter, or undefined for none / {} (AutomateDV's is_nothing). */
function configuredDict(param: string, v: JValue | undefined): JDict | undefined {
  const d = readDict('stage', param, v);
  return d && d.size > 0 ? d : undefined;
}

function readDerived(dict: JDict): DerivedSpec[] {
  const out: DerivedSpec[] = [];
  for (const [name, spec] of dict) {
    if (typeof spec === 'string') out.push({ name, form: 'expression', items: [derivedItem(name, spec)], escape: false, written: 'string' });
    else if (isList(spec)) {
      out.push({ name, form: 'concat', items: concatItems(name, spec), escape: false, written: 'list' });
    } else if (isDict(spec) && spec.size > 0) {
      const source = spec.get('source_column');
      const escape = spec.get('escape') === true;
      if (Array.isArray(source)) out.push({ name, form: 'concat', items: concatItems(name, source), escape, written: 'mapping' });
      else out.push({ name, form: 'expression', items: [derivedItem(name, source)], escape, written: 'mapping' });
    } else out.push({ name, form: 'expression', items: [derivedItem(name, spec)], escape: false, written: 'string' });
  }
  return out;
}

/** The items of a derived concatenation; AutomateDV renders an empty list as `CONCAT_WS('||', )`, which fails. */
function concatItems(name: string, list: readonly JValue[]): string[] {
  if (list.length === 0) {
    throw new CompileError(
      `Derived column ${name} concatenates an empty list; AutomateDV would emit invalid SQL (CONCAT_WS('||', )). ` +
        'List the columns or !constants to concatenate.',
      'DV202',
    );
  }
  return list.map((x) => derivedItem(name, x));
}

function derivedItem(name: string, v: JValue | undefined): string {
  if (typeof v === 'string' && v !== '') return v;
  const got = isNone(v) ? 'none' : typeof v === 'number' ? `the number ${v}` : typeof v === 'boolean' ? `the boolean ${v}` : 'a non-string value';
  throw new CompileError(
    `Invalid columns_str object provided. Must be a string and not null. (derived column ${name} got ${got}; ` +
      `quote it in YAML, e.g. '1' for the SQL number 1 or '!1' for the text '1')`,
    'DV202',
  );
}

function nameList(param: string, v: JValue): string[] {
  if (typeof v === 'string') return [v];
  if (isList(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw wrongType('stage', param, v, 'a column name or a list of column names');
}

function readNulls(dict: JDict): NullSpec {
  const spec: NullSpec = { required: [], optional: [], names: [] };
  for (const [key, v] of dict) {
    const kind = key.toLowerCase();
    if ((kind !== 'required' && kind !== 'optional') || !truthy(v)) continue;
    const names = nameList(`null_columns.${key}`, v);
    spec[kind] = names;
  }
  // The output names follow the dict's order of the two keys; a repeated key (any case) keeps its last value.
  const order = [...dict.keys()].map((k) => k.toLowerCase()).filter((k, i, all) => (k === 'required' || k === 'optional') && all.indexOf(k) === i);
  for (const kind of order) for (const c of spec[kind as 'required' | 'optional']) spec.names.push(c, `${c}_ORIGINAL`);
  return spec;
}

function hashColumns(name: string, v: JValue | undefined): string | string[] {
  if (typeof v === 'string' && v !== '') return v;
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x !== '')) return v as string[];
  throw wrongType('stage', `hashed_columns.${name}`, v ?? null, 'a column name, a non-empty list of column names, or a mapping with columns');
}

function readHashed(dict: JDict, report: Reporter): HashedSpec[] {
  const out: HashedSpec[] = [];
  for (const [name, spec] of dict) {
    if (!isDict(spec)) {
      out.push({ name, isHashdiff: false, columns: hashColumns(name, spec) });
      continue;
    }
    const isHashdiff = truthy(spec.get('is_hashdiff') ?? null);
    if (!isHashdiff) {
      report({
        code: 'DV509',
        severity: 'warning',
        message:
          `Warning: You provided a list of columns under a 'columns' key for ${name}, but did not provide the 'is_hashdiff' flag. ` +
          'Use list syntax for PKs. It is hashed as a key (unsorted, NULL when all columns are); add is_hashdiff: true for a hashdiff.',
      });
    }
    if (truthy(spec.get('exclude_columns') ?? null)) {
      const listed = spec.get('columns');
      // AutomateDV turns the list with `| list`, so a string is split into characters; kept for byte compatibility.
      const except = truthy(listed ?? null) ? (typeof listed === 'string' ? Array.from(listed) : nameList(`hashed_columns.${name}.columns`, listed as JValue)) : [];
      out.push({ name, isHashdiff, columns: { excludeFrom: 'source', except } });
    } else out.push({ name, isHashdiff, columns: hashColumns(name, spec.get('columns')) });
  }
  return out;
}

function orderByItem(v: JValue): { column: string; direction: string } | undefined {
  if (isDict(v)) {
    const first = [...v][0];
    if (!first) return undefined;
    return { column: first[0], direction: typeof first[1] === 'string' ? first[1] : '' };
  }
  if (typeof v === 'string') return { column: v, direction: '' };
  throw wrongType('stage', 'ranked_columns.order_by', v, "a column, a {column: 'DESC'} mapping, or a list of them");
}

function orderByText(item: { column: string; direction: string } | undefined): string {
  return item ? `${item.column} ${item.direction}`.trim() : '';
}

function readRanked(dict: JDict, report: Reporter): RankedSpec[] {
  const out: RankedSpec[] = [];
  for (const [name, spec] of dict) {
    const partition = isDict(spec) ? spec.get('partition_by') ?? null : null;
    const order = isDict(spec) ? spec.get('order_by') ?? null : null;
    if (!isDict(spec) || !truthy(partition) || !truthy(order)) {
      report({
        code: 'DV507',
        severity: 'warning',
        message:
          `Ranked column ${name} needs both partition_by and order_by. AutomateDV skips it and emits broken SQL; ` +
          'this compiler leaves the column out. Add partition_by and order_by.',
      });
      out.push({ name });
      continue;
    }
    const denseValue = spec.get('dense_rank') ?? null;
    if (truthy(denseValue) && denseValue !== true) {
      throw new CompileError(`If dense_rank is provided, it must be true or false, not ${String(denseValue)} (ranked column ${name})`, 'DV202');
    }
    const partitionColumns = nameList(`ranked_columns.${name}.partition_by`, partition);
    const orderItems = (isList(order) ? order : [order]).map(orderByItem);
    const orderBy = orderItems.map(orderByText).join(', ');
    const orderColumns = orderItems.filter((x): x is { column: string; direction: string } => x !== undefined);
    out.push({ name, window: { dense: denseValue === true, partitionBy: partitionColumns.join(', '), orderBy, partitionColumns, orderColumns } });
  }
  return out;
}

/** The stage's configuration from its bound arguments; fails like AutomateDV on values it cannot use. */
export function readStageConfig(args: BoundArguments, report: Reporter): StageConfig {
  const config: StageConfig = {
    includeSourceColumns: readFlag(args.get('include_source_columns'), true),
    source: readStageSource(args.get('source_model')),
  };
  const derived = configuredDict('derived_columns', args.get('derived_columns'));
  if (derived) config.derived = readDerived(derived);
  const nulls = configuredDict('null_columns', args.get('null_columns'));
  if (nulls) config.nulls = readNulls(nulls);
  const hashed = configuredDict('hashed_columns', args.get('hashed_columns'));
  if (hashed) config.hashed = readHashed(hashed, report);
  const ranked = configuredDict('ranked_columns', args.get('ranked_columns'));
  if (ranked) config.ranked = readRanked(ranked, report);
  return config;
}

/** The names AutomateDV picks up for escaping (spec §4.6): escape: true items and "Letters and spaces" in expressions. */
export function columnsToEscape(derived: readonly DerivedSpec[] | undefined, escapeChars: readonly [string, string]): string[] {
  if (!derived) return [];
  const [left, right] = escapeChars;
  const pattern = new RegExp(`${regexEscape(left)}([a-zA-Z\\s]+)${regexEscape(right)}`, 'gi');
  const found: string[] = [];
  for (const d of derived) {
    if (d.escape) found.push(...d.items);
    else if (d.written === 'string') {
      for (const m of (d.items[0] as string).matchAll(pattern)) found.push(m[1] as string);
    }
  }
  const seen = new Set<string>();
  return found.filter((n) => (seen.has(n.toLowerCase()) ? false : (seen.add(n.toLowerCase()), true)));
}

function regexEscape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
