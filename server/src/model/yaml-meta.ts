// Reads a yaml_metadata block into MetaValues with spans in the model file. The YAML is read once, as dbt's fromyaml
// (PyYAML safe_load) reads it, by the Jinja engine's reader, which keeps fromyaml's value for the renderer; any error or unresolved tag — where dbt's fromyaml returns None — is
// reported with its position so the user sees the line instead of a later "None has no attribute" failure.
import type { Span } from '../base/text';
import { PyDate, PyDatetime } from '../jinja/datetime';
import { PyFloat } from '../jinja/values';
import { readYaml, yamlKeyText, type YamlNode } from '../jinja/yaml';
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
 * Where each stretch of the text YAML reads stands in the file. Jinja's whitespace control (`-%}`, `{%-`) removes
 * whitespace from the block body before fromyaml sees it, so the text YAML reads is not one slice of the file; each
 * piece keeps its own file offset so spans still point at the written names.
 */
export interface TextPiece {
  /** Offset of the piece in the text YAML reads. */
  at: number;
  /** Offset of the piece's first character in the file. */
  fileStart: number;
  length: number;
  /**
   * Set for text Jinja renders from a tag (a constant, or a mask standing for a value only known at render time):
   * the tag's end in the file. Offsets inside such a piece map to the whole tag.
   */
  fileEnd?: number;
  /** The piece stands for a value only known at render time: a scalar containing it is dynamic. */
  masked?: boolean;
}

/** Maps offsets of the YAML text back into the file. */
export class OffsetMap {
  constructor(
    private readonly pieces: readonly TextPiece[],
    /** The file span of the whole block body, which every mapped span stays inside. */
    readonly body: Span,
  ) {}

  private pieceAt(offset: number): TextPiece | undefined {
    return this.pieces.find((p) => offset >= p.at && offset < p.at + p.length);
  }

  /** The file offset of the character at `offset` (for the start of a span). */
  start(offset: number): number {
    const p = this.pieceAt(offset);
    if (p) return p.fileEnd !== undefined ? p.fileStart : p.fileStart + (offset - p.at);
    const last = this.pieces[this.pieces.length - 1];
    if (!last || offset < 0) return this.body.start;
    return last.fileEnd ?? last.fileStart + last.length;
  }

  /** The file offset just after the character before `offset` (for the end of a span). */
  end(offset: number): number {
    if (offset <= 0) return this.start(0);
    const p = this.pieceAt(offset - 1);
    if (p?.fileEnd !== undefined) return p.fileEnd;
    return this.start(offset - 1) + 1;
  }

  /** Whether the YAML text between the offsets holds a value only known at render time. */
  masked(start: number, end: number): boolean {
    return this.pieces.some((p) => p.masked === true && p.at < end && p.at + p.length > start);
  }

  span(start: number, end: number): Span {
    const s = this.start(start);
    return { start: s, end: Math.max(s, this.end(end)) };
  }

  static contiguous(base: number, length: number): OffsetMap {
    return new OffsetMap([{ at: 0, fileStart: base, length }], { start: base, end: base + length });
  }
}

/**
 * Parses `text` (the block body as Jinja renders it, Jinja parts masked) whose characters map into the file through
 * `at` (or, given a number, start at that file offset and follow the file one to one).
 */
export function readYamlMetadata(text: string, at: number | OffsetMap): YamlMetaResult {
  const map = typeof at === 'number' ? OffsetMap.contiguous(at, text.length) : at;
  const problems: YamlProblem[] = [];
  // YAML reports some errors one past the end of the text; keep every span inside the block.
  const { start: lo, end: hi } = map.body;
  const within = (span: Span): Span => {
    const s = Math.max(lo, Math.min(span.start, Math.max(lo, hi - 1)));
    return { start: s, end: Math.max(s, Math.min(span.end, hi)) };
  };
  const reading = readYaml(text);
  for (const e of reading.errors) {
    const [s, t] = e.pos;
    problems.push({ message: e.message.split('\n')[0] ?? e.message, span: within(map.span(s, Math.max(t, s + 1))) });
  }
  for (const w of reading.warnings) {
    const [s, t] = w.pos;
    const tag = /Unresolved tag: (\S+)/.exec(w.message);
    if (tag) {
      problems.push({
        message: `'${tag[1]}' is read as a YAML tag, so dbt's fromyaml fails and returns None. Quote the value: '${tag[1]}…'`,
        span: within(map.span(s, Math.max(t, s + 1))),
        unquotedConstant: true,
      });
    }
  }
  const value = reading.root ? toMeta(reading.root, map) : undefined;
  return { value, problems };
}

function spanOf(node: YamlNode, map: OffsetMap): Span {
  return map.span(node.range[0], node.range[1]);
}

function toMeta(node: YamlNode, base: OffsetMap): MetaValue {
  const span = spanOf(node, base);
  if (node.kind === 'map') {
    const entries: MetaEntry[] = [];
    for (const pair of node.pairs) {
      const keyNode = pair.key;
      const key = keyNode?.kind === 'scalar' ? yamlKeyText(keyNode.value) : '';
      const keySpan = keyNode ? contentSpanOf(keyNode, base) : span;
      const valueNode = pair.value;
      const value: MetaValue = valueNode ? toMeta(valueNode, base) : { kind: 'none', span: { start: keySpan.end, end: keySpan.end } };
      entries.push({ key, keySpan, value, span: { start: keySpan.start, end: Math.max(keySpan.end, value.span.end) } });
    }
    return { kind: 'dict', entries, span };
  }
  if (node.kind === 'seq') {
    return { kind: 'list', items: node.items.map((i) => toMeta(i, base)), span };
  }
  if (node.kind === 'scalar') {
    if (base.masked(node.range[0], node.range[1])) return { kind: 'dynamic', span, reason: 'rendered by Jinja' };
    const v = node.value;
    if (v === null || v === undefined) return { kind: 'none', span };
    if (typeof v === 'boolean') return { kind: 'bool', value: v, span };
    if (typeof v === 'number') return { kind: 'number', value: v, span };
    if (v instanceof PyFloat) return { kind: 'number', value: v.value, span };
    // A date is a string to the model's facts, as it was written.
    if (v instanceof PyDate || v instanceof PyDatetime) return { kind: 'string', value: v.render().slice(0, 10), span, contentSpan: span };
    return { kind: 'string', value: String(v), span, contentSpan: contentSpanOf(node, base) };
  }
  return { kind: 'dynamic', span, reason: 'YAML alias or unsupported node' };
}

function contentSpanOf(node: YamlNode, base: OffsetMap): Span {
  const span = spanOf(node, base);
  if (node.kind === 'scalar' && (node.quote === 'double' || node.quote === 'single') && span.end - span.start >= 2) {
    return { start: span.start + 1, end: span.end - 1 };
  }
  return span;
}
