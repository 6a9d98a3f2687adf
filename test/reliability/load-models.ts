// Turns a project session's models into the load runner's LoadModel list (compile on demand, refs as dependencies),
// and writes small dbt projects into temp folders, for the reliability tests and the load benchmark.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ProjectSession } from '../../server/src/engine/session';
import type { LoadModel } from '../../server/src/load/model';
import { vaultCall } from '../../server/src/model/parse';
import type { ProjectNode } from '../../server/src/project';

/** A model that does not compile fails its load with the compiler's first error, as `dvs load` reports it. */
export function loadModelsOf(session: ProjectSession, nodes: ProjectNode[] = session.models()): LoadModel[] {
  const parents = new Map(session.project.projectGraphNodes().map((n) => [n.name, n.dependsOn]));
  return nodes.map((node) => ({
    name: node.name,
    relation: node.relation,
    materialized: node.materialized,
    sql(incremental: boolean): string {
      const compiled = session.compile(node, { incremental, formatSql: false });
      const error = compiled.diagnostics.find((d) => d.severity === 'error');
      if (error) throw new Error(`${node.name} does not compile: ${error.code} ${error.message}`);
      return compiled.rawSql;
    },
    dependsOn: [...new Set([...(parents.get(node.name) ?? node.dependencies.refs.map((r) => r.name)), ...sourceModels(session, node)])],
  }));
}

/**
 * The models a vault macro reads through `source_model` (AutomateDV calls ref() on it inside the macro). The project
 * graph lists only ref() calls written in the file, so these edges are added here.
 */
function sourceModels(session: ProjectSession, node: ProjectNode): string[] {
  const call = vaultCall(session.parsed(node));
  const value = call?.params.get('source_model')?.value;
  if (!call || call.macro === 'stage' || !value) return [];
  if (value.kind === 'string') return [value.value];
  if (value.kind === 'list') return value.items.flatMap((item) => (item.kind === 'string' ? [item.value] : []));
  return [];
}

/** Writes `files` (path relative to dir → text) under dir. */
export function writeProject(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
}

/** The generate_schema_name override that keeps folder schemas bare (stg, dds), as the sample project has it. */
export const BARE_SCHEMA_MACRO = `{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
`;
