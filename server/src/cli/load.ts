// `dvs load`: compiles and builds the selected models in dependency order, one transaction each, with a live line
// per model on stderr, run_results.json, and a summary (JSON on stdout with --format json).
import { loadModelsFor } from '../engine/load';
import { selectProjectNodes, upstreamViews } from '../engine/select';
import { runLoad } from '../load/run';
import { writeRunResults } from '../load/results';
import type { LoadEvent } from '../load/model';
import { refreshSchemaCache } from '../warehouse/introspect';
import { formatFlag, hasFlag, selectorWords, type ParsedArgs } from './args';
import type { CliIo } from './io';
import { openSession, reportSelection } from './session';
import { withTargetWarehouse } from './warehouse';

export async function runLoadCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const format = formatFlag(args, ['text', 'json'], 'text');
  const session = openSession(args, io, 'write');
  const select = selectorWords(args, 'select');
  const exclude = selectorWords(args, 'exclude');
  const selection = selectProjectNodes(session, select, exclude);
  reportSelection(selection, io);
  const views = upstreamViews(session, selection.nodes);
  if (views.length) {
    io.err(`dvs: also rebuilding the view(s) ${views.map((v) => v.name).join(', ')} that the selection reads, so they use this run's run_started_at\n`);
    const order = session.project.topologicalOrder([...views, ...selection.nodes].map((n) => n.name));
    const byName = new Map([...views, ...selection.nodes].map((n) => [n.name, n]));
    selection.nodes = order.map((n) => byName.get(n)).filter((n): n is NonNullable<typeof n> => n !== undefined);
  }
  if (selection.nodes.length === 0) {
    io.err('dvs: nothing selected to load.\n');
    if (format === 'json') io.out(JSON.stringify({ target: targetName(session), models: [] }) + '\n');
    return 0;
  }
  return withTargetWarehouse(session, io, async (wh) => {
    // Stages read their source columns from the catalog, as AutomateDV does at compile time: introspect the live target.
    session.setSchemaSnapshot(await refreshSchemaCache(wh, session.root, targetName(session)));
    const models = loadModelsFor(session, selection.nodes);
    const width = Math.max(...models.map((m) => m.name.length));
    const controller = new AbortController();
    const onSignal = (): void => {
      io.err('\ndvs: stopping after the running model (Ctrl+C again to abort at once)\n');
      controller.abort();
      process.off('SIGINT', onSignal);
    };
    process.on('SIGINT', onSignal);
    const summary = await runLoad(wh, models, {
      fullRefresh: hasFlag(args, 'full-refresh'),
      scope: session.project.targetSchema,
      signal: controller.signal,
      onEvent: (e) => io.err(progressLine(e, width)),
    }).finally(() => process.off('SIGINT', onSignal));
    writeRunResults(session.root, summary, {
      target: targetName(session),
      runStartedAt: session.runStartedAt.toISOString(),
      projectName: session.project.name,
      args: { select, exclude, full_refresh: hasFlag(args, 'full-refresh') },
    });
    const failed = summary.results.filter((r) => r.status === 'error').length;
    const skipped = summary.results.filter((r) => r.status === 'skipped').length;
    const ok = summary.results.filter((r) => r.status === 'success').length;
    io.err(`dvs: done in ${(summary.ms / 1000).toFixed(1)} s: ${ok} succeeded, ${failed} failed, ${skipped} skipped${summary.cancelled ? ', cancelled' : ''}\n`);
    const explain = hasFlag(args, 'explain');
    if (format === 'json') {
      io.out(
        JSON.stringify({
          target: targetName(session),
          models: summary.results.map((r) => ({
            name: r.model,
            materialized: r.materialized,
            status: r.status === 'cancelled' ? 'skipped' : r.status,
            rows: r.rows,
            ms: r.ms,
            ...(r.message ? { message: r.message } : {}),
            ...(explain && r.executedSql ? { executed_sql: r.executedSql } : {}),
          })),
        }) + '\n',
      );
    } else if (explain) {
      // What ran where it differs from `dvs compile` (high-water marks wrap the compiled SQL for execution).
      for (const r of summary.results) {
        if (!r.executedSql) continue;
        io.out(`-- ${r.model}: ${r.message ?? ''}\n${r.executedSql.map((s) => s.trim() + ';').join('\n\n')}\n\n`);
      }
    }
    return failed > 0 || summary.cancelled ? 1 : 0;
  }, { loadLock: true });
}

function targetName(session: { project: { target: { ok: boolean } & ({ ok: true; target: { name: string } } | { ok: false }) } }): string {
  const t = session.project.target;
  return t.ok ? t.target.name : 'embedded';
}

function progressLine(e: LoadEvent, width: number): string {
  const counter = `${String(e.index).padStart(String(e.total).length)}/${e.total}`;
  if (e.type === 'start') return `${counter} START ${e.model.padEnd(width)} ${e.materialized}\n`;
  const rows = e.rows === null ? '' : ` ${e.rows} rows`;
  const status = e.status === 'success' ? 'OK   ' : e.status === 'error' ? 'ERROR' : e.status === 'skipped' ? 'SKIP ' : 'STOP ';
  const message = e.message && e.status !== 'success' ? `\n      ${e.message}` : '';
  return `${counter} ${status} ${e.model.padEnd(width)} ${e.materialized}${rows} (${Math.round(e.ms)} ms)${message}\n`;
}
