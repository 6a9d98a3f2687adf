// dvs/compiledSql: a model's compiled SELECT as last synchronised (unsaved edits included), first-load or incremental,
// with the range of its macro call and its findings.
import { SourceText } from '../base/text';
import type { ProjectSession } from '../engine/session';
import type { ProjectNode } from '../project';
import { vaultCall } from '../model/parse';
import type { CompiledSqlResult, Materialization } from '../protocol';
import { toProtocolDiagnostics } from './diagnostics';
import { hasIncrementalBranch } from '../base/materializations';

const MATERIALIZATIONS = new Set<string>(['view', 'table', 'incremental', 'ephemeral']);

export function compiledSql(session: ProjectSession, node: ProjectNode, request: { incremental?: boolean; format?: boolean }): CompiledSqlResult {
  const text = session.textOf(node);
  const parsed = session.parse(text);
  const compiled = session.compile(node, { text, incremental: request.incremental === true, formatSql: request.format !== false });
  const result: CompiledSqlResult = {
    sql: compiled.diagnostics.some((d) => d.severity === 'error') ? '' : compiled.sql,
    model: node.name,
    incremental: request.incremental === true && hasIncrementalBranch(node.materialized),
    diagnostics: toProtocolDiagnostics(text, [...parsed.diagnostics, ...compiled.diagnostics]),
  };
  if (MATERIALIZATIONS.has(node.materialized)) result.materialization = node.materialized as Materialization;
  else if (hasIncrementalBranch(node.materialized)) result.materialization = 'incremental';
  const call = vaultCall(parsed);
  if (call) result.macroCall = new SourceText(text).rangeOf(call.span);
  return result;
}
