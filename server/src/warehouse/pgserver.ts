// The warehouse over the `pg` client: a PostgreSQL server target (Yandex Managed PostgreSQL, a local server), and the
// loopback connection to an embedded database another process owns. Every value comes back as PostgreSQL's text.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import { WarehouseConnectionError, withoutSecret } from './errors';
import type { QueryResult, SqlSession, Warehouse } from './warehouse';

/** libpq's sslmode values; dbt's default (and ours) is `prefer`. */
export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

export interface PostgresConnectionSettings {
  host: string;
  port: number;
  user: string;
  password?: string;
  dbname: string;
  sslmode?: SslMode | string;
  /** CA certificate file for verify-ca/verify-full; `system` means the operating system's trusted CAs. */
  sslrootcert?: string;
  /** Seconds to wait for a connection (default 10). */
  connectTimeout?: number;
  /** Where the password comes from, for messages ("env var DBT_PASSWORD"); never the password itself. */
  passwordSource?: string;
}

/** A session of its own, kept for as long as the caller holds it (the advisory lock of a load lives on one). */
export interface DedicatedSession extends SqlSession {
  close(): Promise<void>;
}

export interface ServerWarehouse extends Warehouse {
  readonly kind: 'server';
  openDedicatedSession(): Promise<DedicatedSession>;
}

const DEFAULT_CONNECT_TIMEOUT_SECONDS = 10;

/** Opens a server target and checks that it answers; failures become one WarehouseConnectionError line. */
export async function openPostgres(settings: PostgresConnectionSettings): Promise<ServerWarehouse> {
  const description = `postgres://${encodeURIComponent(settings.user)}@${settings.host}:${settings.port}/${settings.dbname}`;
  const connector = await resolveConnector(settings);
  const wh = createPgWarehouse(connector, { kind: 'server', description, maxClients: 4 });
  return { ...wh, kind: 'server', openDedicatedSession: () => openDedicated(connector) };
}

/** How to make a connected pg.Client, with failures already turned into one clear line. */
export interface PgConnector {
  connect(): Promise<pg.Client>;
}

/** Every type parses to its text form: the warehouse promises PostgreSQL's own text output, per client, not globally. */
const rawTextTypes = { getTypeParser: () => (value: string) => value };

function clientConfig(settings: PostgresConnectionSettings, ssl: false | ConnectionOptions): pg.ClientConfig {
  return {
    host: settings.host,
    port: settings.port,
    user: settings.user,
    password: settings.password,
    database: settings.dbname,
    ssl,
    connectionTimeoutMillis: Math.round((settings.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_SECONDS) * 1000),
    keepAlive: true,
    application_name: 'dvs',
    types: rawTextTypes,
  };
}

/** Builds a connector for the settings: decides TLS (with libpq's `prefer` fallback) by connecting once. */
export async function resolveConnector(settings: PostgresConnectionSettings): Promise<PgConnector> {
  const plan = planTls(settings);
  const connectWith = (ssl: false | ConnectionOptions) => async () => {
    const client = new pg.Client(clientConfig(settings, ssl));
    // A connection that dies must not take the process down; the next query reports it, and the pool drops it.
    client.on('error', () => deadClients.add(client));
    client.on('end', () => deadClients.add(client));
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    return client;
  };
  let connect = connectWith(plan.ssl);
  let probe: pg.Client;
  try {
    probe = await connect();
  } catch (error) {
    if (plan.ssl !== false && plan.plainFallback && /does not support SSL/i.test(messageOf(error))) {
      connect = connectWith(false);
      try {
        probe = await connect();
      } catch (plainError) {
        throw connectionFailure(plainError, settings, plan.mode);
      }
    } else {
      throw connectionFailure(error, settings, plan.mode);
    }
  }
  await probe.end().catch(() => undefined);
  return {
    async connect() {
      try {
        return await connect();
      } catch (error) {
        throw connectionFailure(error, settings, plan.mode);
      }
    },
  };
}

interface TlsPlan {
  mode: string;
  ssl: false | ConnectionOptions;
  /** libpq's prefer/allow: a server without TLS is used in the clear. */
  plainFallback: boolean;
}

