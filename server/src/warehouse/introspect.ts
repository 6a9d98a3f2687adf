// Reads schemas → tables and views → columns (with format_type data types) in one catalog query, and keeps the result
// per target in `<project>/.dvs/schema-cache.json` so the language server and the compiler have columns without waiting.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { quoteLiteral } from '../base/relation';
import type { ColumnInfo } from '../base/columns';
import type { SqlSession } from './warehouse';

export interface IntrospectedColumn {
  name: string;
  /** format_type() text, e.g. `bigint`, `character varying`, `numeric(38,9)`, `timestamp with time zone`. */
  dataType: string;
  /** 1-based position among the live columns. */
  ordinal: number;
  nullable: boolean;
}

export interface IntrospectedTable {
  name: string;
  /** Tables, partitioned and foreign tables are `table`; views and materialized views are `view`. */
  kind: 'table' | 'view';
  columns: IntrospectedColumn[];
}

export interface IntrospectedSchema {
  name: string;
  tables: IntrospectedTable[];
}

// dvs_state holds dvs load's own bookkeeping (high-water marks, a run's stage tables: server/src/load/high-water.ts),
// no table a model reads or a user builds on.
const SYSTEM_SCHEMA_FILTER = `n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast', 'dvs_state')
    and n.nspname not like 'pg\\_temp\\_%' and n.nspname not like 'pg\\_toast\\_temp\\_%'`;

/**
 * All user schemas (or the named ones) with their tables, views and columns, sorted by schema, table and column
 * position. Schemas without tables are listed too. One round trip.
 */
export async function introspectSchemas(wh: SqlSession, schemas?: string[]): Promise<IntrospectedSchema[]> {
  if (schemas && schemas.length === 0) return [];
  const only = schemas ? `and n.nspname in (${schemas.map(quoteLiteral).join(', ')})` : '';
  const sql = `
select n.nspname as schema_name, c.relname as table_name, c.relkind as kind,
       a.attname as column_name, format_type(a.atttypid, a.atttypmod) as data_type,
       a.attnum as ordinal, not a.attnotnull as nullable
from pg_catalog.pg_namespace n
left join pg_catalog.pg_class c
  on c.relnamespace = n.oid and c.relkind in ('r', 'p', 'f', 'v', 'm')
left join pg_catalog.pg_attribute a
  on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
where ${SYSTEM_SCHEMA_FILTER} ${only}`;
  const result = await wh.query(sql);
  // Grouped and sorted here rather than by ORDER BY: sorting 25,000 catalog rows spills to disk in PGlite.
  const bySchema = new Map<string, Map<string, TableDraft>>();
  for (const row of result.rows) {
    const schemaName = String(row.schema_name);
    let tables = bySchema.get(schemaName);
    if (!tables) bySchema.set(schemaName, (tables = new Map()));
    if (row.table_name === null || row.table_name === undefined) continue;
    const tableName = String(row.table_name);
    let table = tables.get(tableName);
    if (!table) tables.set(tableName, (table = { kind: row.kind === 'v' || row.kind === 'm' ? 'view' : 'table', columns: [] }));
    if (row.column_name === null || row.column_name === undefined) continue;
    table.columns.push({
      name: String(row.column_name),
      dataType: String(row.data_type),
      ordinal: 0,
      nullable: row.nullable === 't' || row.nullable === true,
      attnum: Number(row.ordinal),
    });
  }
  const byName = <T>(a: [string, T], b: [string, T]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  return [...bySchema.entries()].sort(byName).map(([schemaName, tables]) => ({
    name: schemaName,
    tables: [...tables.entries()].sort(byName).map(([tableName, table]) => ({
      name: tableName,
      kind: table.kind,
      columns: table.columns.sort((a, b) => a.attnum - b.attnum).map((c, i) => ({ name: c.name, dataType: c.dataType, ordinal: i + 1, nullable: c.nullable })),
    })),
  }));
}

interface TableDraft {
  kind: IntrospectedTable['kind'];
  columns: Array<IntrospectedColumn & { attnum: number }>;
}

export interface SchemaSnapshot {
  /** ISO time of the introspection. */
  introspectedAt: string;
  /** What was introspected, for people ("postgres://u@h:6432/db"). */
  description?: string;
  schemas: IntrospectedSchema[];
}

interface SchemaCacheFile {
  version: 1;
  targets: Record<string, SchemaSnapshot>;
}

export function schemaCachePath(projectDir: string): string {
  return join(projectDir, '.dvs', 'schema-cache.json');
}

function readCacheFile(projectDir: string): SchemaCacheFile {
  try {
    const parsed = JSON.parse(readFileSync(schemaCachePath(projectDir), 'utf8')) as Partial<SchemaCacheFile>;
    if (parsed.version === 1 && parsed.targets && typeof parsed.targets === 'object') return { version: 1, targets: parsed.targets };
  } catch {
    /* no cache yet, or a damaged one: start afresh */
  }
  return { version: 1, targets: {} };
}

/** The cached snapshot of a target, or undefined when it was never introspected. */
export function readSchemaCache(projectDir: string, targetName: string): SchemaSnapshot | undefined {
  return readCacheFile(projectDir).targets[targetName];
}

/** Stores a target's snapshot, keeping other targets; written to a temp file and renamed so readers never see half. */
export function writeSchemaCache(projectDir: string, targetName: string, snapshot: SchemaSnapshot): void {
  const file = readCacheFile(projectDir);
  file.targets[targetName] = snapshot;
  const path = schemaCachePath(projectDir);
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(file) + '\n');
  renameSync(temp, path);
}

