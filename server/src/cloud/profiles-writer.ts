// Points a dbt profiles.yml target at a PostgreSQL server through env_var() references, so the host, user and
// password live in an untracked .env, never in profiles.yml. Edits keep the file's comments and other targets.
import { Document, isMap, isScalar, parseDocument, Scalar, YAMLMap } from 'yaml';
import { diagnostic, type Diagnostic } from '../base/diagnostic';

/** A PostgreSQL server the project can use as a target (no password: it goes to .env only). */
export interface WarehouseConnection {
  host: string;
  port: number;
  dbname: string;
  user: string;
  sslmode: string;
  /** Path of the CA certificate for sslmode verify-ca/verify-full. */
  sslrootcert?: string;
}

/** Names of the environment variables a target reads its connection from. */
export interface ConnectionEnvNames {
  host: string;
  port: string;
  dbname: string;
  user: string;
  /** dbt scrubs DBT_ENV_SECRET_* values from its logs, so the password variable carries that prefix. */
  password: string;
  sslmode: string;
  sslrootcert: string;
}

/** Variable names derived from the target name, so two targets never share (and overwrite) a variable. */
export function connectionEnvNames(target: string): ConnectionEnvNames {
  const tag = target.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'TARGET';
  return {
    host: `DBT_${tag}_HOST`,
    port: `DBT_${tag}_PORT`,
    dbname: `DBT_${tag}_DBNAME`,
    user: `DBT_${tag}_USER`,
    password: `DBT_ENV_SECRET_${tag}_PASSWORD`,
    sslmode: `DBT_${tag}_SSLMODE`,
    sslrootcert: `DBT_${tag}_SSLROOTCERT`,
  };
}

/** The .env assignments that go with a target written by `writeProfileTarget`. */
export function connectionEnvValues(connection: WarehouseConnection, password: string, names: ConnectionEnvNames): Record<string, string> {
  const values: Record<string, string> = {
    [names.host]: connection.host,
    [names.port]: String(connection.port),
    [names.dbname]: connection.dbname,
    [names.user]: connection.user,
    [names.password]: password,
    [names.sslmode]: connection.sslmode,
  };
  if (connection.sslrootcert !== undefined) values[names.sslrootcert] = connection.sslrootcert;
  return values;
}

export interface ProfileTargetRequest {
  profile: string;
  target: string;
  envNames: ConnectionEnvNames;
  /** Also make this target the profile's default (`target:`). */
  makeDefault: boolean;
  /** Write sslrootcert (verify-full needs it unless libpq's default path holds the certificate). */
  withSslRootCert: boolean;
  /** Defaults for a new target when the profile's default target has none to copy. */
  schema?: string;
  threads?: number;
}

export interface ProfileTargetResult {
  /** The new file text; equal to the input when diagnostics stopped the edit. */
  text: string;
  diagnostics: Diagnostic[];
  createdTarget: boolean;
}

function jinja(expression: string): Scalar {
  const node = new Scalar(`{{ ${expression} }}`);
  node.type = Scalar.QUOTE_DOUBLE;
  return node;
}

function envVar(name: string, fallback?: string): string {
  return fallback === undefined ? `env_var('${name}')` : `env_var('${name}', '${fallback}')`;
}

/** Sets a key, reusing an existing scalar node so a comment written after the old value stays on the line. */
function setValue(map: YAMLMap, key: string, value: Scalar): void {
  const existing = map.get(key, true);
  if (isScalar(existing)) {
    existing.value = value.value;
    existing.type = value.type;
    return;
  }
  map.set(key, value);
}

function childMap(doc: Document, parent: YAMLMap, key: string): YAMLMap | undefined {
  const existing = parent.get(key, true);
  if (existing === undefined || existing === null || (isScalar(existing) && existing.value === null)) {
    const created = doc.createNode({}) as YAMLMap;
    parent.set(key, created);
    return created;
  }
  return isMap(existing) ? existing : undefined;
}

export function writeProfileTarget(text: string | undefined, request: ProfileTargetRequest): ProfileTargetResult {
  const unchanged = (message: string): ProfileTargetResult => ({
    text: text ?? '',
    diagnostics: [diagnostic('DV021', 'error', message)],
    createdTarget: false,
  });
  const doc: Document = text === undefined || text.trim() === '' ? new Document({}) : parseDocument(text);
  if (doc.errors.length) {
    const first = doc.errors[0];
    return unchanged(`profiles.yml does not parse (${first?.message.split('\n')[0] ?? 'YAML error'}); fix it, then write the connection again`);
  }
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) doc.contents = doc.createNode({}) as YAMLMap;
  const root = doc.contents;
  if (!isMap(root)) return unchanged('profiles.yml must be a mapping of profile names; the file holds something else');
  // A new profile starts with its default target first, the way dbt's own examples are laid out.
  if (!root.has(request.profile)) root.set(request.profile, doc.createNode({ target: request.target, outputs: {} }));
  const profile = childMap(doc, root, request.profile);
  if (!profile) return unchanged(`profile "${request.profile}" in profiles.yml is not a mapping`);
  const outputs = childMap(doc, profile, 'outputs');
  if (!outputs) return unchanged(`"outputs" of profile "${request.profile}" is not a mapping`);

  let createdTarget = false;
  let target: unknown = outputs.get(request.target, true);
  if (target === undefined || target === null || (isScalar(target) && target.value === null)) {
    // A new target takes the schema and threads of the current default target, so models land where they did.
    const defaultName = profile.get('target');
    const current = typeof defaultName === 'string' ? outputs.get(defaultName, true) : undefined;
    const schema = isMap(current) ? current.get('schema') : undefined;
    const threads = isMap(current) ? current.get('threads') : undefined;
    target = doc.createNode({
      type: 'postgres',
      schema: typeof schema === 'string' ? schema : request.schema ?? 'public',
      threads: typeof threads === 'number' ? threads : request.threads ?? 4,
    }) as YAMLMap;
    outputs.set(request.target, target);
    createdTarget = true;
  }
  if (!isMap(target)) return unchanged(`target "${request.target}" of profile "${request.profile}" is not a mapping`);

  const names = request.envNames;
  setValue(target, 'type', new Scalar('postgres'));
  setValue(target, 'host', jinja(envVar(names.host)));
  setValue(target, 'port', jinja(`${envVar(names.port, '6432')} | int`));
  // dbt-postgres accepts `database` and `pass` as aliases; update whichever spelling the file already uses.
  setValue(target, target.has('database') && !target.has('dbname') ? 'database' : 'dbname', jinja(envVar(names.dbname)));
  setValue(target, 'user', jinja(envVar(names.user)));
  setValue(target, target.has('pass') && !target.has('password') ? 'pass' : 'password', jinja(envVar(names.password)));
  setValue(target, 'sslmode', jinja(envVar(names.sslmode, 'verify-full')));
  if (request.withSslRootCert) setValue(target, 'sslrootcert', jinja(envVar(names.sslrootcert)));
  if (request.makeDefault) setValue(profile, 'target', new Scalar(request.target));
  return { text: doc.toString(), diagnostics: [], createdTarget };
}
