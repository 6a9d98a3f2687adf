// Reads what the vault rules need from a parsed model, keeping the span of every name: a stage's source, derived,
// null, hashed and ranked columns; a hub's, link's or satellite's keys, payload and source models.
import type { Span } from '../base/text';
import type { VaultMacroName } from '../compile/automate-dv/signatures';
import { metaEntry, metaStrings, type MetaValue } from '../model/meta';
import { vaultCall, type MacroCallInfo, type ParsedModel } from '../model/parse';

/** A name written in the model file, with the span of its text (inside the quotes). */
export interface Named {
  value: string;
  span: Span;
}

export interface StageHash {
  name: string;
  keySpan: Span;
  isHashdiff: boolean;
  /** `single`: a string (no null placeholder); `list`: a list, even of one; `exclude`: every source column but some. */
  form: 'single' | 'list' | 'exclude';
  /** The hashed columns as written (for `exclude`: the columns left out). */
  components: Named[];
  /** Where the value is written (for a diagnostic about the whole spec). */
  valueSpan: Span;
  /** Some of its columns are known only at render time (a package macro's result, a var): `components` is partial. */
  unknown?: true;
}

export interface StageDerived {
  name: string;
  keySpan: Span;
  items: Named[];
  escape: boolean;
  /** A plain string expression (only those are scanned for "quoted" names AutomateDV escapes). */
  writtenAsString: boolean;
}

export interface StageRanked {
  name: string;
  keySpan: Span;
  /** partition_by and order_by columns (an order_by mapping contributes its key). */
  columns: Named[];
}

export type StageSourceFacts =
  | { kind: 'ref'; model: Named; span: Span }
  | { kind: 'source'; source: Named; table: Named; span: Span };

export interface StageFacts {
  call: MacroCallInfo;
  source?: StageSourceFacts;
  includeSourceColumns: boolean;
  derived: StageDerived[];
  nulls: Named[];
  hashed: StageHash[];
  ranked: StageRanked[];
}

/** A table macro call (hub, link, sat, …) read for the rules. */
export interface TableFacts {
  call: MacroCallInfo;
  macro: Exclude<VaultMacroName, 'stage'>;
  sourceModels: Named[];
}

export function stageFacts(parsed: ParsedModel): StageFacts | undefined {
  const call = vaultCall(parsed);
  if (!call || call.macro !== 'stage') return undefined;
  const value = (name: string): MetaValue | undefined => call.params.get(name)?.value;
  const include = value('include_source_columns');
  return {
    call,
    source: readStageSource(value('source_model')),
    includeSourceColumns: !(include?.kind === 'bool' && !include.value),
    derived: readDerived(value('derived_columns')),
    nulls: readNulls(value('null_columns')),
    hashed: readHashed(value('hashed_columns')),
    ranked: readRanked(value('ranked_columns')),
  };
}

export function tableFacts(parsed: ParsedModel): TableFacts | undefined {
  const call = vaultCall(parsed);
  if (!call || call.macro === 'stage') return undefined;
  return { call, macro: call.macro, sourceModels: metaStrings(call.params.get('source_model')?.value) };
}

/** The value of a parameter of a macro call, as written. */
export function paramValue(call: MacroCallInfo, name: string): MetaValue | undefined {
  return call.params.get(name)?.value;
}

/** Column names of a column / column-list parameter. */
export function paramColumns(call: MacroCallInfo, name: string): Named[] {
  const v = paramValue(call, name);
  // A {source_column, alias} mapping reads its source column from the stage (AutomateDV's prefix() selects it).
  const items = v?.kind === 'list' ? v.items : v ? [v] : [];
  // A loop rather than flatMap with an array per item: the rules ask for a model's columns many times per check.
  const out: Named[] = [];
  for (const item of items) {
    if (item.kind === 'dict') {
      const source = metaEntry(item, 'source_column')?.value;
      if (source?.kind === 'string') out.push({ value: source.value, span: source.contentSpan });
    } else {
      for (const s of metaStrings(item)) out.push(s);
    }
  }
  return out;
}

