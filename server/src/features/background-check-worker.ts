// The worker thread of the language server's whole-project check (features/background-check.ts): opens the project
// as the server does, with the editor's unsaved texts, checks every model it was not told to skip, and sends the
// findings back in batches of about BATCH_MS of work, so the editor fills in as the check goes.
import { parentPort, workerData } from 'node:worker_threads';
import { checkModel, type RuleView } from '../engine/check';
import { onceForBatch, ruleProjectOfSession } from '../engine/rule-project';
import { ProjectSession } from '../engine/session';
import { createVaultIndex } from '../rules';
import { lowerThisThreadsPriority } from '../warehouse/thread-priority';
import type { BackgroundCheckInput, BackgroundCheckMessage, CheckedModel } from './background-check';
import { toLspDiagnostics } from './diagnostics';
import { sessionOptionsOf } from './settings';
import { pathToUri } from './uris';

const BATCH_MS = 25;

function run(input: BackgroundCheckInput, send: (message: BackgroundCheckMessage) => void): void {
  const session = new ProjectSession(input.root, sessionOptionsOf(input.settings, input.selectedTarget));
  for (const { path, text } of input.overrides) session.updateFile(path, text);
  const skip = new Set(input.skip);
  const models = session.models().filter((m) => !skip.has(m.name));
  // Nothing changes during the run: the lists every model's rules read are made once.
  const project = onceForBatch(ruleProjectOfSession(session, { connected: input.connected }));
  const rules: RuleView = { project, index: createVaultIndex(project) };
  let items: CheckedModel[] = [];
  let since = performance.now();
  for (let i = 0; i < models.length; i++) {
    const node = models[i]!;
    const text = session.textOf(node);
    items.push({ name: node.name, uri: pathToUri(node.file), diagnostics: toLspDiagnostics(text, checkModel(session, node, rules, text)) });
    if (performance.now() - since >= BATCH_MS || i === models.length - 1) {
      send({ kind: 'batch', items, checked: i + 1, total: models.length });
      items = [];
      since = performance.now();
    }
  }
  send({ kind: 'done' });
}

if (parentPort) {
  const port = parentPort;
  lowerThisThreadsPriority();
  try {
    run(workerData as BackgroundCheckInput, (message) => port.postMessage(message));
  } catch (error) {
    port.postMessage({ kind: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies BackgroundCheckMessage);
  }
}
