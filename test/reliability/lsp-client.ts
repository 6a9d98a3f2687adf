// A small LSP client over stdio for the language server's stress tests and benchmarks: it starts dist/server.js,
// frames JSON-RPC messages, answers the server's own requests (configuration, registrations, passwords), keeps every
// notification and stderr line, and notices when the server process dies.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const SERVER_JS = join(__dirname, '..', '..', 'dist', 'server.js');

export interface LspMessage {
  jsonrpc: '2.0';
  id?: number | string;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export interface Notification {
  method: string;
  params: unknown;
  /** process.hrtime in ms when it arrived. */
  at: number;
}

export interface StartOptions {
  /** The workspace folder (a dbt project, or a folder above it). */
  root: string;
  env?: Record<string, string | undefined>;
  /** What the server's workspace/configuration requests get (section dataVault). */
  settings?: Record<string, unknown>;
  /** The answer to dvs/askPassword. */
  password?: string;
  /** Arguments for node before the script, e.g. --max-old-space-size. */
  nodeArgs?: string[];
  /** The server bundle to run (default dist/server.js); benchmarks pass an older build to compare. */
  serverJs?: string;
  /** Client capabilities merged into textDocument.completion (e.g. completionList.itemDefaults). */
  completionCapabilities?: Record<string, unknown>;
}

export interface PublishedDiagnostic {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  severity?: number;
  code?: string | number;
  message: string;
}

export function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function fileUri(path: string): string {
  return pathToFileURL(path).href;
}

export class LspClient {
  readonly notifications: Notification[] = [];
  /** Everything the server wrote to stderr. */
  stderr = '';
  /** Every request the server sent us (method and params), e.g. dvs/askPassword. */
  readonly serverRequests: { method: string; params: unknown }[] = [];
  exitCode: number | null | undefined = undefined;
  private readonly proc: ChildProcessWithoutNullStreams;
  private nextId = 1;
  private buffer = Buffer.alloc(0);
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; method: string }>();
  private readonly waiters: { match(n: Notification): boolean; resolve(n: Notification): void; reject(e: Error): void }[] = [];
  private readonly exited: Promise<void>;

