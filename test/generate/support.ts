// Shared helpers for the generator tests: an in-memory embedded warehouse and order-independent table digests.
import { openPglite } from '../../server/src/warehouse/pglite';
import type { SqlSession, Warehouse } from '../../server/src/warehouse/warehouse';
import { quoteIdent } from '../../server/src/base/relation';

export async function openTestWarehouse(): Promise<Warehouse> {
  return openPglite(undefined, { description: 'generator test (in memory)' });
}

/** md5 over every row's full text, in a fixed order, so two tables compare equal only if every value is equal. */
export async function tableDigest(session: SqlSession, schema: string, table: string, where = 'true'): Promise<string> {
  const result = await session.query(
    `SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t._airbyte_extracted_at, t.id), '')) AS digest, count(*)::text AS n
       FROM ${quoteIdent(schema)}.${quoteIdent(table)} t WHERE ${where}`,
  );
  return `${String(result.rows[0]?.['n'])}:${String(result.rows[0]?.['digest'])}`;
}

/** The first column of every row, as text. */
export async function column(session: SqlSession, sql: string, params?: unknown[]): Promise<string[]> {
  const result = await session.query(sql, params);
  const name = result.fields[0]?.name ?? '';
  return result.rows.map((row) => String(row[name]));
}

/** The single value of a one-row, one-column query, as text. */
export async function scalar(session: SqlSession, sql: string, params?: unknown[]): Promise<string> {
  const [value] = await column(session, sql, params);
  if (value === undefined) throw new Error(`no row from: ${sql}`);
  return value;
}
