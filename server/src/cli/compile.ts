// `dvs compile`: writes what `dbt compile` writes — each selected model's SELECT, unformatted as dbt leaves it — under
// <out>/<project name>/<model path>, or prints one model with --stdout. --pretty formats the SQL (sql-formatter).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { SourceText } from '../base/text';
import { failsRun } from '../base/codes';
import { selectNodes } from '../engine/select';
import { flagValue, hasFlag, selectorWords, type ParsedArgs } from './args';
import { CliFailure, type CliIo } from './io';
import { openSession } from './session';

export async function runCompile(args: ParsedArgs, io: CliIo): Promise<number> {
  const session = openSession(args, io, 'read');
  const nodes = selectNodes(session, selectorWords(args, 'select'), selectorWords(args, 'exclude'));
  const toStdout = hasFlag(args, 'stdout');
  if (toStdout && nodes.length !== 1) {
    throw new CliFailure(`--stdout prints one model, but the selection has ${nodes.length}. Narrow it with --select <model>.`);
  }
  const out = resolve(io.cwd, flagValue(args, 'out') ?? join(session.root, session.project.settings.targetPath ?? 'target', 'compiled'));
  let failed = 0;
  for (const node of nodes) {
    const compiled = session.compile(node, { incremental: hasFlag(args, 'incremental'), formatSql: hasFlag(args, 'pretty') });
    const errors = compiled.diagnostics.filter(failsRun);
    const text = session.textOf(node);
    const src = new SourceText(text);
    for (const d of compiled.diagnostics) {
      const p = src.positionAt(d.span?.start ?? 0);
      io.err(`${node.path}:${p.line + 1}:${p.character + 1}: ${d.severity} ${d.code}: ${d.message}\n`);
    }
    if (errors.length) {
      failed++;
      continue;
    }
    if (toStdout) {
      io.out(compiled.sql.endsWith('\n') ? compiled.sql : compiled.sql + '\n');
    } else {
      const file = join(out, session.project.name, node.path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, compiled.sql.endsWith('\n') ? compiled.sql : compiled.sql + '\n');
    }
  }
  if (!toStdout) io.err(`dvs: compiled ${nodes.length - failed} of ${nodes.length} models into ${join(out, session.project.name)}\n`);
  return failed ? 1 : 0;
}
