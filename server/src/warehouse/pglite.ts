// The embedded warehouse: PGlite (PostgreSQL compiled to WASM) in this process, file-backed, returning every value as
// PostgreSQL's text. It can also be served to other processes; then both take turns on its single session.
import { PGlite, type Results } from '@electric-sql/pglite';
import type { QueryResult, SqlSession, Warehouse } from './warehouse';

export interface PgliteWarehouse extends Warehouse {
  readonly kind: 'embedded';
  /** The data directory, or undefined for an in-memory database. */
  readonly dataDir: string | undefined;
  /**
   * The PGlite instance as a socket server (`@electric-sql/pglite-socket`) must see it: each message from another
   * process waits for this process's own statement or transaction to finish, and the other way round.
   */
  readonly servedDatabase: PGlite;
  /** Messages from other processes waiting for this process's statement or transaction to finish. */
  servedMessagesWaiting(): number;
}

export interface OpenPgliteOptions {
  description?: string;
}

/**
 * Server settings of every embedded database, on top of PGlite's own start parameters. Temporary tables, in which a
 * load stages the rows its vault models share (load/high-water.ts), stay in memory up to temp_buffers, which PGlite
 * allocates only as used, instead of going to the data directory's files once they outgrow the 8 MB default.
 *
 * Not wal_level minimal, although it makes a first load 15-20 % faster (a table or index built in the transaction that
 * creates it is then written once instead of twice): the first incremental run after such a load took 1.4-2.0 s
 * instead of 1.0-1.1 s (the loads bench at a million raw rows), which is worse for an hourly pipeline.
 */
export const EMBEDDED_SETTINGS: ReadonlyArray<readonly [string, string]> = [['temp_buffers', '256MB']];

/** Opens (creating when empty) a PGlite database at dataDir, or in memory when dataDir is undefined. */
export async function openPglite(dataDir: string | undefined, options: OpenPgliteOptions = {}): Promise<PgliteWarehouse> {
  const startParams = [...PGlite.defaultStartParams, ...EMBEDDED_SETTINGS.flatMap(([name, value]) => ['-c', `${name}=${value}`])];
  const db = dataDir === undefined ? new PGlite({ startParams }) : new PGlite(dataDir, { startParams });
  await db.waitReady;
  // The contract's session settings for embedded targets; served sessions share them (PGlite has one session).
  await db.exec(`SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'`);
  const rawText = rawTextParsers(db);
  const turns = createTurns(db);
  const description = options.description ?? (dataDir === undefined ? 'embedded (in memory)' : `embedded (${dataDir})`);

  const session = (runner: { query: PGlite['query']; exec: PGlite['exec'] }): SqlSession => ({
    async query(sql, params) {
      return toQueryResult(await runner.query(sql, params ?? [], { parsers: rawText }));
    },
    async exec(sql) {
      const all = await runner.exec(sql, { parsers: rawText });
      const last = all[all.length - 1];
      return last ? toQueryResult(last) : undefined;
    },
  });
  const direct = session(db);

  return {
    kind: 'embedded',
    description,
    dataDir,
    servedDatabase: turns.servedDatabase,
    servedMessagesWaiting: () => turns.waiting(),
    query: (sql, params) => turns.ownTurn(() => direct.query(sql, params)),
    exec: (sql) => turns.ownTurn(() => direct.exec(sql)),
    transaction: (fn) =>
      turns.ownTurn(async () => {
        await db.exec('BEGIN');
        let result: Awaited<ReturnType<typeof fn>>;
        try {
          result = await fn(direct);
        } catch (error) {
          await db.exec('ROLLBACK').catch(() => undefined);
          throw error;
        }
        const commit = await db.exec('COMMIT');
        // COMMIT of a failed transaction answers ROLLBACK; a caller that swallowed the error must know.
        if (commit[0]?.command === 'ROLLBACK') throw new Error('the transaction was rolled back because a statement in it failed');
        return result;
      }),
    async close() {
      await turns.ownTurn(async () => undefined);
      await db.close();
    },
  };
}

