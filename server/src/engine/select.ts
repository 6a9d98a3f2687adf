// dbt selection over a session's models (`+a b+`, `tag:x`, `path:models/dds`, `@a`, …) with --exclude, in graph order.
import { selectModels, type Selection } from '../load/select';
import type { ProjectNode } from '../project';
import type { ProjectSession } from './session';

export interface NodeSelection {
  nodes: ProjectNode[];
  warnings: string[];
  errors: string[];
}

export function selectProjectNodes(session: ProjectSession, select: string[], exclude: string[]): NodeSelection {
  const models = session.models();
  const names = new Set(models.map((m) => m.name));
  const graph = session.project
    .projectGraphNodes()
    .filter((n) => n.resourceType === 'model' && names.has(n.name))
    .map((n) => ({ name: n.name, path: n.path, tags: n.tags, materialized: n.materialized, dependsOn: n.dependsOn, package: session.project.name }));
  const selection: Selection = selectModels(graph, select, exclude, { projectName: session.project.name });
  const byName = new Map(models.map((m) => [m.name, m]));
  const order = session.project.topologicalOrder(selection.selected);
  const chosen = new Set(selection.selected);
  const nodes = order.filter((n) => chosen.has(n)).map((n) => byName.get(n)).filter((n): n is ProjectNode => n !== undefined);
  return { nodes, warnings: selection.warnings, errors: selection.errors };
}

/** The selected nodes only (for callers that report warnings themselves). */
export function selectNodes(session: ProjectSession, select: string[], exclude: string[]): ProjectNode[] {
  return selectProjectNodes(session, select, exclude).nodes;
}
