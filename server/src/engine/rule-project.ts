// The vault rules' view of a ProjectSession (server/src/engine): models and their parsed text as last synchronised,
// declared sources, and the catalog — live when the session introspected a database, else the cache or the yml.
import type { ColumnInfo } from '../base/columns';
import type { ProjectSession } from './session';
import { columnsInSnapshot } from '../warehouse/introspect';
import type { KnownColumns, RuleProject } from '../rules/context';

export interface SessionCatalogState {
  /** The session's schema snapshot was read from the database in this process (not only from the cache file). */
  connected: boolean;
}

export function ruleProjectOfSession(session: ProjectSession, state: SessionCatalogState): RuleProject {
  const project = session.project;
  const snapshotColumns = (schema: string, table: string): KnownColumns | undefined => {
    const snapshot = session.schemaSnapshot;
    if (!snapshot) return undefined;
    const columns = columnsInSnapshot(snapshot, schema, table);
    return columns && columns.length ? { columns, origin: state.connected ? 'live' : 'cache' } : undefined;
  };
  return {
    connected: state.connected,
    packagesNotInstalled: () => project.packagesNotInstalled(),
    modelSettings(name) {
      const node = session.node(name);
      return node ? { materialized: node.materialized, config: node.config.values } : undefined;
    },
    sourceLoadedAtField: (source, table) => project.sourceTable(source, table)?.loadedAtField,
    modelNames: () => project.modelNames(),
    parsedModel(name) {
      const node = session.node(name);
      return node && node.kind === 'model' ? session.parsed(node) : undefined;
    },
    otherNodeNames: () => project.allNodes().filter((n) => n.kind !== 'model' && n.enabled).map((n) => n.name),
    sourceTables: () => [...project.sources.values()].flatMap((s) => [...s.tables.values()].map((t) => ({ source: s.name, table: t.name }))),
    sourceColumns(source, table) {
      const rel = project.sourceRelation(source, table);
      if (!rel) return undefined;
      const live = snapshotColumns(rel.schema, rel.identifier);
      if (live) return live;
      const snapshot = session.schemaSnapshot;
      // Connected and introspected: a declared table the database lacks is missing (DV303), whatever the yml says.
      if (state.connected && snapshot) return 'missing';
      const declared = project.sourceColumns(source, table);
      if (declared.length === 0) return undefined;
      const columns: ColumnInfo[] = declared.map((c) => ({ name: c.name, dataType: c.dataType ?? '' }));
      return { columns, origin: 'declared' };
    },
    modelColumns(name) {
      const node = session.node(name);
      if (!node) return undefined;
      if (node.columns) return { columns: node.columns, origin: 'static' };
      return snapshotColumns(node.relation.schema, node.relation.identifier);
    },
  };
}

/**
 * The same view, with the lists every model's rules ask for (model names, other nodes, source tables) computed once:
 * for a check of many models in one go, during which the project does not change.
 */
export function onceForBatch(project: RuleProject): RuleProject {
  let modelNames: string[] | undefined;
  let otherNodeNames: string[] | undefined;
  let sourceTables: { source: string; table: string }[] | undefined;
  return {
    ...project,
    modelNames: () => (modelNames ??= [...project.modelNames()]),
    otherNodeNames: () => (otherNodeNames ??= [...project.otherNodeNames()]),
    sourceTables: () => (sourceTables ??= [...project.sourceTables()]),
  };
}
