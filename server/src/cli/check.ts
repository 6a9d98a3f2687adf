// `dvs check`: every model's diagnostics (parser, project, compile, vault rules), as text or one JSON document.
import { relative } from 'node:path';
import type { Diagnostic } from '../base/diagnostic';
import { SourceText } from '../base/text';
import { flagValue, type ParsedArgs } from './args';
import { CliFailure, type CliIo } from './io';
import { openSession } from './session';
import { checkProject } from '../engine/check';

export interface CheckEntry {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: Diagnostic['severity'];
  code: string;
  message: string;
}

export async function runCheck(args: ParsedArgs, io: CliIo): Promise<number> {
  const format = flagValue(args, 'format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new CliFailure(`--format must be text or json, not '${format}'.`);
  const session = openSession(args, io, 'read');
  const result = checkProject(session);
  const entries: CheckEntry[] = [];
  for (const { file, text, diagnostics } of result.files) {
    const src = new SourceText(text);
    for (const d of diagnostics) {
      const start = src.positionAt(d.span?.start ?? 0);
      const end = src.positionAt(d.span?.end ?? 0);
      entries.push({
        file: relative(session.root, file).split('\\').join('/'),
        line: start.line + 1,
        column: start.character + 1,
        endLine: end.line + 1,
        endColumn: end.character + 1,
        severity: d.severity,
        code: d.code,
        message: d.message,
      });
    }
  }
  entries.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
  if (format === 'json') {
    io.out(JSON.stringify({ models: result.models, diagnostics: entries }, null, 2) + '\n');
  } else {
    for (const e of entries) io.out(`${e.file}:${e.line}:${e.column}: ${e.severity} ${e.code}: ${e.message}\n`);
    const counts = (s: Diagnostic['severity']) => entries.filter((e) => e.severity === s).length;
    io.err(`dvs: checked ${result.models} models: ${counts('error')} errors, ${counts('warning')} warnings, ${counts('information')} information\n`);
  }
  return entries.some((e) => e.severity === 'error') ? 1 : 0;
}
