// The PostgreSQL server the reliability tests use: `npm test`'s (DVS_TEST_PG_URL), else a throwaway cluster started
// for this file. Each test file works in a database of its own, dropped at the end, so files can run side by side.
import pg from 'pg';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface TestServer {
  /** The server's maintenance URL (database postgres). */
  url: string;
  stop(): void;
}

interface Throwaway {
  url: string;
  stop(): void;
}

export async function testServer(): Promise<TestServer> {
  const given = process.env.DVS_TEST_PG_URL;
  if (given) return { url: given, stop: () => undefined };
  const script = pathToFileURL(join(__dirname, '..', '..', 'scripts', 'provision-postgres.mjs')).href;
  const provision = (await import(script)) as { startThrowawayPostgres(): Promise<Throwaway> };
  const started = await provision.startThrowawayPostgres();
  return { url: started.url, stop: () => started.stop() };
}

/** The URL of database `name` on the same server. */
export function databaseUrl(serverUrl: string, name: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Creates a fresh database (dropping a leftover of the same name) and returns its URL. */
export async function freshDatabase(serverUrl: string, name: string): Promise<string> {
  await withClient(serverUrl, async (c) => {
    await c.query(`drop database if exists "${name}" with (force)`);
    await c.query(`create database "${name}"`);
  });
  return databaseUrl(serverUrl, name);
}

export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await withClient(serverUrl, (c) => c.query(`drop database if exists "${name}" with (force)`)).catch(() => undefined);
}

export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The connection fields of a URL, for a profiles.yml target. */
export function connectionOf(url: string): { host: string; port: number; user: string; dbname: string; password: string } {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username || 'postgres'),
    dbname: decodeURIComponent(u.pathname.replace(/^\//, '') || 'postgres'),
    password: decodeURIComponent(u.password),
  };
}

/**
 * Waits until `probe` returns a value (polling the server's own state, e.g. pg_stat_activity), at most `attempts`
 * times. This waits for an event the test caused; it measures nothing.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, attempts = 600): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}
