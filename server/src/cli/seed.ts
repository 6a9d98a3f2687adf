// `dvs seed`: loads the selected seed CSVs into the target like `dbt seed`, one line per seed on stderr, a summary
// (JSON on stdout with --format json); exit 1 when a seed fails.
import { readFileSync } from 'node:fs';
import { planSeed, loadSeeds, type SeedEvent } from '../dbt/seed';
import { selectResources } from '../project/select';
import { acquireLoadLock, LoadLockedError } from '../warehouse/lock';
import { flagValue, hasFlag, selectorWords, type ParsedArgs } from './args';
import { CliFailure, type CliIo } from './io';
import { openSession } from './session';
import { openTargetWarehouse } from './warehouse';

export async function runSeedCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const format = flagValue(args, 'format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new CliFailure(`--format must be text or json, not '${format}'.`);
  const session = openSession(args, io, 'write');
  const selection = selectResources(session.project, ['seed'], selectorWords(args, 'select'), selectorWords(args, 'exclude'));
  if (selection.errors.length) throw new CliFailure(`cannot read selector(s): ${selection.errors.join('; ')}`);
  for (const w of selection.warnings) io.err(`dvs: warning: ${w}\n`);
  if (selection.nodes.length === 0) {
    io.err(`dvs: no seeds selected (seed paths: ${session.project.settings.seedPaths.join(', ')}).\n`);
    if (format === 'json') io.out(JSON.stringify({ seeds: [] }) + '\n');
    return 0;
  }
  const plans = selection.nodes.map((node) => {
    let text = '';
    try {
      text = readFileSync(node.file, 'utf8');
    } catch (error) {
      throw new CliFailure(`cannot read ${node.path}: ${error instanceof Error ? error.message : String(error)}`);
    }
    return planSeed(node, text);
  });
  const wh = await openTargetWarehouse(session, io);
  let lock;
  try {
    try {
      lock = await acquireLoadLock(wh, session.root, { scope: session.project.targetSchema });
    } catch (error) {
      if (error instanceof LoadLockedError) throw new CliFailure(error.message, 2);
      throw error;
    }
    const width = Math.max(...plans.map((p) => p.name.length));
    const results = await loadSeeds(wh, plans, { fullRefresh: hasFlag(args, 'full-refresh'), onEvent: (e) => io.err(progressLine(e, width)) });
    const failed = results.filter((r) => r.status === 'error').length;
    io.err(`dvs: ${results.length - failed} seeds loaded, ${failed} failed\n`);
    if (format === 'json') {
      io.out(
        JSON.stringify({
          seeds: results.map((r) => ({ name: r.seed, relation: r.relation, status: r.status, rows: r.rows, ms: r.ms, ...(r.message ? { message: r.message } : {}) })),
        }) + '\n',
      );
    }
    return failed > 0 ? 1 : 0;
  } finally {
    await lock?.release();
    await wh.close();
  }
}

function progressLine(e: SeedEvent, width: number): string {
  const counter = `${String(e.index).padStart(String(e.total).length)}/${e.total}`;
  if (e.type === 'start') return `${counter} START ${e.seed.padEnd(width)} seed → ${e.relation}\n`;
  const r = e.result;
  if (r.status === 'error') return `${counter} ERROR ${e.seed.padEnd(width)} seed (${r.ms} ms)\n      ${r.message ?? ''}\n`;
  return `${counter} OK    ${e.seed.padEnd(width)} seed ${r.rows} rows${r.created ? ', table created' : ''} (${r.ms} ms)\n`;
}
