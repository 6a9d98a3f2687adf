// dvs/rawSchema and dvs/refreshSchema: the schemas the project's sources live in, with their tables and column types,
// from the session's schema snapshot (live or cached), plus when it was read and what went wrong if anything.
import type { ProjectSession } from '../engine/session';
import type { RawSchemaNode, RawSchemaResult } from '../protocol';
import type { SchemaState } from './project-view';

export function rawSchemaResult(session: ProjectSession, state: SchemaState): RawSchemaResult {
  const wanted = new Set([...session.project.sources.values()].map((s) => s.schema));
  const snapshot = session.schemaSnapshot;
  const schemas: RawSchemaNode[] = [];
  for (const schema of snapshot?.schemas ?? []) {
    if (wanted.size > 0 && !wanted.has(schema.name)) continue;
    schemas.push({
      name: schema.name,
      tables: schema.tables.map((t) => ({ name: t.name, kind: t.kind, columns: t.columns.map((c) => ({ name: c.name, type: c.dataType, nullable: c.nullable })) })),
    });
  }
  const result: RawSchemaResult = { target: state.target, schemas };
  const refreshedAt = state.refreshedAt ?? snapshot?.introspectedAt;
  if (refreshedAt) result.refreshedAt = refreshedAt;
  if (state.problem) result.problem = state.problem;
  else if (!snapshot) result.problem = 'The raw schema has not been read yet.';
  return result;
}
