// The columns of any model a vault model can read, described for people: a stage's output (columns.ts), a vault table's
// columns read from its metadata with the stage column each copies (a PIT reads satellites, a bridge links and
// effectivity satellites), or another model's columns from the catalog. Completion, hover and definition share these.
import { sameName } from '../rules/vault-facts';
import { vaultTableColumns, type VaultTableColumn } from '../rules/vault-table-columns';
import type { VaultIndex } from '../rules';
import { knowledgeLabel, roleOfName, stageOutputDescribed, type ColumnRole, type DescribedColumn } from './columns';
import type { FeatureProject } from './project-view';

export interface ModelColumn extends DescribedColumn {
  /** For a vault table's column: the metadata parameter it comes from (src_pk, src_ldts, satellites, …). */
  param?: string;
}

const ROLE_OF_PARAM: Record<string, ColumnRole> = {
  src_pk: 'hash-key',
  src_fk: 'hash-key',
  src_dfk: 'hash-key',
  src_sfk: 'hash-key',
  src_hashdiff: 'hashdiff',
  src_ldts: 'load-date',
  src_source: 'record-source',
  src_eff: 'effective-from',
  src_nk: 'business-key',
};

/** A model's columns, described; undefined when nothing is known about them. */
export function modelColumnsDescribed(project: FeatureProject, index: VaultIndex, name: string): ModelColumn[] | undefined {
  const stage = stageOutputDescribed(project, index, name);
  if (stage) return stage;
  const table = vaultTableColumns(project, index, name);
  if (table) {
    const stages = table.stages.map((s) => ({ name: s, columns: stageOutputDescribed(project, index, s) ?? [] }));
    return table.columns.map((c) => describeTableColumn(name, table.macro, c, stages));
  }
  const known = project.modelColumns(name);
  if (!known) return undefined;
  const where = known.origin === 'static' ? '' : ` ${knowledgeLabel(known.origin, project.schemaState())}`;
  return known.columns.map((c) => {
    const out: ModelColumn = {
      name: c.name,
      origin: `${name}${where}`,
      role: roleOfName(c.name) ?? 'payload',
      documentation: `**${c.name}**${c.dataType ? ` \`${c.dataType}\`` : ''} — column of \`${name}\`${where}`,
    };
    if (c.dataType) out.type = c.dataType;
    return out;
  });
}

function describeTableColumn(model: string, macro: string, c: VaultTableColumn, stages: { name: string; columns: readonly DescribedColumn[] }[]): ModelColumn {
  let copied: { stage: string; column: DescribedColumn } | undefined;
  for (const s of stages) {
    const found = c.from !== undefined ? s.columns.find((x) => sameName(x.name, c.from as string)) : undefined;
    if (found) {
      copied = { stage: s.name, column: found };
      break;
    }
  }
  let role: ColumnRole = ROLE_OF_PARAM[c.param] ?? copied?.column.role ?? roleOfName(c.name) ?? 'payload';
  let type = copied?.column.type;
  let what: string;
  if (macro === 'pit' && c.param === 'satellites') {
    const isKey = /_PK$/i.test(c.name) || copied?.column.role === 'hash-key';
    role = isKey ? 'hash-key' : 'load-date';
    what = isKey ? `the key of the satellite row current at each as-of date (${c.from ?? ''})` : `the load date of the satellite row current at each as-of date (${c.from ?? ''})`;
    type ??= isKey ? 'bytea' : undefined;
  } else if (c.name.toUpperCase() === 'AS_OF_DATE' && c.param === 'fixed') {
    role = 'load-date';
    what = 'the as-of date';
  } else if (macro === 'bridge' && c.param === 'bridge_walk') {
    role = 'hash-key';
    type ??= 'bytea';
    what = `a link key of the walk (${c.from ?? ''})`;
  } else if (macro === 'xts' && c.param === 'fixed') {
    role = c.name === 'HASHDIFF' ? 'hashdiff' : 'payload';
    type = c.name === 'HASHDIFF' ? 'bytea' : undefined;
    what = c.name === 'HASHDIFF' ? "the tracked satellite's hashdiff" : "the tracked satellite's name";
  } else {
    const renamed = c.from !== undefined && !sameName(c.from, c.name) ? `${c.from} as ` : '';
    what = copied ? `${c.param}, ${renamed}copied from \`${copied.stage}\`` : c.param;
  }
  const docs = [`**${c.name}**${type ? ` \`${type}\`` : ''} — column of \`${model}\` (${macro}): ${what}`];
  if (copied?.column.hash?.expression) docs.push('```sql\n' + copied.column.hash.expression + '\n```');
  const out: ModelColumn = { name: c.name, origin: `${model} (${macro}): ${c.param === 'fixed' ? what : c.param}`, role, documentation: docs.join('\n\n'), param: c.param };
  if (type) out.type = type;
  return out;
}
