// The language server's whole-project check on a worker thread. Checking 2,000 models takes seconds of CPU; done on
// the server's own thread in slices, every request waited for the running slice, and the garbage of the check
// (collected on that thread) stopped it for milliseconds at a time. On its own thread the check leaves the server's
// thread free to answer at once, and on a machine with two cores it runs beside it.
//
// A run is stateless: the worker opens the project from disk itself (with the editor's unsaved texts handed in),
// checks every model it is given, and streams the findings back in batches; the server publishes them. A new run
// (the schema changed) or closing the project terminates the old worker. Edits made while a run goes on are checked
// by the server's own scheduler, which also re-checks what they affect; the server drops the worker's findings for
// every model it has checked itself since the run began, since those are newer.
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Diagnostic as LspDiagnostic } from 'vscode-languageserver/node';
import type { DataVaultSettings } from '../protocol';

/** What the worker needs to open the project as the server has it. Plain data: it is copied to the thread. */
export interface BackgroundCheckInput {
  root: string;
  settings: DataVaultSettings;
  selectedTarget?: string;
  /** Whether the raw schema was read live (findings name it 'live' rather than 'cache'). */
  connected: boolean;
  /** Texts open in the editor, which may differ from the files on disk. */
  overrides: { path: string; text: string }[];
  /** Model names the worker leaves out (the server checks the open models itself, first). */
  skip: string[];
}

export interface CheckedModel {
  name: string;
  uri: string;
  diagnostics: LspDiagnostic[];
}

/** Messages from the worker thread. */
export type BackgroundCheckMessage =
  | { kind: 'batch'; items: CheckedModel[]; checked: number; total: number }
  | { kind: 'done' }
  | { kind: 'failed'; error: string };

export interface BackgroundCheckHandlers {
  /** Findings of some models, and how far the run is. */
  batch(items: CheckedModel[], checked: number, total: number): void;
  /** Every model was checked. */
  done(): void;
  /** The worker could not run or stopped early: the server checks the project itself instead. */
  failed(reason: string): void;
}

export interface BackgroundCheckRun {
  /** Stops the run; no handler is called afterwards. */
  cancel(): void;
}

/**
 * The worker's script, a bundle beside the server's (scripts/build.mjs). The server always runs from its bundle; a
 * missing script fails the run, and the server then checks on its own thread.
 */
export const BACKGROUND_CHECK_SCRIPT = join(__dirname, 'background-check-worker.js');

/** Starts a run on a new worker thread. */
export function startBackgroundCheck(input: BackgroundCheckInput, handlers: BackgroundCheckHandlers, script = BACKGROUND_CHECK_SCRIPT): BackgroundCheckRun {
  let over = false;
  let worker: Worker | undefined;
  const finish = (then: () => void) => {
    if (over) return;
    over = true;
    void worker?.terminate();
    then();
  };
  try {
    worker = new Worker(script, { workerData: input, stdout: true, stderr: true });
  } catch (error) {
    // Reported on the next turn, as a worker's own failure would be, so the caller has its run handle first.
    setImmediate(() => finish(() => handlers.failed(error instanceof Error ? error.message : String(error))));
    return { cancel: () => (over = true) };
  }
  worker.on('message', (message: BackgroundCheckMessage) => {
    if (over) return;
    if (message.kind === 'batch') handlers.batch(message.items, message.checked, message.total);
    else if (message.kind === 'done') finish(() => handlers.done());
    else finish(() => handlers.failed(message.error));
  });
  worker.on('error', (error) => finish(() => handlers.failed(error.message)));
  worker.on('exit', (code) => finish(() => handlers.failed(`the check's worker thread stopped (exit code ${code})`)));
  return { cancel: () => finish(() => undefined) };
}
