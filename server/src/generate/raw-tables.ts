// The three raw tables exactly as Airbyte's PostgreSQL destination (Direct Load, default options) creates them
// for the Faker streams (pipeline.md §6): creation, a shape check for tables that already exist, and bulk inserts.
import { quoteIdent, quoteLiteral } from '../base/relation';
import type { SqlSession } from '../warehouse/warehouse';

export type RawTableName = 'users' | 'products' | 'purchases';

export const RAW_TABLE_NAMES: readonly RawTableName[] = ['users', 'products', 'purchases'];

export interface RawColumn {
  name: string;
  /** The type as written in CREATE TABLE. */
  ddlType: string;
  /** The same type as PostgreSQL's format_type() prints it, for the shape check. */
  formattedType: string;
  notNull: boolean;
}

function column(name: string, ddlType: string, formattedType: string, notNull = false): RawColumn {
  return { name, ddlType, formattedType, notNull };
}

const AIRBYTE_COLUMNS: readonly RawColumn[] = [
  column('_airbyte_raw_id', 'varchar', 'character varying', true),
  column('_airbyte_extracted_at', 'timestamptz', 'timestamp with time zone', true),
  column('_airbyte_meta', 'jsonb', 'jsonb', true),
  column('_airbyte_generation_id', 'bigint', 'bigint'),
];

const BIGINT = ['bigint', 'bigint'] as const;
const VARCHAR = ['varchar', 'character varying'] as const;
const TIMESTAMPTZ = ['timestamptz', 'timestamp with time zone'] as const;

/** Column order as Airbyte writes it: its four columns, then the stream's properties in schema order. */
export const RAW_TABLES: Readonly<Record<RawTableName, readonly RawColumn[]>> = {
  products: [
    ...AIRBYTE_COLUMNS,
    column('id', ...BIGINT),
    column('make', ...VARCHAR),
    column('model', ...VARCHAR),
    column('year', ...BIGINT),
    column('price', 'decimal(38,9)', 'numeric(38,9)'),
    column('created_at', ...TIMESTAMPTZ),
    column('updated_at', ...TIMESTAMPTZ),
  ],
  users: [
    ...AIRBYTE_COLUMNS,
    column('id', ...BIGINT),
    column('created_at', ...TIMESTAMPTZ),
    column('updated_at', ...TIMESTAMPTZ),
    column('name', ...VARCHAR),
    column('title', ...VARCHAR),
    column('age', ...BIGINT),
    column('email', ...VARCHAR),
    column('telephone', ...VARCHAR),
    column('gender', ...VARCHAR),
    column('language', ...VARCHAR),
    column('academic_degree', ...VARCHAR),
    column('nationality', ...VARCHAR),
    column('occupation', ...VARCHAR),
    column('height', ...VARCHAR),
    column('blood_type', ...VARCHAR),
    column('weight', ...BIGINT),
    column('address', 'jsonb', 'jsonb'),
  ],
  purchases: [
    ...AIRBYTE_COLUMNS,
    column('id', ...BIGINT),
    column('user_id', ...BIGINT),
    column('product_id', ...BIGINT),
    column('created_at', ...TIMESTAMPTZ),
    column('updated_at', ...TIMESTAMPTZ),
    column('added_to_cart_at', ...TIMESTAMPTZ),
    column('purchased_at', ...TIMESTAMPTZ),
    column('returned_at', ...TIMESTAMPTZ),
  ],
};

function tableRef(schema: string, table: RawTableName): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/** CREATE SCHEMA/TABLE IF NOT EXISTS statements for the raw schema. */
export function createRawTablesSql(schema: string): string {
  const statements = [`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`];
  for (const table of RAW_TABLE_NAMES) {
    const columns = RAW_TABLES[table].map((c) => `  ${quoteIdent(c.name)} ${c.ddlType}${c.notNull ? ' NOT NULL' : ''}`);
    statements.push(`CREATE TABLE IF NOT EXISTS ${tableRef(schema, table)} (\n${columns.join(',\n')}\n)`);
  }
  return statements.join(';\n') + ';';
}

/** Which raw tables exist, and every way an existing one differs from the expected shape (empty when fine). */
export async function inspectRawTables(
  session: SqlSession,
  schema: string,
): Promise<{ existing: RawTableName[]; problems: string[] }> {
  const result = await session.query(
    `SELECT c.relname AS table_name, a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS data_type,
            CASE WHEN a.attnotnull THEN 'yes' ELSE 'no' END AS not_null
       FROM pg_catalog.pg_attribute a
       JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
        AND c.relname IN (${RAW_TABLE_NAMES.map(quoteLiteral).join(', ')})
      ORDER BY c.relname, a.attnum`,
    [schema],
  );
  const actual = new Map<string, { name: string; type: string; notNull: boolean }[]>();
  for (const row of result.rows) {
    const table = String(row['table_name']);
    const list = actual.get(table) ?? [];
    list.push({ name: String(row['column_name']), type: String(row['data_type']), notNull: row['not_null'] === 'yes' });
    actual.set(table, list);
  }
  const existing: RawTableName[] = [];
  const problems: string[] = [];
  for (const table of RAW_TABLE_NAMES) {
    const columns = actual.get(table);
    if (!columns) continue;
    existing.push(table);
    const expected = RAW_TABLES[table];
    for (const want of expected) {
      const have = columns.find((c) => c.name === want.name);
      if (!have) problems.push(`${schema}.${table} has no column "${want.name}" (${want.formattedType})`);
      else if (have.type !== want.formattedType)
        problems.push(`${schema}.${table}.${want.name} is ${have.type}, expected ${want.formattedType}`);
    }
    for (const have of columns) {
      if (!expected.some((c) => c.name === have.name)) problems.push(`${schema}.${table} has an unexpected column "${have.name}"`);
    }
  }
  return { existing, problems };
}

/**
 * Inserts rows given as a JSON array of objects keyed by column name, with that text as the only bound parameter:
 * json_to_recordset unpacks it server-side into the table's own column types. That keeps every value out of the
 * SQL text and is several times faster than multi-row VALUES on PGlite.
 */
export async function insertRawRowsJson(session: SqlSession, schema: string, table: RawTableName, rowsJson: string): Promise<void> {
  const columns = RAW_TABLES[table];
  const names = columns.map((c) => quoteIdent(c.name)).join(', ');
  const definitions = columns.map((c) => `${quoteIdent(c.name)} ${c.ddlType}`).join(', ');
  await session.query(
    `INSERT INTO ${tableRef(schema, table)} (${names}) SELECT ${names} FROM json_to_recordset($1::json) AS r(${definitions})`,
    [rowsJson],
  );
}
