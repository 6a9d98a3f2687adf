// Runs compiled models in dependency order, one transaction per model: a failure rolls that model back, skips what
// depends on it (naming the failed model) and lets independent models run. Progress goes out as events.
import { sqlErrorMessage } from '../warehouse/errors';
import type { Warehouse } from '../warehouse/warehouse';
import { HighWaterStaging } from './high-water';
import { isIncrementalRun, materialize } from './materialize';
import type { LoadEvent, LoadModel, LoadOptions, LoadSummary, ModelResult, ModelStatus } from './model';

export interface LoadOrder {
  /** Dependencies before dependants; among independent models the input order is kept. */
  order: LoadModel[];
  /** Models on (or behind) a dependency cycle, which cannot be ordered. */
  cyclic: LoadModel[];
}

/** Topological order over the given models; dependencies outside the set are ignored (the caller selected). */
export function loadOrder(models: LoadModel[]): LoadOrder {
  const position = new Map<string, number>();
  models.forEach((m, i) => {
    if (!position.has(m.name)) position.set(m.name, i);
  });
  const unique = models.filter((m, i) => position.get(m.name) === i);
  const dependants = new Map<string, string[]>();
  const waitingOn = new Map<string, number>();
  for (const m of unique) {
    const deps = new Set(m.dependsOn.filter((d) => position.has(d) && d !== m.name));
    waitingOn.set(m.name, deps.size);
    for (const d of deps) dependants.set(d, [...(dependants.get(d) ?? []), m.name]);
  }
  const ready = unique.filter((m) => waitingOn.get(m.name) === 0).map((m) => m.name);
  const order: LoadModel[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => (position.get(a) ?? 0) - (position.get(b) ?? 0));
    const name = ready.shift() as string;
    const index = position.get(name) ?? 0;
    order.push(models[index] as LoadModel);
    for (const child of dependants.get(name) ?? []) {
      const left = (waitingOn.get(child) ?? 0) - 1;
      waitingOn.set(child, left);
      if (left === 0) ready.push(child);
    }
  }
  const placed = new Set(order.map((m) => m.name));
  return { order, cyclic: unique.filter((m) => !placed.has(m.name)) };
}

/** Runs the models (the caller already selected them) and reports each one; never throws for a failing model. */
export async function runLoad(wh: Warehouse, models: LoadModel[], options: LoadOptions = {}): Promise<LoadSummary> {
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const { order, cyclic } = loadOrder(models);
  const total = [...order, ...cyclic].filter((m) => m.materialized !== 'ephemeral').length;
  const results: ModelResult[] = [];
  /** For each model that did not build: the failed model(s) it is waiting on, for skip messages. */
  const failedRoots = new Map<string, string[]>();
  const present = new Set(order.map((m) => m.name));
  let index = 0;
  let cancelled = false;

  const emit = (event: LoadEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A broken progress display must not break the load.
    }
  };
  const record = (model: LoadModel, status: ModelStatus, fields: Partial<ModelResult> & { ms: number; at: number }) => {
    const result: ModelResult = {
      model: model.name,
      relation: model.relation.render(),
      materialized: model.materialized,
      status,
      rows: fields.rows ?? null,
      incremental: fields.incremental ?? false,
      ms: fields.ms,
      startedAt: new Date(fields.at).toISOString(),
      completedAt: new Date(fields.at + fields.ms).toISOString(),
      ...(fields.message !== undefined ? { message: fields.message } : {}),
      ...(fields.executedSql !== undefined ? { executedSql: fields.executedSql } : {}),
    };
    results.push(result);
    return result;
  };

  // Marks and once-per-run stage tables for the models that opted in; nothing changes for the others.
  const staging = new HighWaterStaging(wh, order, {
    ...(options.scope !== undefined ? { scope: options.scope } : {}),
    ...(options.narrowFrom !== undefined ? { narrowFrom: options.narrowFrom } : {}),
    fullRefresh: options.fullRefresh === true,
  });
  await staging.prepare();
  try {
    for (const model of order) {
      if (options.signal?.aborted) cancelled = true;
      const roots = [...new Set(model.dependsOn.filter((d) => present.has(d)).flatMap((d) => failedRoots.get(d) ?? []))];
      if (model.materialized === 'ephemeral') {
        // Not built: its SQL is inlined into its dependants, which inherit its failed upstreams.
        if (roots.length > 0) failedRoots.set(model.name, roots);
        continue;
      }
      if (cancelled) {
        failedRoots.set(model.name, [model.name]);
        record(model, 'cancelled', { ms: 0, at: Date.now(), message: 'not run: the load was cancelled' });
        continue;
      }
      index++;
      if (roots.length > 0) {
        failedRoots.set(model.name, roots);
        const message = `skipped because ${roots.join(', ')} failed`;
        record(model, 'skipped', { ms: 0, at: Date.now(), message });
        emit({ type: 'end', model: model.name, index, total, materialized: model.materialized, status: 'skipped', rows: null, ms: 0, message });
        continue;
      }
      emit({ type: 'start', model: model.name, index, total, materialized: model.materialized, relation: model.relation.render() });
      const at = Date.now();
      let incremental = false;
      try {
        incremental = await isIncrementalRun(wh, model, options.fullRefresh);
        // Compiled before the transaction opens, so a compiler that asks the warehouse never waits on our own session.
        const compiled = await model.sql(incremental, wh);
        const input = await staging.inputFor(model, compiled, incremental);
        const sql = input?.sql ?? compiled;
        const prepared: string[] = [];
        const outcome = await wh.transaction(async (tx) => {
          if (input) prepared.push(...(await (incremental ? staging.prepareIncremental(tx, model) : staging.prepareFull(tx))));
          const out = await materialize(tx, model, sql, incremental);
          // The marks commit with the rows or not at all.
          if (input) await staging.record(tx, model, input.updates);
          return out;
        });
        const { rows } = outcome;
        const ms = Date.now() - at;
        // A vault_insert_by_* loop says which periods/ranks it ran and the rows of each; a marked model what it read.
        const message = [outcome.message, ...(input?.notes ?? [])].filter((m): m is string => m !== undefined).join('; ') || undefined;
        const said = message !== undefined ? { message } : {};
        const executed = input ? { executedSql: [...input.statements, ...prepared, sql] } : {};
        record(model, 'success', { ms, at, rows, incremental, ...said, ...executed });
        emit({ type: 'end', model: model.name, index, total, materialized: model.materialized, status: 'success', rows, ms, ...said });
      } catch (error) {
        const ms = Date.now() - at;
        const hints = model.failureHints?.() ?? [];
        const message = [sqlErrorMessage(error), ...hints].join('. ');
        failedRoots.set(model.name, [model.name]);
        record(model, 'error', { ms, at, incremental, message });
        emit({ type: 'end', model: model.name, index, total, materialized: model.materialized, status: 'error', rows: null, ms, message });
      }
    }
  } finally {
    await staging.cleanup();
  }

  for (const model of cyclic) {
    if (model.materialized === 'ephemeral') continue;
    index++;
    const message = `not run: dependency cycle among ${cyclic.map((m) => m.name).join(', ')}`;
    record(model, 'error', { ms: 0, at: Date.now(), message });
    emit({ type: 'end', model: model.name, index, total, materialized: model.materialized, status: 'error', rows: null, ms: 0, message });
  }

  const finished = Date.now();
  return {
    results,
    startedAt,
    completedAt: new Date(finished).toISOString(),
    ms: finished - started,
    ok: results.every((r) => r.status !== 'error'),
    cancelled,
  };
}
