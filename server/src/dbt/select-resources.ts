// dbt's selection syntax over one kind of resource (seeds for `dvs seed`; models, seeds and snapshots for the models
// that `dvs test` tests), through the same selector engine as loads.
import { selectModels } from '../load/select';
import type { NodeKind, ProjectNode } from '../project';
import type { ProjectSession } from '../engine/session';

export interface ResourceSelection {
  nodes: ProjectNode[];
  warnings: string[];
  errors: string[];
}

/** The enabled nodes of the given kinds that `select` (all when empty) minus `exclude` names, ordered by path. */
export function selectResources(session: ProjectSession, kinds: readonly NodeKind[], select: string[], exclude: string[]): ResourceSelection {
  const project = session.project;
  const graphNodes = project.projectGraphNodes();
  const graph = graphNodes.map((n) => ({ name: n.name, path: n.path, tags: n.tags, materialized: n.materialized, dependsOn: n.dependsOn, package: project.name }));
  const selection = selectModels(graph, select, exclude, { projectName: project.name });
  const chosen = new Set(selection.selected);
  const nodes = project.allNodes().filter((n) => n.enabled && kinds.includes(n.kind) && chosen.has(n.name));
  // A selector that matched only other kinds of nodes matched nothing of these (dbt says so per resource type).
  return { nodes, warnings: selection.warnings, errors: selection.errors };
}
