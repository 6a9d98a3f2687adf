// The worker thread that owns an embedded database for the language server (see ownerInWorker in embedded.ts): PGlite
// runs here, so its long synchronous stretches never hold up the server's requests. Opening the database, reading the
// raw schema and loads are background work to the editor: the thread runs at a lower priority (thread-priority.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { serveFromWorker } from './embedded';
import { lowerThisThreadsPriority } from './thread-priority';

if (parentPort) {
  lowerThisThreadsPriority();
  void serveFromWorker(parentPort, workerData as { dataDir: string; ownerFile: string; description: string });
}
