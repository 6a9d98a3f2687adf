// Reads a yaml_metadata block into MetaValues with spans in the model file. The YAML is read as YAML 1.1, as dbt's
// fromyaml (PyYAML safe_load) reads it, and any error or unresolved tag — where dbt's fromyaml returns None — is
// reported with its position so the user sees the line instead of a later "None has no attribute" failure.
import { isMap, isScalar, isSeq, parseDocument, Scalar, type Node } from 'yaml';
import type { Span } from '../base/text';
import type { MetaEntry, MetaValue } from './meta';

export interface YamlProblem {
  message: string;
  span: Span;
  /** An unquoted `!constant`: YAML reads it as a tag. */
  unquotedConstant?: boolean;
}

export interface YamlMetaResult {
  value: MetaValue | undefined;
  problems: YamlProblem[];
}

/**
 * Parses `text` (the block body as it stands in the file, Jinja parts masked to keep offsets) whose first character
 * sits at `base` in the file.
 */
export function readYamlMetadata(text: string, base: number): YamlMetaResult {
  const problems: YamlProblem[] = [];
  // YAML reports some errors one past the end of the text; keep every span inside the block.
  const limit = base + text.length;
  const within = (start: number, end: number): Span => {
    const s = Math.min(start, Math.max(base, limit - 1));
    return { start: Math.max(base, s), end: Math.max(Math.max(base, s), Math.min(end, limit)) };
  };
  const doc = parseDocument(text, { version: '1.1', prettyErrors: false, uniqueKeys: false });
  for (const e of doc.errors) {
    const [s, t] = e.pos;
    problems.push({ message: e.message.split('\n')[0] ?? e.message, span: within(base + s, base + Math.max(t, s + 1)) });
  }
  for (const w of doc.warnings) {
    const [s, t] = w.pos;
    const tag = /Unresolved tag: (\S+)/.exec(w.message);
    if (tag) {
      problems.push({
        message: `'${tag[1]}' is read as a YAML tag, so dbt's fromyaml fails and returns None. Quote the value: '${tag[1]}…'`,
        span: within(base + s, base + Math.max(t, s + 1)),
        unquotedConstant: true,
      });
    }
  }
  const contents = doc.contents as Node | null;
  const value = contents ? toMeta(contents, text, base) : undefined;
  return { value, problems };
}

function spanOf(node: Node, base: number): Span {
  const r = node.range ?? [0, 0, 0];
  return { start: base + r[0], end: base + r[1] };
}

function toMeta(node: Node, text: string, base: number): MetaValue {
  const span = spanOf(node, base);
  if (isMap(node)) {
    const entries: MetaEntry[] = [];
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const key = isScalar(keyNode) ? String(keyNode.value) : '';
      const keySpan = keyNode ? contentSpanOf(keyNode, base) : span;
      const valueNode = pair.value as Node | null;
      const value: MetaValue = valueNode ? toMeta(valueNode, text, base) : { kind: 'none', span: { start: keySpan.end, end: keySpan.end } };
      entries.push({ key, keySpan, value, span: { start: keySpan.start, end: Math.max(keySpan.end, value.span.end) } });
    }
    return { kind: 'dict', entries, span };
  }
  if (isSeq(node)) {
    return { kind: 'list', items: node.items.map((i) => toMeta(i as Node, text, base)), span };
  }
  if (isScalar(node)) {
    const v = node.value;
    if (v === null || v === undefined) return { kind: 'none', span };
    if (typeof v === 'boolean') return { kind: 'bool', value: v, span };
    if (typeof v === 'number') return { kind: 'number', value: v, span };
    if (v instanceof Date) return { kind: 'string', value: v.toISOString().slice(0, 10), span, contentSpan: span };
    return { kind: 'string', value: String(v), span, contentSpan: contentSpanOf(node, base) };
  }
  return { kind: 'dynamic', span, reason: 'YAML alias or unsupported node' };
}

function contentSpanOf(node: Node, base: number): Span {
  const span = spanOf(node, base);
  if (isScalar(node) && (node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE) && span.end - span.start >= 2) {
    return { start: span.start + 1, end: span.end - 1 };
  }
  return span;
}
