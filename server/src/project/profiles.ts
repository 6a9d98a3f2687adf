// profiles.yml as dbt finds and reads it, and the choice of target (CONTRACTS.md "Targets"): --target, then env
// DVS_TARGET, then the profile's default; `embedded` always exists. Messages name fields and variables, never values
// of passwords.
import { closestName, diagnostic, type Diagnostic } from '../base/diagnostic';
import type { Span } from '../base/text';
import type { JDict, JValue } from '../jinja/values';
import type { PostgresTarget, ResolvedTarget } from '../warehouse/target';
import type { ProjectEnvironment } from './environment';
import { isAbsolutePath, joinPath, type FileSystem } from './file-system';
import { renderYamlString, type YamlRenderContext } from './yaml-jinja';
import { parseYaml, scalarText, valueOf, type YValue } from './yaml-tree';

export const EMBEDDED_TARGET_NAME = 'embedded';

export interface ProfilesLocation {
  /** The profiles.yml that will be read, or undefined when none exists. */
  file: string | undefined;
  /** Every place looked at, in order, for messages. */
  searched: string[];
}

export interface ProfilesSearch {
  projectRoot: string;
  /** Explicit folder (--profiles-dir). */
  profilesDir?: string;
  env: ProjectEnvironment;
  /** The user's home folder (for ~/.dbt); omit to skip that place. */
  homeDir?: string;
}

/** Finds profiles.yml as dbt does: --profiles-dir, then DBT_PROFILES_DIR, then the project folder, then ~/.dbt. */
export function findProfilesFile(search: ProfilesSearch, files: FileSystem): ProfilesLocation {
  const dirs: string[] = [];
  const resolveDir = (d: string) => (isAbsolutePath(d) ? d : joinPath(search.projectRoot, d));
  if (search.profilesDir) dirs.push(resolveDir(search.profilesDir));
  const fromEnv = search.env.get('DBT_PROFILES_DIR');
  if (fromEnv) dirs.push(resolveDir(fromEnv));
  dirs.push(search.projectRoot);
  if (search.homeDir) dirs.push(joinPath(search.homeDir, '.dbt'));
  const searched: string[] = [];
  for (const d of dirs) {
    const f = joinPath(d, 'profiles.yml');
    if (searched.includes(f)) continue;
    searched.push(f);
    // An explicitly named folder is the only place dbt looks; a missing file there is not replaced by another.
    if (files.exists(f)) return { file: f, searched };
    if (d === dirs[0] && search.profilesDir) return { file: undefined, searched };
  }
  return { file: undefined, searched };
}

export interface ProfileOutput {
  name: string;
  keySpan: Span;
  value: YValue | undefined;
}

export interface Profile {
  name: string;
  keySpan: Span;
  /** The `target:` entry as written (it may hold Jinja); dbt uses "default" when there is none. */
  target?: { text: string; span: Span };
  outputs: Map<string, ProfileOutput>;
}

export interface ProfilesFile {
  file: string;
  text: string;
  profiles: Map<string, Profile>;
  diagnostics: Diagnostic[];
}

/** Parses profiles.yml. The top-level `config:` block (old dbt user settings) is not a profile. */
export function parseProfilesFile(text: string, file: string): ProfilesFile {
  const parsed = parseYaml(text, 'DV021');
  const profiles = new Map<string, Profile>();
  const root = parsed.root;
  if (root && root.kind === 'map') {
    for (const e of root.entries) {
      if (e.key === 'config' || !e.value || e.value.kind !== 'map') continue;
      const profile: Profile = { name: e.key, keySpan: e.keySpan, outputs: new Map() };
      const targetValue = valueOf(e.value, 'target');
      const targetText = scalarText(targetValue);
      if (targetText !== undefined && targetValue) profile.target = { text: targetText, span: targetValue.span };
      const outputs = valueOf(e.value, 'outputs');
      if (outputs && outputs.kind === 'map') {
        for (const o of outputs.entries) profile.outputs.set(o.key, { name: o.key, keySpan: o.keySpan, value: o.value });
      }
      profiles.set(e.key, profile);
    }
  }
  return { file, text, profiles, diagnostics: parsed.diagnostics };
}

export type TargetPurpose = 'read' | 'write';

export interface TargetRequest {
  /** --target NAME. */
  targetName?: string;
  /** 'read' commands (check, compile, schema, completion) fall back to embedded; 'write' (load, generate-raw) never do. */
  purpose: TargetPurpose;
}

