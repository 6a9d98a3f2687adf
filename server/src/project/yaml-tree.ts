// YAML files of a dbt project read into a small tree that keeps a span for every key and value, so diagnostics,
// hovers and go-to-definition can point into the file. Parsing never throws: syntax errors become diagnostics.
import { isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import { diagnostic, type Diagnostic } from '../base/diagnostic';
import type { Span } from '../base/text';
import type { JDict, JValue } from '../jinja/values';
import { readSimpleYaml, type YamlNode as FastNode } from '../jinja/yaml-fast';

export type YScalarValue = string | number | boolean | null;

export interface YScalar {
  readonly kind: 'scalar';
  readonly value: YScalarValue;
  readonly span: Span;
  /** True when the source wrote the value in quotes (or as a block scalar): then it is a string, whatever it looks like. */
  readonly quoted: boolean;
  /** A plain number as written (`0.10` stays "0.10" where the number would print "0.1"). */
  readonly numberText?: string;
}

export interface YEntry {
  readonly key: string;
  readonly keySpan: Span;
  /** undefined for `key:` with nothing after it (YAML null without a node). */
  readonly value: YValue | undefined;
}

export interface YMap {
  readonly kind: 'map';
  readonly entries: YEntry[];
  readonly span: Span;
}

export interface YSeq {
  readonly kind: 'seq';
  readonly items: YValue[];
  readonly span: Span;
}

export type YValue = YScalar | YMap | YSeq;

export interface ParsedYaml {
  /** The document's root, undefined for an empty file or one that does not parse at all. */
  root: YValue | undefined;
  diagnostics: Diagnostic[];
}

// PyYAML (which dbt uses) resolves YAML 1.1 booleans but not the one-letter y/n forms the `yaml` package adds.
const PYYAML_BOOLEAN = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;

/**
 * Parses YAML text as dbt does (PyYAML, YAML 1.1 scalars). Syntax errors become diagnostics with `code`
 * (DV021 for project YAML, DV104 for dbt_project.yml); a duplicate key is a warning (dbt warns and keeps the last).
 */
export function parseYaml(text: string, code: string): ParsedYaml {
  return parseYamlFast(text, code) ?? parseYamlWithLibrary(text, code);
}

/**
 * The plain block YAML most property files are made of, read by the fast reader (server/src/jinja/yaml-fast.ts, which
 * gives the library's offsets) with the scalars below; undefined for anything else, which the library reads.
 * test/project/yaml-tree-fast.test.ts compares both readings on every fixture file.
 */
export function parseYamlFast(text: string, code: string): ParsedYaml | undefined {
  const root = readSimpleYaml(text, resolvePyYamlScalar);
  if (!root) return undefined;
  const diagnostics: Diagnostic[] = [];
  return { root: convertFast(root, diagnostics, code), diagnostics };
}

const YAML_NULL = /^(?:null|Null|NULL)$/;
const PYYAML_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const DECIMAL = /^(?:0|[1-9][0-9]{0,14})$/;
/** A version like 0.11.5: YAML 1.1 has no number, date or time with two dots, so it is text. */
const DOTTED_VERSION = /^[0-9]+(?:\.[0-9]+){2,}$/;

/**
 * A plain scalar's value as parseYamlWithLibrary gives it, for the forms whose reading is certain: a word that starts
 * with a letter or underscore is text unless it is a null or a PyYAML boolean (no other YAML 1.1 type starts so), and
 * short decimal integers are numbers, dotted versions are text. Anything else (floats, octals, dates, signs...) is left to the library.
 */
function resolvePyYamlScalar(source: string): { value: YScalarValue } | undefined {
  const c = source.charCodeAt(0);
  const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
  if (letter) {
    if (YAML_NULL.test(source)) return { value: null };
    if (PYYAML_BOOLEAN.test(source)) return { value: PYYAML_TRUE.test(source) };
    return { value: source };
  }
  if (DOTTED_VERSION.test(source)) return { value: source };
  return DECIMAL.test(source) ? { value: Number(source) } : undefined;
}

function convertFast(node: FastNode, diagnostics: Diagnostic[], code: string): YValue {
  const span = { start: node.range[0], end: node.range[1] };
  switch (node.kind) {
    case 'scalar': {
      const value = node.value as YScalarValue;
      const quoted = node.quote !== 'plain';
      if (typeof value === 'number') return { kind: 'scalar', value, span, quoted, numberText: String(value) };
      return { kind: 'scalar', value, span, quoted };
    }
    case 'map': {
      const entries: YEntry[] = [];
      const seen = new Map<string, number>();
      for (const pair of node.pairs) {
        // The fast reader only reads plain word keys, and a value on every key.
        const key = pair.key as FastNode;
        const entry: YEntry = {
          key: (key as { value: string }).value,
          keySpan: { start: key.range[0], end: key.range[1] },
          value: pair.value ? convertFast(pair.value, diagnostics, code) : undefined,
        };
        addEntry(entries, seen, entry, false, diagnostics, code);
      }
      return { kind: 'map', entries, span };
    }
    case 'seq':
      return { kind: 'seq', items: node.items.map((item) => convertFast(item, diagnostics, code)), span };
    case 'other':
      return { kind: 'scalar', value: null, span, quoted: false };
  }
}

/** Adds an entry to a map being built; a key seen before is a duplicate (warned about unless merged in). */
function addEntry(entries: YEntry[], seen: Map<string, number>, entry: YEntry, fromMerge: boolean, diagnostics: Diagnostic[], code: string): void {
  const at = seen.get(entry.key);
  if (at === undefined) {
    seen.set(entry.key, entries.length);
    entries.push(entry);
  } else if (!fromMerge) {
    diagnostics.push(diagnostic(code, 'warning', `Duplicate key '${entry.key}': the later value wins, as in dbt. Remove one of them.`, entry.keySpan));
    entries[at] = entry;
  }
}

/** parseYaml by the `yaml` package alone: every YAML there is, errors included. */
export function parseYamlWithLibrary(text: string, code: string): ParsedYaml {
  const diagnostics: Diagnostic[] = [];
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { version: '1.1', uniqueKeys: false, prettyErrors: false, merge: false });
  } catch (e) {
    // The yaml package reports problems as values; this guards against anything it might still throw.
    return { root: undefined, diagnostics: [diagnostic(code, 'error', `YAML does not parse: ${(e as Error).message}`)] };
  }
  for (const err of doc.errors) {
    diagnostics.push(diagnostic(code, 'error', yamlErrorMessage(err.message), { start: err.pos[0], end: Math.max(err.pos[1], err.pos[0]) }));
  }
  for (const warn of doc.warnings) {
    if (warn.code === 'TAG_RESOLVE_FAILED') {
      diagnostics.push(
        diagnostic(code, 'error', `${warn.message}: dbt's YAML loader does not know this tag; quote the value if it is meant as text (e.g. "!value").`, {
          start: warn.pos[0],
          end: warn.pos[1],
        }),
      );
    }
  }
  if (doc.errors.length > 0 && !doc.contents) return { root: undefined, diagnostics };
  const root = doc.contents ? convertNode(doc.contents as YamlNode, doc, diagnostics, code, 0) : undefined;
  return { root, diagnostics };
}

