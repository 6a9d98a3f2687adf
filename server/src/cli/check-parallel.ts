// `dvs check` on several cores: a large project is checked by the main thread and worker threads together. Each
// thread opens the project itself (sessions cannot be shared between threads, and sending parsed models costs about
// what parsing does), then takes the next unchecked model from a counter all threads share, until none is left; the
// main thread also reports the project's own files. A thread that starts late, or shares its core with another
// process, so takes fewer models, and the main thread never waits for a worker that has taken none. The findings come
// back as plain entries with each model's position and are put back in the order one thread would have produced, so
// the output is byte for byte the same (test/cli/check-parallel.test.ts).
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Diagnostic } from '../base/diagnostic';
import { SourceText } from '../base/text';
import { checkProject } from '../engine/check';
import type { ProjectSession } from '../engine/session';
import type { ParsedArgs } from './args';
import type { CliIo } from './io';
import { openSession } from './session';

export interface CheckEntry {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: Diagnostic['severity'];
  code: string;
  message: string;
}

export interface CheckAnalysis {
  models: number;
  entries: CheckEntry[];
}

/** One part's findings: each file's entries with the file's position in a whole-project check. */
export interface SliceAnalysis {
  models: number;
  files: { order: number; entries: CheckEntry[] }[];
}

/** Every `count`-th model from position `index`: a fixed part of the project. */
export interface Slice {
  index: number;
  count: number;
}

/** Which models a thread checks: the positions `next()` hands out until one is past the end. */
export interface Part {
  next(): number;
  projectFiles: boolean;
}

/**
 * Below this many model files a cold check stays on one thread: a worker needs ~0.1 s to start and opens the whole
 * project again, which only a large project's checking pays back (measured on bench/large-project.ts).
 */
export const PARALLEL_MIN_MODELS = 400;

/** The findings of a fixed part of the project (every model when `slice` is undefined). */
export function analyseSlice(session: ProjectSession, slice: Slice | undefined): SliceAnalysis {
  if (!slice) return analysePart(session, undefined);
  let position = slice.index;
  const next = () => {
    const at = position;
    position += slice.count;
    return at;
  };
  return analysePart(session, { next, projectFiles: slice.index === 0 });
}

/** The findings of the models `part` hands out (every model when it is undefined). */
export function analysePart(session: ProjectSession, part: Part | undefined): SliceAnalysis {
  const result = checkProject(session, part ? { part } : {});
  const position = new Map(session.models().map((m, i) => [m.file, i] as const));
  let others = 0;
  const files = result.files.map(({ file, text, diagnostics }) => {
    if (diagnostics.length === 0) return { order: position.get(file) ?? result.models + others++, entries: [] };
    const src = new SourceText(text);
    const name = relative(session.root, file).split('\\').join('/');
    const entries = diagnostics.map((d): CheckEntry => {
      const start = src.positionAt(d.span?.start ?? 0);
      const end = src.positionAt(d.span?.end ?? 0);
      return { file: name, line: start.line + 1, column: start.character + 1, endLine: end.line + 1, endColumn: end.character + 1, severity: d.severity, code: d.code, message: d.message };
    });
    return { order: position.get(file) ?? result.models + others++, entries };
  });
  return { models: result.models, files };
}

/** The parts put together in one thread's order, then sorted by file and position as the command prints them. */
export function mergeSlices(parts: SliceAnalysis[]): CheckAnalysis {
  const files = parts.flatMap((p) => p.files).sort((a, b) => a.order - b.order);
  const entries = files.flatMap((f) => f.entries);
  // By file name as localeCompare orders them, then line and column: each distinct name is compared once, to rank it
  // (names localeCompare finds equal share a rank), rather than in every comparison of the sort.
  const collator = (COLLATOR ??= new Intl.Collator());
  const names = [...new Set(entries.map((e) => e.file))].sort(collator.compare);
  const rank = new Map<string, number>();
  names.forEach((name, i) => rank.set(name, i > 0 && collator.compare(names[i - 1] as string, name) === 0 ? (rank.get(names[i - 1] as string) as number) : i));
  entries.sort((a, b) => (rank.get(a.file) as number) - (rank.get(b.file) as number) || a.line - b.line || a.column - b.column);
  return { models: parts[0]?.models ?? 0, entries };
}

