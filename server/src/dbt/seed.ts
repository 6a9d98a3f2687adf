// `dbt seed` on PostgreSQL: each seed CSV becomes a table in the seed's schema (generate_schema_name, alias), typed
// as dbt infers it or as `column_types` says, filled with bound parameters. A re-run truncates and refills; a full
// refresh drops and recreates. One transaction per seed, so a failing seed leaves its old table as it was.
import { quoteIdent, type Relation } from '../base/relation';
import type { ColumnInfo } from '../base/columns';
import { isDict } from '../jinja/values';
import type { ProjectNode } from '../project';
import { configBoolean } from '../project/model-config';
import { parseCsv, seedColumns } from '../project/seeds';
import { sqlErrorMessage } from '../warehouse/errors';
import type { SqlSession, Warehouse } from '../warehouse/warehouse';

export interface SeedColumn {
  /** The header as written in the CSV. */
  header: string;
  /** The column name in the table: the header, or lower-cased when `quote_columns: false` (PostgreSQL folds it). */
  name: string;
  dataType: string;
}

export interface SeedPlan {
  name: string;
  /** Project-relative CSV path. */
  path: string;
  relation: Relation;
  columns: SeedColumn[];
  /** Values as text; empty fields and `null` are NULL, as dbt's CSV reader takes them. */
  rows: (string | null)[][];
  /** A problem with the file itself (ragged rows, no header); the seed then fails without touching the table. */
  problem?: string;
}

export type SeedStatus = 'success' | 'error';

export interface SeedResult {
  seed: string;
  relation: string;
  status: SeedStatus;
  rows: number | null;
  ms: number;
  /** True when the table was (re)created rather than truncated. */
  created: boolean;
  message?: string;
}

export type SeedEvent =
  | { type: 'start'; seed: string; index: number; total: number; relation: string }
  | { type: 'end'; seed: string; index: number; total: number; result: SeedResult };

export interface SeedOptions {
  fullRefresh?: boolean;
  onEvent?: (event: SeedEvent) => void;
}

/** Reads a seed node's CSV (text given by the caller) into what loading needs. */
export function planSeed(node: ProjectNode, csvText: string): SeedPlan {
  const columnTypes = new Map<string, string>();
  const configured = node.config.values.get('column_types');
  if (configured !== undefined && isDict(configured)) for (const [k, v] of configured) if (typeof v === 'string') columnTypes.set(k, v);
  const quote = configBoolean(node.config, 'quote_columns', true);
  const typed: ColumnInfo[] = seedColumns(csvText, columnTypes);
  const columns = typed.map((c) => ({ header: c.name, name: quote ? c.name : c.name.toLowerCase(), dataType: c.dataType }));
  const plan: SeedPlan = { name: node.name, path: node.path, relation: node.relation, columns, rows: [] };
  const records = parseCsv(csvText).slice(1);
  if (columns.length === 0) {
    plan.problem = `${node.path} has no header row: the first line must name the columns.`;
    return plan;
  }
  const duplicate = columns.find((c, i) => columns.findIndex((o) => o.name === c.name) !== i);
  if (duplicate) {
    plan.problem = `${node.path} names the column '${duplicate.name}' twice in its header; rename one.`;
    return plan;
  }
  records.forEach((record, i) => {
    if (plan.problem) return;
    if (record.length !== columns.length) {
      plan.problem = `${node.path} line ${i + 2} has ${record.length} fields but the header has ${columns.length}; fix the row (quote values that contain commas).`;
      return;
    }
    plan.rows.push(record.map((v) => (v === '' || v.toLowerCase() === 'null' ? null : v)));
  });
  return plan;
}

function qualified(relation: Relation): string {
  return `${quoteIdent(relation.schema)}.${quoteIdent(relation.identifier)}`;
}

async function existingColumns(tx: SqlSession, relation: Relation): Promise<{ kind: string; columns: string[] } | undefined> {
  const r = await tx.query(
    `select c.relkind as kind, a.attname as name
       from pg_catalog.pg_class c
       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
       left join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      where n.nspname = $1 and c.relname = $2
      order by a.attnum`,
    [relation.schema, relation.identifier],
  );
  const first = r.rows[0];
  if (!first) return undefined;
  return { kind: String(first.kind), columns: r.rows.map((row) => row.name).filter((n): n is string => typeof n === 'string') };
}

