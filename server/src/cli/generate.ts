// `dvs generate-raw`: writes Airbyte Faker-like syncs into the target's raw schema, with a progress line per table.
import { generateRaw, GenerateRawError, type GenerateRawOptions } from '../generate/generate-raw';
import { flagValue, hasFlag, type ParsedArgs } from './args';
import { CliFailure, type CliIo } from './io';
import { openSession } from './session';
import { openTargetWarehouse } from './warehouse';

function intFlag(args: ParsedArgs, name: string): number | undefined {
  const v = flagValue(args, name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw new CliFailure(`--${name} must be a whole number, not '${v}'.`);
  return Number(v);
}

export async function runGenerateRaw(args: ParsedArgs, io: CliIo): Promise<number> {
  const options: GenerateRawOptions = {
    users: intFlag(args, 'users'),
    seed: intFlag(args, 'seed'),
    anchor: flagValue(args, 'anchor'),
    syncs: intFlag(args, 'syncs'),
    changes: !hasFlag(args, 'no-changes'),
  };
  const session = openSession(args, io, 'write');
  const wh = await openTargetWarehouse(session, io);
  try {
    const result = await generateRaw(wh, options, (p) => {
      io.err(`dvs: sync ${p.syncId} (${p.syncIndex}/${p.syncCount}) ${p.table}: ${p.rowsWritten}/${p.rowsInTable} rows\n`);
    });
    for (const note of result.notes) io.err(`dvs: ${note}\n`);
    for (const s of result.syncs) {
      io.err(`dvs: sync ${s.syncId} extracted at ${s.extractedAt}: ${Object.entries(s.rows).map(([t, n]) => `${t} ${n}`).join(', ')}\n`);
    }
    io.out(JSON.stringify({ schema: result.schema, continuedAfter: result.continuedAfter, syncs: result.syncs.map((s) => ({ syncId: s.syncId, extractedAt: s.extractedAt, rows: s.rows })) }) + '\n');
    return 0;
  } catch (error) {
    if (error instanceof GenerateRawError) throw new CliFailure(error.message, 2);
    throw error;
  } finally {
    await wh.close();
  }
}
