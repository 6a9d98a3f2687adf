// The worker thread that owns an embedded database for the language server (see ownerInWorker in embedded.ts): PGlite
// runs here, so its long synchronous stretches never hold up the server's requests.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { serveFromWorker } from './embedded';

/**
 * The database's work (opening it, reading the raw schema, loads) yields the CPU to the thread that answers the
 * editor: on a 2-core machine the start-up introspection otherwise competes with the server's own thread and the
 * editor for the cores, and replies wait for the scheduler (bench lsp: completion during the start-up check). On
 * Linux a thread is a task with its own priority; elsewhere the thread keeps the process's.
 */
function lowerThisThreadsPriority(): void {
  try {
    const task = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(task) && task > 0) setPriority(task, 10);
  } catch {
    // No /proc (not Linux) or not permitted: the thread runs at the process's priority.
  }
}

if (parentPort) {
  lowerThisThreadsPriority();
  void serveFromWorker(parentPort, workerData as { dataDir: string; ownerFile: string; description: string });
}