export interface TargetContext {
  /** The profile named in dbt_project.yml `profile:`. */
  profileName: string | undefined;
  profiles: ProfilesFile | undefined;
  /** Where profiles.yml was looked for, for "not found" messages. */
  searched: string[];
  env: ProjectEnvironment;
  /** CLI --vars for var() inside profiles.yml. */
  cliVars?: ReadonlyMap<string, JValue>;
}

export interface TargetResolved {
  ok: true;
  target: ResolvedTarget;
  /** The target schema models build into (embedded: the default target's schema, else `public`). */
  schema: string;
  /** The database relations render with (embedded: `postgres`). */
  database: string;
  /** How the name was chosen. */
  selectedBy: 'option' | 'env' | 'profile-default' | 'fallback';
  /** Set when the default target could not be used and embedded was chosen instead: what the CLI prints. */
  fallbackReason?: string;
  /** The password's env var when it is used without default and not set (the editor asks; the CLI names it). */
  passwordEnvVar?: string;
  /** `threads:` of the target, when given. */
  threads?: number;
}

export interface TargetUnresolved {
  ok: false;
  /** What is wrong, naming the variable or field to fix. */
  reason: string;
  /** What to do instead, e.g. "--target embedded". */
  hint?: string;
  /** The target name that was asked for, when known. */
  name?: string;
}

export type TargetResolution = TargetResolved | TargetUnresolved;

/** The names a user may pass to --target: `embedded` and the profile's outputs. */
export function targetNames(ctx: TargetContext): string[] {
  const profile = ctx.profileName ? ctx.profiles?.profiles.get(ctx.profileName) : undefined;
  return [EMBEDDED_TARGET_NAME, ...[...(profile?.outputs.keys() ?? [])].filter((n) => n !== EMBEDDED_TARGET_NAME)];
}

/** Chooses and resolves the target per CONTRACTS.md. */
export function resolveTarget(ctx: TargetContext, request: TargetRequest): TargetResolution {
  const fromEnv = ctx.env.get('DVS_TARGET');
  const named = request.targetName ?? (fromEnv ? fromEnv : undefined);
  const selectedBy: TargetResolved['selectedBy'] = request.targetName !== undefined ? 'option' : 'env';
  const embeddedSchema = defaultTargetSchema(ctx) ?? 'public';
  const embedded = (by: TargetResolved['selectedBy'], fallbackReason?: string): TargetResolved => {
    const target: ResolvedTarget = { name: EMBEDDED_TARGET_NAME, kind: 'embedded', schema: embeddedSchema };
    const r: TargetResolved = { ok: true, target, schema: embeddedSchema, database: 'postgres', selectedBy: by };
    if (fallbackReason) r.fallbackReason = fallbackReason;
    return r;
  };

  if (named !== undefined) {
    // `embedded` is ours and always exists, even if a profile happens to define an output with that name.
    if (named === EMBEDDED_TARGET_NAME) return embedded(selectedBy);
    const how = selectedBy === 'option' ? `--target ${named}` : `DVS_TARGET=${named}`;
    const profile = findProfile(ctx);
    if (!profile.ok) return { ok: false, name: named, reason: `${how}: ${profile.reason}`, hint: '--target embedded' };
    const r = resolveNamedTarget(ctx, profile.profile, named);
    if (!r.ok) return { ...r, reason: `${how}: ${r.reason}` };
    return { ...r, selectedBy };
  }

  const profile = findProfile(ctx);
  const fail = (reason: string): TargetResolution =>
    request.purpose === 'read'
      ? embedded('fallback', `${reason}; using target embedded`)
      : { ok: false, reason, hint: '--target embedded' };
  if (!profile.ok) return fail(profile.reason);
  const defaultName = renderProfileTargetName(ctx, profile.profile);
  if (!defaultName.ok) return fail(defaultName.reason);
  const r = resolveNamedTarget(ctx, profile.profile, defaultName.name);
  if (!r.ok) return fail(r.reason);
  return { ...r, selectedBy: 'profile-default' };
}

