// A model file's findings as the editor shows them: the engine's (parser, project, compiler) and the vault rules',
// merged without duplicates, converted to LSP diagnostics whose `data` carries the quick fixes for code actions.
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic } from 'vscode-languageserver';
import type { Diagnostic } from '../base/diagnostic';
import { SourceText, type Range, type Span } from '../base/text';
import type { ProtocolDiagnostic } from '../protocol';

export { mergeFindings } from '../rules/merge';

/** What a diagnostic's `data` holds: its fixes as edits of the same file. */
export interface DiagnosticData {
  fixes: { title: string; range: Range; newText: string }[];
}

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, information: DiagnosticSeverity.Information } as const;

function clampSpan(span: Span | undefined, length: number): Span {
  if (!span) return { start: 0, end: 0 };
  const start = Math.max(0, Math.min(span.start, length));
  return { start, end: Math.max(start, Math.min(span.end, length)) };
}

export function toLspDiagnostics(text: string, diagnostics: readonly Diagnostic[]): LspDiagnostic[] {
  const source = new SourceText(text);
  return diagnostics.map((d) => {
    const out: LspDiagnostic = {
      range: source.rangeOf(clampSpan(d.span, text.length)),
      severity: SEVERITY[d.severity],
      code: d.code,
      source: 'dvs',
      message: d.message,
    };
    if (d.fixes?.length) {
      const data: DiagnosticData = { fixes: d.fixes.map((f) => ({ title: f.title, range: source.rangeOf(clampSpan(f.span, text.length)), newText: f.newText })) };
      out.data = data;
    }
    return out;
  });
}

/** For custom messages (dvs/compiledSql): the protocol's plain diagnostic shape. */
export function toProtocolDiagnostics(text: string, diagnostics: readonly Diagnostic[]): ProtocolDiagnostic[] {
  const source = new SourceText(text);
  return diagnostics.map((d) => ({ range: source.rangeOf(clampSpan(d.span, text.length)), severity: d.severity, code: d.code, message: d.message }));
}