/** The stage column a satellite's src_hashdiff names: a string, or the source_column of {source_column, alias}. */
export function hashdiffColumn(call: MacroCallInfo): Named | undefined {
  const v = paramValue(call, 'src_hashdiff');
  if (v?.kind === 'string') return { value: v.value, span: v.contentSpan };
  const source = metaEntry(v, 'source_column')?.value;
  if (source?.kind === 'string') return { value: source.value, span: source.contentSpan };
  return undefined;
}

/** A payload: listed columns, or {exclude_columns: true, columns: [...]} (every stage column but the named ones). */
export type PayloadFacts = { kind: 'list'; columns: Named[] } | { kind: 'exclude'; except: Named[]; span: Span } | { kind: 'unknown' };

export function payloadFacts(call: MacroCallInfo): PayloadFacts {
  const v = paramValue(call, 'src_payload');
  if (!v || v.kind === 'none' || v.kind === 'dynamic') return { kind: 'unknown' };
  if (v.kind === 'dict') {
    const exclude = metaEntry(v, 'exclude_columns')?.value;
    if (exclude?.kind === 'bool' && exclude.value) return { kind: 'exclude', except: metaStrings(metaEntry(v, 'columns')?.value), span: v.span };
    return { kind: 'unknown' };
  }
  return { kind: 'list', columns: metaStrings(v) };
}

function readStageSource(v: MetaValue | undefined): StageSourceFacts | undefined {
  if (v?.kind === 'string' && v.value !== '') return { kind: 'ref', model: { value: v.value, span: v.contentSpan }, span: v.span };
  if (v?.kind === 'dict') {
    const first = v.entries[0];
    if (first && first.value.kind === 'string') {
      return {
        kind: 'source',
        source: { value: first.key, span: first.keySpan },
        table: { value: first.value.value, span: first.value.contentSpan },
        span: v.span,
      };
    }
  }
  return undefined;
}

function dictEntries(v: MetaValue | undefined) {
  return v?.kind === 'dict' ? v.entries : [];
}

function readDerived(v: MetaValue | undefined): StageDerived[] {
  return dictEntries(v).map((e) => {
    const spec = e.value;
    if (spec.kind === 'dict') {
      const source = metaEntry(spec, 'source_column')?.value;
      const escape = metaEntry(spec, 'escape')?.value;
      return { name: e.key, keySpan: e.keySpan, items: metaStrings(source), escape: escape?.kind === 'bool' && escape.value, writtenAsString: false };
    }
    return { name: e.key, keySpan: e.keySpan, items: metaStrings(spec), escape: false, writtenAsString: spec.kind === 'string' };
  });
}

function readNulls(v: MetaValue | undefined): Named[] {
  return dictEntries(v)
    .filter((e) => ['required', 'optional'].includes(e.key.toLowerCase()))
    .flatMap((e) => metaStrings(e.value));
}

/** A value (or an item of a list value) known only at render time. */
function holdsDynamic(v: MetaValue | undefined): boolean {
  return v?.kind === 'dynamic' || (v?.kind === 'list' && v.items.some((i) => i.kind === 'dynamic'));
}

function readHashed(v: MetaValue | undefined): StageHash[] {
  return dictEntries(v).map((e): StageHash => {
    const spec = e.value;
    const columnsValue = spec.kind === 'dict' ? metaEntry(spec, 'columns')?.value : spec;
    const base = { name: e.key, keySpan: e.keySpan, valueSpan: spec.span, ...(holdsDynamic(columnsValue) ? { unknown: true as const } : {}) };
    if (spec.kind === 'string') return { ...base, isHashdiff: false, form: 'single', components: metaStrings(spec) };
    if (spec.kind === 'dict') {
      const flag = metaEntry(spec, 'is_hashdiff')?.value;
      const isHashdiff = flag?.kind === 'bool' ? flag.value : flag?.kind === 'string' ? flag.value.toLowerCase() === 'true' : false;
      const exclude = metaEntry(spec, 'exclude_columns')?.value;
      const columns = metaEntry(spec, 'columns')?.value;
      if (exclude?.kind === 'bool' && exclude.value) return { ...base, isHashdiff, form: 'exclude', components: metaStrings(columns) };
      return { ...base, isHashdiff, form: columns?.kind === 'string' ? 'single' : 'list', components: metaStrings(columns) };
    }
    return { ...base, isHashdiff: false, form: 'list', components: metaStrings(spec) };
  });
}

