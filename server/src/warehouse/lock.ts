// One load per target at a time. Embedded: a lock file beside the data (`.dvs/load.lock`, holding the pid; a dead
// pid's file is taken over). Servers: a session-level pg_try_advisory_lock held on a connection of its own.
import { mkdirSync, readFileSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { processAlive } from './embedded';
import type { DedicatedSession } from './pgserver';
import type { Warehouse } from './warehouse';

export interface LoadLock {
  /** Where the lock lives, for messages: a file path or "advisory lock on postgres://…". */
  readonly holder: string;
  release(): Promise<void>;
}

/** A second concurrent load was refused; the message says who holds the lock and what to do. */
export class LoadLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LoadLockedError';
    this.stack = `${this.name}: ${message}`;
  }
}

export interface LoadLockOptions {
  /** What the lock protects on a server, e.g. the target schema; loads with different scopes do not exclude each other. */
  scope?: string;
}

// Advisory lock keys are two int4s: a fixed namespace for dvs, and a hash of the scope computed by the server.
const ADVISORY_NAMESPACE = 0x44565331; // "DVS1"

/** Takes the load lock of the warehouse's target or throws LoadLockedError when another load holds it. */
export async function acquireLoadLock(wh: Warehouse, projectDir: string, options: LoadLockOptions = {}): Promise<LoadLock> {
  const dedicated = (wh as Partial<{ openDedicatedSession(): Promise<DedicatedSession> }>).openDedicatedSession;
  if (wh.kind === 'server' && typeof dedicated === 'function') {
    return acquireAdvisoryLock(wh, await dedicated.call(wh), options.scope ?? 'default');
  }
  const dataDir = (wh as Partial<{ dataDir: string }>).dataDir;
  const file = typeof dataDir === 'string' ? join(dirname(dataDir), 'load.lock') : join(projectDir, '.dvs', 'load.lock');
  return acquireLockFile(file, wh.description);
}

async function acquireAdvisoryLock(wh: Warehouse, session: DedicatedSession, scope: string): Promise<LoadLock> {
  try {
    const r = await session.query(`select pg_try_advisory_lock(${ADVISORY_NAMESPACE}, hashtext($1)) as locked`, [scope]);
    if (r.rows[0]?.locked !== 't') {
      throw new LoadLockedError(
        `another load is already running on ${wh.description} (advisory lock for '${scope}' is held by another session) — wait for it to finish, then run again`,
      );
    }
  } catch (error) {
    await session.close();
    throw error;
  }
  // The lock belongs to the session: closing the connection releases it even if the unlock is never sent.
  return {
    holder: `advisory lock on ${wh.description}`,
    async release() {
      await session.query(`select pg_advisory_unlock(${ADVISORY_NAMESPACE}, hashtext($1))`, [scope]).catch(() => undefined);
      await session.close();
    },
  };
}

interface LockRecord {
  pid: number;
  startedAt: string;
}

function readLock(file: string): LockRecord | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockRecord>;
    return typeof parsed.pid === 'number' ? { pid: parsed.pid, startedAt: String(parsed.startedAt ?? '') } : undefined;
  } catch {
    return undefined;
  }
}

function acquireLockFile(file: string, description: string): LoadLock {
  mkdirSync(dirname(file), { recursive: true });
  const mine: LockRecord = { pid: process.pid, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(mine) + '\n', { flag: 'wx' });
      return {
        holder: file,
        async release() {
          const now = readLock(file);
          if (now && now.pid === mine.pid && now.startedAt === mine.startedAt) unlinkSync(file);
        },
      };
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
    }
    const held = readLock(file);
    if (held && processAlive(held.pid)) {
      throw new LoadLockedError(
        `another load is already running on ${description} (pid ${held.pid}, since ${held.startedAt}) — wait for it to finish, ` +
          `or, if that process no longer exists, delete ${file}`,
      );
    }
    takeOverStaleLock(file, held);
  }
  throw new LoadLockedError(`could not take the load lock ${file}: other processes keep taking it — try again`);
}

/** Deletes a lock file whose process is gone, guarded so two processes cannot both delete and re-create it. */
function takeOverStaleLock(file: string, seen: LockRecord | undefined): void {
  const guard = `${file}.takeover`;
  try {
    mkdirSync(guard);
  } catch {
    try {
      if (Date.now() - statSync(guard).mtimeMs > 30_000) rmdirSync(guard);
    } catch {
      /* gone meanwhile */
    }
    return;
  }
  try {
    const now = readLock(file);
    const same = seen === undefined ? now === undefined : now !== undefined && now.pid === seen.pid && now.startedAt === seen.startedAt;
    if (same) {
      try {
        unlinkSync(file);
      } catch {
        /* gone meanwhile */
      }
    }
  } finally {
    rmdirSync(guard);
  }
}
