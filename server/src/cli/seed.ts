// `dvs seed`: loads the selected seed CSVs into the target like `dbt seed`, one line per seed on stderr, a summary
// (JSON on stdout with --format json); exit 1 when a seed fails.
import { readFileSync } from 'node:fs';
import { planSeed, loadSeeds, type SeedEvent } from '../dbt/seed';
import { selectResources } from '../project/select';
import { formatFlag, hasFlag, selectorWords, type ParsedArgs } from './args';
import { CliFailure, type CliIo } from './io';
import { openSession, reportSelection } from './session';
import { withTargetWarehouse } from './warehouse';

export async function runSeedCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const format = formatFlag(args, ['text', 'json'], 'text');
  const session = openSession(args, io, 'write');
  const selection = selectResources(session.project, ['seed'], selectorWords(args, 'select'), selectorWords(args, 'exclude'));
  reportSelection(selection, io);
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
  return withTargetWarehouse(session, io, async (wh) => {
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
  }, { loadLock: true });
}

function progressLine(e: SeedEvent, width: number): string {
  const counter = `${String(e.index).padStart(String(e.total).length)}/${e.total}`;
  if (e.type === 'start') return `${counter} START ${e.seed.padEnd(width)} seed → ${e.relation}\n`;
  const r = e.result;
  if (r.status === 'error') return `${counter} ERROR ${e.seed.padEnd(width)} seed (${r.ms} ms)\n      ${r.message ?? ''}\n`;
  return `${counter} OK    ${e.seed.padEnd(width)} seed ${r.rows} rows${r.created ? ', table created' : ''} (${r.ms} ms)\n`;
}
