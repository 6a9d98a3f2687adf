// The shapes of the nested metadata of xts, pit and bridge (src_satellite, satellites, stage_tables_ldts, bridge_walk,
// as_of_dates_table), declared once with what each key means. The rules walk a written value along its shape to find
// the model and column names in it and what is malformed; the language server completes and hovers from the same shapes.
import type { Span } from '../base/text';
import { closestName } from '../base/diagnostic';
import { MACRO_SIGNATURES, type ParamKind } from '../compile/automate-dv/signatures';
import type { MetaEntry, MetaValue } from '../model/meta';
import type { Named, TableFacts } from './vault-facts';

/** Where the model a column belongs to is named. */
export type ColumnOwner =
  /** The key of the enclosing mapping (a satellite of a PIT, a stage of stage_tables_ldts). */
  | { kind: 'parent-key' }
  /** Another entry of the same step (a bridge step's link_table or eff_sat_table). */
  | { kind: 'sibling'; key: string }
  /** The macro's source_model(s): the stages of an xts. */
  | { kind: 'source-model' };

/** What a column value is likely to be, for ranking completions: the owner's parameter first, then the role. */
export interface ColumnHint {
  /** The owner model's own metadata parameter naming the likeliest column (a satellite's src_pk). */
  ownerParam?: string;
  /** For xts: the parameter of the satellite model the enclosing label names (its src_hashdiff). */
  labelParam?: string;
  /** The macro call's own parameter naming the same column (a PIT's src_ldts for its stages' load dates). */
  callParam?: string;
  role?: 'hash-key' | 'hashdiff' | 'load-date' | 'date' | 'sat-name';
}

/** Which models a model-name position is likely to name. */
export type ModelHint = 'satellite' | 'stage' | 'link' | 'eff_sat' | 'as-of-dates' | 'hub';

export type MetaShape =
  | { kind: 'model'; hint: ModelHint }
  /** A model name, or a one-key mapping {source_name: table_name}. */
  | { kind: 'model-or-source'; hint: ModelHint }
  | { kind: 'column'; owner: ColumnOwner; hint: ColumnHint }
  /** A name the macro gives an output column; `{step}` stands for the enclosing key. */
  | { kind: 'output-name'; suggestion: string }
  /** Keys the user chooses: model names (checked) or labels (a satellite label, a bridge step name). */
  | { kind: 'mapping'; keys: 'models' | 'labels'; hint: ModelHint; keyDoc: string; value: MetaShape; expected: string }
  /** Fixed keys. */
  | { kind: 'record'; fields: readonly FieldShape[]; expected: string }
  /** A one-key mapping whose key names an output column and whose value is read. */
  | { kind: 'one-key'; key: string; keyDoc: string; value: MetaShape; expected: string };

export interface FieldShape {
  name: string;
  doc: string;
  shape: MetaShape;
  /** Not needed on the first (or last) entry of the enclosing mapping. */
  optionalOn?: 'first' | 'last';
}

const field = (name: string, doc: string, shape: MetaShape, optionalOn?: 'first' | 'last'): FieldShape => ({ name, doc, shape, ...(optionalOn ? { optionalOn } : {}) });
const column = (owner: ColumnOwner, hint: ColumnHint): MetaShape => ({ kind: 'column', owner, hint });
const OF_PARENT: ColumnOwner = { kind: 'parent-key' };
const OF_STAGE: ColumnOwner = { kind: 'source-model' };