  constructor(private readonly options: StartOptions) {
    this.proc = spawn(process.execPath, [...(options.nodeArgs ?? []), options.serverJs ?? SERVER_JS, '--stdio'], {
      cwd: options.root,
      env: { ...process.env, ...options.env } as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.proc.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    this.proc.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.proc.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code) => {
        this.exitCode = code;
        const error = new Error(`the language server exited (code ${code}); stderr: ${this.stderr.slice(-2000)}`);
        for (const p of this.pending.values()) p.reject(error);
        this.pending.clear();
        for (const w of this.waiters.splice(0)) w.reject(error);
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get alive(): boolean {
    return this.exitCode === undefined;
  }

  /** Starts the session: initialize with the workspace folder, then initialized. */
  async initialize(): Promise<unknown> {
    const uri = fileUri(this.options.root);
    const result = await this.request('initialize', {
      processId: process.pid,
      rootUri: uri,
      workspaceFolders: [{ uri, name: 'root' }],
      capabilities: {
        workspace: { configuration: true, workspaceFolders: true, didChangeWatchedFiles: { dynamicRegistration: false } },
        textDocument: { publishDiagnostics: { relatedInformation: false }, completion: { completionItem: { snippetSupport: true }, ...this.options.completionCapabilities } },
        window: { workDoneProgress: true },
      },
      initializationOptions: { extensionDir: join(__dirname, '..', '..') },
    });
    this.notify('initialized', {});
    return result;
  }

  request<R = unknown>(method: string, params: unknown): Promise<R> {
    if (!this.alive) return Promise.reject(new Error(`the language server is not running (asked for ${method})`));
    const id = this.nextId++;
    const promise = new Promise<R>((resolve, reject) => this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, method }));
    this.send({ jsonrpc: '2.0', id, method, params });
    return promise;
  }

  notify(method: string, params: unknown): void {
    if (this.alive) this.send({ jsonrpc: '2.0', method, params });
  }

  /** The next notification (from now on, or already received when `past` is true) that matches. */
  waitFor(match: (n: Notification) => boolean, options: { past?: boolean; timeoutMs?: number; what?: string } = {}): Promise<Notification> {
    if (options.past) {
      const found = this.notifications.find(match);
      if (found) return Promise.resolve(found);
    }
    if (!this.alive) return Promise.reject(new Error(`the language server is not running (waiting for ${options.what ?? 'a notification'})`));
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve, reject };
      this.waiters.push(waiter);
      if (options.timeoutMs !== undefined) {
        setTimeout(() => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) {
            this.waiters.splice(i, 1);
            reject(new Error(`no ${options.what ?? 'notification'} within ${options.timeoutMs} ms`));
          }
        }, options.timeoutMs).unref();
      }
    });
  }

  /** Resolves once `condition` holds, checked now and after every notification (none is missed between checks). */
  waitUntil(condition: () => boolean, options: { timeoutMs?: number; what?: string } = {}): Promise<void> {
    if (condition()) return Promise.resolve();
    return this.waitFor(() => condition(), options).then(() => undefined);
  }

  /** Diagnostics published for a URI (the last publication), when any. */
  diagnosticsOf(uri: string): PublishedDiagnostic[] | undefined {
    for (let i = this.notifications.length - 1; i >= 0; i--) {
      const n = this.notifications[i] as Notification;
      const p = n.params as { uri?: string; diagnostics?: PublishedDiagnostic[] };
      if (n.method === 'textDocument/publishDiagnostics' && p.uri === uri) return p.diagnostics ?? [];
    }
    return undefined;
  }

  /** Peak resident memory of the server process in MiB (VmHWM), while it runs. */
  peakMemoryMiB(): number | undefined {
    try {
      const status = readFileSync(`/proc/${this.proc.pid}/status`, 'utf8');
      const kb = /VmHWM:\s+(\d+)\s+kB/.exec(status)?.[1];
      return kb ? Number(kb) / 1024 : undefined;
    } catch {
      return undefined;
    }
  }

  /** shutdown + exit; kills the process if it does not go. */
  async stop(): Promise<void> {
    if (this.alive) {
      await Promise.race([this.request('shutdown', null).catch(() => undefined), new Promise((r) => setTimeout(r, 5000))]);
      this.notify('exit', null);
    }
    const killer = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(killer);
  }

  private send(message: LspMessage): void {
    const body = Buffer.from(JSON.stringify(message), 'utf8');
    this.proc.stdin.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]));
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const header = this.buffer.subarray(0, headerEnd).toString('ascii');
      const length = Number(/Content-Length:\s*(\d+)/i.exec(header)?.[1] ?? NaN);
      if (!Number.isFinite(length)) throw new Error(`bad LSP header from the server: ${header}`);
      if (this.buffer.length < headerEnd + 4 + length) return;
      const body = this.buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString('utf8');
      this.buffer = this.buffer.subarray(headerEnd + 4 + length);
      this.dispatch(JSON.parse(body) as LspMessage);
    }
  }

  private dispatch(message: LspMessage): void {
    if (message.method !== undefined && message.id !== undefined) {
      this.serverRequests.push({ method: message.method, params: message.params });
      this.send({ jsonrpc: '2.0', id: message.id, result: this.answer(message.method, message.params) });
      return;
    }
    if (message.method !== undefined) {
      const n: Notification = { method: message.method, params: message.params, at: now() };
      this.notifications.push(n);
      for (const w of [...this.waiters]) {
        if (w.match(n)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(n);
        }
      }
      return;
    }
    const pending = typeof message.id === 'number' ? this.pending.get(message.id) : undefined;
    if (!pending) return;
    this.pending.delete(message.id as number);
    if (message.error) pending.reject(Object.assign(new Error(`${pending.method}: ${message.error.message}`), { code: message.error.code }));
    else pending.resolve(message.result);
  }

  private answer(method: string, params: unknown): unknown {
    switch (method) {
      case 'workspace/configuration': {
        const items = (params as { items?: unknown[] }).items ?? [];
        return items.map(() => this.options.settings ?? null);
      }
      case 'dvs/askPassword':
        return this.options.password !== undefined ? { password: this.options.password } : {};
      default:
        return null;
    }
  }
}

/** Percentile (0–100) of a list of numbers, by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}