function yamlErrorMessage(message: string): string {
  // The yaml package appends a source excerpt after the first line; the editor shows the place itself.
  const first = message.split('\n')[0] ?? message;
  return `YAML syntax error: ${first}`;
}

function spanOf(node: YamlNode | null | undefined): Span {
  const r = node?.range;
  return r ? { start: r[0], end: r[1] } : { start: 0, end: 0 };
}

function convertNode(node: YamlNode, doc: Document.Parsed, diagnostics: Diagnostic[], code: string, depth: number): YValue {
  if (depth > 200) return { kind: 'scalar', value: null, span: spanOf(node), quoted: false };
  if (isAlias(node)) {
    const target = node.resolve(doc);
    if (!target) return { kind: 'scalar', value: null, span: spanOf(node), quoted: false };
    const resolved = convertNode(target as YamlNode, doc, diagnostics, code, depth + 1);
    // An alias points at the anchor's content but the place the user wrote is the alias itself.
    return { ...resolved, span: spanOf(node) } as YValue;
  }
  if (isScalar(node)) {
    const quoted = node.type !== 'PLAIN' && node.type !== undefined;
    let value: YScalarValue;
    const raw = node.value;
    const source = (node as { source?: string }).source;
    if (raw === null || raw === undefined) value = null;
    else if (typeof raw === 'boolean') value = !quoted && source !== undefined && !PYYAML_BOOLEAN.test(source) ? source : raw;
    else if (typeof raw === 'number') value = raw;
    else if (typeof raw === 'bigint') value = Number(raw);
    else if (typeof raw === 'string') value = raw;
    else value = source ?? String(raw); // dates and other 1.1 types stay as written
    if (typeof value === 'number' && source !== undefined) return { kind: 'scalar', value, span: spanOf(node), quoted, numberText: source };
    return { kind: 'scalar', value, span: spanOf(node), quoted };
  }
  if (isMap(node)) {
    const entries: YEntry[] = [];
    const seen = new Map<string, number>();
    const add = (entry: YEntry, fromMerge: boolean) => addEntry(entries, seen, entry, fromMerge, diagnostics, code);
    const merges: YValue[] = [];
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      const keyText = keyNode ? keyTextOf(keyNode) : '';
      const valueNode = pair.value as YamlNode | null;
      if (keyText === '<<' && keyNode && isScalar(keyNode) && keyNode.type === 'PLAIN' && valueNode) {
        merges.push(convertNode(valueNode, doc, diagnostics, code, depth + 1));
        continue;
      }
      const value = valueNode ? convertNode(valueNode, doc, diagnostics, code, depth + 1) : undefined;
      add({ key: keyText, keySpan: spanOf(keyNode), value }, false);
    }
    // Merge keys (`<<: *defaults`) fill in what the map does not set itself.
    for (const m of merges) {
      const sources = m.kind === 'seq' ? m.items : [m];
      for (const s of sources) if (s.kind === 'map') for (const e of s.entries) add(e, true);
    }
    return { kind: 'map', entries, span: spanOf(node) };
  }
  if (isSeq(node)) {
    const items: YValue[] = [];
    for (const item of node.items) {
      if (item === null || item === undefined) items.push({ kind: 'scalar', value: null, span: spanOf(node), quoted: false });
      else items.push(convertNode(item as YamlNode, doc, diagnostics, code, depth + 1));
    }
    return { kind: 'seq', items, span: spanOf(node) };
  }
  return { kind: 'scalar', value: null, span: spanOf(node), quoted: false };
}