function findProfile(ctx: TargetContext): { ok: true; profile: Profile } | { ok: false; reason: string } {
  if (!ctx.profiles) {
    const where = ctx.searched.length ? ` (looked for ${ctx.searched.join(', ')})` : '';
    return { ok: false, reason: `no profiles.yml found${where}` };
  }
  if (!ctx.profileName) return { ok: false, reason: 'dbt_project.yml names no `profile:`' };
  const profile = ctx.profiles.profiles.get(ctx.profileName);
  if (!profile) {
    const suggestion = closestName(ctx.profileName, ctx.profiles.profiles.keys());
    const hint = suggestion ? ` (did you mean '${suggestion}'?)` : '';
    return { ok: false, reason: `profile '${ctx.profileName}' is not in ${ctx.profiles.file}${hint}` };
  }
  return { ok: true, profile };
}

function renderContext(ctx: TargetContext): YamlRenderContext {
  return { env: ctx.env, lookupVar: (name) => ctx.cliVars?.get(name) };
}

function renderProfileTargetName(ctx: TargetContext, profile: Profile): { ok: true; name: string } | { ok: false; reason: string } {
  if (!profile.target) return { ok: true, name: 'default' };
  const r = renderYamlString(profile.target.text, renderContext(ctx), profile.target.span);
  if (r.missingEnvVars.length) {
    return { ok: false, reason: `the default target of profile '${profile.name}' needs environment variable ${r.missingEnvVars.join(', ')}, which is not set` };
  }
  const name = r.value.trim();
  return name ? { ok: true, name } : { ok: false, reason: `profile '${profile.name}' names an empty default target` };
}

/** The `schema` of the profile's default target, when it can be read (the embedded target builds there too). */
export function defaultTargetSchema(ctx: TargetContext): string | undefined {
  const profile = findProfile(ctx);
  if (!profile.ok) return undefined;
  const name = renderProfileTargetName(ctx, profile.profile);
  if (!name.ok) return undefined;
  const output = profile.profile.outputs.get(name.name);
  const field = renderField(ctx, output?.value, 'schema');
  if (!field || field.missing.length || !field.value) return undefined;
  return field.value;
}

interface RenderedField {
  value: string;
  missing: string[];
  used: string[];
  /** The first Jinja error in the value, if any. */
  error?: string;
  span: Span;
}

function renderField(ctx: TargetContext, output: YValue | undefined, ...keys: string[]): RenderedField | undefined {
  for (const key of keys) {
    const v = valueOf(output, key);
    if (!v || v.kind !== 'scalar' || v.value === null) continue;
    if (typeof v.value !== 'string') return { value: scalarText(v) ?? '', missing: [], used: [], span: v.span };
    const r = renderYamlString(v.value, renderContext(ctx), v.span);
    const f: RenderedField = { value: r.value, missing: r.missingEnvVars, used: r.usedEnvVars, span: v.span };
    const error = r.diagnostics.find((d) => d.severity === 'error');
    if (error) f.error = error.message;
    return f;
  }
  return undefined;
}

