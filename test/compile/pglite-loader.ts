// Runs compiled AutomateDV models on an in-process PostgreSQL (PGlite) the way dbt-postgres materializes them:
// stages as views, vault tables with CREATE TABLE AS on the first load and, once the table exists, the incremental
// branch into a temp table followed by an INSERT of the target's columns.
import { createHash } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import type { ColumnInfo } from '../../server/src/compile/context';
import type { AutomateDvCompat } from '../../server/src/compile/context';
import { compileMacro } from '../../server/src/compile/automate-dv';
import { fixtureContext, kwargs, type FixtureContext } from './context-fixture';

export async function startWarehouse(): Promise<PGlite> {
  const db = new PGlite();
  await db.exec("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY';");
  return db;
}

/** The catalog of every table and view in schema public, as the compiler's columnsOf would see it. */
async function publicCatalog(db: PGlite): Promise<Record<string, ColumnInfo[]>> {
  const result = await db.query<{ rel: string; name: string; data_type: string }>(`
    SELECT c.relname AS rel, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS data_type
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'v')
    ORDER BY c.relname, a.attnum`);
  const catalog: Record<string, ColumnInfo[]> = {};
  for (const row of result.rows) (catalog[row.rel] ??= []).push({ name: row.name, dataType: row.data_type });
  return catalog;
}

async function isTable(db: PGlite, name: string): Promise<boolean> {
  const r = await db.query(`SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relname = $1 AND c.relkind = 'r'`, [name]);
  return r.rows.length > 0;
}

export interface ModelOptions {
  vars?: Record<string, unknown>;
  config?: Record<string, unknown>;
  compat?: Partial<AutomateDvCompat>;
}

export interface CompiledModel {
  sql: string;
  ctx: FixtureContext;
}

/** Compiles a model against the warehouse's current catalog; incremental when its table already exists. */
export async function compileModel(db: PGlite, model: string, macro: string, args: Record<string, unknown>, options: ModelOptions = {}): Promise<CompiledModel> {
  const ctx = fixtureContext({
    model,
    database: 'postgres',
    catalog: await publicCatalog(db),
    incremental: macro !== 'stage' && (await isTable(db, model)),
    ...(options.vars ? { vars: options.vars } : {}),
    ...(options.config ? { config: options.config } : {}),
    ...(options.compat ? { compat: options.compat } : {}),
  });
  return { sql: compileMacro(macro, [], kwargs(args), ctx), ctx };
}

/** Compiles and materializes a model; returns the number of rows a vault table gained (0 for a view). */
export async function runModel(db: PGlite, model: string, macro: string, args: Record<string, unknown>, options: ModelOptions = {}): Promise<number> {
  const { sql, ctx } = await compileModel(db, model, macro, args, options);
  const target = `"public"."${model}"`;
  if (macro === 'stage') {
    await db.exec(`DROP VIEW IF EXISTS ${target}; CREATE VIEW ${target} AS (\n${sql}\n);`);
    return 0;
  }
  if (!ctx.incremental) {
    await db.exec(`CREATE TABLE ${target} AS (\n${sql}\n);`);
    const r = await db.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM ${target}`);
    return r.rows[0]?.n ?? 0;
  }
  await db.exec(`DROP TABLE IF EXISTS "${model}__dbt_tmp"; CREATE TEMP TABLE "${model}__dbt_tmp" AS (\n${sql}\n);`);
  const columns = (await publicCatalog(db))[model]!.map((c) => `"${c.name}"`).join(', ');
  const inserted = await db.query(`INSERT INTO ${target} (${columns}) (SELECT ${columns} FROM "${model}__dbt_tmp")`);
  return inserted.affectedRows ?? 0;
}

/** Replaces a raw table's rows (one batch of source data). */
export async function loadBatch(db: PGlite, table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
  await db.exec(`TRUNCATE "${table}"`);
  for (const row of rows) {
    const names = Object.keys(row);
    await db.query(
      `INSERT INTO "${table}" (${names.map((n) => `"${n}"`).join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')})`,
      names.map((n) => row[n]),
    );
  }
}

/** Hex of a BYTEA value as PGlite returns it (Uint8Array), or null. */
export function hex(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return Buffer.from(value as Uint8Array).toString('hex');
}

/** The expected MD5 hash key of the standardised text, computed independently of the SQL. */
export function md5Hex(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** STD(): what AutomateDV hashes for one value — space-trimmed (PostgreSQL's TRIM), uppercased text, or null for NULL and ''. */
export function standardised(value: string | number | null): string | null {
  if (value === null) return null;
  const text = String(value).replace(/^ +| +$/g, '').toUpperCase();
  return text === '' ? null : text;
}

/** The MD5 hex of a composite key or hashdiff: components joined with '||', NULLs as '^^'. */
export function compositeMd5(values: readonly (string | number | null)[], options: { hashdiff?: boolean } = {}): string | null {
  const parts = values.map((v) => standardised(v) ?? '^^');
  if (!options.hashdiff && parts.every((p) => p === '^^')) return null;
  return md5Hex(parts.join('||'));
}