/** Identity parsers for every type PGlite would otherwise convert (built-ins and their arrays), so text stays text. */
function rawTextParsers(db: PGlite): Record<number, (value: string) => string> {
  const parsers: Record<number, (value: string) => string> = {};
  for (const key of Object.keys(db.parsers)) parsers[Number(key)] = (value) => value;
  return parsers;
}

function toQueryResult(r: Results): QueryResult {
  const rowCount = (r as { rowCount?: number }).rowCount;
  return {
    fields: r.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
    rows: r.rows as Record<string, unknown>[],
    rowCount: typeof rowCount === 'number' ? rowCount : null,
  };
}

/** A first-come lock whose holder runs alone. */
function createLock() {
  let tail: Promise<void> = Promise.resolve();
  return async function acquire(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const previous = tail;
    tail = previous.then(() => held);
    await previous;
    return release;
  };
}

// Protocol message types that open an extended-query sequence; Sync ('S') or a simple Query ('Q') closes it.
const EXTENDED_MESSAGES = new Set(['P', 'B', 'D', 'E', 'C', 'H', 'F'].map((c) => c.charCodeAt(0)));
const SEQUENCE_END = new Set(['S', 'Q', 'X'].map((c) => c.charCodeAt(0)));
/** A client that died between Parse and Sync must not block this process for ever. */
const ABANDONED_SEQUENCE_MS = 5000;

/**
 * Turn-taking between this process and the socket server on PGlite's single session. The server runs each protocol
 * message under `runExclusive` and keeps serving the same connection while its transaction is open; this process
 * runs a whole statement or transaction per turn. This process waits while another connection has a transaction or
 * an extended-query sequence open, so neither side ever runs inside the other's transaction.
 */
function createTurns(db: PGlite) {
  const lock = createLock();
  let ownerActive = false;
  let sequenceOpen = false;
  let lastServedAt = 0;
  let waiters: Array<() => void> = [];

  const settled = () => {
    const ready = waiters;
    waiters = [];
    for (const wake of ready) wake();
  };
  const servedBusy = () => db.isInTransaction() || (sequenceOpen && Date.now() - lastServedAt < ABANDONED_SEQUENCE_MS);
  const nextServedMessage = () =>
    new Promise<void>((resolve) => {
      waiters.push(resolve);
      // Re-check an abandoned sequence even if no message ever comes.
      if (sequenceOpen) setTimeout(resolve, ABANDONED_SEQUENCE_MS).unref();
    });

  async function ownTurn<T>(fn: () => Promise<T>): Promise<T> {
    for (;;) {
      const release = await lock();
      if (!servedBusy()) {
        ownerActive = true;
        try {
          return await fn();
        } finally {
          ownerActive = false;
          release();
        }
      }
      release();
      await nextServedMessage();
    }
  }

  let waiting = 0;
  const served = async <T>(fn: () => Promise<T>): Promise<T> => {
    waiting++;
    const release = await lock().finally(() => waiting--);
    try {
      return await fn();
    } finally {
      release();
      settled();
    }
  };

  const servedDatabase = new Proxy(db, {
    get(target, property) {
      switch (property) {
        case 'runExclusive':
          return <T>(fn: () => Promise<T>) => served(() => target.runExclusive(fn));
        case 'execProtocolRawStream':
          return (message: Uint8Array, options: Parameters<PGlite['execProtocolRawStream']>[1]) => {
            const type = message[0];
            if (type !== undefined && EXTENDED_MESSAGES.has(type)) sequenceOpen = true;
            else if (type !== undefined && SEQUENCE_END.has(type)) sequenceOpen = false;
            lastServedAt = Date.now();
            return target.execProtocolRawStream(message, options);
          };
        case 'isInTransaction':
          // While this process holds its turn, an open transaction is its own: the server must not wait for it.
          return () => !ownerActive && target.isInTransaction();
        case 'exec':
          // The server's ROLLBACK for a connection that went away mid-transaction.
          return (sql: string, options?: Parameters<PGlite['exec']>[1]) =>
            served(() => {
              sequenceOpen = false;
              return target.exec(sql, options);
            });
        default: {
          const value: unknown = Reflect.get(target, property, target);
          // PGlite keeps private fields, so its methods must run with the real instance as `this`.
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        }
      }
    },
  });

  return { ownTurn, servedDatabase, waiting: () => waiting };
}
