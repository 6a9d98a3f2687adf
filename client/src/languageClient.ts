// Starts the Data Vault language server (dist/server.js over IPC) and gives the rest of the client typed access to the
// custom messages of server/src/protocol.ts.
import * as vscode from 'vscode';
import {
  ExecuteCommandRequest,
  LanguageClient,
  ResponseError,
  TransportKind,
  WorkDoneProgress,
  type LanguageClientOptions,
  type ServerOptions,
  type WorkDoneProgressBegin,
  type WorkDoneProgressEnd,
  type WorkDoneProgressReport,
} from 'vscode-languageclient/node';
import type {
  InitializationOptions,
  NotificationSpec,
  RequestSpec,
  ServerCommandSpec,
} from '../../server/src/protocol';

/** Files the server reads: models and macros, and the project's YAML (dbt_project, profiles, sources, packages). */
const DOCUMENT_SELECTOR = [
  { scheme: 'file', pattern: '**/*.sql' },
  { scheme: 'file', pattern: '**/*.{yml,yaml}' },
  { scheme: 'untitled', language: 'sql' },
];

export function startLanguageClient(context: vscode.ExtensionContext, output: vscode.LogOutputChannel): LanguageClient {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const initializationOptions: InitializationOptions = { extensionDir: context.extensionPath };
  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    outputChannel: output,
    initializationOptions,
    synchronize: {
      // The server re-indexes the project when models, YAML or the workspace .env change on disk.
      fileEvents: vscode.workspace.createFileSystemWatcher('**/{*.sql,*.yml,*.yaml,.env}'),
    },
  };
  return new LanguageClient('dataVault', 'Data Vault', serverOptions, clientOptions);
}

export async function sendDvsRequest<P, R>(
  client: LanguageClient,
  spec: RequestSpec<P, R>,
  params: P,
  token?: vscode.CancellationToken,
): Promise<R> {
  return token ? client.sendRequest<R>(spec.method, params, token) : client.sendRequest<R>(spec.method, params);
}

export function onDvsNotification<P>(client: LanguageClient, spec: NotificationSpec<P>, handler: (params: P) => void): vscode.Disposable {
  return client.onNotification(spec.method, handler);
}

export function onDvsRequest<P, R>(client: LanguageClient, spec: RequestSpec<P, R>, handler: (params: P) => Promise<R>): vscode.Disposable {
  return client.onRequest(spec.method, handler);
}

export type WorkDoneValue = WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd;

/** Runs a server command through `workspace/executeCommand`, following its work-done progress when asked. */
export async function runServerCommand<A, R>(
  client: LanguageClient,
  spec: ServerCommandSpec<A, R>,
  args: A,
  options: { token?: vscode.CancellationToken; onProgress?: (value: WorkDoneValue) => void; workDoneToken?: string } = {},
): Promise<R> {
  const workDoneToken = options.workDoneToken ?? `dvs-${spec.command}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const subscription = options.onProgress ? client.onProgress(WorkDoneProgress.type, workDoneToken, options.onProgress) : undefined;
  try {
    const params = { command: spec.command, arguments: [args], workDoneToken };
    const result: unknown = options.token
      ? await client.sendRequest(ExecuteCommandRequest.type, params, options.token)
      : await client.sendRequest(ExecuteCommandRequest.type, params);
    return result as R;
  } finally {
    subscription?.dispose();
  }
}

const METHOD_NOT_FOUND = -32601;
/** vscode-jsonrpc's codes for a connection that is gone or never came up. */
const CONNECTION_GONE = new Set([-32097, -32096]);

/** A sentence for people on why a request failed; says so plainly when the server does not implement it yet. */
export function describeFailure(error: unknown, what: string): string {
  if (error instanceof ResponseError) {
    if (error.code === METHOD_NOT_FOUND) return `${what} is not available yet: the Data Vault language server does not handle it.`;
    if (CONNECTION_GONE.has(error.code)) return `${what} failed: the Data Vault language server is not running (its log is in the Data Vault output).`;
    return `${what} failed: ${error.message}`;
  }
  if (error instanceof vscode.CancellationError) return `${what} was cancelled.`;
  if (error instanceof Error) return `${what} failed: ${error.message}`;
  return `${what} failed: ${String(error)}`;
}

export function isCancellation(error: unknown): boolean {
  return error instanceof vscode.CancellationError || (error instanceof ResponseError && error.code === -32800);
}