function planTls(settings: PostgresConnectionSettings): TlsPlan {
  const mode = (settings.sslmode ?? 'prefer').toLowerCase();
  switch (mode) {
    case 'disable':
      return { mode, ssl: false, plainFallback: false };
    case 'allow':
    case 'prefer':
      return { mode, ssl: { rejectUnauthorized: false }, plainFallback: true };
    case 'require':
      // libpq verifies the chain in `require` mode only when a root certificate was given explicitly.
      if (settings.sslrootcert) return { mode, ssl: { ...caOptions(settings, mode), checkServerIdentity: () => undefined }, plainFallback: false };
      return { mode, ssl: { rejectUnauthorized: false }, plainFallback: false };
    case 'verify-ca':
      return { mode, ssl: { ...caOptions(settings, mode), checkServerIdentity: () => undefined }, plainFallback: false };
    case 'verify-full':
      return { mode, ssl: { ...caOptions(settings, mode), servername: settings.host }, plainFallback: false };
    default:
      throw new WarehouseConnectionError(
        `sslmode '${settings.sslmode}' is not one of disable, allow, prefer, require, verify-ca, verify-full — fix sslmode in profiles.yml`,
        'tls',
      );
  }
}

function caOptions(settings: PostgresConnectionSettings, mode: string): ConnectionOptions {
  const given = settings.sslrootcert;
  if (given === 'system') return { rejectUnauthorized: true };
  const path = given ? given.replace(/^~(?=$|[\\/])/, homedir()) : join(homedir(), '.postgresql', 'root.crt');
  if (!existsSync(path)) {
    throw new WarehouseConnectionError(
      `cannot connect to PostgreSQL at ${settings.host}:${settings.port}: sslmode=${mode} needs the server's CA certificate, but ${path} does not exist — ` +
        `set sslrootcert to the CA file (Yandex Managed PostgreSQL: download https://storage.yandexcloud.net/cloud-certs/CA.pem)`,
      'tls',
    );
  }
  return { ca: readFileSync(path, 'utf8'), rejectUnauthorized: true };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

const TLS_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
]);

/** Turns a driver error during connect into one line: where, what failed, what to check. Never the password. */
export function connectionFailure(error: unknown, settings: PostgresConnectionSettings, sslmode?: string): WarehouseConnectionError {
  if (error instanceof WarehouseConnectionError) return error;
  const where = `${settings.host}:${settings.port}`;
  const prefix = `cannot connect to PostgreSQL at ${where}`;
  const code = codeOf(error);
  const raw = messageOf(error).replace(/\s*\n\s*/g, ' ');
  const seconds = settings.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_SECONDS;
  const source = settings.passwordSource ? ` (${settings.passwordSource})` : '';
  const make = (text: string, failure: ConstructorParameters<typeof WarehouseConnectionError>[1]) =>
    new WarehouseConnectionError(withoutSecret(text, settings.password), failure);

  if (code === 'ECONNREFUSED') {
    return make(`${prefix}: connection refused — check that the server is running and listens on port ${settings.port}, and that host and port are right`, 'refused');
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL' || code === 'EAI_NONAME') {
    return make(`${prefix}: the host name '${settings.host}' does not resolve (DNS) — check the host in profiles.yml and your network`, 'dns');
  }
  if (code === 'ETIMEDOUT' || /timeout/i.test(raw)) {
    return make(
      `${prefix}: no answer within ${seconds} s — check host and port, and that a firewall or security group lets TCP ${settings.port} through from this machine`,
      'timeout',
    );
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ECONNRESET' || code === 'EPIPE' || /terminated unexpectedly/i.test(raw)) {
    return make(`${prefix}: the network connection failed (${code || raw}) — check the host, the port and your network`, 'network');
  }
  if (code === '28P01' || /password authentication failed/i.test(raw)) {
    return make(`${prefix}: authentication failed for user '${settings.user}' — check the user name and the password${source}`, 'auth');
  }
  if (/client password must be a string|SASL|password must be/i.test(raw)) {
    return make(
      `${prefix}: the server asks for a password for user '${settings.user}' but none is set — set the password${source || ' (profiles.yml, usually through env_var)'}`,
      'auth',
    );
  }
  if (code === '28000') {
    return make(`${prefix}: the server refused user '${settings.user}' (${raw}) — check the user name and that the server accepts connections from this host`, 'auth');
  }
  if (code === '3D000') {
    return make(`${prefix}: database '${settings.dbname}' does not exist — check dbname in profiles.yml`, 'database');
  }
  if (/does not support SSL/i.test(raw)) {
    return make(`${prefix}: the server does not accept TLS but sslmode=${sslmode ?? settings.sslmode ?? 'prefer'} requires it — use sslmode prefer or disable for this server`, 'tls');
  }
  if (TLS_CODES.has(code) || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || /certificate|SSL|TLS/i.test(raw)) {
    return make(
      `${prefix}: TLS failed (${raw}) — check sslrootcert (the CA file) and, for sslmode=verify-full, that the host name matches the server's certificate`,
      'tls',
    );
  }
  return make(`${prefix}: ${raw || code || 'unknown error'}`, 'other');
}

