// dvs/projectGraph: the project's models (with their vault kind, keys and parents), sources and dependency edges,
// for the Vault view and the diagram.
import { AUTOMATE_DV_MACROS, isMacroOfFamily } from '../base/automate-dv-macros';
import type { ProjectSession } from '../engine/session';
import type { GraphEdge, GraphModel, GraphSource, Materialization, ModelKind, ProjectGraphResult } from '../protocol';
import type { VaultIndex } from '../rules';
import { paramColumns } from '../rules/vault-facts';
import { pathToUri } from './uris';

const MATERIALIZATIONS = new Set<string>(['view', 'table', 'incremental', 'ephemeral']);

export function projectGraph(session: ProjectSession, index: VaultIndex): ProjectGraphResult {
  const project = session.project;
  const models: GraphModel[] = [];
  const edges: GraphEdge[] = [];
  const edgeKeys = new Set<string>();
  const edge = (from: string, to: string) => {
    const key = `${from}→${to}`;
    if (from === to || edgeKeys.has(key)) return;
    edgeKeys.add(key);
    edges.push({ from, to });
  };
  const hubs = index.hubsByKey();
  const links = index.linksByKey();
  for (const node of session.models()) {
    const stage = index.stage(node.name);
    const table = index.table(node.name);
    const kind: ModelKind = stage ? 'stage' : table ? AUTOMATE_DV_MACROS[table.macro].viewKind : 'model';
    const model: GraphModel = { name: node.name, kind, uri: pathToUri(node.file), schema: node.relation.schema, keyColumns: [] };
    if (MATERIALIZATIONS.has(node.materialized)) model.materialization = node.materialized as Materialization;
    else if (node.materialized.endsWith('incremental')) model.materialization = 'incremental';
    if (table) {
      const pk = paramColumns(table.call, 'src_pk').map((c) => c.value);
      const fks = ['src_fk', 'src_dfk', 'src_sfk'].flatMap((p) => paramColumns(table.call, p).map((c) => c.value));
      model.keyColumns = [...pk, ...fks];
      if (table.macro === 'hub') model.businessKeys = paramColumns(table.call, 'src_nk').map((c) => c.value);
      const parents = new Set<string>();
      // A satellite hangs off the hub or link whose key it shares; a link off the hubs of its foreign keys.
      if (isMacroOfFamily(table.macro, 'satellite')) {
        for (const k of pk) for (const owner of [...(hubs.get(k.toLowerCase())?.models ?? []), ...(links.get(k.toLowerCase())?.models ?? [])]) parents.add(owner);
      }
      if (isMacroOfFamily(table.macro, 'link')) for (const k of fks) for (const owner of hubs.get(k.toLowerCase())?.models ?? []) parents.add(owner);
      parents.delete(node.name);
      if (parents.size) model.parents = [...parents].sort();
      for (const s of table.sourceModels) if (session.node(s.value)) edge(s.value, node.name);
    }
    if (stage?.source?.kind === 'ref' && session.node(stage.source.model.value)) edge(stage.source.model.value, node.name);
    if (stage?.source?.kind === 'source') edge(`source:${stage.source.source.value}.${stage.source.table.value}`, node.name);
    for (const parent of project.parents(node.name)) edge(parent, node.name);
    for (const s of node.dependencies.sources) edge(`source:${s.source}.${s.table}`, node.name);
    models.push(model);
  }
  const sources: GraphSource[] = [];
  for (const def of project.sources.values()) {
    for (const t of def.tables.values()) sources.push({ id: `source:${def.name}.${t.name}`, sourceName: def.name, table: t.name, schema: def.schema });
  }
  const known = new Set([...models.map((m) => m.name), ...sources.map((s) => s.id)]);
  return { projectName: project.name, models, sources, edges: edges.filter((e) => known.has(e.from) && known.has(e.to)) };
}
