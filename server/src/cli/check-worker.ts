// A worker thread of `dvs check` (cli/check-parallel.ts): opens the project as the command does, then checks the
// models it takes from the counter it shares with the other threads.
import { parentPort, workerData } from 'node:worker_threads';
import { analysePart, workerPart, type CheckWorkerData } from './check-parallel';
import { openSession } from './session';

const data = workerData as CheckWorkerData;
try {
  // What opening the project prints, the main thread prints once itself.
  const io = { out: () => undefined, err: () => undefined, cwd: data.cwd, env: data.env, isTTY: false };
  const session = openSession(data.args, io, 'read');
  parentPort?.postMessage({ ok: true, result: analysePart(session, workerPart(data)) });
} catch (error) {
  parentPort?.postMessage({ ok: false, error: error instanceof Error ? error.message : String(error) });
}
