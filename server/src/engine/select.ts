// dbt selection over a session's models (`+a b+`, `tag:x`, `path:models/dds`, `@a`, …) with --exclude, in graph order.
import type { ProjectNode } from '../project';
import { selectInProject } from '../project/select';
import type { ProjectSession } from './session';

export interface NodeSelection {
  nodes: ProjectNode[];
  warnings: string[];
  errors: string[];
}

export function selectProjectNodes(session: ProjectSession, select: string[], exclude: string[]): NodeSelection {
  const models = session.models();
  const names = new Set(models.map((m) => m.name));
  const selection = selectInProject(session.project, select, exclude, (n) => n.resourceType === 'model' && names.has(n.name));
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

/**
 * The views the selected models read, transitively through views, that the selection left out. A stage view keeps the
 * run_started_at it was built with until it is rebuilt, so a load of a vault model rebuilds them too (CONTRACTS.md).
 */
export function upstreamViews(session: ProjectSession, nodes: ProjectNode[]): ProjectNode[] {
  const selected = new Set(nodes.map((n) => n.name));
  const added = new Map<string, ProjectNode>();
  const visit = (name: string): void => {
    for (const parent of session.project.parents(name)) {
      const node = session.project.node(parent);
      if (!node || !node.enabled || node.kind !== 'model' || node.materialized !== 'view') continue;
      if (selected.has(parent) || added.has(parent)) continue;
      added.set(parent, node);
      visit(parent);
    }
  };
  for (const n of nodes) visit(n.name);
  return [...added.values()];
}
