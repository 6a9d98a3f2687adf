// dvs/scaffold: a new hub, link or satellite over a raw table, filled from templates/scaffolds/ (see its README for
// the placeholders), plus a stage when no stage reads that table yet. Key names follow what the project already
// builds (a stage hashing `user_id` into USER_HK makes the link's foreign key USER_HK).
import { dirname, join } from 'node:path';
import type { ProjectSession } from '../engine/session';
import { nodeFileSystem } from '../project/file-system';
import type { ScaffoldFile, ScaffoldParams, ScaffoldResult } from '../protocol';
import type { VaultIndex } from '../rules';
import { canonicalColumn } from '../rules/stage-aliases';
import { sameName } from '../rules/vault-facts';
import { pathToUri } from './uris';

const LOADER_COLUMN = /^_(airbyte|sdc|dbt|fivetran)_/i;

function templatesFolder(extensionDir: string | undefined): string {
  const candidates = extensionDir ? [join(extensionDir, 'templates', 'scaffolds')] : [];
  for (let dir = __dirname; ; dir = dirname(dir)) {
    candidates.push(join(dir, 'templates', 'scaffolds'));
    if (dirname(dir) === dir) break;
  }
  // The scaffold templates ship with the extension, not with the project: they are read from the disk.
  const found = candidates.find((c) => nodeFileSystem.exists(c));
  if (!found) throw new Error('templates/scaffolds was not found; reinstall the extension.');
  return found;
}

/** `users` → `user`, `categories` → `category`: the singular used in key names. */
function singular(table: string): string {
  if (/ies$/i.test(table)) return table.slice(0, -3) + 'y';
  if (/[^s]s$/i.test(table)) return table.slice(0, -1);
  return table;
}

const jinjaString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const jinjaList = (items: readonly string[]) => `[${items.map(jinjaString).join(', ')}]`;
const yamlScalar = (s: string) => `'${s.replace(/'/g, "''")}'`;

