// Loads from a session: the selected models become LoadModels whose SQL is compiled lazily, when the loader knows
// whether the incremental branch applies (the target table exists and no --full-refresh), exactly as dbt decides.
import type { Diagnostic } from '../base/diagnostic';
import type { LoadModel } from '../load/model';
import type { ProjectNode } from '../project';
import type { ProjectSession } from './session';

/** A model whose compilation failed; the loader reports the message as the model's error. */
export class ModelCompileError extends Error {
  constructor(
    readonly model: string,
    readonly diagnostics: Diagnostic[],
  ) {
    super(diagnostics.map((d) => `${d.code}: ${d.message}`).join('; '));
    this.name = 'ModelCompileError';
  }
}

export function loadModelsFor(session: ProjectSession, nodes: ProjectNode[]): LoadModel[] {
  const selected = new Set(nodes.map((n) => n.name));
  return nodes.map((node) => ({
    name: node.name,
    relation: node.relation,
    materialized: node.materialized,
    dependsOn: session.project.parents(node.name).filter((p) => selected.has(p)),
    sql(incremental: boolean): string {
      const compiled = session.compile(node, { incremental, formatSql: false });
      const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
      if (errors.length) throw new ModelCompileError(node.name, errors);
      return compiled.rawSql;
    },
  }));
}