// A key as the user wrote it: a plain `y:` or `1:` key stays the text "y" / "1" (config and folder names are text).
function keyTextOf(keyNode: YamlNode): string {
  if (!isScalar(keyNode)) return String(keyNode);
  const raw = keyNode.value;
  if (typeof raw === 'string') return raw;
  const source = (keyNode as { source?: string }).source;
  return source ?? String(raw ?? '');
}

/** The entry for `key` in a map, or undefined (also when `map` is not a map). */
export function entryOf(map: YValue | undefined, key: string): YEntry | undefined {
  if (!map || map.kind !== 'map') return undefined;
  return map.entries.find((e) => e.key === key);
}

export function valueOf(map: YValue | undefined, key: string): YValue | undefined {
  return entryOf(map, key)?.value;
}

/** A scalar value as text (numbers as YAML wrote them), or undefined for null/collections. */
export function scalarText(v: YValue | undefined): string | undefined {
  if (!v || v.kind !== 'scalar' || v.value === null) return undefined;
  if (typeof v.value === 'string') return v.value;
  return v.numberText ?? String(v.value);
}

/** A string list from a scalar or a sequence of scalars (dbt accepts both for paths and tags). */
export function stringList(v: YValue | undefined): { value: string; span: Span }[] {
  if (!v) return [];
  if (v.kind === 'scalar') {
    const t = scalarText(v);
    return t === undefined ? [] : [{ value: t, span: v.span }];
  }
  if (v.kind === 'seq') {
    const out: { value: string; span: Span }[] = [];
    for (const item of v.items) {
      const t = scalarText(item);
      if (t !== undefined) out.push({ value: t, span: item.span });
    }
    return out;
  }
  return [];
}

/** Converts a YAML value into a Jinja value (maps keep their order), transforming strings on the way. */
export function toJValue(v: YValue | undefined, transformString: (s: YScalar) => JValue = (s) => s.value): JValue {
  if (!v) return null;
  if (v.kind === 'scalar') return typeof v.value === 'string' ? transformString(v) : v.value;
  if (v.kind === 'seq') return v.items.map((i) => toJValue(i, transformString));
  const m: JDict = new Map();
  for (const e of v.entries) m.set(e.key, toJValue(e.value, transformString));
  return m;
}
