// Opening the chosen target's warehouse for a command, with one clear line when it cannot be reached, and closing it
// (and the load lock, for commands that write) whatever happens.
import { WarehouseConnectionError } from '../warehouse/errors';
import { acquireLoadLock, LoadLockedError, type LoadLock } from '../warehouse/lock';
import { openWarehouse } from '../warehouse/target';
import type { Warehouse } from '../warehouse/warehouse';
import type { ProjectSession } from '../engine/session';
import { CliFailure, type CliIo } from './io';

const FILE_ERRORS: Record<string, string> = {
  EROFS: 'the folder is on a read-only file system. Point DVS_EMBEDDED_DIR at a writable folder.',
  EACCES: 'permission denied. Make the folder writable for this user, or point DVS_EMBEDDED_DIR elsewhere.',
  EPERM: 'operation not permitted. Make the folder writable for this user, or point DVS_EMBEDDED_DIR elsewhere.',
  ENOSPC: 'the disk is full. Free some space and run the command again.',
};

export async function openTargetWarehouse(session: ProjectSession, io: CliIo): Promise<Warehouse> {
  const target = session.project.target;
  if (!target.ok) throw new CliFailure(`${target.reason}${target.hint ? ` (${target.hint})` : ''}`);
  if (target.passwordEnvVar && target.target.kind === 'postgres' && !target.target.password) {
    throw new CliFailure(`target '${target.target.name}' needs a password: set the environment variable ${target.passwordEnvVar} (or add it to the project's .env).`);
  }
  try {
    const wh = await openWarehouse(target.target, session.root);
    io.err(`dvs: connected to ${wh.description}\n`);
    return wh;
  } catch (error) {
    if (error instanceof WarehouseConnectionError) throw new CliFailure(error.message, 2);
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && FILE_ERRORS[code]) {
      const path = (error as { path?: unknown }).path;
      throw new CliFailure(`cannot open the ${target.target.name} database${typeof path === 'string' ? ` (${path})` : ''}: ${FILE_ERRORS[code]}`, 2);
    }
    throw error;
  }
}

/**
 * Runs `work` on the target's warehouse and closes it afterwards. With `loadLock`, holds the load lock of the target
 * schema while it runs, so two loads never write the same schema at once; a lock another process holds is exit 2.
 */
export async function withTargetWarehouse<T>(session: ProjectSession, io: CliIo, work: (wh: Warehouse) => Promise<T>, options: { loadLock?: boolean } = {}): Promise<T> {
  const wh = await openTargetWarehouse(session, io);
  let lock: LoadLock | undefined;
  try {
    if (options.loadLock) {
      try {
        lock = await acquireLoadLock(wh, session.root, { scope: session.project.targetSchema });
      } catch (error) {
        if (error instanceof LoadLockedError) throw new CliFailure(error.message, 2);
        throw error;
      }
    }
    return await work(wh);
  } finally {
    await lock?.release();
    await wh.close();
  }
}
