// One process owns an embedded data directory: it opens PGlite, serves it on a loopback port and says so in
// `.dvs/owner.json`; any other process (a `dvs` run while the editor is open) connects there with `pg` instead.
// A stale owner file (its process is gone) is taken over.
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { existsSync, mkdirSync, readFileSync, renameSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Worker, type MessagePort } from 'node:worker_threads';
import { WarehouseConnectionError } from './errors';
import type { PgliteWarehouse } from './pglite';
import type { QueryResult, SqlSession, Warehouse } from './warehouse';

export interface EmbeddedWarehouse extends Warehouse {
  readonly kind: 'embedded';
  readonly dataDir: string;
  /** `owner`: PGlite runs in this process; `client`: another process (ownerPid) serves it. */
  readonly role: 'owner' | 'client';
  readonly ownerPid: number;
  /** For the owner: other processes connected, and their messages waiting for this process's turn. */
  servingStats(): { connections: number; waitingMessages: number } | undefined;
}

export interface OwnerRecord {
  pid: number;
  /** Loopback port of the socket server; null while the owner is still opening the database. */
  port: number | null;
  host: string;
  dataDir: string;
  startedAt: string;
}

export interface OpenEmbeddedOptions {
  /** For people, e.g. "embedded (sample-project/.dvs/pglite)". */
  description?: string;
  /** How long to wait for an owner that is still opening the database (default 120 s). */
  waitForOwnerMs?: number;
  /**
   * When this process becomes the owner, PGlite runs in a worker thread and this thread talks to it over the loopback
   * socket like any other client. PGlite's WebAssembly runs synchronously for long stretches (starting, reading the
   * catalog), which would hold up everything else on the thread; the language server asks for this so requests are
   * answered meanwhile. Without the worker's script beside this module it runs here as before.
   */
  ownerInWorker?: boolean;
}

const LOOPBACK = '127.0.0.1';
const POLL_MS = 100;

/** `<project>/.dvs/pglite`, or env DVS_EMBEDDED_DIR when set. */
export function defaultEmbeddedDir(projectDir: string): string {
  const override = process.env.DVS_EMBEDDED_DIR;
  return override ? resolve(projectDir, override) : join(projectDir, '.dvs', 'pglite');
}

/** The owner file sits beside the data directory: `.dvs/owner.json` for the default layout. */
export function ownerFilePath(dataDir: string): string {
  return join(dirname(resolve(dataDir)), 'owner.json');
}

/** Makes sure `.dvs/` is in the project's .gitignore (creating the file when there is none). */
export function ensureDvsIgnored(projectDir: string): void {
  const path = join(projectDir, '.gitignore');
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const covered = current.split(/\r?\n/).some((line) => /^\/?\.dvs(\/\*?)?$/.test(line.trim()));
  if (covered) return;
  const separator = current.length === 0 || current.endsWith('\n') ? '' : '\n';
  writeFileSync(path, `${current}${separator}.dvs/\n`);
}

interface OwnedDatabase {
  wh: PgliteWarehouse;
  server: PGLiteSocketServer;
  record: OwnerRecord;
  handles: number;
  closing?: Promise<void>;
}

// A process may open its own directory more than once (language server and a load); they share one PGlite.
const ownedHere = new Map<string, Promise<OwnedDatabase>>();

interface WorkerOwnedDatabase {
  worker: Worker;
  /** Sends a request to the worker and resolves with its answer. */
  call(request: WorkerCall): Promise<unknown>;
  record: OwnerRecord;
  handles: number;
  closing?: Promise<void>;
}

// Directories this process serves from a worker thread: other opens in this process connect to it as clients.
const ownedByWorker = new Map<string, Promise<WorkerOwnedDatabase>>();