function resolveNamedTarget(ctx: TargetContext, profile: Profile, name: string): Omit<TargetResolved, 'selectedBy'> | TargetUnresolved {
  const output = profile.outputs.get(name);
  if (!output) {
    const names = [...profile.outputs.keys()];
    const suggestion = closestName(name, names);
    const did = suggestion ? ` Did you mean '${suggestion}'?` : '';
    return {
      ok: false,
      name,
      reason: `target '${name}' is not in profile '${profile.name}' (targets: ${[EMBEDDED_TARGET_NAME, ...names].join(', ')}).${did}`,
      hint: '--target embedded',
    };
  }
  const where = `target '${name}' of profile '${profile.name}'`;
  const unresolved = (reason: string): TargetUnresolved => ({ ok: false, name, reason: `${where}: ${reason}`, hint: '--target embedded' });
  if (!output.value || output.value.kind !== 'map') return unresolved('the target must be a mapping of connection settings (type, host, user, …)');
  const out = output.value;
  const field = (...keys: string[]) => renderField(ctx, out, ...keys);

  // Every unset variable is named at once, so the user fixes them in one go; below, no field has an unset variable
  // except the password, which is handled on its own.
  const unset: string[] = [];
  for (const e of out.entries) {
    const f = renderField(ctx, out, e.key);
    // A password's Jinja error is not quoted back: the message could echo part of the value.
    if (f?.error) return unresolved(e.key === 'password' || e.key === 'pass' ? `\`${e.key}:\` holds Jinja that does not render` : `\`${e.key}:\` does not render: ${f.error}`);
    if (e.key === 'password' || e.key === 'pass') continue;
    for (const name of f?.missing ?? []) unset.push(`${name} (used for ${e.key})`);
  }
  if (unset.length === 1) {
    return unresolved(`environment variable ${unset[0]} is not set and has no default; set it in the environment or the project's .env, or give env_var() a default`);
  }
  if (unset.length > 1) {
    return unresolved(`environment variables ${unset.join(', ')} are not set and have no default; set them in the environment or the project's .env, or give env_var() defaults`);
  }

  const type = field('type');
  if (!type || !type.value.trim()) return unresolved('`type:` is missing; Data Vault Studio connects to `type: postgres`');
  if (type.value.trim() !== 'postgres') return unresolved(`type '${type.value.trim()}' is not supported; Data Vault Studio works with PostgreSQL targets (type: postgres)`);

  const required: [string, string[]][] = [
    ['host', ['host']],
    ['user', ['user']],
    ['dbname', ['dbname', 'database']],
    ['schema', ['schema']],
  ];
  const values = new Map<string, string>();
  for (const [label, keys] of required) {
    const f = field(...keys);
    if (!f || !f.value.trim()) return unresolved(`\`${label}:\` is missing or empty`);
    values.set(label, f.value.trim());
  }
  const number = (label: string, ...keys: string[]): number | undefined | TargetUnresolved => {
    const f = field(...keys);
    if (!f) return undefined;
    const text = f.value.trim();
    if (!/^\d+$/.test(text)) return unresolved(`\`${label}:\` must be a whole number, got '${text}'`);
    return Number(text);
  };
  const port = number('port', 'port');
  if (typeof port === 'object') return port;
  const connectTimeout = number('connect_timeout', 'connect_timeout');
  if (typeof connectTimeout === 'object') return connectTimeout;
  const threads = number('threads', 'threads');
  if (typeof threads === 'object') return threads;

  const target: PostgresTarget = {
    name,
    kind: 'postgres',
    host: values.get('host') as string,
    port: port ?? 5432,
    user: values.get('user') as string,
    dbname: values.get('dbname') as string,
    schema: values.get('schema') as string,
  };
  let passwordEnvVar: string | undefined;
  const password = field('password', 'pass');
  if (password) {
    // An unset password variable does not make the target unusable: the editor asks for it, the CLI names it.
    if (password.missing.length) passwordEnvVar = password.missing[0];
    else target.password = password.value;
    const variable = password.missing[0] ?? password.used[0];
    target.passwordSource = variable ? `env var ${variable}` : `profiles.yml (${profile.name}.${name}.password)`;
  }
  for (const [key, prop] of [
    ['sslmode', 'sslmode'],
    ['sslrootcert', 'sslrootcert'],
  ] as const) {
    const f = field(key);
    if (f && f.value.trim()) target[prop] = f.value.trim();
  }
  if (connectTimeout !== undefined) target.connectTimeout = connectTimeout;
  const resolved: Omit<TargetResolved, 'selectedBy'> = { ok: true, target, schema: target.schema, database: target.dbname };
  if (passwordEnvVar) resolved.passwordEnvVar = passwordEnvVar;
  if (threads !== undefined) resolved.threads = threads;
  return resolved;
}

/** The `target` object Jinja sees in project YAML and models (no password: it must never reach rendered text). */
export function targetJinjaValue(resolution: TargetResolved, profileName: string | undefined): JDict {
  const t = resolution.target;
  const m: JDict = new Map<string, JValue>([
    ['name', t.name],
    ['target_name', t.name],
    ['profile_name', profileName ?? ''],
    ['type', 'postgres'],
    ['schema', resolution.schema],
    ['database', resolution.database],
    ['dbname', resolution.database],
    ['threads', resolution.threads ?? 1],
  ]);
  if (t.kind === 'postgres') {
    m.set('host', t.host);
    m.set('port', t.port);
    m.set('user', t.user);
  }
  return m;
}

/** Diagnostics for profiles.yml itself (syntax) plus an unresolvable default target as DV105 on its entry. */
export function profileDiagnostics(ctx: TargetContext, resolution: TargetResolution): Diagnostic[] {
  const out = [...(ctx.profiles?.diagnostics ?? [])];
  const profile = ctx.profileName ? ctx.profiles?.profiles.get(ctx.profileName) : undefined;
  const fallbackReason = resolution.ok ? resolution.fallbackReason : resolution.reason;
  if (profile && fallbackReason) {
    out.push(diagnostic('DV105', 'warning', fallbackReason, profile.target?.span ?? profile.keySpan));
  }
  return out;
}
