// The server warehouse: text values, the server's own session settings, transactions, and connection failures as one
// clear line that names host:port and what to check, never the password or a stack trace.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { WarehouseConnectionError, type ConnectionFailure } from '../../server/src/warehouse/errors';
import { openPostgres, type PostgresConnectionSettings } from '../../server/src/warehouse/pgserver';
import { adminClient, createTestDatabase, serverSettings, type TestDatabase } from './test-server';

async function failureOf(settings: PostgresConnectionSettings): Promise<WarehouseConnectionError> {
  try {
    const wh = await openPostgres(settings);
    await wh.close();
  } catch (error) {
    assert.ok(error instanceof WarehouseConnectionError, `expected a WarehouseConnectionError, got ${String(error)}`);
    return error;
  }
  assert.fail(`connecting to ${settings.host}:${settings.port} unexpectedly worked`);
}

function assertOneClearLine(error: WarehouseConnectionError, failure: ConnectionFailure, where: string, secret?: string): void {
  assert.equal(error.failure, failure, error.message);
  assert.ok(!error.message.includes('\n'), `one line: ${error.message}`);
  assert.ok(error.message.includes(where), `names ${where}: ${error.message}`);
  assert.ok(!/\n\s+at /.test(String(error.stack)), 'no stack trace');
  if (secret) {
    assert.ok(!error.message.includes(secret), 'the password is not in the message');
    assert.ok(!String(error.stack).includes(secret), 'the password is not in the stack');
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

describe('server warehouse', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase('pgserver');
  });
  after(async () => {
    await db?.drop();
  });

  test('values come back as PostgreSQL text; the session keeps the server TimeZone and DateStyle', async () => {
    const admin = await adminClient();
    const serverZone = (await admin.query(`select current_setting('TimeZone') as tz, current_setting('DateStyle') as ds`)).rows[0] as { tz: string; ds: string };
    await admin.end();
    const wh = await openPostgres(db.settings);
    try {
      assert.equal(wh.kind, 'server');
      assert.equal(wh.description, `postgres://${db.settings.user}@${db.settings.host}:${db.settings.port}/${db.dbname}`);
      const r = await wh.query(`select 1::int as i, true as b, '2024-01-02'::date as d, $1::text as p, current_setting('TimeZone') as tz, current_setting('DateStyle') as ds`, ['x']);
      assert.deepEqual(r.rows, [{ i: '1', b: 't', d: '2024-01-02', p: 'x', tz: serverZone.tz, ds: serverZone.ds }]);
      assert.deepEqual(
        r.fields.map((f) => [f.name, f.dataTypeID]),
        [
          ['i', 23],
          ['b', 16],
          ['d', 1082],
          ['p', 25],
          ['tz', 25],
          ['ds', 25],
        ],
      );
      const last = await wh.exec(`create table t (x int); insert into t values (1), (2); select count(*) as n from t`);
      assert.deepEqual(last?.rows, [{ n: '2' }]);
    } finally {
      await wh.close();
    }
  });

  test('a transaction commits when it resolves and rolls back when it throws', async () => {
    const wh = await openPostgres(db.settings);
    try {
      await wh.exec(`create table tx_test (x int)`);
      await wh.transaction(async (tx) => {
        await tx.query(`insert into tx_test values ($1)`, [1]);
      });
      await assert.rejects(
        wh.transaction(async (tx) => {
          await tx.query(`insert into tx_test values (2)`);
          await tx.query(`select 1/0`);
        }),
        /division by zero/,
      );
      await assert.rejects(
        wh.transaction(async (tx) => {
          await tx.query(`insert into tx_test values (3)`);
          await tx.query(`select 1/0`).catch(() => undefined);
        }),
        /rolled back because a statement in it failed/,
        'a swallowed error does not pass for a commit',
      );
      assert.deepEqual((await wh.query(`select x from tx_test`)).rows, [{ x: '1' }]);
    } finally {
      await wh.close();
    }
  });

  test('a wrong password: authentication failed, one line, no password', async () => {
    const role = `dvs_pw_${randomBytes(4).toString('hex')}`;
    const admin = await adminClient();
    const hbaFile = String((await admin.query(`select current_setting('hba_file') as f`)).rows[0].f);
    const original = String((await admin.query(`select pg_read_file($1) as t`, [hbaFile])).rows[0].t);
    assert.ok(!/[\\\t]/.test(original), 'pg_hba.conf can be rewritten line by line');
    const literal = (text: string) => "'" + text.replace(/'/g, "''") + "'";
    const writeHba = async (text: string) => {
      const lines = text.replace(/\n$/, '').split('\n');
      await admin.query(`copy (select unnest(array[${lines.map(literal).join(', ')}]::text[])) to ${literal(hbaFile)}`);
      await admin.query(`select pg_reload_conf()`);
    };
    const wrong = 'not-the-password-9f3e';
    const settings: PostgresConnectionSettings = { ...db.settings, user: role, password: wrong, passwordSource: 'env var DVS_TEST_PASSWORD' };
    try {
      await admin.query(`create role ${role} login password 'the-right-password'`);
      // The test server trusts every local connection; demand a password from this one role only.
      await writeHba(`host all ${role} 127.0.0.1/32 scram-sha-256\nhost all ${role} ::1/128 scram-sha-256\n${original}`);
      let error: WarehouseConnectionError | undefined;
      const deadline = Date.now() + 10_000;
      while (!error && Date.now() < deadline) {
        // The postmaster reloads pg_hba.conf asynchronously: retry until the new rule is in force.
        try {
          await (await openPostgres(settings)).close();
          await new Promise((resolve) => setImmediate(resolve));
        } catch (e) {
          error = e as WarehouseConnectionError;
        }
      }
      assert.ok(error, 'the server started asking for the password');
      assertOneClearLine(error, 'auth', `${settings.host}:${settings.port}`, wrong);
      assert.match(error.message, new RegExp(`authentication failed for user '${role}' — check the user name and the password \\(env var DVS_TEST_PASSWORD\\)`));

      const none = await failureOf({ ...settings, password: undefined });
      assertOneClearLine(none, 'auth', `${settings.host}:${settings.port}`);
      assert.match(none.message, /asks for a password .* but none is set/);
    } finally {
      await writeHba(original);
      await admin.query(`drop role if exists ${role}`);
      await admin.end();
    }
  });

  test('nothing listening on the port: connection refused', async () => {
    const port = await freePort();
    const error = await failureOf({ ...serverSettings(), port, password: 'secret-refused' });
    assertOneClearLine(error, 'refused', `127.0.0.1:${port}`, 'secret-refused');
    assert.match(error.message, /connection refused — check that the server is running/);
  });

  test('a host name that does not resolve: DNS', async () => {
    const error = await failureOf({ ...serverSettings(), host: 'no-such-host.invalid', port: 6432, password: 'secret-dns' });
    assertOneClearLine(error, 'dns', 'no-such-host.invalid:6432', 'secret-dns');
  });

  test('a server that never answers: timeout after the configured seconds', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const error = await failureOf({ ...serverSettings(), port, connectTimeout: 0.5, password: 'secret-timeout' });
      assertOneClearLine(error, 'timeout', `127.0.0.1:${port}`, 'secret-timeout');
      assert.match(error.message, /no answer within 0\.5 s/);
    } finally {
      silent.close();
    }
  });

  test('TLS: required against a server without TLS, and verify-full without its CA file', async () => {
    const required = await failureOf({ ...db.settings, sslmode: 'require' });
    assertOneClearLine(required, 'tls', `${db.settings.host}:${db.settings.port}`);
    assert.match(required.message, /does not accept TLS but sslmode=require requires it/);

    const missingCa = await failureOf({ ...db.settings, sslmode: 'verify-full', sslrootcert: '/nonexistent/root.crt' });
    assertOneClearLine(missingCa, 'tls', `${db.settings.host}:${db.settings.port}`);
    assert.match(missingCa.message, /\/nonexistent\/root\.crt does not exist/);

    // libpq's default, prefer, falls back to a plain connection.
    const preferred = await openPostgres({ ...db.settings, sslmode: undefined });
    assert.deepEqual((await preferred.query(`select 1 as one`)).rows, [{ one: '1' }]);
    await preferred.close();
  });

  test('a database that does not exist', async () => {
    const error = await failureOf({ ...db.settings, dbname: 'dvs_no_such_database' });
    assertOneClearLine(error, 'database', `${db.settings.host}:${db.settings.port}`);
    assert.match(error.message, /database 'dvs_no_such_database' does not exist/);
  });
});
