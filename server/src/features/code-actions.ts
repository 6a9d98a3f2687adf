// Quick fixes: each diagnostic that carries fixes in its `data` (a "did you mean" name, a quote to remove) offers them
// as code actions editing the file.
import { CodeActionKind, type CodeAction, type Diagnostic as LspDiagnostic } from 'vscode-languageserver';
import type { DiagnosticData } from './diagnostics';

function fixesOf(d: LspDiagnostic): DiagnosticData['fixes'] {
  const data = d.data as Partial<DiagnosticData> | undefined;
  return Array.isArray(data?.fixes) ? data.fixes : [];
}

export function quickFixes(uri: string, diagnostics: readonly LspDiagnostic[]): CodeAction[] {
  const out: CodeAction[] = [];
  for (const d of diagnostics) {
    const fixes = fixesOf(d);
    fixes.forEach((f, i) => {
      out.push({
        title: f.title,
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        isPreferred: fixes.length === 1 && i === 0,
        edit: { changes: { [uri]: [{ range: f.range, newText: f.newText }] } },
      });
    });
  }
  return out;
}