/**
 * Introspects (all schemas, or the named ones) and updates the cache. Naming schemas refreshes just those and keeps
 * the others from the previous snapshot.
 */
export async function refreshSchemaCache(
  wh: SqlSession & { description?: string },
  projectDir: string,
  targetName: string,
  schemas?: string[],
): Promise<SchemaSnapshot> {
  const fresh = await introspectSchemas(wh, schemas);
  let merged = fresh;
  if (schemas) {
    const previous = readSchemaCache(projectDir, targetName)?.schemas ?? [];
    const replaced = new Set(schemas);
    merged = [...previous.filter((s) => !replaced.has(s.name)), ...fresh].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  const snapshot: SchemaSnapshot = { introspectedAt: new Date().toISOString(), description: wh.description, schemas: merged };
  writeSchemaCache(projectDir, targetName, snapshot);
  return snapshot;
}

/**
 * Each snapshot's tables by schema and name, made on first lookup: a whole-project check looks up a table for every
 * model, and a scan over hundreds of tables each time showed. A snapshot is replaced, never changed, when the schema
 * is read again, so the index of an object stays true.
 */
const snapshotIndexes = new WeakMap<SchemaSnapshot, Map<string, IntrospectedTable>>();

/** Columns of schema.table in catalog order, or undefined when the snapshot does not know the relation. */
export function columnsInSnapshot(snapshot: SchemaSnapshot, schema: string, table: string): ColumnInfo[] | undefined {
  let index = snapshotIndexes.get(snapshot);
  if (!index) {
    index = new Map();
    const seenSchemas = new Set<string>();
    for (const s of snapshot.schemas) {
      // As a search would: the first schema of a name, and the first table of a name in it.
      if (seenSchemas.has(s.name)) continue;
      seenSchemas.add(s.name);
      for (const t of s.tables) {
        const key = `${s.name}\0${t.name}`;
        if (!index.has(key)) index.set(key, t);
      }
    }
    snapshotIndexes.set(snapshot, index);
  }
  const found = index.get(`${schema}\0${table}`);
  return found?.columns.map((c) => ({ name: c.name, dataType: c.dataType }));
}
