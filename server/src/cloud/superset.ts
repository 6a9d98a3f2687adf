// Open Superset and Publish Dashboard: a small client for Superset's REST API (health, login, CSRF, databases,
// dashboard import) and the flow that points Superset's database at the current target and imports the sample
// project's dashboard export as a ZIP bundle.
import { join, posix } from 'node:path';
import { isMap, parseDocument, type Document } from 'yaml';
import type { FileAccess } from './files';
import { asRecord, joinUrl, replyDetail, sendRequest, UnreachableError, type HttpReply } from './http';
import type { WarehouseConnection } from './profiles-writer';
import { createSecretScrubber, type SecretScrubber } from './secrets';
import { createZip, type ZipEntry } from './zip';

export const DEFAULT_SUPERSET_URL = 'http://localhost:8088';
/** What Superset writes in place of a password in exported URIs (superset.constants.PASSWORD_MASK). */
export const SUPERSET_PASSWORD_MASK = 'XXXXXXXXXX';
/** The single folder every bundle entry sits in: Superset strips the first path component of each entry. */
export const BUNDLE_ROOT = 'data_vault_dashboard';

export type NoticeLevel = 'info' | 'warning' | 'error';

export interface SupersetCredentials {
  username: string;
  password: string;
}

/** A logged-in API session: the bearer token, the CSRF token and the session cookie that goes with it. */
export interface SupersetSession {
  baseUrl: string;
  accessToken: string;
  csrfToken: string;
  cookie: string;
}

export type SupersetFailureKind = 'unreachable' | 'login' | 'csrf' | 'database' | 'import';

/** A refused or failed Superset call; the message says what went wrong and what to do. */
export class SupersetError extends Error {
  constructor(
    readonly kind: SupersetFailureKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'SupersetError';
  }
}

async function call(url: string, init: Parameters<typeof sendRequest>[1], kind: SupersetFailureKind): Promise<HttpReply> {
  try {
    return await sendRequest(url, init);
  } catch (error) {
    if (error instanceof UnreachableError) throw new SupersetError('unreachable', `Superset does not answer: ${error.message}.`);
    throw error;
  }
}

export type SupersetHealth = { healthy: true } | { healthy: false; reason: string };

