// Document symbols of a model file: the AutomateDV call with its parameters, each yaml metadata block with its keys
// (and the columns under them), and the `{% set %}` variables.
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import { SourceText, type Span } from '../base/text';
import type { MetaValue } from '../model/meta';
import type { ParsedModel } from '../model/parse';

function summary(v: MetaValue | undefined): string {
  if (!v) return '';
  switch (v.kind) {
    case 'string':
      return v.value;
    case 'number':
    case 'bool':
      return String(v.value);
    case 'none':
      return 'none';
    case 'list':
      return v.items.map(summary).join(', ');
    case 'dict':
      return `{${v.entries.map((e) => e.key).join(', ')}}`;
    case 'dynamic':
      return v.reason;
  }
}

export function documentSymbols(parsed: ParsedModel): DocumentSymbol[] {
  const source = new SourceText(parsed.text);
  const range = (s: Span) => source.rangeOf(s);
  const out: DocumentSymbol[] = [];
  const entriesOf = (v: MetaValue | undefined, depth: number): DocumentSymbol[] => {
    if (!v || v.kind !== 'dict' || depth > 3) return [];
    return v.entries.map((e) => {
      const whole = { start: Math.min(e.span.start, e.keySpan.start), end: Math.max(e.span.end, e.keySpan.end, e.value.span.end) };
      const symbol: DocumentSymbol = {
        name: e.key,
        detail: summary(e.value).slice(0, 120),
        kind: depth === 0 ? SymbolKind.Property : SymbolKind.Field,
        range: range(whole),
        selectionRange: range(e.keySpan),
      };
      const children = entriesOf(e.value, depth + 1);
      if (children.length) symbol.children = children;
      return symbol;
    });
  };
  for (const block of parsed.yamlBlocks) {
    const symbol: DocumentSymbol = { name: block.name, detail: 'yaml metadata', kind: SymbolKind.Namespace, range: range(block.bodySpan), selectionRange: range({ start: block.bodySpan.start, end: block.bodySpan.start }) };
    const children = entriesOf(block.result.value, 0);
    if (children.length) symbol.children = children;
    out.push(symbol);
  }
  for (const [name, v] of parsed.variables) {
    out.push({ name, detail: summary(v.value).slice(0, 120), kind: SymbolKind.Variable, range: range(v.span), selectionRange: range(v.span) });
  }
  for (const call of parsed.calls) {
    if (!call.signature) continue;
    const children: DocumentSymbol[] = [...call.params.values()].map((p) => ({
      name: p.name,
      detail: summary(p.value).slice(0, 120),
      kind: SymbolKind.Property,
      range: range(p.argSpan),
      selectionRange: range(p.argSpan),
    }));
    out.push({ name: `${call.namespace}.${call.macro}`, detail: call.signature.description, kind: SymbolKind.Function, range: range(call.span), selectionRange: range(call.nameSpan), children });
  }
  return out.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}