/**
 * String.prototype.localeCompare's order (no locale or options given), made once when first needed: making it takes
 * ICU some milliseconds, and a check answered from the analysis cache sorts nothing.
 */
let COLLATOR: Intl.Collator | undefined;

/**
 * How many threads check a project of `modelFiles` files: DVS_CHECK_WORKERS when set (1 = one thread; tests force
 * the parallel path with it), else one per two idle cores, at most 4 and one per 200 model files, when the project is
 * large enough. A thread keeps about one and a half cores busy (V8 marks, sweeps and compiles beside it on other
 * threads: a one-thread check of bench/large-project.ts takes 1.6 s of CPU in 1.2 s, cli/v8-tuning.ts included), and
 * every thread opens the whole project itself (two threads took 2.7-3.0 s of CPU), so on two cores a second thread
 * makes the check slower (measured: 2.1-3.7 s against 1.5-2.1 s before that tuning, 2.6-2.9 s against 1.7 s after).
 * A core counts as idle when no other thread runs on it right now: the 1-minute load average is no guide to the next
 * second (a check run right after another one, as a benchmark does, would see the first one's load).
 */
export function checkParts(modelFiles: number, env: CliIo['env'], machine: { cores: number; busy: number } = { cores: availableParallelism(), busy: busyThreads() }): number {
  const forced = Number(env.DVS_CHECK_WORKERS);
  if (env.DVS_CHECK_WORKERS !== undefined && Number.isInteger(forced) && forced >= 1) return Math.min(forced, 16);
  if (modelFiles < PARALLEL_MIN_MODELS || !workerScript()) return 1;
  const idle = Math.floor(machine.cores - machine.busy + 0.5);
  // Each thread opens the whole project: it must have enough models to take for that.
  const worthIt = Math.floor(modelFiles / (PARALLEL_MIN_MODELS / 2));
  return Math.max(1, Math.min(4, Math.floor(idle / 2), worthIt));
}

/**
 * Threads of other processes running now: Linux counts them in /proc/loadavg (its fourth field, `running/total`,
 * counts this thread too); elsewhere the 1-minute load average (0 on Windows, which reports none).
 */
function busyThreads(): number {
  try {
    const running = Number(/^\S+ \S+ \S+ (\d+)\//.exec(readFileSync('/proc/loadavg', 'utf8'))?.[1]);
    if (Number.isInteger(running) && running >= 1) return running - 1;
  } catch {
    // Not Linux.
  }
  return loadavg()[0] ?? 0;
}

/** The worker's entry: the bundle beside this one, or the source file when run from source. */
function workerScript(): string | undefined {
  return [join(__dirname, 'check-worker.js'), join(__dirname, 'check-worker.ts')].find((f) => existsSync(f));
}

/**
 * What the threads share: [0] the next model position to take; [1 + k] is 1 once worker k has started taking
 * models (set before its first take, so a worker still at 0 after the main thread's last take can take nothing).
 */
function sharedCounters(workers: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * (1 + workers)));
}

export interface CheckWorkerData {
  args: ParsedArgs;
  cwd: string;
  env: Record<string, string | undefined>;
  counters: Int32Array;
  /** This worker's index k (its flag is counters[1 + k]). */
  worker: number;
}

/** A worker's side of the counter: marks the worker as taking, then hands out positions. */
export function workerPart(data: CheckWorkerData): Part {
  Atomics.store(data.counters, 1 + data.worker, 1);
  return { next: () => Atomics.add(data.counters, 0, 1), projectFiles: false };
}

type WorkerReply = { ok: true; result: SliceAnalysis } | { ok: false; error: string };

interface RunningWorker {
  /** The worker's findings, or undefined when it failed in any way. */
  result: Promise<SliceAnalysis | undefined>;
  stop(): void;
}

