// `dvs check` on several cores: a large project is checked in parts, one per thread. Each thread opens the project
// itself (sessions cannot be shared between threads, and sending parsed models costs about what parsing does) and
// checks every n-th model; the main thread also reports the project's own files. The parts come back as plain
// findings with each model's position and are put back in the order one thread would have produced, so the output is
// byte for byte the same (test/cli/check-parallel.test.ts).
import { existsSync } from 'node:fs';
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

export interface Slice {
  index: number;
  count: number;
}

/**
 * Below this many model files a cold check stays on one thread: a worker needs ~0.1 s to start and opens the whole
 * project again, which only a large project's checking pays back (measured on bench/large-project.ts).
 */
export const PARALLEL_MIN_MODELS = 400;

/** The findings of one part of the project (every model when `slice` is undefined). */
export function analyseSlice(session: ProjectSession, slice: Slice | undefined): SliceAnalysis {
  const result = checkProject(session, slice ? { slice: { ...slice, projectFiles: slice.index === 0 } } : {});
  const position = new Map(session.models().map((m, i) => [m.file, i] as const));
  let others = 0;
  const files = result.files.map(({ file, text, diagnostics }) => {
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
  entries.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
  return { models: parts[0]?.models ?? 0, entries };
}

/**
 * How many parts to check a project of `modelFiles` files in: DVS_CHECK_WORKERS when set (1 = one thread; tests
 * force the parallel path with it), else one per idle core, at most 4 and one per 200 model files, when the project
 * is large enough. Every thread opens the project itself, so a part costs CPU time (about half again for two parts):
 * worth it only on cores nothing else is using, hence the cores the 1-minute load average leaves idle (Windows
 * reports no load: all cores).
 */
export function checkParts(modelFiles: number, env: CliIo['env'], machine: { cores: number; load: number } = { cores: availableParallelism(), load: loadavg()[0] ?? 0 }): number {
  const forced = Number(env.DVS_CHECK_WORKERS);
  if (env.DVS_CHECK_WORKERS !== undefined && Number.isInteger(forced) && forced >= 1) return Math.min(forced, 16);
  if (modelFiles < PARALLEL_MIN_MODELS || !workerScript()) return 1;
  const idle = Math.floor(machine.cores - machine.load + 0.5);
  // Each part opens the whole project: it must have enough models of its own to pay for that.
  const worthIt = Math.floor(modelFiles / (PARALLEL_MIN_MODELS / 2));
  return Math.max(1, Math.min(4, idle, worthIt));
}

/** The worker's entry: the bundle beside this one, or the source file when run from source. */
function workerScript(): string | undefined {
  return [join(__dirname, 'check-worker.js'), join(__dirname, 'check-worker.ts')].find((f) => existsSync(f));
}

export interface CheckWorkerData {
  args: ParsedArgs;
  cwd: string;
  env: Record<string, string | undefined>;
  slice: Slice;
}

type WorkerReply = { ok: true; result: SliceAnalysis } | { ok: false; error: string };

interface RunningWorker {
  /** The part's findings, or undefined when the worker failed in any way. */
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

/**
 * Checks the project in `parts` parts: parts 1… in worker threads started first, part 0 (with the project's own
 * files) here meanwhile. A part whose worker fails is checked here afterwards, so a failing thread changes no result.
 */
export async function analyseInParallel(args: ParsedArgs, io: CliIo, parts: number, onPart?: (slice: Slice, checkedBy: 'worker' | 'main') => void): Promise<CheckAnalysis> {
  const script = workerScript();
  const env: Record<string, string | undefined> = { ...io.env };
  const pending = Array.from({ length: parts - 1 }, (_, k) => {
    const slice = { index: k + 1, count: parts };
    return { slice, worker: script ? runWorker(script, { args, cwd: io.cwd, env, slice }) : undefined };
  });
  let session: ProjectSession;
  const results: SliceAnalysis[] = [];
  try {
    session = openSession(args, io, 'read');
    results.push(analyseSlice(session, { index: 0, count: parts }));
  } catch (error) {
    // The project does not open (or its check failed) here: the workers would only keep the process alive.
    for (const p of pending) p.worker?.stop();
    throw error;
  }
  onPart?.({ index: 0, count: parts }, 'main');
  for (const p of pending) {
    const theirs = await p.worker?.result;
    onPart?.(p.slice, theirs ? 'worker' : 'main');
    results.push(theirs ?? analyseSlice(session, p.slice));
  }
  return mergeSlices(results);
}