const BRIDGE_STEP: readonly FieldShape[] = [
  field('bridge_link_pk', "the name of the bridge's column holding this step's link key", { kind: 'output-name', suggestion: 'LINK_{step}_PK' }),
  field('bridge_end_date', "the name of the bridge's column holding the effectivity satellite's end date (only relationships open at the as-of date are kept)", {
    kind: 'output-name',
    suggestion: 'EFF_SAT_{step}_ENDDATE',
  }),
  field('bridge_load_date', "the name of the bridge's column holding the effectivity satellite's load date (the latest row per as-of date wins)", {
    kind: 'output-name',
    suggestion: 'EFF_SAT_{step}_LOADDATE',
  }),
  field('link_table', 'the link model this step walks', { kind: 'model', hint: 'link' }),
  field('link_pk', "the link's key column", column({ kind: 'sibling', key: 'link_table' }, { ownerParam: 'src_pk', role: 'hash-key' })),
  field(
    'link_fk1',
    "the link's foreign key joined to the previous step's link_fk2 (the first step joins the link on the hub key instead)",
    column({ kind: 'sibling', key: 'link_table' }, { ownerParam: 'src_fk', role: 'hash-key' }),
    'first',
  ),
  field('link_fk2', "the link's foreign key the next step joins on (not needed on the last step)", column({ kind: 'sibling', key: 'link_table' }, { ownerParam: 'src_fk', role: 'hash-key' }), 'last'),
  field('eff_sat_table', "the effectivity satellite of this step's link", { kind: 'model', hint: 'eff_sat' }),
  field('eff_sat_pk', "the effectivity satellite's key column (the link key)", column({ kind: 'sibling', key: 'eff_sat_table' }, { ownerParam: 'src_pk', role: 'hash-key' })),
  field('eff_sat_end_date', "the effectivity satellite's end-date column", column({ kind: 'sibling', key: 'eff_sat_table' }, { ownerParam: 'src_end_date', role: 'date' })),
  field('eff_sat_load_date', "the effectivity satellite's load-date column", column({ kind: 'sibling', key: 'eff_sat_table' }, { ownerParam: 'src_ldts', role: 'load-date' })),
];

export const BRIDGE_STEP_KEYS: readonly string[] = BRIDGE_STEP.map((f) => f.name);

/** The nested parameters' shapes, by parameter kind. */
export const ADVANCED_SHAPES: Partial<Record<ParamKind, MetaShape>> = {
  'xts-satellites': {
    kind: 'mapping',
    keys: 'labels',
    hint: 'satellite',
    keyDoc: "a satellite the xts tracks, usually the satellite model's name (a label: AutomateDV reads only the stage columns beneath it)",
    expected: '{SAT: {sat_name: {SATELLITE_NAME: <stage column>}, hashdiff: {HASHDIFF: <stage column>}}}',
    value: {
      kind: 'record',
      expected: 'a mapping {sat_name: {SATELLITE_NAME: <stage column>}, hashdiff: {HASHDIFF: <stage column>}}',
      fields: [
        field('sat_name', "the stage column holding the satellite's name; the xts stores it in SATELLITE_NAME", {
          kind: 'one-key',
          key: 'SATELLITE_NAME',
          keyDoc: 'a label for the column; AutomateDV reads only the value and always writes SATELLITE_NAME',
          expected: 'a one-key mapping {SATELLITE_NAME: <stage column>}',
          value: column(OF_STAGE, { role: 'sat-name' }),
        }),
        field('hashdiff', "the stage column holding this satellite's hashdiff; the xts stores it in HASHDIFF", {
          kind: 'one-key',
          key: 'HASHDIFF',
          keyDoc: 'a label for the column; AutomateDV reads only the value and always writes HASHDIFF',
          expected: 'a one-key mapping {HASHDIFF: <stage column>}',
          value: column(OF_STAGE, { role: 'hashdiff', labelParam: 'src_hashdiff' }),
        }),
      ],
    },
  },
  'pit-satellites': {
    kind: 'mapping',
    keys: 'models',
    hint: 'satellite',
    keyDoc: "a satellite model the PIT joins at each as-of date; it adds the columns <SAT>_<PK> and <SAT>_<LDTS>",
    expected: '{SAT_MODEL: {pk: {PK: <column>}, ldts: {LDTS: <column>}}}',
    value: {
      kind: 'record',
      expected: 'a mapping {pk: {PK: <column of {model}>}, ldts: {LDTS: <column of {model}>}}',
      fields: [
        field('pk', "the satellite's key column, joined to the hub key", {
          kind: 'one-key',
          key: 'PK',
          keyDoc: "the suffix of the PIT's column holding this satellite's key: <SAT>_PK (the ghost key when the satellite has no row yet)",
          expected: 'a one-key mapping {PK: <column of {model}>}',
          value: column(OF_PARENT, { ownerParam: 'src_pk', role: 'hash-key' }),
        }),
        field('ldts', "the satellite's load-date column; the PIT keeps the latest at or before each as-of date", {
          kind: 'one-key',
          key: 'LDTS',
          keyDoc: "the suffix of the PIT's column holding this satellite's load date: <SAT>_LDTS (1900-01-01 when the satellite has no row yet)",
          expected: 'a one-key mapping {LDTS: <column of {model}>}',
          value: column(OF_PARENT, { ownerParam: 'src_ldts', role: 'load-date' }),
        }),
      ],
    },
  },
  'stage-ldts': {
    kind: 'mapping',
    keys: 'models',
    hint: 'stage',
    keyDoc: "a stage feeding the hub or its satellites: dbt builds it first (depends_on), and incremental runs recompute as-of dates from its earliest load date",
    expected: '{STAGE_MODEL: <its load-date column>}',
    value: column(OF_PARENT, { role: 'load-date', callParam: 'src_ldts' }),
  },
  'as-of-dates': { kind: 'model-or-source', hint: 'as-of-dates' },
  'bridge-walk': {
    kind: 'mapping',
    keys: 'labels',
    hint: 'link',
    keyDoc: 'a step of the walk from the hub: one link and its effectivity satellite, in order',
    expected: '{STEP: {bridge_link_pk, bridge_end_date, bridge_load_date, link_table, link_pk, link_fk1, link_fk2, eff_sat_table, eff_sat_pk, eff_sat_end_date, eff_sat_load_date}}',
    value: { kind: 'record', fields: BRIDGE_STEP, expected: `a mapping of ${BRIDGE_STEP.map((f) => f.name).join(', ')}` },
  },
};

