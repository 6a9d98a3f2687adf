// The DDL and catalog helpers every materialization shares (materialize.ts for view/table/incremental/pit/bridge,
// vault-insert.ts for the period and rank loops, high-water.ts), in one module so they do not import each other.
import { quoteIdent, quoteLiteral, type Relation } from '../base/relation';
import type { SqlSession } from '../warehouse/warehouse';

export type RelationKind = 'table' | 'view' | 'materialized view';

/** What exists at the relation now: a table, a view, a materialized view, or nothing. */
export async function relationKind(session: SqlSession, relation: Relation): Promise<RelationKind | undefined> {
  const r = await session.query(
    `select c.relkind as kind from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
     where n.nspname = ${quoteLiteral(relation.schema)} and c.relname = ${quoteLiteral(relation.identifier)}
       and c.relkind in ('r', 'p', 'f', 'v', 'm')`,
  );
  const kind = r.rows[0]?.kind;
  if (kind === undefined) return undefined;
  if (kind === 'v') return 'view';
  if (kind === 'm') return 'materialized view';
  return 'table';
}

/** Whether anything (table or view) exists at the relation. */
export async function relationExists(session: SqlSession, relation: Relation): Promise<boolean> {
  return (await relationKind(session, relation)) !== undefined;
}

/** schema.identifier, both quoted: DDL runs in the connected database, as dbt's relation does. */
export function qualifiedName(relation: Relation): string {
  return `${quoteIdent(relation.schema)}.${quoteIdent(relation.identifier)}`;
}

/** A trailing semicolon would end the statement inside `create ... as ( … )`. */
export function asSubquery(sql: string): string {
  return sql.replace(/[\s;]+$/, '');
}

export async function dropExisting(tx: SqlSession, relation: Relation, kind: RelationKind | undefined): Promise<void> {
  if (kind === undefined) return;
  // CASCADE as dbt's swap-and-drop does: views built on the old relation go with it (rebuilt when selected).
  await tx.exec(`drop ${kind} if exists ${qualifiedName(relation)} cascade`);
}

/** Temp names stay within PostgreSQL's 63-byte identifiers. */
export function tempName(identifier: string): string {
  const suffix = '__dbt_tmp';
  let base = identifier;
  while (Buffer.byteLength(base + suffix) > 63) base = base.slice(0, -1);
  return base + suffix;
}

export async function targetColumns(tx: SqlSession, relation: Relation): Promise<string[]> {
  const r = await tx.query(
    `select a.attname as name from pg_catalog.pg_attribute a
     where a.attrelid = ${quoteLiteral(qualifiedName(relation))}::regclass and a.attnum > 0 and not a.attisdropped
     order by a.attnum`,
  );
  return r.rows.map((row) => String(row.name));
}

export async function createTableAs(tx: SqlSession, relation: Relation, sql: string): Promise<number | null> {
  const r = await tx.exec(`create table ${qualifiedName(relation)} as (\n${asSubquery(sql)}\n)`);
  return r?.rowCount ?? null;
}

export interface MaterializeOutcome {
  rows: number | null;
  /** What the run did beyond its row count (the periods or ranks of a vault_insert_by_* loop). */
  message?: string;
}