function runWorker(script: string, data: CheckWorkerData): RunningWorker {
  let worker: Worker;
  try {
    // The worker's own output is kept from the command's (stdout carries the findings); run from source (tests), it
    // loads TypeScript through tsx, as the main thread does.
    const options = { workerData: data, stdout: true, stderr: true };
    worker = script.endsWith('.ts') ? new Worker(`require('tsx/cjs'); require(${JSON.stringify(script)});`, { ...options, eval: true }) : new Worker(script, options);
  } catch {
    return { result: Promise.resolve(undefined), stop: () => undefined };
  }
  const result = new Promise<SliceAnalysis | undefined>((resolve) => {
    let done = false;
    const finish = (r: SliceAnalysis | undefined) => {
      if (done) return;
      done = true;
      resolve(r);
      void worker.terminate();
    };
    worker.once('message', (reply: WorkerReply) => finish(reply.ok ? reply.result : undefined));
    worker.once('error', () => finish(undefined));
    worker.once('exit', () => finish(undefined));
  });
  return { result, stop: () => void worker.terminate() };
}

/** Worker threads started for a check, before the main thread opens the project (they need time to start). */
export interface CheckWorkers {
  threads: number;
  stop(): void;
}

interface StartedWorkers extends CheckWorkers {
  counters: Int32Array;
  running: (RunningWorker | undefined)[];
}

/** Starts `threads - 1` workers for a check in `threads` threads (none when the worker script is missing). */
export function startCheckWorkers(args: ParsedArgs, io: CliIo, threads: number): CheckWorkers {
  const script = workerScript();
  const env: Record<string, string | undefined> = { ...io.env };
  const counters = sharedCounters(threads - 1);
  const running = Array.from({ length: threads - 1 }, (_, worker) => (script ? runWorker(script, { args, cwd: io.cwd, env, counters, worker }) : undefined));
  const started: StartedWorkers = { threads, counters, running, stop: () => running.forEach((w) => w?.stop()) };
  return started;
}

export interface ParallelOptions {
  /** Told, for each thread, whether a worker or the main thread checked what it took and how many models that was. */
  onPart?: (thread: number, checkedBy: 'worker' | 'main', models: number) => void;
  /** Workers already started (startCheckWorkers); else they are started now. */
  workers?: CheckWorkers;
  /** The main thread takes no model itself, only what failed workers left (tests: every model goes through a worker). */
  workersOnly?: boolean;
  /** Texts already read from disk (the analysis key's), so the main thread does not read them again. */
  knownTexts?: ReadonlyMap<string, string>;
}

/**
 * Checks the project in `threads` threads: the workers (started first, as they need time to start) and this one take
 * models from the shared counter; this one also reports the project's own files. A model a failed worker took is
 * checked here afterwards, so a failing thread changes no result.
 */
export async function analyseInParallel(args: ParsedArgs, io: CliIo, threads: number, options: ParallelOptions = {}): Promise<CheckAnalysis> {
  const workers = (options.workers ?? startCheckWorkers(args, io, threads)) as StartedWorkers;
  const { counters, running } = workers;
  let session: ProjectSession;
  const results: SliceAnalysis[] = [];
  try {
    session = openSession(args, io, 'read', options.knownTexts);
    const take = options.workersOnly ? () => Number.MAX_SAFE_INTEGER : () => Atomics.add(counters, 0, 1);
    results.push(analysePart(session, { next: take, projectFiles: true }));
  } catch (error) {
    // The project does not open (or its check failed) here: the workers would only keep the process alive.
    workers.stop();
    throw error;
  }
  const mine = results[0]?.files.filter((f) => f.order < session.models().length).length ?? 0;
  options.onPart?.(0, 'main', mine);
  for (const [k, worker] of running.entries()) {
    // Every model is taken by now (unless workersOnly): a worker that has not started taking will take none, and is
    // not waited for (it may still be opening the project).
    const taking = options.workersOnly === true || Atomics.load(counters, 1 + k) === 1;
    const theirs = worker && taking ? await worker.result : undefined;
    if (!taking) worker?.stop();
    if (theirs) {
      results.push(theirs);
      options.onPart?.(k + 1, 'worker', theirs.files.length);
    }
  }
  // Models no thread reported (taken by a worker that failed, or left by workersOnly) are checked here.
  const seen = new Set(results.flatMap((r) => r.files.map((f) => f.order)));
  const left = session.models().map((_, i) => i).filter((i) => !seen.has(i));
  if (left.length) {
    let at = 0;
    const rest = analysePart(session, { next: () => left[at++] ?? Number.MAX_SAFE_INTEGER, projectFiles: false });
    results.push(rest);
    options.onPart?.(running.length + 1, 'main', rest.files.length);
  }
  return mergeSlices(results);
}