export const AS_OF_DATES_DOC = 'the table of as-of dates (its column must be called AS_OF_DATE): a model, or {source_name: table_name}';

/** What a walk finds in a written value. */
export type MetaFinding =
  | { kind: 'model'; name: Named; doc: string; hint: ModelHint; path: string[] }
  | { kind: 'source'; source: Named; table: Named; doc: string; path: string[] }
  | {
      kind: 'column';
      name: Named;
      owners: string[];
      doc: string;
      hint: ColumnHint;
      path: string[];
      label?: string;
      /** Written where AutomateDV never reads it (a bridge's first-step link_fk1, last-step link_fk2): not checked. */
      unread?: boolean;
    }
  /** A fixed key (pk, link_table, HASHDIFF) or a label the user chose (a step name, an xts satellite). */
  | { kind: 'key'; key: Named; doc: string; path: string[] }
  | { kind: 'output-name'; name: Named; doc: string; path: string[] }
  /** A malformed value (DV202): where, and the message. */
  | { kind: 'shape'; span: Span; message: string };

interface WalkAt {
  /** `satellites.sat_customer.pk`, for messages. */
  where: string;
  path: string[];
  doc: string;
  /** The key of the nearest enclosing mapping entry. */
  parentKey?: string;
  /** The nearest xts/bridge label. */
  label?: string;
  /** The span of that key, where a malformed entry is reported. */
  keySpan?: Span;
  /** Position of the entry in its mapping, for fields needed everywhere but on the first or last entry. */
  first: boolean;
  last: boolean;
  record?: MetaValue;
  sourceModels: readonly string[];
}

/** A written value for a message: `the number 3`, `a list`; a mapping with its keys unless `mappingKeys` is false. */
export function describeValue(v: MetaValue, mappingKeys = true): string {
  switch (v.kind) {
    case 'string':
      return `the string '${v.value}'`;
    case 'number':
      return `the number ${v.value}`;
    case 'bool':
      return `the boolean ${v.value}`;
    case 'none':
      return 'none';
    case 'list':
      return 'a list';
    case 'dict':
      if (!mappingKeys) return 'a mapping';
      return v.entries.length ? `a mapping with keys ${v.entries.map((e) => e.key).join(', ')}` : 'an empty mapping';
    case 'dynamic':
      return 'a computed value';
  }
}

const nonEmptyString = (v: MetaValue): v is Extract<MetaValue, { kind: 'string' }> => v.kind === 'string' && v.value.trim() !== '';
const named = (v: Extract<MetaValue, { kind: 'string' }>): Named => ({ value: v.value.trim(), span: v.contentSpan });
const keyNamed = (e: MetaEntry): Named => ({ value: e.key, span: e.keySpan });

/**
 * Walks the value written for a nested parameter along its shape. `sourceModels` are the macro's source_model names
 * (the stages of an xts). Values computed at render time are skipped, never reported.
 */
