// Opening the chosen target's warehouse for a command, with one clear line when it cannot be reached.
import { WarehouseConnectionError } from '../warehouse/errors';
import { openWarehouse } from '../warehouse/target';
import type { Warehouse } from '../warehouse/warehouse';
import type { ProjectSession } from '../engine/session';
import { CliFailure, type CliIo } from './io';

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
    throw error;
  }
}
