// dbt-postgres materializations (view, table, incremental append) and AutomateDV's pit/bridge_incremental, each run
// inside the model's transaction so a failure leaves nothing behind.
import { createHash } from 'node:crypto';
import { hasIncrementalBranch } from '../base/materializations';
import { foldedIdent, quoteIdent, type Relation } from '../base/relation';
import type { SqlSession } from '../warehouse/warehouse';
import type { IndexConfig, LoadModel } from './model';
import { asSubquery, createTableAs, dropExisting, qualifiedName, relationKind, tempName, targetColumns, type MaterializeOutcome } from './ddl';
import { runVaultInsert } from './vault-insert';

export { relationExists, relationKind, type MaterializeOutcome, type RelationKind } from './ddl';

/** is_incremental() for a model this run: an incremental materialization, its table exists, and no full refresh. */
export async function isIncrementalRun(session: SqlSession, model: Pick<LoadModel, 'relation' | 'materialized'>, fullRefresh = false): Promise<boolean> {
  if (fullRefresh || !hasIncrementalBranch(model.materialized)) return false;
  return (await relationKind(session, model.relation)) === 'table';
}

export const SUPPORTED_MATERIALIZATIONS = ['view', 'table', 'incremental', 'ephemeral', 'pit_incremental', 'bridge_incremental', 'vault_insert_by_period', 'vault_insert_by_rank'];

/** dbt's append: the batch into a temp table, then insert the target's own columns, quoted, from it. */
async function appendFromTemp(tx: SqlSession, relation: Relation, sql: string, truncateFirst: boolean): Promise<number | null> {
  const temp = quoteIdent(tempName(relation.identifier));
  await tx.exec(`create temporary table ${temp} on commit drop as (\n${asSubquery(sql)}\n)`);
  const columns = (await targetColumns(tx, relation)).map(quoteIdent).join(', ');
  if (truncateFirst) await tx.exec(`truncate table ${qualifiedName(relation)}`);
  const r = await tx.exec(`insert into ${qualifiedName(relation)} (${columns})\n(\n  select ${columns}\n  from ${temp}\n)`);
  return r?.rowCount ?? null;
}

/**
 * dbt-postgres's create index statement for one `indexes` entry. Its index names are an MD5 over columns, unique, type
 * and relation (dbt adds the time; here it is left out so a rebuild names the index the same). A plain column name
 * means what dbt's unquoted use of it means (folded to lower case); anything else, an expression, is used as written.
 */
export function createIndexSql(relation: Relation, index: IndexConfig): string {
  const type = index.type?.trim();
  if (type !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(type)) {
    throw new Error(`indexes: type '${index.type}' is not an index method name (btree, hash, gist, gin, brin …)`);
  }
  const name = createHash('md5')
    .update(`${index.columns.join('_')}${index.unique ? 'True' : 'False'}${type ?? 'None'}${relation.render()}`)
    .digest('hex');
  const columns = index.columns.map((c) => foldedIdent(c.trim()) ?? c).join(', ');
  return `create ${index.unique ? 'unique ' : ''}index if not exists ${quoteIdent(name)} on ${qualifiedName(relation)}${type ? ` using ${type}` : ''} (${columns})`;
}

/** The model's `indexes`, right after its table was created (dbt-postgres does not add them on appends). */
async function createIndexes(tx: SqlSession, model: LoadModel): Promise<void> {
  for (const index of model.indexes ?? []) await tx.exec(createIndexSql(model.relation, index));
}

/**
 * Builds one model inside `tx`. `incremental` is the is_incremental() the SQL was compiled with (see isIncrementalRun);
 * the target must still be a table then. Creates the schema when missing.
 */
export async function materialize(tx: SqlSession, model: LoadModel, sql: string, incremental: boolean): Promise<MaterializeOutcome> {
  const outcome = await build(tx, model, sql, incremental);
  // Every materialization that built a new table this run (not views, not appends) gets the configured indexes.
  if (!incremental && model.materialized !== 'view' && model.indexes?.length) await createIndexes(tx, model);
  return outcome;
}

async function build(tx: SqlSession, model: LoadModel, sql: string, incremental: boolean): Promise<MaterializeOutcome> {
  const relation = model.relation;
  await tx.exec(`create schema if not exists ${quoteIdent(relation.schema)}`);
  const existing = await relationKind(tx, relation);
  if (incremental && existing !== 'table') {
    // The SQL was compiled for the incremental branch; building a fresh table from it would load only a batch.
    throw new Error(`${qualifiedName(relation)} stopped being a table while the load ran; run the load again`);
  }
  const appendable = incremental;
  switch (model.materialized) {
    case 'view':
      await dropExisting(tx, relation, existing);
      await tx.exec(`create view ${qualifiedName(relation)} as (\n${asSubquery(sql)}\n)`);
      return { rows: null };
    case 'table':
      await dropExisting(tx, relation, existing);
      return { rows: await createTableAs(tx, relation, sql) };
    case 'incremental':
      if (appendable) return { rows: await appendFromTemp(tx, relation, sql, false) };
      await dropExisting(tx, relation, existing);
      return { rows: await createTableAs(tx, relation, sql) };
    case 'pit_incremental':
    case 'bridge_incremental':
      // AutomateDV rebuilds PIT and bridge contents on every incremental run: truncate, then insert the new set.
      if (appendable) return { rows: await appendFromTemp(tx, relation, sql, true) };
      await dropExisting(tx, relation, existing);
      return { rows: await createTableAs(tx, relation, sql) };
    case 'vault_insert_by_period':
    case 'vault_insert_by_rank':
      return runVaultInsert(tx, model, sql, incremental, existing);
    default:
      throw new Error(
        `materialization '${model.materialized}' is not supported by dvs load (supported: ${SUPPORTED_MATERIALIZATIONS.join(', ')})`,
      );
  }
}
