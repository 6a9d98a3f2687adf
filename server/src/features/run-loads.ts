// dvs.runLoads: the selected models built in dependency order on the target, one transaction each, reporting every
// model as it starts and ends (the server turns these into work-done progress and dvs/loadEvent).
import { loadModelsFor } from '../engine/load';
import { selectProjectNodes } from '../engine/select';
import type { ProjectSession } from '../engine/session';
import type { LoadEvent } from '../load/model';
import { writeRunResults } from '../load/results';
import { runLoad } from '../load/run';
import type { LoadEventParams, Materialization, ModelLoadResult, RunLoadsArgs, RunLoadsResult } from '../protocol';
import { acquireLoadLock } from '../warehouse/lock';
import type { Warehouse } from '../warehouse/warehouse';
import { pathToUri } from './uris';

/** A model's state change during a run: the `dvs/loadEvent` notification less the token the server adds. */
export type LoadProgress = Omit<LoadEventParams, 'token'>;

const MATERIALIZATIONS = new Set<string>(['view', 'table', 'incremental', 'ephemeral']);

export async function runLoads(
  session: ProjectSession,
  wh: Warehouse,
  args: RunLoadsArgs,
  target: string,
  onProgress: (p: LoadProgress) => void,
  signal: AbortSignal,
): Promise<RunLoadsResult> {
  const selection = selectProjectNodes(session, args.select ?? [], args.exclude ?? []);
  if (selection.errors.length) throw new Error(`Cannot read the selector(s): ${selection.errors.join('; ')}`);
  const started = Date.now();
  if (selection.nodes.length === 0) return { target, models: [], cancelled: false, ms: 0 };
  const lock = await acquireLoadLock(wh, session.root, { scope: session.project.targetSchema });
  try {
    const models = loadModelsFor(session, selection.nodes);
    const onEvent = (e: LoadEvent) => {
      if (e.type === 'start') onProgress({ model: e.model, status: 'running', index: e.index, total: e.total });
      else {
        const p: LoadProgress = { model: e.model, status: e.status, index: e.index, total: e.total, ms: e.ms };
        if (e.rows !== null) p.rows = e.rows;
        onProgress(p);
      }
    };
    const summary = await runLoad(wh, models, { fullRefresh: args.fullRefresh === true, onEvent, signal });
    writeRunResults(session.root, summary, {
      target,
      runStartedAt: session.runStartedAt.toISOString(),
      projectName: session.project.name,
      args: { select: args.select ?? [], exclude: args.exclude ?? [], full_refresh: args.fullRefresh === true },
    });
    const byName = new Map(selection.nodes.map((n) => [n.name, n]));
    return {
      target,
      cancelled: summary.cancelled,
      ms: Date.now() - started,
      models: summary.results.map((r): ModelLoadResult => {
        const out: ModelLoadResult = {
          model: r.model,
          status: r.status,
          materialization: (MATERIALIZATIONS.has(r.materialized) ? r.materialized : 'incremental') as Materialization,
          relation: r.relation,
          ms: r.ms,
        };
        if (r.rows !== null) out.rows = r.rows;
        const node = byName.get(r.model);
        if (r.message && r.status === 'error') out.error = { message: r.message, ...(node ? { uri: pathToUri(node.file) } : {}) };
        return out;
      }),
    };
  } finally {
    await lock.release();
  }
}