function readRanked(v: MetaValue | undefined): StageRanked[] {
  return dictEntries(v).map((e) => {
    const columns: Named[] = [...metaStrings(metaEntry(e.value, 'partition_by')?.value)];
    const order = metaEntry(e.value, 'order_by')?.value;
    const orderItems = order?.kind === 'list' ? order.items : order ? [order] : [];
    for (const item of orderItems) {
      if (item.kind === 'string') columns.push({ value: item.value, span: item.contentSpan });
      else if (item.kind === 'dict') for (const o of item.entries) columns.push({ value: o.key, span: o.keySpan });
    }
    return { name: e.key, keySpan: e.keySpan, columns };
  });
}

/** Case-insensitive name equality, as PostgreSQL folds the unquoted names AutomateDV emits. */
export function sameName(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** What sameName compares: two names are the same exactly when their folded forms are equal. */
export function foldName(name: string): string {
  return name.trim().toLowerCase();
}

const FOLDED_NAMES = new WeakMap<readonly { name: string }[], ReadonlySet<string>>();

/**
 * The folded names of a column list, made once per list: rules test many names against the same stage or catalog
 * columns, and a scan with sameName per name made that quadratic. Column lists are never changed once made (stage
 * outputs and snapshots are replaced, not edited).
 */
export function foldedNames(columns: readonly { name: string }[]): ReadonlySet<string> {
  let set = FOLDED_NAMES.get(columns);
  if (!set) {
    set = new Set(columns.map((c) => foldName(c.name)));
    FOLDED_NAMES.set(columns, set);
  }
  return set;
}

const DERIVED_BY_NAME = new WeakMap<StageFacts, ReadonlyMap<string, StageDerived>>();

/** A stage's derived column of a (folded) name; the last one written when a name repeats, as the stage keeps the last. */
export function derivedNamed(stage: StageFacts, name: string): StageDerived | undefined {
  let byName = DERIVED_BY_NAME.get(stage);
  if (!byName) {
    const map = new Map<string, StageDerived>();
    for (const d of stage.derived) map.set(foldName(d.name), d);
    DERIVED_BY_NAME.set(stage, (byName = map));
  }
  return byName.get(foldName(name));
}

const FIRST_BY_NAME = new WeakMap<readonly { name: string }[], ReadonlyMap<string, { name: string }>>();

/** The first column of a list with a (folded) name, looked up in a map made once per list. */
export function firstColumnNamed<C extends { name: string }>(columns: readonly C[], name: string): C | undefined {
  let byName = FIRST_BY_NAME.get(columns);
  if (!byName) {
    const map = new Map<string, C>();
    for (const c of columns) {
      const k = foldName(c.name);
      if (!map.has(k)) map.set(k, c);
    }
    FIRST_BY_NAME.set(columns, (byName = map));
  }
  return byName.get(foldName(name)) as C | undefined;
}

export function isConstantName(name: string): boolean {
  return name.startsWith('!');
}

/** A derived expression that is just a column name (`id`, `"Id"`), which makes the derived column an alias of it. */
export function bareIdentifier(expression: string): string | undefined {
  const m = /^\s*("?)([A-Za-z_][A-Za-z0-9_$]*)\1\s*$/.exec(expression);
  return m ? (m[2] as string) : undefined;
}

/** PostgreSQL folds unquoted names, so `email` may be written EMAIL: suggest it in the case the user writes. */
export function inWrittenCase(written: string, name: string): string {
  if (!/^[a-z_][a-z0-9_$]*$/i.test(name) || !/^[a-z_][a-z0-9_$]*$/i.test(written)) return name;
  if (written === written.toUpperCase() && name === name.toLowerCase()) return name.toUpperCase();
  if (written === written.toLowerCase() && name === name.toUpperCase()) return name.toLowerCase();
  return name;
}
