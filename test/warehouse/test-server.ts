// The PostgreSQL server the tests use (DVS_TEST_PG_URL, started by `npm test`): a fresh database per test file.
// Without the variable the server tests fail with a message saying how to get one; they never skip.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { PostgresConnectionSettings } from '../../server/src/warehouse/pgserver';

export function testServerUrl(): string {
  const url = process.env.DVS_TEST_PG_URL;
  if (!url) {
    throw new Error(
      'DVS_TEST_PG_URL is not set: run `npm test` (it starts a PostgreSQL server), or start one with ' +
        `node -e "import('./scripts/provision-postgres.mjs').then(async m=>{const p=await m.startThrowawayPostgres();console.log(p.url)})" ` +
        'and export DVS_TEST_PG_URL=<printed url>',
    );
  }
  return url;
}

/** Connection settings for a database on the test server (the URL's own database unless one is named). */
export function serverSettings(dbname?: string): PostgresConnectionSettings {
  const url = new URL(testServerUrl());
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username || 'postgres'),
    password: url.password ? decodeURIComponent(url.password) : undefined,
    dbname: dbname ?? (decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres'),
    sslmode: 'disable',
  };
}

/** A superuser client on the server's own database, for setting up and tearing down. */
export async function adminClient(): Promise<pg.Client> {
  const s = serverSettings();
  const client = new pg.Client({ host: s.host, port: s.port, user: s.user, password: s.password, database: s.dbname });
  await client.connect();
  return client;
}

export interface TestDatabase {
  dbname: string;
  settings: PostgresConnectionSettings;
  drop(): Promise<void>;
}

/** CREATE DATABASE with a unique name; drop() removes it, disconnecting whoever is still connected. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const dbname = `dvs_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = await adminClient();
  try {
    await admin.query(`create database "${dbname}"`);
  } finally {
    await admin.end();
  }
  return {
    dbname,
    settings: serverSettings(dbname),
    async drop() {
      const a = await adminClient();
      try {
        await a.query(`drop database if exists "${dbname}" with (force)`);
      } finally {
        await a.end();
      }
    },
  };
}