export function scaffold(session: ProjectSession, index: VaultIndex, params: ScaffoldParams, extensionDir: string | undefined): ScaffoldResult {
  const project = session.project;
  const { schema, table } = params.source;
  // The declared source for the raw table (schema + identifier), else one named after the schema.
  let sourceName = schema;
  let tableName = table;
  for (const def of project.sources.values()) {
    for (const t of def.tables.values()) if (def.schema === schema && t.identifier === table) [sourceName, tableName] = [def.name, t.name];
  }
  const rawColumns = (session.schemaSnapshot?.schemas.find((s) => s.name === schema)?.tables.find((t) => t.name === table)?.columns ?? []).map((c) => c.name);
  const declared = project.sourceColumns(sourceName, tableName).map((c) => c.name);
  const columns = rawColumns.length ? rawColumns : declared;

  const models = session.models();
  const existingStage = models.find((m) => {
    const s = index.stage(m.name);
    return s?.source?.kind === 'source' && s.source.source.value === sourceName && s.source.table.value === tableName;
  });
  const anyStage = models.find((m) => index.stage(m.name));
  const stageName = existingStage?.name ?? `stg_${table}`;
  const stageFacts = existingStage ? index.stage(existingStage.name) : undefined;

  /** The key the table's stage already hashes from exactly these columns, or a name made from `base`. */
  const keyFor = (keyColumns: readonly string[], base: string): string => {
    for (const h of stageFacts?.hashed ?? []) {
      if (h.isHashdiff || !stageFacts) continue;
      const parts = h.components.map((c) => canonicalColumn(stageFacts, c.value));
      if (parts.length === keyColumns.length && parts.every((p, i) => p === (keyColumns[i] ?? '').toLowerCase())) return h.name;
    }
    return `${base.toUpperCase()}_HK`;
  };
  const entity = singular(table);
  const ldts = stageFacts?.derived.find((d) => /^load_?date/i.test(d.name))?.name ?? 'LOAD_DATE';
  const rsrc = stageFacts?.derived.find((d) => /record_?source/i.test(d.name))?.name ?? 'RECORD_SOURCE';
  const eff = stageFacts?.derived.find((d) => /effective_?from/i.test(d.name))?.name ?? 'EFFECTIVE_FROM';

  const hashed: string[] = [];
  const values: Record<string, string> = {
    __STAGE_MODEL__: stageName,
    __SOURCE_NAME__: sourceName,
    __SOURCE_TABLE__: tableName,
    __LOAD_DATETIME__: ldts,
    __RECORD_SOURCE__: rsrc,
    __EFFECTIVE_FROM__: eff,
  };
  let name: string;
  const keys = params.keyColumns;
  if (keys.length === 0) throw new Error('Choose at least one key column.');
  switch (params.kind) {
    case 'hub': {
      name = params.name ?? `hub_${table}`;
      const hk = keyFor(keys, entity);
      values.__HASH_KEY__ = hk;
      values.__BUSINESS_KEYS__ = keys.length === 1 ? jinjaString(keys[0] as string) : jinjaList(keys);
      hashed.push(`  ${hk}: ${keys.length === 1 ? yamlScalar(keys[0] as string) : `[${keys.map(yamlScalar).join(', ')}]`}`);
      break;
    }
    case 'link': {
      if (keys.length < 2) throw new Error('A link joins at least two hubs: choose a foreign key column for each linked hub.');
      name = params.name ?? `link_${table}`;
      const fks = keys.map((k) => keyFor([k], k.replace(/_?id$/i, '') || k));
      const lk = `${entity.toUpperCase()}_HK`;
      values.__HASH_KEY__ = lk;
      values.__FOREIGN_KEYS__ = jinjaList(fks);
      keys.forEach((k, i) => hashed.push(`  ${fks[i]}: ${yamlScalar(k)}`));
      hashed.push(`  ${lk}: [${keys.map(yamlScalar).join(', ')}]`);
      break;
    }
    case 'sat': {
      name = params.name ?? `sat_${table}`;
      const hk = keyFor(keys, entity);
      const hashdiff = `${entity.toUpperCase()}_HASHDIFF`;
      const payload = params.payloadColumns ?? columns.filter((c) => !keys.some((k) => sameName(k, c)) && !LOADER_COLUMN.test(c) && !/^updated_at$/i.test(c));
      values.__HASH_KEY__ = hk;
      values.__HASHDIFF__ = hashdiff;
      values.__PAYLOAD__ = jinjaList(payload);
      hashed.push(`  ${hk}: ${keys.length === 1 ? yamlScalar(keys[0] as string) : `[${keys.map(yamlScalar).join(', ')}]`}`);
      hashed.push(`  ${hashdiff}:`, '    is_hashdiff: true', '    columns:', ...payload.map((p) => `      - ${yamlScalar(p)}`));
      break;
    }
  }
  const loadedAt = project.sources.get(sourceName)?.tables.get(tableName)?.loadedAtField ?? project.sources.get(sourceName)?.loadedAtField;
  const loadColumn = loadedAt ?? columns.find((c) => /^_airbyte_extracted_at$/i.test(c));
  values.__DERIVED_COLUMNS_YAML__ = [
    `  ${rsrc}: ${yamlScalar(`!${sourceName}.${tableName}`.toUpperCase())}`,
    `  ${ldts}: ${yamlScalar(loadColumn ? `${loadColumn} AT TIME ZONE 'UTC'` : 'CURRENT_TIMESTAMP')}`,
    ...(params.kind === 'sat' ? [`  ${eff}: ${yamlScalar(columns.some((c) => /^updated_at$/i.test(c)) ? "updated_at AT TIME ZONE 'UTC'" : loadColumn ?? 'CURRENT_TIMESTAMP')}`] : []),
  ].join('\n');
  values.__HASHED_COLUMNS_YAML__ = hashed.join('\n');

  const folder = templatesFolder(extensionDir);
  const fill = (template: string): string => {
    const text = nodeFileSystem.readFile(join(folder, `${template}.sql`));
    if (text === undefined) throw new Error(`templates/scaffolds/${template}.sql was not found; reinstall the extension.`);
    return text.replace(/__[A-Z_]+__/g, (token) => values[token] ?? token);
  };
  const vaultDir = models.find((m) => index.table(m.name)) ? dirname(models.find((m) => index.table(m.name))!.file) : join(project.root, 'models', 'dds');
  const stageDir = anyStage ? dirname(anyStage.file) : join(project.root, 'models', 'stg');
  const file = (path: string, content: string): ScaffoldFile => ({ uri: pathToUri(path), content, exists: session.files.exists(path) });
  const files = [file(join(vaultDir, `${name}.sql`), fill(params.kind))];
  if (!existingStage) files.push(file(join(stageDir, `${stageName}.sql`), fill('stage')));
  return { files };
}
