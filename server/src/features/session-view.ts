// The language features' view of an engine ProjectSession: the rules' view plus files, model facts, the raw-schema
// state the server keeps, and the project's hash settings from its vars.
import { relative } from 'node:path';
import type { HashOptions } from '../compile/automate-dv/hashing';
import type { ProjectSession } from '../engine/session';
import type { JValue } from '../jinja/values';
import { ruleProjectOfSession } from '../engine/rule-project';
import type { FeatureProject, SchemaState, SourceTableInfo } from './project-view';

export function featureProjectOfSession(session: ProjectSession, schemaState: () => SchemaState): FeatureProject {
  const project = session.project;
  const state = schemaState();
  const rules = ruleProjectOfSession(session, { connected: state.connected });
  return {
    ...rules,
    // Before the project is indexed, lists offered to people name every model file; a model is read when asked for.
    modelNames: () => project.knownModelNames(),
    connected: state.connected,
    projectName: project.name,
    model(name) {
      const node = session.node(name);
      if (!node) return undefined;
      // The relation is rendered when read: completion asks for thousands of models and reads only their kind.
      const info: ReturnType<FeatureProject['model']> = {
        name,
        file: node.file,
        kind: node.kind,
        materialized: node.materialized,
        get relation() {
          return node.relation.render();
        },
      };
      if (node.properties?.description) info.description = node.properties.description;
      return info;
    },
    modelOfFile(file) {
      const node = session.nodeByPath(file);
      return node?.kind === 'model' ? node.name : undefined;
    },
    fileText(file) {
      const node = session.nodeByPath(file);
      if (node) return session.textOf(node);
      return session.files.readFile(file);
    },
    sourceTable(source, table): SourceTableInfo | undefined {
      const def = project.sources.get(source);
      const t = def?.tables.get(table);
      if (!def || !t) return undefined;
      const info: SourceTableInfo = {
        source,
        table,
        relation: `${def.schema}.${t.identifier}`,
        file: t.file,
        path: relative(session.root, t.file),
        nameSpan: t.nameSpan,
        columns: t.columns.map((c) => ({ name: c.name, span: c.span, ...(c.dataType ? { dataType: c.dataType } : {}), ...(c.description ? { description: c.description } : {}) })),
      };
      const description = t.description ?? def.description;
      if (description) info.description = description;
      return info;
    },
    schemaState,
    compiledSql(name) {
      const node = session.node(name);
      if (!node) return undefined;
      try {
        const compiled = session.compile(node, { formatSql: true });
        return compiled.sql || undefined;
      } catch {
        return undefined;
      }
    },
    hashOptions(): HashOptions {
      const text = (name: string, fallback: string): string => {
        const v: JValue = project.varOf(name, fallback);
        return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : fallback;
      };
      return {
        algorithm: text('hash', 'MD5').toLowerCase() === 'sha' ? 'sha' : 'md5',
        concatString: text('concat_string', '||'),
        nullPlaceholder: text('null_placeholder_string', '^^'),
        upperCase: text('hash_content_casing', 'upper').toLowerCase() !== 'disabled',
        encoding: session.compat.hashing,
      };
    },
  };
}