/** GET <url>/health, which answers a plain "OK" once Superset is up. */
export async function checkSupersetHealth(baseUrl: string, signal?: AbortSignal): Promise<SupersetHealth> {
  try {
    const reply = await sendRequest(joinUrl(baseUrl, '/health'), { timeoutMs: 5_000, ...(signal ? { signal } : {}) });
    if (reply.ok && reply.text.trim().replace(/"/g, '') === 'OK') return { healthy: true };
    return { healthy: false, reason: `${joinUrl(baseUrl, '/health')} answered ${replyDetail(reply)} instead of OK` };
  } catch (error) {
    return { healthy: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/** How to start Superset locally: the sample project's compose file when there is one, else Superset's own. */
export function supersetStartInstructions(baseUrl: string, composeFile?: string): string {
  const start = composeFile
    ? `Start it with \`docker compose -f ${composeFile} up -d\` (the sample project's Superset)`
    : 'Start it with Docker: `git clone --depth=1 https://github.com/apache/superset && cd superset && ' +
      'TAG=<version>-dev docker compose -f docker-compose-image-tag.yml up -d`';
  return `${start}, wait until ${joinUrl(baseUrl, '/health')} answers OK, then try again. Log in as admin/admin unless you changed it.`;
}

export interface OpenSupersetIO {
  openExternal(url: string): Promise<void> | void;
  notify(level: NoticeLevel, message: string): void;
}

/** Open Superset: opens the URL when Superset answers, otherwise explains how to start it. */
export async function openSuperset(io: OpenSupersetIO, options: { url?: string; composeFile?: string }): Promise<'opened' | 'not-running'> {
  const url = options.url ?? DEFAULT_SUPERSET_URL;
  const health = await checkSupersetHealth(url);
  if (health.healthy) {
    await io.openExternal(url);
    return 'opened';
  }
  io.notify('warning', `Superset is not running at ${url} (${health.reason}). ${supersetStartInstructions(url, options.composeFile)}`);
  return 'not-running';
}

/** Keeps name=value of each Set-Cookie header, later ones replacing earlier ones of the same name. */
function mergeCookies(existing: string, reply: HttpReply): string {
  const jar = new Map<string, string>();
  for (const pair of existing.split(/;\s*/)) {
    const eq = pair.indexOf('=');
    if (eq > 0) jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  for (const header of reply.headers.getSetCookie()) {
    const first = header.split(';')[0] ?? '';
    const eq = first.indexOf('=');
    if (eq > 0) jar.set(first.slice(0, eq).trim(), first.slice(eq + 1).trim());
  }
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
}

/** Logs in with the database provider and fetches a CSRF token for the mutating calls that follow. */
export async function loginToSuperset(baseUrl: string, credentials: SupersetCredentials, signal?: AbortSignal): Promise<SupersetSession> {
  const login = await call(
    joinUrl(baseUrl, '/api/v1/security/login'),
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ username: credentials.username, password: credentials.password, provider: 'db', refresh: true }),
      ...(signal ? { signal } : {}),
    },
    'login',
  );
  if (login.status === 401 || login.status === 403) {
    throw new SupersetError('login', `Superset refused the login of "${credentials.username}": check the user name and password (the default is admin/admin).`, login.status);
  }
  const accessToken = asRecord(login.json)?.access_token;
  if (!login.ok || typeof accessToken !== 'string') throw new SupersetError('login', `Superset login failed (${replyDetail(login)}).`, login.status);
  let cookie = mergeCookies('', login);
  const csrf = await call(
    joinUrl(baseUrl, '/api/v1/security/csrf_token/'),
    { headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json', ...(cookie ? { Cookie: cookie } : {}) }, ...(signal ? { signal } : {}) },
    'csrf',
  );
  const csrfToken = asRecord(csrf.json)?.result;
  if (!csrf.ok || typeof csrfToken !== 'string') throw new SupersetError('csrf', `Superset did not hand out a CSRF token (${replyDetail(csrf)}).`, csrf.status);
  cookie = mergeCookies(cookie, csrf);
  return { baseUrl, accessToken, csrfToken, cookie };
}

/** Headers of an authenticated call; mutating calls carry the CSRF token, its session cookie and a Referer. */
function authHeaders(session: SupersetSession, mutating: boolean): Record<string, string> {
  const headers: Record<string, string> = { Authorization: `Bearer ${session.accessToken}`, Accept: 'application/json' };
  if (session.cookie) headers.Cookie = session.cookie;
  if (mutating) {
    headers['X-CSRFToken'] = session.csrfToken;
    headers.Referer = joinUrl(session.baseUrl, '/');
  }
  return headers;
}

export interface SupersetDatabaseRef {
  id: number;
  uuid: string;
  name: string;
}

/** Finds a database connection by uuid, else by name, paging through GET /api/v1/database/. */
export async function findSupersetDatabase(session: SupersetSession, match: { uuid?: string; name: string }): Promise<SupersetDatabaseRef | undefined> {
  const found: SupersetDatabaseRef[] = [];
  const pageSize = 100;
  for (let page = 0; ; page++) {
    const q = `(columns:!(id,uuid,database_name),page:${page},page_size:${pageSize})`;
    const reply = await call(joinUrl(session.baseUrl, `/api/v1/database/?q=${encodeURIComponent(q)}`), { headers: authHeaders(session, false) }, 'database');
    if (!reply.ok) throw new SupersetError('database', `Superset did not list its databases (${replyDetail(reply)}).`, reply.status);
    const body = asRecord(reply.json);
    const result = Array.isArray(body?.result) ? body.result : [];
    for (const item of result) {
      const row = asRecord(item);
      if (row && typeof row.id === 'number' && typeof row.database_name === 'string') {
        found.push({ id: row.id, uuid: typeof row.uuid === 'string' ? row.uuid : '', name: row.database_name });
      }
    }
    const count = typeof body?.count === 'number' ? body.count : found.length;
    if (result.length < pageSize || found.length >= count) break;
  }
  return (match.uuid ? found.find((db) => db.uuid === match.uuid) : undefined) ?? found.find((db) => db.name === match.name);
}

export interface SupersetDatabaseSpec {
  name: string;
  /** The URI with the real password: Superset stores it encrypted and masks it in every answer. */
  sqlalchemyUri: string;
  /** Used when the connection is created, so the dashboard bundle's datasets point at it. */
  uuid: string;
  /** PEM of the CA; Superset then connects with sslmode=verify-full against it. */
  serverCert?: string;
}

/** Creates the database connection, or updates the one with the same uuid or name; Superset tests the connection first. */
export async function upsertSupersetDatabase(
  session: SupersetSession,
  spec: SupersetDatabaseSpec,
): Promise<SupersetDatabaseRef & { created: boolean }> {
  const existing = await findSupersetDatabase(session, { uuid: spec.uuid, name: spec.name });
  const body: Record<string, unknown> = { database_name: spec.name, sqlalchemy_uri: spec.sqlalchemyUri, expose_in_sqllab: true };
  if (spec.serverCert) body.server_cert = spec.serverCert;
  const headers = { ...authHeaders(session, true), 'Content-Type': 'application/json' };
  if (existing) {
    const reply = await call(joinUrl(session.baseUrl, `/api/v1/database/${existing.id}`), { method: 'PUT', headers, body: JSON.stringify(body) }, 'database');
    if (!reply.ok) throw new SupersetError('database', `Superset did not update database "${spec.name}" (${replyDetail(reply)}).`, reply.status);
    return { ...existing, name: spec.name, created: false };
  }
  const reply = await call(
    joinUrl(session.baseUrl, '/api/v1/database/'),
    { method: 'POST', headers, body: JSON.stringify({ ...body, uuid: spec.uuid }) },
    'database',
  );
  const created = asRecord(reply.json);
  if (!reply.ok || typeof created?.id !== 'number') {
    throw new SupersetError('database', `Superset did not create database "${spec.name}" (${replyDetail(reply)}).`, reply.status);
  }
  const uuid = asRecord(created.result)?.uuid;
  return { id: created.id, uuid: typeof uuid === 'string' ? uuid : spec.uuid, name: spec.name, created: true };
}

/** POST /api/v1/dashboard/import/ with the bundle, overwrite, and the database passwords keyed by file in the bundle. */
export async function importSupersetDashboard(
  session: SupersetSession,
  bundle: Uint8Array,
  options: { passwords: Record<string, string>; overwrite?: boolean },
): Promise<void> {
  const form = new FormData();
  // A copy typed over a plain ArrayBuffer, which is what BlobPart accepts.
  form.append('formData', new Blob([new Uint8Array(bundle)], { type: 'application/zip' }), `${BUNDLE_ROOT}.zip`);
  form.append('overwrite', options.overwrite === false ? 'false' : 'true');
  form.append('passwords', JSON.stringify(options.passwords));
  // No Content-Type header: fetch writes multipart/form-data with its boundary itself.
  const reply = await call(joinUrl(session.baseUrl, '/api/v1/dashboard/import/'), { method: 'POST', headers: authHeaders(session, true), body: form, timeoutMs: 120_000 }, 'import');
  if (!reply.ok) throw new SupersetError('import', `Superset rejected the dashboard bundle (${replyDetail(reply)}).`, reply.status);
}

/** The SQLAlchemy URI Superset uses for a PostgreSQL target; pass SUPERSET_PASSWORD_MASK for the bundle's copy. */
export function supersetSqlalchemyUri(connection: Pick<WarehouseConnection, 'host' | 'port' | 'dbname' | 'user'>, password: string, sslmode?: string): string {
  const host = connection.host.includes(':') ? `[${connection.host}]` : connection.host;
  const query = sslmode ? `?sslmode=${encodeURIComponent(sslmode)}` : '';
  return `postgresql+psycopg2://${encodeURIComponent(connection.user)}:${encodeURIComponent(password)}@${host}:${connection.port}/${encodeURIComponent(connection.dbname)}${query}`;
}

/**
 * The host Superset should use for our database: the setting when given; for a database on this machine,
 * host.docker.internal, because inside Superset's container localhost is the container itself.
 */
export function supersetDatabaseHost(targetHost: string, setting?: string): string {
  if (setting && setting.trim()) return setting.trim();
  if (/^(localhost|127(\.\d+){3}|::1|\[::1\]|0\.0\.0\.0)$/i.test(targetHost)) return 'host.docker.internal';
  return targetHost;
}

export interface ExportedDatabase {
  /** Path in the export, e.g. "databases/Data_Vault.yaml" (the key of the import's passwords). */
  file: string;
  name: string;
  uuid: string;
}

export interface DashboardExport {
  /** Files Superset reads, by path relative to the export folder. */
  files: Map<string, string>;
  database?: ExportedDatabase;
  dashboards: string[];
  problems: string[];
  /** Files left out because Superset ignores them (not .yaml/.yml, or starting with "." or "_"). */
  skipped: string[];
}

function isBundleFile(path: string): boolean {
  const name = posix.basename(path);
  if (name.startsWith('.') || name.startsWith('_')) return false;
  return /\.ya?ml$/i.test(name);
}

/** Checks an export folder's files the way Superset's importer will, before anything is sent. */
export function inspectDashboardExport(all: Map<string, string>): DashboardExport {
  const files = new Map<string, string>();
  const skipped: string[] = [];
  for (const [path, text] of all) (isBundleFile(path) ? files.set(path, text) : skipped.push(path));
  const problems: string[] = [];
  const dashboards: string[] = [];
  const read = (path: string): Record<string, unknown> | undefined => {
    const doc = parseDocument(files.get(path) ?? '');
    if (doc.errors.length) {
      problems.push(`${path} is not valid YAML (${doc.errors[0]?.message.split('\n')[0] ?? ''})`);
      return undefined;
    }
    return asRecord(doc.toJS());
  };
  if (!files.has('metadata.yaml')) problems.push('metadata.yaml is missing (Superset needs it with version: 1.0.0 and type: Dashboard)');
  else {
    const metadata = read('metadata.yaml');
    if (metadata && metadata.version !== '1.0.0') problems.push('metadata.yaml must say version: 1.0.0');
    if (metadata && metadata.type !== undefined && metadata.type !== 'Dashboard') problems.push('metadata.yaml must say type: Dashboard');
  }
  const databaseFiles = [...files.keys()].filter((p) => p.startsWith('databases/'));
  let database: ExportedDatabase | undefined;
  if (databaseFiles.length !== 1) {
    problems.push(`the export must hold exactly one database under databases/ (found ${databaseFiles.length})`);
  } else {
    const file = databaseFiles[0] as string;
    const config = read(file);
    if (config) {
      if (typeof config.database_name !== 'string' || typeof config.uuid !== 'string') problems.push(`${file} needs database_name and uuid`);
      else database = { file, name: config.database_name, uuid: config.uuid };
    }
  }
  for (const path of files.keys()) {
    if (!path.startsWith('dashboards/')) continue;
    const title = read(path)?.dashboard_title;
    if (typeof title === 'string') dashboards.push(title);
    else problems.push(`${path} has no dashboard_title`);
  }
  if (!dashboards.length && !problems.some((p) => p.startsWith('dashboards/'))) problems.push('the export holds no dashboard under dashboards/');
  const result: DashboardExport = { files, dashboards, problems, skipped };
  if (database) result.database = database;
  return result;
}

/** Replaces one top-level key's value, keeping the rest of the YAML (comments, order) as written. */
function setYamlKey(text: string, key: string, value: string, onlyIfEquals?: string): string {
  const doc: Document = parseDocument(text);
  const root = doc.contents;
  if (!isMap(root)) return text;
  if (onlyIfEquals !== undefined && doc.get(key) !== onlyIfEquals) return text;
  doc.set(key, value);
  return doc.toString();
}

/**
 * The ZIP Superset imports: every file under one root folder, the database's URI replaced by the current target's
 * (password masked), and its uuid (plus every dataset's database_uuid) replaced when Superset already knows the
 * database under another uuid.
 */
export function buildDashboardBundle(exported: DashboardExport, rewrite: { sqlalchemyUri: string; databaseUuid: string }): Uint8Array {
  const database = exported.database;
  if (!database) throw new Error('the export has no database to rewrite');
  const entries: ZipEntry[] = [];
  for (const [path, text] of exported.files) {
    let out = text;
    if (path === database.file) {
      out = setYamlKey(out, 'sqlalchemy_uri', rewrite.sqlalchemyUri);
      if (rewrite.databaseUuid !== database.uuid) out = setYamlKey(out, 'uuid', rewrite.databaseUuid);
    } else if (path.startsWith('datasets/') && rewrite.databaseUuid !== database.uuid) {
      out = setYamlKey(out, 'database_uuid', rewrite.databaseUuid, database.uuid);
    }
    entries.push({ name: `${BUNDLE_ROOT}/${path}`, data: out });
  }
  return createZip(entries);
}

export interface PublishIO {
  /** The Superset login, asked once and kept by the caller (e.g. in SecretStorage); undefined when the user cancels. */
  credentials(): Promise<SupersetCredentials | undefined>;
  notify(level: NoticeLevel, message: string): void;
  files: FileAccess;
  /** Short progress lines ("Logging in…"). */
  progress?(message: string): void;
}

export type PublishTarget =
  | { kind: 'embedded'; name: string }
  | { kind: 'server'; name: string; connection: WarehouseConnection; password: string };

export interface PublishOptions {
  /** Defaults to http://localhost:8088. */
  supersetUrl?: string;
  /** The export folder (sample-project/superset). */
  exportDir: string;
  target: PublishTarget;
  /** The setting dataVault.superset.databaseHost: the host Superset uses to reach our database. */
  databaseHost?: string;
  /** For the "start Superset" hint. */
  composeFile?: string;
}

export type PublishStep = 'target' | 'export' | 'health' | 'login' | 'database' | 'import';

export type PublishResult =
  | { status: 'published'; dashboards: string[]; database: SupersetDatabaseRef & { created: boolean }; warnings: string[] }
  | { status: 'cancelled' }
  | { status: 'failed'; step: PublishStep; message: string; invalidCredentials?: boolean };

async function readExport(files: FileAccess, dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const path of await files.listFiles(dir)) {
    if (!isBundleFile(path)) {
      out.set(path, '');
      continue;
    }
    out.set(path, (await files.readText(join(dir, path))) ?? '');
  }
  return out;
}

function failure(step: PublishStep, message: string, scrubber: SecretScrubber, invalidCredentials?: boolean): PublishResult {
  return { status: 'failed', step, message: scrubber.scrub(message), ...(invalidCredentials ? { invalidCredentials } : {}) };
}

/** Publish Dashboard: points Superset's database at the current target and imports the export folder's dashboard. */
export async function publishDashboard(io: PublishIO, options: PublishOptions): Promise<PublishResult> {
  const scrubber = createSecretScrubber();
  const url = options.supersetUrl ?? DEFAULT_SUPERSET_URL;
  const target = options.target;
  if (target.kind === 'embedded') {
    return failure(
      'target',
      `Target "${target.name}" is the embedded database, which lives inside the editor where Superset cannot reach it. ` +
        'Switch to a server target (the cloud warehouse from Deploy Infrastructure, or a local PostgreSQL), load it, and publish again.',
      scrubber,
    );
  }
  scrubber.add(target.password);

  const exported = inspectDashboardExport(await readExport(io.files, options.exportDir));
  if (exported.files.size === 0) return failure('export', `No Superset export found in ${options.exportDir}.`, scrubber);
  if (exported.problems.length || !exported.database) {
    return failure('export', `The dashboard export in ${options.exportDir} is not importable: ${exported.problems.join('; ')}.`, scrubber);
  }
  const database = exported.database;

  io.progress?.(`Checking ${url}…`);
  const health = await checkSupersetHealth(url);
  if (!health.healthy) return failure('health', `Superset is not running at ${url} (${health.reason}). ${supersetStartInstructions(url, options.composeFile)}`, scrubber);

  const credentials = await io.credentials();
  if (!credentials) return { status: 'cancelled' };
  scrubber.add(credentials.password);
  let session: SupersetSession;
  try {
    io.progress?.(`Logging in to Superset as ${credentials.username}…`);
    session = await loginToSuperset(url, credentials);
    scrubber.add(session.accessToken, session.csrfToken);
  } catch (error) {
    if (error instanceof SupersetError) return failure('login', error.message, scrubber, error.kind === 'login' && error.status === 401);
    throw error;
  }

  const warnings: string[] = [];
  const connection = target.connection;
  const host = supersetDatabaseHost(connection.host, options.databaseHost);
  const supersetConnection = { ...connection, host };
  let sslmode: string | undefined = connection.sslmode || undefined;
  let serverCert: string | undefined;
  if (sslmode === 'verify-full' || sslmode === 'verify-ca') {
    const pem = connection.sslrootcert ? await io.files.readText(connection.sslrootcert) : undefined;
    if (pem?.includes('-----BEGIN CERTIFICATE-----')) {
      // With server_cert Superset writes the CA to a file of its own and connects with verify-full.
      serverCert = pem;
      sslmode = undefined;
    } else {
      sslmode = 'require';
      warnings.push(`Superset connects with sslmode=require: the CA certificate ${connection.sslrootcert ?? '(none set)'} could not be read, so the server is not verified.`);
    }
  }

  let ref: SupersetDatabaseRef & { created: boolean };
  try {
    io.progress?.(`Pointing Superset's database "${database.name}" at ${host}:${connection.port}/${connection.dbname}…`);
    ref = await upsertSupersetDatabase(session, {
      name: database.name,
      sqlalchemyUri: supersetSqlalchemyUri(supersetConnection, target.password, sslmode),
      uuid: database.uuid,
      ...(serverCert ? { serverCert } : {}),
    });
  } catch (error) {
    if (!(error instanceof SupersetError)) throw error;
    const local = host === 'host.docker.internal' || host !== connection.host;
    const hint = local
      ? ` Superset connects to ${host} from inside its container; if that does not reach the database, set dataVault.superset.databaseHost (for example 172.18.0.1, the gateway of Superset's compose network on Linux) and make PostgreSQL listen on that address.`
      : '';
    return failure('database', error.message + hint, scrubber);
  }

  try {
    io.progress?.('Importing the dashboard…');
    const bundle = buildDashboardBundle(exported, {
      sqlalchemyUri: supersetSqlalchemyUri(supersetConnection, SUPERSET_PASSWORD_MASK, sslmode),
      databaseUuid: ref.uuid || database.uuid,
    });
    await importSupersetDashboard(session, bundle, { passwords: { [database.file]: target.password }, overwrite: true });
  } catch (error) {
    if (error instanceof SupersetError) return failure('import', error.message, scrubber);
    throw error;
  }
  for (const warning of warnings) io.notify('warning', scrubber.scrub(warning));
  io.notify('info', `Published ${exported.dashboards.map((d) => `"${d}"`).join(', ')} to ${url} (database "${database.name}" → ${host}).`);
  return { status: 'published', dashboards: exported.dashboards, database: ref, warnings: warnings.map((w) => scrubber.scrub(w)) };
}
