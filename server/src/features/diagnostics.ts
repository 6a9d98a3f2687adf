// A model file's findings as the editor shows them: the engine's (parser, project, compiler) and the vault rules',
// merged without duplicates, converted to LSP diagnostics whose `data` carries the quick fixes for code actions.
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic } from 'vscode-languageserver';
import type { Diagnostic } from '../base/diagnostic';
import { SourceText, type Range, type Span } from '../base/text';
import { vaultCall, type ParsedModel } from '../model/parse';
import type { ProtocolDiagnostic } from '../protocol';

/** What a diagnostic's `data` holds: its fixes as edits of the same file. */
export interface DiagnosticData {
  fixes: { title: string; range: Range; newText: string }[];
}

/**
 * Merges engine findings with the rules'. The compiler reports some problems without a precise place (on the macro
 * name); when a rule reports the same code precisely, the coarse one goes. Exact repeats (same code, place and
 * message) are dropped too.
 */
export function mergeFindings(parsed: ParsedModel, engine: readonly Diagnostic[], rules: readonly Diagnostic[]): Diagnostic[] {
  const call = vaultCall(parsed) ?? parsed.calls[0];
  const coarse = (d: Diagnostic) => !d.span || (call !== undefined && d.span.start === call.nameSpan.start && d.span.end === call.nameSpan.end) || d.span.start === 0;
  const ruleCodes = new Set(rules.map((d) => d.code));
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const d of [...engine.filter((e) => !(ruleCodes.has(e.code) && coarse(e))), ...rules]) {
    const key = `${d.code}@${d.span?.start ?? -1}:${d.span?.end ?? -1}`;
    if (seen.has(key) || seen.has(`${key}|${d.message}`)) continue;
    seen.add(key);
    seen.add(`${key}|${d.message}`);
    out.push(d);
  }
  return out;
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
