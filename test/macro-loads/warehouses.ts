// Loads compiled AutomateDV models batch after batch the way dbt-postgres and AutomateDV's materializations do, on an
// in-process PGlite and, when DVS_TEST_PG_URL is set (npm test starts a server), on that PostgreSQL server too. Every
// value comes back as PostgreSQL's text, so both databases are compared the same way.
import { describe, after, before } from 'node:test';
import pg from 'pg';
import { compileMacro } from '../../server/src/compile/automate-dv';
import type { AutomateDvCompat, ColumnInfo } from '../../server/src/compile/context';
import { openPglite } from '../../server/src/warehouse/pglite';
import type { Warehouse } from '../../server/src/warehouse/warehouse';
import { fixtureContext, kwargs, type FixtureContext } from '../compile/context-fixture';

export type Row = Record<string, string | null>;

export interface TestWarehouse {
  readonly name: 'pglite' | 'server';
  /** Where the compiled models live: relations render as "database"."schema"."model". */
  readonly database: string;
  readonly schema: string;
  exec(sql: string): Promise<void>;
  rows(sql: string, params?: unknown[]): Promise<Row[]>;
  close(): Promise<void>;
}

function textRows(rows: Record<string, unknown>[]): Row[] {
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null || v === undefined ? null : String(v)])));
}

async function openEmbedded(): Promise<TestWarehouse> {
  const wh: Warehouse = await openPglite(undefined);
  return {
    name: 'pglite',
    database: 'postgres',
    schema: 'public',
    exec: async (sql) => void (await wh.exec(sql)),
    rows: async (sql, params) => textRows((await wh.query(sql, params)).rows),
    close: () => wh.close(),
  };
}

