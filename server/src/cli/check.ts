// `dvs check`: every model's diagnostics (parser, project, compile, vault rules), as text or one JSON document.
import { relative } from 'node:path';
import type { Diagnostic } from '../base/diagnostic';
import { SourceText } from '../base/text';
import { flagValue, hasFlag, type ParsedArgs } from './args';
import { CliFailure, type CliIo } from './io';
import { openSession } from './session';
import { checkProject } from '../engine/check';
import { verifyEmulation, type EmulationReport } from '../engine/verify-emulation';

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
  let emulation: EmulationReport | undefined;
  if (hasFlag(args, 'verify-emulation')) {
    emulation = verifyEmulation(session);
    if (!emulation) {
      throw new CliFailure(`--verify-emulation needs AutomateDV installed in ${session.project.settings.packagesInstallPath}/ (or a local: package): run dvs deps (or dbt deps) first.`);
    }
  }
  if (format === 'json') {
    io.out(JSON.stringify({ models: result.models, diagnostics: entries, ...(emulation ? { emulation } : {}) }, null, 2) + '\n');
  } else {
    for (const e of entries) io.out(`${e.file}:${e.line}:${e.column}: ${e.severity} ${e.code}: ${e.message}\n`);
    const counts = (s: Diagnostic['severity']) => entries.filter((e) => e.severity === s).length;
    io.err(`dvs: checked ${result.models} models: ${counts('error')} errors, ${counts('warning')} warnings, ${counts('information')} information\n`);
    if (emulation) {
      for (const d of emulation.differences) io.out(`${d.path}: ${d.model} compiles differently (- ${emulation.package}, + emulation)\n${d.diff.map((l) => `    ${l}`).join('\n')}\n`);
      io.err(`dvs: compared ${emulation.compared} models with the installed ${emulation.package}: ${emulation.differences.length} differ from the emulation\n`);
    }
  }
  // Each difference between the installed package and the emulation is a finding, as an error diagnostic is.
  return entries.some((e) => e.severity === 'error') || (emulation?.differences.length ?? 0) > 0 ? 1 : 0;
}
