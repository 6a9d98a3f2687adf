// The named thing under the cursor in a model file — a model name, a source table, a column in macro metadata, or the
// macro call itself — for hover, go to definition and references. LSP-free.
import type { Span } from '../base/text';
import { MACRO_SIGNATURES } from '../compile/automate-dv/signatures';
import { walkMeta } from '../model/meta';
import { vaultCall, type MacroCallInfo, type ParsedModel } from '../model/parse';
import { nestedMetadataFindings } from '../rules/nested-metadata';
import { stageOf, tableOf } from '../rules/context';
import { bareIdentifier, hashdiffColumn, isConstantName, paramColumns, payloadFacts, type Named } from '../rules/vault-facts';

export type SymbolAt =
  | { kind: 'model'; name: string; span: Span }
  | { kind: 'source'; source: string; table: string; span: Span }
  /** A column the stage `model` produces (named in a vault model reading it, or defined in the stage itself). */
  | { kind: 'stage-column'; model: string; name: string; span: Span }
  /** A column a stage reads from its source (named in the stage's own metadata). */
  | { kind: 'input-column'; stage: string; name: string; span: Span }
  | { kind: 'macro'; call: MacroCallInfo; span: Span };

const within = (span: Span, offset: number) => offset >= span.start && offset <= span.end;

const COLUMN_PARAM_KINDS = new Set(['column', 'columns', 'hashdiff', 'payload']);

export function symbolAt(parsed: ParsedModel, modelName: string, offset: number): SymbolAt | undefined {
  for (const r of parsed.refs) if (within(r.nameSpan, offset)) return { kind: 'model', name: r.name, span: r.nameSpan };
  for (const s of parsed.sources) {
    if (within(s.tableSpan, offset) || within(s.sourceSpan, offset)) return { kind: 'source', source: s.source, table: s.table, span: within(s.tableSpan, offset) ? s.tableSpan : s.sourceSpan };
  }
  const call = vaultCall(parsed);
  if (call && within(call.nameSpan, offset)) return { kind: 'macro', call, span: call.nameSpan };

  const stage = stageOf(parsed);
  if (stage) {
    const src = stage.source;
    if (src?.kind === 'ref' && within(src.model.span, offset)) return { kind: 'model', name: src.model.value, span: src.model.span };
    if (src?.kind === 'source' && (within(src.table.span, offset) || within(src.source.span, offset))) {
      return { kind: 'source', source: src.source.value, table: src.table.value, span: within(src.table.span, offset) ? src.table.span : src.source.span };
    }
    const own = (n: { name: string; keySpan: Span }) => within(n.keySpan, offset);
    for (const h of stage.hashed) if (own(h)) return { kind: 'stage-column', model: modelName, name: h.name, span: h.keySpan };
    for (const d of stage.derived) if (own(d)) return { kind: 'stage-column', model: modelName, name: d.name, span: d.keySpan };
    for (const r of stage.ranked) if (own(r)) return { kind: 'stage-column', model: modelName, name: r.name, span: r.keySpan };
    const inputs: Named[] = [
      ...stage.derived.flatMap((d) => d.items.filter((i) => d.escape || bareIdentifier(i.value) === i.value.trim())),
      ...stage.nulls,
      ...stage.hashed.flatMap((h) => h.components),
      ...stage.ranked.flatMap((r) => r.columns),
    ];
    for (const n of inputs) {
      if (within(n.span, offset) && !isConstantName(n.value)) return { kind: 'input-column', stage: modelName, name: n.value, span: n.span };
    }
    return undefined;
  }

  const table = tableOf(parsed);
  if (!table) return undefined;
  for (const m of table.sourceModels) if (within(m.span, offset)) return { kind: 'model', name: m.value, span: m.span };
  // Models, sources and columns inside the nested metadata of xts, pit and bridge.
  for (const { finding: f } of nestedMetadataFindings(table)) {
    if (f.kind === 'model' && within(f.name.span, offset)) return { kind: 'model', name: f.name.value, span: f.name.span };
    if (f.kind === 'source' && (within(f.source.span, offset) || within(f.table.span, offset))) {
      return { kind: 'source', source: f.source.value, table: f.table.value, span: within(f.table.span, offset) ? f.table.span : f.source.span };
    }
    const owner = f.kind === 'column' ? f.owners[0] : undefined;
    if (f.kind === 'column' && owner !== undefined && within(f.name.span, offset)) return { kind: 'stage-column', model: owner, name: f.name.value, span: f.name.span };
  }
  const stageName = table.sourceModels[0]?.value;
  if (!stageName) return undefined;
  const names: Named[] = [];
  for (const spec of MACRO_SIGNATURES[table.macro].params) {
    if (COLUMN_PARAM_KINDS.has(spec.kind) && spec.name !== 'src_hashdiff' && spec.name !== 'src_payload') names.push(...paramColumns(table.call, spec.name));
  }
  const hd = hashdiffColumn(table.call);
  if (hd) names.push(hd);
  const payload = payloadFacts(table.call);
  if (payload.kind === 'list') names.push(...payload.columns);
  if (payload.kind === 'exclude') names.push(...payload.except);
  for (const n of names) if (within(n.span, offset)) return { kind: 'stage-column', model: stageName, name: n.value, span: n.span };
  return undefined;
}

/** Every metadata string of a model whose text is `name` (case-insensitive), plus stage keys with that name. */
export function namedOccurrences(parsed: ParsedModel, name: string): Span[] {
  const out: Span[] = [];
  const lower = name.toLowerCase();
  const call = vaultCall(parsed);
  const stage = stageOf(parsed);
  if (stage) {
    for (const h of stage.hashed) if (h.name.toLowerCase() === lower) out.push(h.keySpan);
    for (const d of stage.derived) if (d.name.toLowerCase() === lower) out.push(d.keySpan);
    for (const r of stage.ranked) if (r.name.toLowerCase() === lower) out.push(r.keySpan);
  }
  for (const p of call?.params.values() ?? []) {
    if (!p.value) continue;
    for (const v of walkMeta(p.value)) if (v.kind === 'string' && v.value.trim().toLowerCase() === lower) out.push(v.contentSpan);
  }
  const seen = new Set<number>();
  return out.filter((s) => (seen.has(s.start) ? false : (seen.add(s.start), true))).sort((a, b) => a.start - b.start);
}