/** Opens the embedded database at dir: as its owner, or as a client of the live process that owns it. */
export async function openEmbedded(dir: string, options: OpenEmbeddedOptions = {}): Promise<EmbeddedWarehouse> {
  const dataDir = resolve(dir);
  const already = ownedHere.get(dataDir);
  if (already) return ownerHandle(await already, options);
  const served = ownedByWorker.get(dataDir);
  if (served) return workerOwnerHandle(await served, options);

  mkdirSync(dirname(dataDir), { recursive: true });
  const ownerFile = ownerFilePath(dataDir);
  const deadline = Date.now() + (options.waitForOwnerMs ?? 120_000);
  let lastProblem = '';
  for (;;) {
    if (claimOwnership(ownerFile, dataDir)) {
      const script = options.ownerInWorker ? workerScript() : undefined;
      if (script) return workerOwnerHandle(await registerOpening(ownedByWorker, dataDir, becomeOwnerInWorker(script, dataDir, ownerFile, options)), options);
      return ownerHandle(await registerOpening(ownedHere, dataDir, becomeOwner(dataDir, ownerFile, options)), options);
    }
    const record = readOwnerRecord(ownerFile);
    if (record === 'missing') continue;
    if (record === 'unreadable') {
      // A half-written file from a crash: take it over once it is clearly not being written any more.
      if (ageMs(ownerFile) > 5000) takeOver(ownerFile, undefined);
      else await pause(POLL_MS);
      continue;
    }
    if (record.pid === process.pid || !processAlive(record.pid)) {
      takeOver(ownerFile, record);
      continue;
    }
    if (record.port !== null) {
      try {
        return await connectToOwner(dataDir, record, options);
      } catch (error) {
        // Refused: the owner is closing or not yet listening; anything else is a real failure.
        if (!(error instanceof WarehouseConnectionError) || error.failure !== 'refused') throw error;
        lastProblem = `pid ${record.pid} does not answer on ${record.host}:${record.port}`;
      }
    } else {
      lastProblem = `pid ${record.pid} is still opening it`;
    }
    if (Date.now() > deadline) {
      throw new WarehouseConnectionError(
        `cannot open the embedded database at ${dataDir}: another process owns it and ${lastProblem} — ` +
          `close the other dvs run or editor window, or, if no such process exists, delete ${ownerFile}`,
        'owner',
      );
    }
    await pause(POLL_MS);
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** Whether a process id is running (EPERM means it runs under another user). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

function claimOwnership(ownerFile: string, dataDir: string): boolean {
  const record: OwnerRecord = { pid: process.pid, port: null, host: LOOPBACK, dataDir, startedAt: new Date().toISOString() };
  try {
    writeFileSync(ownerFile, JSON.stringify(record, null, 2) + '\n', { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === 'EEXIST') return false;
    throw error;
  }
}

export function readOwnerRecord(ownerFile: string): OwnerRecord | 'missing' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(ownerFile, 'utf8');
  } catch {
    return 'missing';
  }
  try {
    const parsed = JSON.parse(text) as Partial<OwnerRecord>;
    if (typeof parsed.pid !== 'number') return 'unreadable';
    return {
      pid: parsed.pid,
      port: typeof parsed.port === 'number' ? parsed.port : null,
      host: typeof parsed.host === 'string' ? parsed.host : LOOPBACK,
      dataDir: typeof parsed.dataDir === 'string' ? parsed.dataDir : '',
      startedAt: typeof parsed.startedAt === 'string' ? parsed.startedAt : '',
    };
  } catch {
    return 'unreadable';
  }
}

/**
 * Removes a stale owner file. A `mkdir` guard makes the check-and-delete atomic between processes, so two
 * processes taking over at once cannot delete each other's fresh claim.
 */
function takeOver(ownerFile: string, seen: OwnerRecord | undefined): void {
  const guard = `${ownerFile}.takeover`;
  try {
    mkdirSync(guard);
  } catch {
    if (ageMs(guard) > 30_000) rmdirSafe(guard);
    return;
  }
  try {
    const now = readOwnerRecord(ownerFile);
    const same =
      seen === undefined ? now === 'unreadable' : typeof now === 'object' && now.pid === seen.pid && now.startedAt === seen.startedAt;
    if (same) unlinkSafe(ownerFile);
  } finally {
    rmdirSafe(guard);
  }
}

function unlinkSafe(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

function rmdirSafe(path: string): void {
  try {
    rmdirSync(path);
  } catch {
    /* already gone */
  }
}

function writeOwnerRecord(ownerFile: string, record: OwnerRecord): void {
  const temp = `${ownerFile}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(record, null, 2) + '\n');
  renameSync(temp, ownerFile);
}

function releaseOwnerFile(ownerFile: string): void {
  const now = readOwnerRecord(ownerFile);
  if (typeof now === 'object' && now.pid === process.pid) unlinkSafe(ownerFile);
}

async function becomeOwner(dataDir: string, ownerFile: string, options: OpenEmbeddedOptions): Promise<OwnedDatabase> {
  let wh: PgliteWarehouse | undefined;
  try {
    // PGlite (and its socket server) load only when an embedded database is opened, not with every command.
    const { openPglite } = await import('./pglite');
    wh = await openPglite(dataDir, { description: options.description ?? `embedded (${dataDir})` });
    const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
    const server = new PGLiteSocketServer({ db: wh.servedDatabase, host: LOOPBACK, port: 0, maxConnections: 64 });
    await server.start();
    const port = Number(server.getServerConn().split(':').pop());
    const record: OwnerRecord = { pid: process.pid, port, host: LOOPBACK, dataDir, startedAt: new Date().toISOString() };
    writeOwnerRecord(ownerFile, record);
    process.once('exit', () => releaseOwnerFile(ownerFile));
    return { wh, server, record, handles: 0 };
  } catch (error) {
    await wh?.close().catch(() => undefined);
    releaseOwnerFile(ownerFile);
    const reason = error instanceof Error ? error.message : String(error);
    throw new WarehouseConnectionError(`cannot open the embedded database at ${dataDir}: ${reason}`, 'other');
  }
}

/**
 * Lists a database this process is opening as the owner of `dataDir` while it opens, so that other opens in this
 * process share it; one that fails to open is taken off the list again.
 */
async function registerOpening<T>(owned: Map<string, Promise<T>>, dataDir: string, opening: Promise<T>): Promise<T> {
  owned.set(dataDir, opening);
  try {
    return await opening;
  } catch (error) {
    owned.delete(dataDir);
    throw error;
  }
}

/**
 * Takes one more handle on a database this process owns and returns that handle's close(): closing a handle twice
 * counts once, and the last handle closed shuts the database down, once, however many close it at the same time.
 */
function takeHandle(owned: { handles: number; closing?: Promise<void> }, shutdown: () => Promise<void>): () => Promise<void> {
  owned.handles++;
  let closed = false;
  return async () => {
    if (closed) return;
    closed = true;
    owned.handles--;
    if (owned.handles > 0) return;
    owned.closing ??= shutdown();
    await owned.closing;
  };
}

function ownerHandle(owned: OwnedDatabase, options: OpenEmbeddedOptions): EmbeddedWarehouse {
  const { wh } = owned;
  const close = takeHandle(owned, async () => {
    ownedHere.delete(owned.record.dataDir);
    // Stop serving, close PGlite, and only then give the directory up: never two PGlites on one directory.
    await owned.server.stop();
    await wh.close();
    releaseOwnerFile(ownerFilePath(owned.record.dataDir));
  });
  return {
    kind: 'embedded',
    role: 'owner',
    ownerPid: process.pid,
    dataDir: owned.record.dataDir,
    description: options.description ?? wh.description,
    servingStats: () => ({ connections: owned.server.getStats().activeConnections, waitingMessages: wh.servedMessagesWaiting() }),
    query: (sql, params) => wh.query(sql, params),
    exec: (sql) => wh.exec(sql),
    transaction: (fn) => wh.transaction(fn),
    close,
  };
}

async function connectToOwner(dataDir: string, record: OwnerRecord, options: OpenEmbeddedOptions): Promise<EmbeddedWarehouse> {
  const port = record.port ?? 0;
  // Loaded on first use, like PGlite: most commands and the language server's start-up never need the pg driver.
  const { createPgWarehouse, resolveConnector } = await import('./pgserver');
  const connector = await resolveConnector({
    host: record.host,
    port,
    user: 'postgres',
    dbname: 'postgres',
    sslmode: 'disable',
    connectTimeout: 10,
  });
  const description = options.description ?? `embedded (${dataDir}, served by pid ${record.pid})`;
  const wh = createPgWarehouse(connector, { kind: 'embedded', description, maxClients: 1, parameterisedInTransaction: true });
  return { ...wh, kind: 'embedded', role: 'client', ownerPid: record.pid, dataDir, servingStats: () => undefined };
}

/** Whether this process serves the directory from a worker thread (ownerInWorker) rather than from this thread. */
export function servedFromWorker(dir: string): boolean {
  return ownedByWorker.has(resolve(dir));
}

/** The worker thread's script, built beside this module (dist/pglite-worker.js, or the source when run from it). */
function workerScript(): string | undefined {
  return [join(__dirname, 'pglite-worker.js'), join(__dirname, 'pglite-worker.ts')].find((f) => existsSync(f));
}

/** What the worker says once: PGlite is open and served on this port, or why it could not be opened. */
type WorkerReady = { ready: true; port: number } | { ready: false; error: string };

/** A statement for the worker's PGlite, answered by `id`. `tx` names a transaction begun with `begin`. */
type WorkerRequest =
  | { id: number; op: 'query'; sql: string; params?: unknown[]; tx?: number }
  | { id: number; op: 'exec'; sql: string; tx?: number }
  | { id: number; op: 'begin' | 'commit' | 'rollback'; tx: number }
  | { id: number; op: 'close' };

/** A request as the calling thread writes it (the id is added when it is sent). */
type WorkerCall = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;

type WorkerAnswer = { id: number; result?: unknown; error?: { message: string; fields: Record<string, unknown> } };

/** Starts the worker that opens PGlite and serves it; resolves once it is open. */
async function becomeOwnerInWorker(script: string, dataDir: string, ownerFile: string, options: OpenEmbeddedOptions): Promise<WorkerOwnedDatabase> {
  const workerData = { dataDir, ownerFile, description: options.description ?? `embedded (${dataDir})` };
  // Run from source (the tests), the worker registers tsx for itself: a loader of this thread does not reach it.
  const worker = script.endsWith('.ts')
    ? new Worker(`import('tsx/esm/api').then((api) => { api.register(); require('tsx/cjs'); require(${JSON.stringify(script)}); });`, { eval: true, workerData })
    : new Worker(script, { workerData });
  // The worker never keeps the process alive: the owner file is released when the process exits either way.
  worker.unref();
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let port: number;
  // Node types a listener by its event name; the three below take what their event gives.
  const starting: Array<[string, (...args: any[]) => void]> = [];
  try {
    port = await new Promise<number>((resolvePort, reject) => {
      starting.push(
        ['message', (m: WorkerReady) => (m.ready ? resolvePort(m.port) : reject(new WarehouseConnectionError(m.error, 'other')))],
        ['error', (error: Error) => reject(new WarehouseConnectionError(`cannot open the embedded database at ${dataDir}: ${error.message}`, 'other'))],
        ['exit', (code: number) => reject(new WarehouseConnectionError(`cannot open the embedded database at ${dataDir}: its worker thread stopped (exit code ${code})`, 'other'))],
      );
      for (const [event, listener] of starting) worker.once(event, listener);
    });
  } catch (error) {
    await worker.terminate().catch(() => undefined);
    releaseOwnerFile(ownerFile);
    throw error;
  }
  // Only these listeners go: the Worker itself listens to its own events (to start and stop its port).
  for (const [event, listener] of starting) worker.off(event, listener);
  worker.on('message', (answer: WorkerAnswer) => {
    const w = waiting.get(answer.id);
    if (!w) return;
    waiting.delete(answer.id);
    if (waiting.size === 0) worker.unref();
    if (answer.error) w.reject(Object.assign(new Error(answer.error.message), answer.error.fields));
    else w.resolve(answer.result);
  });
  const stopped = (reason: string) => {
    for (const w of waiting.values()) w.reject(new WarehouseConnectionError(`the embedded database at ${dataDir} is closed: ${reason}`, 'other'));
    waiting.clear();
  };
  worker.on('error', (error) => stopped(error.message));
  worker.on('exit', () => stopped('its worker thread stopped'));
  let nextId = 1;
  const call = (request: WorkerCall): Promise<unknown> =>
    new Promise((resolveCall, reject) => {
      const id = nextId++;
      // A statement waiting for its answer keeps the process alive, as a socket would.
      if (waiting.size === 0) worker.ref();
      waiting.set(id, { resolve: resolveCall, reject });
      worker.postMessage({ ...request, id });
    });
  process.once('exit', () => releaseOwnerFile(ownerFile));
  return { worker, call, record: { pid: process.pid, port, host: LOOPBACK, dataDir, startedAt: new Date().toISOString() }, handles: 0 };
}

/**
 * A handle on a database a worker of this process owns: each statement is a message to the worker, which runs it on
 * PGlite in its turn (as it runs other processes' statements from its socket) and sends the rows back.
 */
function workerOwnerHandle(owned: WorkerOwnedDatabase, options: OpenEmbeddedOptions): EmbeddedWarehouse {
  const close = takeHandle(owned, async () => {
    ownedByWorker.delete(owned.record.dataDir);
    // The worker stops serving and closes PGlite before it lets the directory go.
    await owned.call({ op: 'close' }).catch(() => undefined);
    // PGlite is closed: whatever else the thread still holds goes with it.
    await owned.worker.terminate().catch(() => undefined);
    releaseOwnerFile(ownerFilePath(owned.record.dataDir));
  });
  let nextTx = 1;
  const session = (tx?: number): SqlSession => ({
    query: async (sql, params) => (await owned.call({ op: 'query', sql, ...(params ? { params } : {}), ...(tx !== undefined ? { tx } : {}) })) as QueryResult,
    exec: async (sql) => (await owned.call({ op: 'exec', sql, ...(tx !== undefined ? { tx } : {}) })) as QueryResult | undefined,
  });
  const direct = session();
  return {
    kind: 'embedded',
    role: 'owner',
    ownerPid: process.pid,
    dataDir: owned.record.dataDir,
    description: options.description ?? `embedded (${owned.record.dataDir})`,
    servingStats: () => undefined,
    query: direct.query,
    exec: direct.exec,
    async transaction(fn) {
      const tx = nextTx++;
      await owned.call({ op: 'begin', tx });
      let result: Awaited<ReturnType<typeof fn>>;
      try {
        result = await fn(session(tx));
      } catch (error) {
        await owned.call({ op: 'rollback', tx }).catch(() => undefined);
        throw error;
      }
      await owned.call({ op: 'commit', tx });
      return result;
    },
    close,
  };
}

/**
 * The worker thread's side: opens PGlite as the owner (the calling thread has claimed the owner file), serves it on a
 * loopback port for other processes, runs the calling thread's statements, and closes it when asked.
 */
export async function serveFromWorker(parent: MessagePort, data: { dataDir: string; ownerFile: string; description: string }): Promise<void> {
  let owned: OwnedDatabase;
  try {
    owned = await becomeOwner(data.dataDir, data.ownerFile, { description: data.description });
  } catch (error) {
    parent.postMessage({ ready: false, error: error instanceof Error ? error.message : String(error) } satisfies WorkerReady);
    return;
  }
  parent.postMessage({ ready: true, port: owned.record.port ?? 0 } satisfies WorkerReady);
  const { wh } = owned;
  // Open transactions: the session inside wh.transaction() and how to end it.
  const open = new Map<number, { tx: SqlSession; commit(): void; rollback(): void; done: Promise<unknown> }>();
  const sessionOf = (tx: number | undefined): SqlSession => {
    if (tx === undefined) return wh;
    const t = open.get(tx);
    if (!t) throw new Error(`no open transaction ${tx}`);
    return t.tx;
  };
  const run = async (request: WorkerRequest): Promise<unknown> => {
    switch (request.op) {
      case 'query':
        return sessionOf(request.tx).query(request.sql, request.params);
      case 'exec':
        return sessionOf(request.tx).exec(request.sql);
      case 'begin':
        return new Promise<void>((begun, failed) => {
          let commit = (): void => undefined;
          let rollback = (): void => undefined;
          const done = wh.transaction(
            (tx) =>
              new Promise<void>((resolveTx, rejectTx) => {
                commit = () => resolveTx();
                rollback = () => rejectTx(new Error('rolled back'));
                open.set(request.tx, { tx, commit, rollback, done });
                begun();
              }),
          );
          done.catch((error: unknown) => {
            if (!open.has(request.tx)) failed(error instanceof Error ? error : new Error(String(error)));
          });
        });
      case 'commit': {
        const t = open.get(request.tx);
        if (!t) throw new Error(`no open transaction ${request.tx}`);
        t.commit();
        try {
          await t.done;
        } finally {
          open.delete(request.tx);
        }
        return undefined;
      }
      case 'rollback': {
        const t = open.get(request.tx);
        if (!t) return undefined;
        t.rollback();
        await t.done.catch(() => undefined);
        open.delete(request.tx);
        return undefined;
      }
      case 'close':
        await owned.server.stop().catch(() => undefined);
        await wh.close().catch(() => undefined);
        releaseOwnerFile(data.ownerFile);
        return undefined;
    }
  };
  parent.on('message', (request: WorkerRequest) => {
    void run(request).then(
      (result) => {
        parent.postMessage({ id: request.id, result } satisfies WorkerAnswer);
        if (request.op === 'close') parent.close();
      },
      (error: unknown) => {
        const fields: Record<string, unknown> = {};
        if (error && typeof error === 'object') for (const [k, v] of Object.entries(error)) if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) fields[k] = v;
        parent.postMessage({ id: request.id, error: { message: error instanceof Error ? error.message : String(error), fields } } satisfies WorkerAnswer);
      },
    );
  });
}
