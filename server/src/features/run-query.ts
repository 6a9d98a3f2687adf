// dvs/runQuery: a SELECT (or a table) on the current target with a row limit written into the SQL, values encoded as
// `dvs query --format json` encodes them.
import { quoteIdent } from '../base/relation';
import type { RunQueryParams, RunQueryResult, CellValue } from '../protocol';
import { encodeValue, queryForEncoding } from '../warehouse/encode';
import { pgTypeName } from '../warehouse/pg-type-names';
import type { Warehouse } from '../warehouse/warehouse';

/** The query as it runs: the user's SELECT wrapped so that a row limit applies whatever it ends with. */
function limitedSql(inner: string, limit: number): string {
  return `SELECT * FROM (\n${inner}\n) AS dvs_query LIMIT ${limit}`;
}

export async function runQuery(wh: Warehouse, params: RunQueryParams, target: string): Promise<RunQueryResult> {
  const limit = Math.max(1, Math.min(params.limit ?? 500, 100_000));
  let inner: string;
  if (params.table) inner = `SELECT * FROM ${quoteIdent(params.table.schema)}.${quoteIdent(params.table.name)}`;
  else if (params.sql && params.sql.trim()) inner = params.sql.trim().replace(/;\s*$/, '');
  else throw new Error('Give a SELECT to run, or a table to show.');
  // One row more than the limit tells whether the limit cut the result; the user is shown the limit they chose.
  const started = Date.now();
  const result = await queryForEncoding(wh, limitedSql(inner, limit + 1));
  const ms = Date.now() - started;
  const fields = result?.fields ?? [];
  const rows = (result?.rows ?? []).map((row) => fields.map((f) => encodeValue(row[f.name], f.dataTypeID) as CellValue));
  return {
    sql: limitedSql(inner, limit),
    columns: fields.map((f) => ({ name: f.name, type: pgTypeName(f.dataTypeID) })),
    rows: rows.slice(0, limit),
    limited: rows.length > limit,
    ms,
    target,
  };
}