// PostgreSQL binds at most 65535 parameters per statement.
const MAX_PARAMETERS = 60000;

async function insertRows(tx: SqlSession, plan: SeedPlan): Promise<number> {
  const width = plan.columns.length;
  const batch = Math.max(1, Math.min(10000, Math.floor(MAX_PARAMETERS / width)));
  const columnList = plan.columns.map((c) => quoteIdent(c.name)).join(', ');
  let inserted = 0;
  for (let start = 0; start < plan.rows.length; start += batch) {
    const rows = plan.rows.slice(start, start + batch);
    const params: (string | null)[] = [];
    const tuples = rows.map((row) => {
      const slots = row.map((value, i) => {
        params.push(value);
        return `$${params.length}::${(plan.columns[i] as SeedColumn).dataType}`;
      });
      return `(${slots.join(', ')})`;
    });
    const r = await tx.query(`insert into ${qualified(plan.relation)} (${columnList}) values ${tuples.join(', ')}`, params);
    inserted += r.rowCount ?? rows.length;
  }
  return inserted;
}

/** Loads one seed inside the given transaction; returns rows inserted and whether the table was created. */
export async function loadSeed(tx: SqlSession, plan: SeedPlan, fullRefresh: boolean): Promise<{ rows: number; created: boolean }> {
  if (plan.problem) throw new Error(plan.problem);
  const table = qualified(plan.relation);
  await tx.exec(`create schema if not exists ${quoteIdent(plan.relation.schema)}`);
  const existing = await existingColumns(tx, plan.relation);
  const wanted = plan.columns.map((c) => c.name);
  let created = false;
  if (existing && (fullRefresh || existing.kind !== 'r')) {
    await tx.exec(`drop ${existing.kind === 'v' ? 'view' : existing.kind === 'm' ? 'materialized view' : 'table'} if exists ${table} cascade`);
  } else if (existing && existing.columns.join('\u0000') !== wanted.join('\u0000')) {
    throw new Error(
      `${plan.path}: the table ${plan.relation.render()} has columns (${existing.columns.join(', ')}) but the CSV now has (${wanted.join(', ')}). ` +
        'Run dvs seed --full-refresh to recreate it.',
    );
  }
  if (!existing || fullRefresh || existing.kind !== 'r') {
    const definitions = plan.columns.map((c) => `${quoteIdent(c.name)} ${c.dataType}`).join(', ');
    await tx.exec(`create table ${table} (${definitions})`);
    created = true;
  } else {
    await tx.exec(`truncate table ${table}`);
  }
  const rows = await insertRows(tx, plan);
  return { rows, created };
}

/** Loads the seeds in order, one transaction each; a failing seed is reported and the others still load. */
export async function loadSeeds(wh: Warehouse, plans: SeedPlan[], options: SeedOptions = {}): Promise<SeedResult[]> {
  const results: SeedResult[] = [];
  const emit = (event: SeedEvent): void => {
    try {
      options.onEvent?.(event);
    } catch {
      // A broken progress display must not stop the seeds.
    }
  };
  for (const [i, plan] of plans.entries()) {
    const index = i + 1;
    const relation = plan.relation.render();
    emit({ type: 'start', seed: plan.name, index, total: plans.length, relation });
    const started = Date.now();
    let result: SeedResult;
    try {
      const outcome = await wh.transaction((tx) => loadSeed(tx, plan, options.fullRefresh === true));
      result = { seed: plan.name, relation, status: 'success', rows: outcome.rows, ms: Date.now() - started, created: outcome.created };
    } catch (error) {
      const message = sqlErrorMessage(error);
      result = { seed: plan.name, relation, status: 'error', rows: null, ms: Date.now() - started, created: false, message };
    }
    results.push(result);
    emit({ type: 'end', seed: plan.name, index, total: plans.length, result });
  }
  return results;
}
