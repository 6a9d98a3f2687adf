// A real LSP client for the end-to-end tests: starts `dist/server.js` as a child process (stdio or node-ipc), speaks
// JSON-RPC through vscode-jsonrpc, answers the server's requests (configuration, progress, passwords) and records its
// notifications so tests can wait for an event instead of sleeping.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';

export const SERVER = join(__dirname, '..', '..', 'dist', 'server.js');

export interface Notice {
  method: string;
  params: unknown;
}

export interface PublishedDiagnostics {
  uri: string;
  diagnostics: { range: { start: { line: number; character: number }; end: { line: number; character: number } }; severity?: number; code?: string | number; message: string; data?: unknown }[];
}

/** The `dataVault` settings the client answers with: the same for every resource, or per scope URI. */
export type Settings = Record<string, unknown> | ((scopeUri: string | undefined) => Record<string, unknown>);

export class LspClient {
  readonly notices: Notice[] = [];
  private waiters: { test: (n: Notice) => boolean; resolve: (n: Notice) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }[] = [];
  readonly diagnostics = new Map<string, PublishedDiagnostics>();
  stderr = '';

  private constructor(
    readonly connection: MessageConnection,
    readonly child: ChildProcess,
    private readonly settings: Settings,
  ) {
    // `$/progress` without a registered handler arrives here rather than at onNotification.
    connection.onUnhandledProgress((params) => this.record({ method: '$/progress', params }));
    connection.onNotification((method, params) => this.record({ method, params }));
    connection.onRequest('workspace/configuration', (params: { items: { section?: string; scopeUri?: string }[] }) =>
      params.items.map((i) => (typeof this.settings === 'function' ? this.settings(i.scopeUri) : this.settings)),
    );
    connection.onRequest('client/registerCapability', () => null);
    connection.onRequest('window/workDoneProgress/create', () => null);
    connection.onRequest('dvs/askPassword', () => ({}));
    connection.listen();
  }

  private record(n: Notice): void {
    this.notices.push(n);
    if (n.method === 'textDocument/publishDiagnostics') {
      const p = n.params as PublishedDiagnostics;
      this.diagnostics.set(p.uri, p);
    }
    for (const w of [...this.waiters]) {
      if (w.test(n)) {
        clearTimeout(w.timer);
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(n);
      }
    }
  }

  static start(mode: 'stdio' | 'node-ipc', env: Record<string, string | undefined>, settings: Settings): LspClient {
    let child: ChildProcess;
    let connection: MessageConnection;
    if (mode === 'stdio') {
      child = spawn(process.execPath, [SERVER, '--stdio'], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
      connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    } else {
      child = fork(SERVER, ['--node-ipc'], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe', 'ipc'] });
      connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    }
    const client = new LspClient(connection, child, settings);
    child.stderr?.on('data', (d: Buffer) => (client.stderr += d.toString()));
    return client;
  }

  /** Resolves with the first notification (already received or coming) that passes the test. */
  waitFor(test: (n: Notice) => boolean, what: string, timeoutMs = 60_000): Promise<Notice> {
    const seen = this.notices.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; stderr: ${this.stderr.slice(-2000)}`)), timeoutMs);
      this.waiters.push({ test, resolve, reject, timer });
    });
  }

  /** Waits for the next publishDiagnostics of a file after this call (not one already received). */
  nextDiagnostics(uri: string, what = `diagnostics of ${uri}`): Promise<PublishedDiagnostics> {
    const from = this.notices.length;
    return this.waitFor((n) => this.notices.indexOf(n) >= from && n.method === 'textDocument/publishDiagnostics' && (n.params as PublishedDiagnostics).uri === uri, what).then(
      (n) => n.params as PublishedDiagnostics,
    );
  }

  /** Waits for a publishDiagnostics of a file, received from now on, whose diagnostics pass the test. */
  diagnosticsWhere(uri: string, test: (d: PublishedDiagnostics['diagnostics']) => boolean, what: string): Promise<PublishedDiagnostics> {
    const from = this.notices.length;
    return this.waitFor(
      (n) => this.notices.indexOf(n) >= from && n.method === 'textDocument/publishDiagnostics' && (n.params as PublishedDiagnostics).uri === uri && test((n.params as PublishedDiagnostics).diagnostics),
      what,
    ).then((n) => n.params as PublishedDiagnostics);
  }

  async initialize(rootPath: string): Promise<{ capabilities: Record<string, unknown> }> {
    const rootUri = pathToFileURL(rootPath).href;
    const result = await this.connection.sendRequest<{ capabilities: Record<string, unknown> }>('initialize', {
      processId: process.pid,
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: 'sample' }],
      capabilities: {
        workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true } },
        window: { workDoneProgress: true },
        textDocument: { publishDiagnostics: {}, completion: { completionItem: { snippetSupport: true } } },
      },
    });
    await this.connection.sendNotification('initialized', {});
    return result;
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.connection.sendRequest<R>(method, params);
  }

  notify(method: string, params: unknown): Promise<void> {
    return this.connection.sendNotification(method, params);
  }

  async stop(): Promise<void> {
    try {
      await this.connection.sendRequest('shutdown');
      await this.connection.sendNotification('exit');
    } catch {
      /* already gone */
    }
    const exited = new Promise<void>((resolve) => {
      if (this.child.exitCode !== null) resolve();
      else this.child.once('exit', () => resolve());
    });
    const timer = setTimeout(() => this.child.kill(), 10_000);
    await exited;
    clearTimeout(timer);
    this.connection.dispose();
  }
}
