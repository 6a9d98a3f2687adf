// dvs/runQuery: a SELECT (or a table) on the current target with a row limit written into the SQL, values encoded as
// `dvs query --format json` encodes them.
import { quoteIdent } from '../base/relation';
import type { RunQueryParams, RunQueryResult, CellValue } from '../protocol';
import { encodeValue, PgType, queryForEncoding } from '../warehouse/encode';
import type { Warehouse } from '../warehouse/warehouse';

const TYPE_NAMES = new Map<number, string>(Object.entries(PgType).map(([name, oid]) => [oid, name]));

export async function runQuery(wh: Warehouse, params: RunQueryParams, target: string): Promise<RunQueryResult> {
  const limit = Math.max(1, Math.min(params.limit ?? 500, 100_000));
  let inner: string;
  if (params.table) inner = `SELECT * FROM ${quoteIdent(params.table.schema)}.${quoteIdent(params.table.name)}`;
  else if (params.sql && params.sql.trim()) inner = params.sql.trim().replace(/;\s*$/, '');
  else throw new Error('Give a SELECT to run, or a table to show.');
  // One row more than the limit tells whether the limit cut the result.
  const sql = `SELECT * FROM (\n${inner}\n) AS dvs_query LIMIT ${limit + 1}`;
  const started = Date.now();
  const result = await queryForEncoding(wh, sql);
  const ms = Date.now() - started;
  const fields = result?.fields ?? [];
  const rows = (result?.rows ?? []).map((row) => fields.map((f) => encodeValue(row[f.name], f.dataTypeID) as CellValue));
  return {
    sql,
    columns: fields.map((f) => ({ name: f.name, type: TYPE_NAMES.get(f.dataTypeID) ?? `oid ${f.dataTypeID}` })),
    rows: rows.slice(0, limit),
    limited: rows.length > limit,
    ms,
    target,
  };
}