export function walkAdvancedParam(macro: string, param: string, kind: ParamKind, value: MetaValue | undefined, sourceModels: readonly string[]): MetaFinding[] {
  const shape = ADVANCED_SHAPES[kind];
  if (!shape || !value || value.kind === 'none') return [];
  const out: MetaFinding[] = [];
  walk(macro, shape, value, { where: param, path: [], doc: kind === 'as-of-dates' ? AS_OF_DATES_DOC : '', first: true, last: true, sourceModels }, out);
  return out;
}

function fill(text: string, at: WalkAt): string {
  return text.replace(/\{model\}/g, at.parentKey ?? 'the model');
}

function walk(macro: string, shape: MetaShape, v: MetaValue, at: WalkAt, out: MetaFinding[]): void {
  if (v.kind === 'dynamic') return;
  const wrong = (expected: string, span: Span = v.span): void => void out.push({ kind: 'shape', span, message: `${macro}(): ${at.where} must be ${expected}, not ${describeValue(v)}.` });
  switch (shape.kind) {
    case 'model':
      if (nonEmptyString(v)) out.push({ kind: 'model', name: named(v), doc: at.doc, hint: shape.hint, path: at.path });
      else wrong('a model name');
      return;
    case 'model-or-source': {
      if (nonEmptyString(v)) {
        out.push({ kind: 'model', name: named(v), doc: at.doc, hint: shape.hint, path: at.path });
        return;
      }
      const first = v.kind === 'dict' ? v.entries[0] : undefined;
      if (first && nonEmptyString(first.value)) out.push({ kind: 'source', source: keyNamed(first), table: named(first.value), doc: at.doc, path: at.path });
      else wrong('a model name, or a one-key mapping {source_name: table_name}');
      return;
    }
    case 'column': {
      const owners = ownersOf(shape.owner, at);
      if (nonEmptyString(v)) {
        const finding: MetaFinding = { kind: 'column', name: named(v), owners, doc: at.doc, hint: shape.hint, path: at.path };
        if (at.label !== undefined) finding.label = at.label;
        out.push(finding);
      } else wrong(owners.length ? `the name of a column of ${owners.join(' or ')}` : 'a column name');
      return;
    }
    case 'output-name':
      if (nonEmptyString(v)) out.push({ kind: 'output-name', name: named(v), doc: at.doc, path: at.path });
      else wrong(`the name of a column, e.g. '${shape.suggestion.replace('{step}', at.parentKey ?? 'STEP')}'`);
      return;
    case 'mapping': {
      if (v.kind !== 'dict') return wrong(`a mapping ${shape.expected}`);
      if (v.entries.length === 0) return wrong(`a mapping with at least one entry ${shape.expected}`);
      v.entries.forEach((e, i) => {
        if (shape.keys === 'models') out.push({ kind: 'model', name: keyNamed(e), doc: shape.keyDoc, hint: shape.hint, path: at.path });
        else out.push({ kind: 'key', key: keyNamed(e), doc: shape.keyDoc, path: at.path });
        const next: WalkAt = {
          ...at,
          where: `${at.where}.${e.key}`,
          path: [...at.path, e.key],
          doc: '',
          parentKey: e.key,
          keySpan: e.keySpan,
          first: i === 0,
          last: i === v.entries.length - 1,
        };
        if (shape.keys === 'labels') next.label = e.key;
        walk(macro, shape.value, e.value, next, out);
      });
      return;
    }
    case 'record': {
      if (v.kind !== 'dict') return wrong(fill(shape.expected, at));
      const missing: string[] = [];
      for (const f of shape.fields) {
        const entry = v.entries.find((e) => e.key === f.name);
        const optional = (f.optionalOn === 'first' && at.first) || (f.optionalOn === 'last' && at.last);
        if (!entry || entry.value.kind === 'none') {
          if (!optional) missing.push(f.name);
          if (entry) out.push({ kind: 'key', key: keyNamed(entry), doc: f.doc, path: at.path });
          continue;
        }
        out.push({ kind: 'key', key: keyNamed(entry), doc: f.doc, path: at.path });
        const inner: MetaFinding[] = [];
        walk(macro, f.shape, entry.value, { ...at, where: `${at.where}.${f.name}`, path: [...at.path, f.name], doc: f.doc, record: v }, inner);
        // A field AutomateDV does not read at this position (the bridge renders link_fk1 only from the second step,
        // link_fk2 only before another step) cannot fail: its value is still known for hover, never reported.
        for (const x of inner) {
          if (!optional) out.push(x);
          else if (x.kind === 'column') out.push({ ...x, unread: true });
          else if (x.kind !== 'shape') out.push(x);
        }
      }
      if (missing.length > 0) {
        const names = shape.fields.map((f) => f.name);
        const strays = v.entries.filter((e) => !names.includes(e.key));
        const guesses = strays.map((s) => ({ stray: s.key, guess: closestName(s.key, missing) })).filter((g) => g.guess !== undefined);
        const hint = guesses.length ? ` ${guesses.map((g) => `'${g.stray}' is not a key: did you mean '${g.guess}'?`).join(' ')}` : '';
        const span = at.keySpan ?? v.span;
        out.push({ kind: 'shape', span, message: `${macro}(): ${at.where} lacks ${missing.join(', ')}; it must be ${fill(shape.expected, at)}.${hint}` });
      }
      return;
    }
    case 'one-key': {
      const first = v.kind === 'dict' ? v.entries[0] : undefined;
      if (!first) return wrong(fill(shape.expected, at));
      out.push({ kind: 'key', key: keyNamed(first), doc: shape.keyDoc, path: at.path });
      walk(macro, shape.value, first.value, { ...at, where: `${at.where}.${first.key}`, path: [...at.path, first.key] }, out);
      return;
    }
  }
}

