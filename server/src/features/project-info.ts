// dvs/projectInfo: where a dbt project is, which profile and target it uses and how that target connects, for the
// client's cloud commands. A password never leaves the server: only the name of the variable it is read from does.
import type { ProjectSession } from '../engine/session';
import type { ProjectInfoResult } from '../protocol';
import { pathToUri } from './uris';

/** What the server knows about the target in use beyond the profile: its name, whether it connected, and why not. */
export interface TargetState {
  target: string;
  targetType: 'embedded' | 'postgres';
  connected: boolean;
  problem?: string;
}

export function projectInfo(session: ProjectSession, state: TargetState): ProjectInfoResult {
  const project = session.project;
  const out: ProjectInfoResult = {
    projectUri: pathToUri(session.root),
    name: project.name,
    profile: project.settings.profile ?? '',
    target: state.target,
    targetType: state.targetType,
    connected: state.connected,
  };
  if (project.profilesFile) out.profilesPath = project.profilesFile;
  if (state.problem) out.problem = state.problem;
  const resolution = project.target;
  if (resolution.ok && resolution.target.kind === 'postgres') {
    const t = resolution.target;
    out.connection = { host: t.host, port: t.port, dbname: t.dbname, user: t.user, schema: t.schema, ...(t.sslmode ? { sslmode: t.sslmode } : {}) };
    const envVar = resolution.passwordEnvVar ?? passwordVariable(t.passwordSource);
    if (envVar) out.passwordEnvVar = envVar;
  }
  return out;
}

/**
 * The variable a password that is set was read from. The profile resolver records it only as the message text
 * "env var NAME" (an unset one it names in `passwordEnvVar`); the client needs the name to read the same variable
 * from the project's .env for Superset.
 */
function passwordVariable(source: string | undefined): string | undefined {
  const match = /^env var ([A-Za-z_][A-Za-z0-9_]*)$/.exec(source ?? '');
  return match?.[1];
}
