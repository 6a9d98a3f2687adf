// Opens the project a command works on, from the flags every command shares.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseVersion } from '../project/packages';
import { compatForVersion, findProjectRoot, nodeFileSystem, type FileSystem } from '../project';
import type { TargetPurpose } from '../project/profiles';
import { ProjectSession } from '../engine/session';
import { fromJs, type JValue } from '../jinja/values';
import { flagValue, hasFlag, type ParsedArgs } from './args';
import { CliFailure, type CliIo } from './io';

export function parseRunStartedAt(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  // ISO 8601 without an offset means UTC here (JavaScript would read it as local time).
  const withZone = /([zZ]|[+-]\d{2}:?\d{2})$/.test(trimmed) || /^\d{4}-\d{2}-\d{2}$/.test(trimmed) ? trimmed : `${trimmed}Z`;
  const d = new Date(withZone);
  if (Number.isNaN(d.getTime())) throw new CliFailure(`--run-started-at '${text}' is not an ISO 8601 date-time (e.g. 2024-06-23T12:00:00Z).`);
  return d;
}

export function parseVars(text: string | undefined): Map<string, JValue> | undefined {
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliFailure(`--vars must be a JSON object, e.g. --vars '{"hash": "sha"}'; got: ${text}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new CliFailure(`--vars must be a JSON object, e.g. --vars '{"hash": "sha"}'.`);
  return new Map(Object.entries(parsed as Record<string, unknown>).map(([k, v]) => [k, fromJs(v)]));
}

export function projectRoot(args: ParsedArgs, io: CliIo): string {
  const explicit = flagValue(args, 'project');
  if (explicit !== undefined) {
    const dir = resolve(io.cwd, explicit);
    if (!existsSync(resolve(dir, 'dbt_project.yml'))) throw new CliFailure(`--project ${explicit}: no dbt_project.yml in ${dir}.`);
    return dir;
  }
  const found = findProjectRoot(io.cwd, nodeFileSystem);
  if (!found) throw new CliFailure(`no dbt_project.yml in ${io.cwd} or any folder above it. Run inside a dbt project or pass --project DIR.`);
  return found;
}

/**
 * The disk, except that files in `known` (read moments ago, e.g. by the analysis key of `dvs check`) are served from
 * there instead of being read again.
 */
function filesReadBefore(known: ReadonlyMap<string, string>): FileSystem {
  return { ...nodeFileSystem, readFile: (file) => known.get(file) ?? nodeFileSystem.readFile(file) };
}

export function openSession(args: ParsedArgs, io: CliIo, purpose: TargetPurpose, knownTexts?: ReadonlyMap<string, string>): ProjectSession {
  const root = projectRoot(args, io);
  const version = flagValue(args, 'automate-dv-version');
  if (version !== undefined && !parseVersion(version)) throw new CliFailure(`--automate-dv-version '${version}' is not a version like 0.11.5.`);
  const macros = flagValue(args, 'automate-dv-macros');
  if (macros !== undefined && macros !== 'installed' && macros !== 'emulated') throw new CliFailure(`--automate-dv-macros must be installed or emulated, not '${macros}'.`);
  const session = new ProjectSession(root, {
    ...(knownTexts?.size ? { files: filesReadBefore(knownTexts) } : {}),
    env: io.env,
    profilesDir: flagValue(args, 'profiles-dir'),
    targetName: flagValue(args, 'target') ?? io.env.DVS_TARGET,
    purpose,
    cliVars: parseVars(flagValue(args, 'vars')),
    runStartedAt: parseRunStartedAt(flagValue(args, 'run-started-at')),
    compat: version !== undefined ? compatForVersion(version) : undefined,
    // A version named on the command line asks for that version's emulation, not the installed package.
    automateDv: macros ?? (version !== undefined ? 'emulated' : undefined),
    fullRefresh: hasFlag(args, 'full-refresh'),
  });
  const target = session.project.target;
  if (target.ok) {
    if (target.fallbackReason) io.err(`dvs: ${target.fallbackReason}\n`);
    io.err(`dvs: using target ${target.target.name}\n`);
  } else if (purpose === 'write' || flagValue(args, 'target') !== undefined) {
    throw new CliFailure(`${target.reason}${target.hint ? ` (${target.hint})` : ' (use --target embedded to work on the embedded database)'}`);
  }
  return session;
}

/** A selection's unreadable selectors stop the command (exit 2); its warnings go to stderr. */
export function reportSelection(selection: { errors: readonly string[]; warnings: readonly string[] }, io: CliIo): void {
  if (selection.errors.length) throw new CliFailure(`cannot read selector(s): ${selection.errors.join('; ')}`);
  for (const w of selection.warnings) io.err(`dvs: warning: ${w}\n`);
}