function ownersOf(owner: ColumnOwner, at: WalkAt): string[] {
  switch (owner.kind) {
    case 'parent-key':
      return at.parentKey !== undefined ? [at.parentKey] : [];
    case 'source-model':
      return [...at.sourceModels];
    case 'sibling': {
      const entry = at.record?.kind === 'dict' ? at.record.entries.find((e) => e.key === owner.key) : undefined;
      return entry && nonEmptyString(entry.value) ? [entry.value.value.trim()] : [];
    }
  }
}

export interface ShapeAt {
  shape: MetaShape;
  /** The record field the path ends in (or ends below, through a one-key mapping). */
  field?: FieldShape;
  /** The key of the nearest enclosing mapping entry (a satellite model, a stage, a step name). */
  parentKey?: string;
  /** The nearest label key (an xts satellite, a bridge step). */
  label?: string;
  /** How many path steps lead to the enclosing record, for finding its sibling entries. */
  recordDepth?: number;
}

/** The shape expected at a path below a parameter (keys of mappings and records), for completion. */
export function shapeAt(kind: ParamKind, path: readonly string[]): ShapeAt | undefined {
  let shape = ADVANCED_SHAPES[kind];
  const out: Omit<ShapeAt, 'shape'> = {};
  for (const [i, step] of path.entries()) {
    if (!shape) return undefined;
    switch (shape.kind) {
      case 'mapping':
        out.parentKey = step;
        if (shape.keys === 'labels') out.label = step;
        shape = shape.value;
        delete out.field;
        break;
      case 'record': {
        const found = shape.fields.find((f) => f.name === step);
        if (found) out.field = found;
        out.recordDepth = i;
        shape = found?.shape;
        break;
      }
      case 'one-key':
        shape = shape.value;
        break;
      case 'model-or-source':
        // {source_name: table_name}: below the key comes a table of that source.
        return i === path.length - 1 ? { shape, ...out, parentKey: step } : undefined;
      default:
        return undefined;
    }
  }
  return shape ? { shape, ...out } : undefined;
}

export interface ParamFinding {
  param: string;
  finding: MetaFinding;
}

const findingsOfCall = new WeakMap<TableFacts['call'], ParamFinding[]>();

/** Everything the nested parameters of a table macro call name, walked once per parse. */
export function nestedMetadataFindings(table: TableFacts): ParamFinding[] {
  let found = findingsOfCall.get(table.call);
  if (found) return found;
  found = [];
  const sourceModels = table.sourceModels.map((m) => m.value);
  for (const spec of MACRO_SIGNATURES[table.macro].params) {
    if (!ADVANCED_SHAPES[spec.kind]) continue;
    const value = table.call.params.get(spec.name)?.value;
    for (const finding of walkAdvancedParam(table.macro, spec.name, spec.kind, value, sourceModels)) found.push({ param: spec.name, finding });
  }
  findingsOfCall.set(table.call, found);
  return found;
}
