// `dvs query` (the last statement's rows as JSON or a table) and `dvs schema` (tables, columns and types).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { sqlErrorMessage } from '../warehouse/errors';
import { encodeRows, queryForEncoding, renderTable } from '../warehouse/encode';
import { introspectSchemas, writeSchemaCache } from '../warehouse/introspect';
import { flagValue, formatFlag, type ParsedArgs } from './args';
import { CliFailure, type CliIo } from './io';
import { openSession } from './session';
import { openTargetWarehouse } from './warehouse';

export async function runQuery(args: ParsedArgs, io: CliIo): Promise<number> {
  const format = formatFlag(args, ['json', 'table'], 'json');
  const file = flagValue(args, 'file');
  let sql: string;
  if (file !== undefined) {
    try {
      sql = readFileSync(resolve(io.cwd, file), 'utf8');
    } catch {
      throw new CliFailure(`--file ${file}: cannot read it.`);
    }
  } else {
    if (args.positionals.length === 0) throw new CliFailure(`dvs query needs SQL: dvs query "select 1" (or --file PATH).`);
    sql = args.positionals.join(' ');
  }
  const session = openSession(args, io, 'read');
  const wh = await openTargetWarehouse(session, io);
  try {
    const result = await queryForEncoding(wh, sql);
    if (!result) {
      if (format === 'json') io.out('[]\n');
      return 0;
    }
    if (format === 'json') io.out(JSON.stringify(encodeRows(result), null, 2) + '\n');
    else io.out(renderTable(result));
    return 0;
  } catch (error) {
    io.err(`dvs: query failed: ${sqlErrorMessage(error)}\n`);
    return 1;
  } finally {
    await wh.close();
  }
}

export async function runSchema(args: ParsedArgs, io: CliIo): Promise<number> {
  const format = formatFlag(args, ['json', 'table'], 'table');
  const only = flagValue(args, 'schema');
  const session = openSession(args, io, 'read');
  const wh = await openTargetWarehouse(session, io);
  try {
    const schemas = await introspectSchemas(wh, only ? [only] : undefined);
    const target = session.project.target;
    if (!only && target.ok) writeSchemaCache(session.root, target.target.name, { introspectedAt: new Date().toISOString(), description: wh.description, schemas });
    if (format === 'json') {
      io.out(JSON.stringify(schemas, null, 2) + '\n');
    } else {
      for (const s of schemas) {
        for (const t of s.tables) {
          io.out(`${s.name}.${t.name} (${t.kind})\n`);
          const width = Math.max(0, ...t.columns.map((c) => c.name.length));
          for (const c of t.columns) io.out(`  ${c.name.padEnd(width)}  ${c.dataType}${c.nullable ? '' : ' not null'}\n`);
        }
      }
    }
    return 0;
  } finally {
    await wh.close();
  }
}
