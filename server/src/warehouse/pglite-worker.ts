// The worker thread that owns an embedded database for the language server (see ownerInWorker in embedded.ts): PGlite
// runs here, so its long synchronous stretches never hold up the server's requests.
import { parentPort, workerData } from 'node:worker_threads';
import { serveFromWorker } from './embedded';

if (parentPort) void serveFromWorker(parentPort, workerData as { dataDir: string; ownerFile: string; description: string });