function toQueryResult(r: pg.QueryResult): QueryResult {
  return {
    fields: (r.fields ?? []).map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })),
    rows: r.rows as Record<string, unknown>[],
    rowCount: typeof r.rowCount === 'number' ? r.rowCount : null,
  };
}

/** pg gives one result per statement for a multi-statement simple query; the warehouse promises the last. */
function lastResult(r: pg.QueryResult | pg.QueryResult[]): QueryResult | undefined {
  if (Array.isArray(r)) {
    const last = r[r.length - 1];
    return last ? toQueryResult(last) : undefined;
  }
  return toQueryResult(r);
}

function clientSession(client: pg.Client): SqlSession {
  return {
    async query(sql, params) {
      const r = (await client.query({ text: sql, values: params })) as pg.QueryResult | pg.QueryResult[];
      return lastResult(r) ?? { fields: [], rows: [], rowCount: null };
    },
    async exec(sql) {
      const r = (await client.query(sql)) as pg.QueryResult | pg.QueryResult[];
      return lastResult(r);
    },
  };
}

/** Clients whose connection ended or failed; the pool never hands them out again. */
const deadClients = new WeakSet<pg.Client>();

export interface PgWarehouseOptions {
  kind: 'server' | 'embedded';
  description: string;
  maxClients: number;
  /**
   * The embedded database's socket server interleaves messages of different connections unless a transaction is
   * open, so a parameterised query (several protocol messages) is wrapped in one there.
   */
  parameterisedInTransaction?: boolean;
}

/** A Warehouse over a small pool of pg clients. Waiting for a free client never times out (a load may be long). */
export function createPgWarehouse(connector: PgConnector, options: PgWarehouseOptions): Warehouse {
  const idle: pg.Client[] = [];
  const waiters: Array<(client: pg.Client | Error) => void> = [];
  let open = 0;
  let closed = false;

  async function checkout(): Promise<pg.Client> {
    if (closed) throw new Error(`the warehouse ${options.description} is closed`);
    let ready = idle.pop();
    while (ready && deadClients.has(ready)) {
      open--;
      ready = idle.pop();
    }
    if (ready) return ready;
    if (open < options.maxClients) {
      open++;
      try {
        return await connector.connect();
      } catch (error) {
        open--;
        throw error;
      }
    }
    const handed = await new Promise<pg.Client | Error>((resolve) => waiters.push(resolve));
    if (handed instanceof Error) throw handed;
    return handed;
  }

  function checkin(client: pg.Client, broken: boolean): void {
    if (broken || closed) {
      open--;
      void client.end().catch(() => undefined);
      // A waiter whose client just died gets a fresh connection instead.
      const waiter = waiters.shift();
      if (waiter && !closed) {
        open++;
        connector.connect().then(waiter, (error: unknown) => {
          open--;
          waiter(error instanceof Error ? error : new Error(String(error)));
        });
      }
      return;
    }
    const waiter = waiters.shift();
    if (waiter) waiter(client);
    else idle.push(client);
  }

  async function withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = await checkout();
    try {
      return await fn(client);
    } finally {
      checkin(client, deadClients.has(client));
    }
  }

  async function inTransaction<T>(client: pg.Client, fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    await client.query('BEGIN');
    let result: T;
    try {
      result = await fn(clientSession(client));
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    const commit = await client.query('COMMIT');
    // PostgreSQL answers COMMIT of a failed transaction with ROLLBACK; a caller that swallowed the error must know.
    if (commit.command === 'ROLLBACK') throw new Error('the transaction was rolled back because a statement in it failed');
    return result;
  }

  return {
    kind: options.kind,
    description: options.description,
    query(sql, params) {
      return withClient((client) => {
        if (options.parameterisedInTransaction && params && params.length > 0) {
          return inTransaction(client, (tx) => tx.query(sql, params));
        }
        return clientSession(client).query(sql, params);
      });
    },
    exec(sql) {
      return withClient((client) => clientSession(client).exec(sql));
    },
    transaction(fn) {
      return withClient((client) => inTransaction(client, fn));
    },
    async close() {
      closed = true;
      for (const waiter of waiters.splice(0)) waiter(new Error(`the warehouse ${options.description} was closed`));
      await Promise.all(idle.splice(0).map((c) => c.end().catch(() => undefined)));
    },
  };
}

async function openDedicated(connector: PgConnector): Promise<DedicatedSession> {
  const client = await connector.connect();
  return {
    ...clientSession(client),
    close: () => client.end().catch(() => undefined),
  };
}
