// Metadata values as written in a model file: the literal a `{% set %}` or a yaml_metadata block gives a macro
// parameter, with the span of every string, list element and dict key, so completion, hover and diagnostics can
// point at the exact name. `dynamic` marks a value only known when the model renders (a var(), an expression).
import type { Span } from '../base/text';
import { UNDEFINED, type JDict, type JValue } from '../jinja/values';

export interface MetaEntry {
  key: string;
  keySpan: Span;
  value: MetaValue;
  span: Span;
}

export type MetaValue =
  | { kind: 'string'; value: string; span: Span; contentSpan: Span }
  | { kind: 'number'; value: number; span: Span }
  | { kind: 'bool'; value: boolean; span: Span }
  | { kind: 'none'; span: Span }
  | { kind: 'list'; items: MetaValue[]; span: Span }
  | { kind: 'dict'; entries: MetaEntry[]; span: Span }
  | { kind: 'dynamic'; span: Span; reason: string };

/**
 * The Jinja value the metadata stands for; dynamic parts become undefined, or, inside a list or dict, `nestedDynamic`
 * when given (a stand-in that keeps the shape readable: a derived column whose expression calls var() is still a column).
 */
export function metaToJValue(v: MetaValue | undefined, nestedDynamic?: JValue): JValue {
  if (!v) return UNDEFINED;
  const inner = (x: MetaValue): JValue => (x.kind === 'dynamic' && nestedDynamic !== undefined ? nestedDynamic : metaToJValue(x, nestedDynamic));
  switch (v.kind) {
    case 'string':
    case 'number':
    case 'bool':
      return v.value;
    case 'none':
      return null;
    case 'list':
      return v.items.map(inner);
    case 'dict': {
      const m: JDict = new Map();
      for (const e of v.entries) m.set(e.key, inner(e.value));
      return m;
    }
    case 'dynamic':
      return UNDEFINED;
  }
}

/** A dict entry by key (exact first, then case-insensitive as AutomateDV compares config keys). */
export function metaEntry(v: MetaValue | undefined, key: string): MetaEntry | undefined {
  if (!v || v.kind !== 'dict') return undefined;
  return v.entries.find((e) => e.key === key) ?? v.entries.find((e) => e.key.toLowerCase() === key.toLowerCase());
}

/** The strings of a value that is a string or a list of strings (column lists), with their spans. */
export function metaStrings(v: MetaValue | undefined): { value: string; span: Span }[] {
  if (!v) return [];
  if (v.kind === 'string') return [{ value: v.value, span: v.contentSpan }];
  if (v.kind !== 'list') return [];
  // A loop rather than flatMap with an array per item: rules ask for these lists thousands of times in a check.
  const out: { value: string; span: Span }[] = [];
  for (const i of v.items) if (i.kind === 'string') out.push({ value: i.value, span: i.contentSpan });
  return out;
}

/** Every string anywhere inside a value (used to find the value under a cursor). */
export function* walkMeta(v: MetaValue): Generator<MetaValue> {
  yield v;
  if (v.kind === 'list') for (const i of v.items) yield* walkMeta(i);
  if (v.kind === 'dict') for (const e of v.entries) yield* walkMeta(e.value);
}
