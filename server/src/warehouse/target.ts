// What a target is once profiles.yml has been resolved (env_var filled in), and the one factory that opens it.
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { defaultEmbeddedDir, ensureDvsIgnored, openEmbedded } from './embedded';
import type { SslMode } from './pgserver';
import type { Warehouse } from './warehouse';

export interface EmbeddedTarget {
  name: string;
  kind: 'embedded';
  /** Target schema for models (the profile default target's schema, else `public`). */
  schema?: string;
}

export interface PostgresTarget {
  name: string;
  kind: 'postgres';
  host: string;
  port: number;
  user: string;
  password?: string;
  dbname: string;
  schema: string;
  sslmode?: SslMode | string;
  sslrootcert?: string;
  /** Seconds (dbt's connect_timeout); default 10. */
  connectTimeout?: number;
  /** Where the password comes from, for messages ("env var DBT_PASSWORD"); never the password itself. */
  passwordSource?: string;
}

export type ResolvedTarget = EmbeddedTarget | PostgresTarget;

/** For people and the status bar: `embedded` or `postgres://user@host:port/db` (never a password). */
export function describeTarget(target: ResolvedTarget): string {
  return target.kind === 'embedded' ? 'embedded' : `postgres://${encodeURIComponent(target.user)}@${target.host}:${target.port}/${target.dbname}`;
}

/** The database name models are built in: `postgres` for embedded, the profile's dbname for servers. */
export function targetDatabase(target: ResolvedTarget): string {
  return target.kind === 'embedded' ? 'postgres' : target.dbname;
}

/** The target schema: the profile's for servers, the given one or `public` for embedded. */
export function targetSchema(target: ResolvedTarget): string {
  return target.schema ?? 'public';
}

/**
 * Opens the warehouse of a target. Embedded: PGlite in `<project>/.dvs/pglite` (or DVS_EMBEDDED_DIR), shared with
 * any other process that already owns it; `.dvs/` is added to the project's .gitignore. Servers: a `pg` pool.
 * Connection failures throw WarehouseConnectionError with one line for people.
 */
export async function openWarehouse(target: ResolvedTarget, projectDir: string, options: { embeddedInWorker?: boolean } = {}): Promise<Warehouse> {
  if (target.kind === 'embedded') {
    const dir = defaultEmbeddedDir(projectDir);
    const project = resolve(projectDir);
    const inside = relative(project, dir);
    // Only when the database folder is first created: a user who later un-ignores it on purpose is not overruled.
    // (`.dvs/` itself may exist already: dvs check keeps its schema and analysis caches there.)
    if ((inside.startsWith(`.dvs${sep}`) || inside === '.dvs') && !existsSync(dir)) ensureDvsIgnored(project);
    const fromCwd = relative(process.cwd(), dir);
    // Short when the folder is below the current one; otherwise the absolute path, which says where it really is.
    const shown = isAbsolute(inside) || inside.startsWith('..') || !fromCwd || fromCwd.startsWith('..') || isAbsolute(fromCwd) ? dir : fromCwd;
    return openEmbedded(dir, { description: `embedded (${shown})`, ...(options.embeddedInWorker ? { ownerInWorker: true } : {}) });
  }
  // The pg driver loads only when a server target is opened: loading it costs the language server's start-up ~0.1 s.
  const { openPostgres } = await import('./pgserver');
  return openPostgres({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    dbname: target.dbname,
    sslmode: target.sslmode,
    sslrootcert: target.sslrootcert,
    connectTimeout: target.connectTimeout,
    passwordSource: target.passwordSource,
  });
}