/** One connection whose search_path is a schema of its own, so test files sharing the server do not collide. */
async function openServer(url: string, label: string): Promise<TestWarehouse> {
  const client = new pg.Client({ connectionString: url, types: { getTypeParser: () => (value: string) => value } });
  await client.connect();
  const schema = `dvs_adv_${label}_${process.pid}`;
  const database = (await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0]!.db;
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE; CREATE SCHEMA "${schema}"`);
  await client.query(`SET search_path TO "${schema}"; SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'`);
  return {
    name: 'server',
    database,
    schema,
    exec: async (sql) => void (await client.query(sql)),
    rows: async (sql, params) => textRows((await client.query(sql, params)).rows as Record<string, unknown>[]),
    close: async () => {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}

/**
 * Declares the file's tests once per database: `body` runs inside a describe block whose `wh()` is that database,
 * opened before and closed after its tests (one PGlite per file).
 */
export function forEachWarehouse(label: string, body: (wh: () => TestWarehouse) => void): void {
  const url = process.env.DVS_TEST_PG_URL;
  const kinds: ('pglite' | 'server')[] = url ? ['pglite', 'server'] : ['pglite'];
  for (const kind of kinds) {
    describe(kind === 'pglite' ? 'on PGlite' : 'on the PostgreSQL server', () => {
      let current: TestWarehouse | undefined;
      before(async () => {
        current = kind === 'pglite' ? await openEmbedded() : await openServer(url as string, label);
      });
      after(async () => {
        await current?.close();
      });
      body(() => {
        if (!current) throw new Error('the test warehouse is not open yet');
        return current;
      });
    });
  }
}

/** The catalog of the warehouse's schema, as the compiler's columnsOf sees it. */
async function catalogOf(wh: TestWarehouse): Promise<Record<string, ColumnInfo[]>> {
  const rows = await wh.rows(
    `SELECT c.relname AS rel, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS data_type
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'v')
     ORDER BY c.relname, a.attnum`,
    [wh.schema],
  );
  const catalog: Record<string, ColumnInfo[]> = {};
  for (const r of rows) (catalog[r.rel as string] ??= []).push({ name: r.name as string, dataType: r.data_type as string });
  return catalog;
}

async function isTable(wh: TestWarehouse, name: string): Promise<boolean> {
  const rows = await wh.rows(
    `SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'r'`,
    [wh.schema, name],
  );
  return rows.length > 0;
}

/** dbt's materializations for these tests: stages are views, vault tables incremental, pit/bridge truncate-and-insert. */
export type Materialization = 'view' | 'incremental' | 'pit_incremental' | 'bridge_incremental';

export interface ModelOptions {
  materialized?: Materialization;
  vars?: Record<string, unknown>;
  config?: Record<string, unknown>;
  compat?: Partial<AutomateDvCompat>;
  /** What a loader does to the compiled SQL before running it (e.g. replacing __PERIOD_FILTER__). */
  transformSql?: (sql: string) => string;
}

export interface ModelRun {
  /** The SQL that ran (after transformSql). */
  sql: string;
  ctx: FixtureContext;
  /** Rows the run added (incremental) or the table holds afterwards (first load, pit/bridge); 0 for a view. */
  rows: number;
}

const DEFAULT_MATERIALIZATION: Record<string, Materialization> = { stage: 'view', pit: 'pit_incremental', bridge: 'bridge_incremental' };

/** Compiles a model against the current catalog and materializes it; the incremental branch once its table exists. */
export async function runModel(wh: TestWarehouse, model: string, macro: string, args: Record<string, unknown>, options: ModelOptions = {}): Promise<ModelRun> {
  const materialized = options.materialized ?? DEFAULT_MATERIALIZATION[macro] ?? 'incremental';
  const exists = materialized !== 'view' && (await isTable(wh, model));
  const ctx = fixtureContext({
    model,
    database: wh.database,
    schema: wh.schema,
    catalog: await catalogOf(wh),
    incremental: exists,
    config: { materialized, ...options.config },
    ...(options.vars ? { vars: options.vars } : {}),
    ...(options.compat ? { compat: options.compat } : {}),
  });
  const compiled = compileMacro(macro, [], kwargs(args), ctx);
  const sql = options.transformSql ? options.transformSql(compiled) : compiled;
  const target = `"${model}"`;
  const count = async (table: string) => Number((await wh.rows(`SELECT COUNT(*) AS n FROM "${table}"`))[0]!.n);
  if (materialized === 'view') {
    await wh.exec(`DROP VIEW IF EXISTS ${target}; CREATE VIEW ${target} AS (\n${sql}\n)`);
    return { sql, ctx, rows: 0 };
  }
  if (!exists) {
    await wh.exec(`CREATE TABLE ${target} AS (\n${sql}\n)`);
    return { sql, ctx, rows: await count(model) };
  }
  const tmp = `${model}__dbt_tmp`;
  await wh.exec(`DROP TABLE IF EXISTS "${tmp}"; CREATE TABLE "${tmp}" AS (\n${sql}\n)`);
  const columns = ((await catalogOf(wh))[model] ?? []).map((c) => `"${c.name}"`).join(', ');
  const added = await count(tmp);
  // dbt's incremental append inserts the new rows; pit_incremental and bridge_incremental replace the whole table.
  const truncate = materialized === 'incremental' ? '' : `TRUNCATE TABLE ${target}; `;
  await wh.exec(`${truncate}INSERT INTO ${target} (${columns}) (SELECT ${columns} FROM "${tmp}"); DROP TABLE "${tmp}"`);
  return { sql, ctx, rows: materialized === 'incremental' ? added : await count(model) };
}

/** Replaces a raw table's rows: one batch of source data. */
export async function loadBatch(wh: TestWarehouse, table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
  await wh.exec(`TRUNCATE "${table}"`);
  for (const row of rows) {
    const names = Object.keys(row);
    await wh.rows(
      `INSERT INTO "${table}" (${names.map((n) => `"${n}"`).join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')})`,
      names.map((n) => row[n]),
    );
  }
}

/** The hex digits of a BYTEA value in PostgreSQL's text output (`\x…`), or null. */
export function hex(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return value.startsWith('\\x') ? value.slice(2) : value;
}

/** The hex of the ASCII text: how ≤0.9.6 hashes (uppercase hex text cast to BYTEA) and ghost keys are stored. */
export function asciiHex(text: string): string {
  return Buffer.from(text, 'ascii').toString('hex');
}
