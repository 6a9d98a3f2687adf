// Faults during loads: the connection to a PostgreSQL server dropped in the middle of a load (the backend terminated;
// a `dvs load` process killed with SIGKILL, on a server and on the embedded database), and an embedded data folder
// that is read-only or full. A failed model leaves no partial rows, the run says what happened, and a re-run
// completes with nothing lost or doubled. The embedded folder's faults end in a clear one-line error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProjectSession } from '../../server/src/engine/session';
import { loadModelsFor } from '../../server/src/engine/load';
import { runLoad } from '../../server/src/load/run';
import { openPostgres, type ServerWarehouse } from '../../server/src/warehouse/pgserver';
import { openPglite } from '../../server/src/warehouse/pglite';

import { connectionOf, dropDatabase, freshDatabase, testServer, waitFor, withClient, type TestServer } from './pg-server';
import { createRawOrders, expectedVaultCounts, rawOrdersInsert, vaultCounts, vaultDuplicates, writeOrdersProject } from './vault-project';

const REPO = join(__dirname, '..', '..');
const CLI = join(REPO, 'dist', 'cli.js');
const PASSWORD_ENV = 'DVS_FAULTS_PASSWORD';
const DB = `dvs_faults_${process.pid}`;

let server: TestServer;
let dbUrl = '';
const dirs: string[] = [];
const mounts: string[] = [];

before(async () => {
  server = await testServer();
  dbUrl = await freshDatabase(server.url, DB);
});

after(async () => {
  for (const m of mounts.reverse()) spawnSync('umount', ['-l', m]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await dropDatabase(server.url, DB);
  server.stop();
});

function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

function serverProject(schemaTag: string): { dir: string; env: Record<string, string> } {
  const c = connectionOf(dbUrl);
  const dir = tempDir(`dvs-faults-${schemaTag}-`);
  // The satellite filters its source: re-runs over a stage holding several versions of a key stay exact.
  writeOrdersProject(dir, { sourceFilter: true, server: { host: c.host, port: c.port, user: c.user, dbname: c.dbname, passwordEnvVar: PASSWORD_ENV } });
  return { dir, env: { [PASSWORD_ENV]: c.password } };
}

async function openServer(): Promise<ServerWarehouse> {
  const c = connectionOf(dbUrl);
  return openPostgres({ host: c.host, port: c.port, user: c.user, password: c.password, dbname: c.dbname, sslmode: 'disable' });
}

/** Resets raw and the vault to one loaded batch of `rows` orders; returns the warehouse. */
async function loadedVault(dir: string, env: Record<string, string>, rows: number): Promise<ServerWarehouse> {
  const wh = await openServer();
  await wh.exec('drop schema if exists raw cascade; drop schema if exists stg cascade; drop schema if exists dds cascade');
  await createRawOrders(wh);
  await wh.exec(rawOrdersInsert({ from: 1, to: rows, extractedAt: '2024-06-01T00:00:00Z', customers: 500, products: 50 }));
  const session = new ProjectSession(dir, { env });
  const first = await runLoad(wh, loadModelsFor(session, session.models()));
  assert.ok(first.ok, JSON.stringify(first.results));
  assert.deepEqual(await vaultCounts(wh), await expectedVaultCounts(wh));
  return wh;
}

/** Holds a SHARE lock on dds.hub_order from a connection of its own: reads go on, the load's INSERT waits. */
async function holdHubLock(): Promise<{ release(): Promise<void> }> {
  const pg = await import('pg');
  const client = new pg.default.Client({ connectionString: dbUrl });
  client.on('error', () => undefined);
  await client.connect();
  await client.query('begin');
  await client.query('lock table dds.hub_order in share mode');
  return {
    async release() {
      await client.query('rollback').catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}

/** The backend whose INSERT into the hub waits for the held lock. */
function blockedInsert(): Promise<number> {
  return waitFor(
    () =>
      withClient(dbUrl, async (c) => {
        const r = await c.query(
          `select pid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'
             and query ilike '%insert into "dds"."hub_order"%'`,
        );
        return r.rows[0] ? Number(r.rows[0].pid) : undefined;
      }),
    "the load's INSERT into dds.hub_order to wait for the lock",
  );
}

test('a backend terminated in the middle of a load: the model rolls back, the run reports it, a re-run loses and doubles nothing', async () => {
  const { dir, env } = serverProject('terminate');
  const wh = await loadedVault(dir, env, 2000);
  const loaded = await vaultCounts(wh);
  await wh.exec(rawOrdersInsert({ from: 2001, to: 2100, extractedAt: '2024-06-02T00:00:00Z', customers: 500, products: 50, changed: 40 }));

  const lock = await holdHubLock();
  const session = new ProjectSession(dir, { env });
  const running = runLoad(wh, loadModelsFor(session, session.models()));
  const pid = await blockedInsert();
  await withClient(server.url, (c) => c.query('select pg_terminate_backend($1)', [pid]));
  await lock.release();
  const summary = await running;

  const hub = summary.results.find((r) => r.model === 'hub_order');
  assert.equal(summary.ok, false, 'the run says it failed');
  assert.equal(hub?.status, 'error');
  assert.match(hub?.message ?? '', /terminat|connection/i, `the failure names the dropped connection: ${hub?.message}`);
  const afterFault = await vaultCounts(wh);
  assert.equal(afterFault.hub_order, loaded.hub_order, 'no partial rows in the hub whose load was cut');

  const rerun = await runLoad(wh, loadModelsFor(session, session.models()));
  assert.ok(rerun.ok, JSON.stringify(rerun.results));
  assert.deepEqual(await vaultCounts(wh), await expectedVaultCounts(wh), 'the re-run loaded exactly what raw holds');
  assert.equal(await vaultDuplicates(wh), 0);
  await wh.close();
});

interface CliOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts the CLI; `done` resolves with its exit code, signal and output. */
function startCli(args: string[], env: Record<string, string>, onStderr?: (text: string, child: ChildProcess) => void): { child: ChildProcess; done: Promise<CliOutcome> } {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const done = new Promise<CliOutcome>((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr?.on('data', (b: Buffer) => {
      stderr += b.toString();
      onStderr?.(stderr, child);
    });
    // A hung process is a failure to report, not a test that never ends.
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done };
}

function runCliProcess(args: string[], env: Record<string, string>, onStderr?: (text: string, child: ChildProcess) => void): Promise<CliOutcome> {
  return startCli(args, env, onStderr).done;
}

test('kill -9 of a `dvs load` on a server: the cut model commits nothing and the next load completes it', async () => {
  const { dir, env } = serverProject('kill-server');
  const wh = await loadedVault(dir, env, 2000);
  const loaded = await vaultCounts(wh);
  await wh.exec(rawOrdersInsert({ from: 2001, to: 2100, extractedAt: '2024-06-02T00:00:00Z', customers: 500, products: 50, changed: 40 }));

  const lock = await holdHubLock();
  const cli = startCli(['load', '--project', dir], env);
  let pid: number;
  try {
    pid = await Promise.race([blockedInsert(), cli.done.then((r) => Promise.reject(new Error(`dvs load ended before it reached the hub (exit ${r.code}): ${r.stderr}`)))]);
  } catch (error) {
    await lock.release();
    await wh.close();
    throw error;
  }
  // SIGKILL the CLI while its INSERT waits: its backend is orphaned mid-transaction.
  cli.child.kill('SIGKILL');
  assert.equal((await cli.done).signal, 'SIGKILL');
  await lock.release();
  // The orphaned backend notices its client is gone once the lock is free, and rolls back.
  await waitFor(
    () => withClient(dbUrl, async (c) => ((await c.query('select 1 from pg_stat_activity where pid = $1', [pid])).rows.length === 0 ? true : undefined)),
    'the orphaned backend to end',
  );
  assert.equal((await vaultCounts(wh)).hub_order, loaded.hub_order, 'the killed load committed no partial hub rows');

  const rerun = await runCliProcess(['load', '--project', dir], env);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.deepEqual(await vaultCounts(wh), await expectedVaultCounts(wh));
  assert.equal(await vaultDuplicates(wh), 0);
  await wh.close();
});

test('kill -9 of a `dvs load` on the embedded database: the data folder opens again and a re-run completes', async () => {
  const dir = tempDir('dvs-faults-kill-embedded-');
  writeOrdersProject(dir, { sourceFilter: true });
  const dataDir = join(dir, '.dvs', 'pglite');
  mkdirSync(join(dir, '.dvs'), { recursive: true });
  {
    const wh = await openPglite(dataDir);
    await createRawOrders(wh);
    await wh.exec(rawOrdersInsert({ from: 1, to: 3000, extractedAt: '2024-06-01T00:00:00Z', customers: 300, products: 30 }));
    await wh.close();
  }
  // Killed once the first vault model has started: somewhere inside the vault's writes.
  const killed = await runCliProcess(['load', '--project', dir, '--target', 'embedded'], {}, (stderr, child) => {
    if (/hub_/.test(stderr) && !child.killed) child.kill('SIGKILL');
  });
  assert.equal(killed.signal, 'SIGKILL', `the load was killed mid-run: ${killed.stderr}`);
  const rerun = await runCliProcess(['load', '--project', dir, '--target', 'embedded'], {});
  assert.equal(rerun.code, 0, `the re-run after the kill: ${rerun.stderr}`);
  const wh = await openPglite(dataDir);
  try {
    assert.deepEqual(await vaultCounts(wh), await expectedVaultCounts(wh));
    assert.equal(await vaultDuplicates(wh), 0);
  } finally {
    await wh.close();
  }
});

/** Mounts a tmpfs (root only); undefined when this machine does not allow it. */
function mountTmpfs(dir: string, options: string): boolean {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
  if (r.status !== 0) return false;
  mounts.push(dir);
  return true;
}

function assertClearError(what: string, r: { code: number | null; signal: NodeJS.Signals | null; stderr: string }, cause: RegExp, folder: string): void {
  assert.equal(r.signal, null, `${what}: the process ended by itself (it hung and was killed): ${r.stderr}`);
  assert.notEqual(r.code, 0, `${what}: exits with an error`);
  const lines = r.stderr.trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  assert.match(last, cause, `${what}: the last line says why: ${r.stderr}`);
  assert.ok(r.stderr.includes(folder), `${what}: names the folder ${folder}: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /internal error|\[object Object\]|\n\s+at /, `${what}: no internal error or stack trace: ${r.stderr}`);
}

test('a read-only embedded data folder ends in one clear error line', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to mount a read-only tmpfs');
  const dir = tempDir('dvs-faults-ro-');
  writeOrdersProject(dir);
  const ro = join(dir, 'readonly');
  if (!mountTmpfs(ro, 'ro,size=1m')) return t.skip('mount is not permitted here');
  const r = await runCliProcess(['query', '--project', dir, '--target', 'embedded', 'select 1'], { DVS_EMBEDDED_DIR: join(ro, 'pglite') });
  assertClearError('query on a read-only folder', r, /read-only/i, ro);
});

test('a full disk under the embedded database ends a write in a clear error, and the folder still opens after it', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to mount a small tmpfs');
  const dir = tempDir('dvs-faults-full-');
  writeOrdersProject(dir);
  const small = join(dir, 'small');
  if (!mountTmpfs(small, 'size=96m')) return t.skip('mount is not permitted here');
  const env = { DVS_EMBEDDED_DIR: join(small, 'pglite') };
  const created = await runCliProcess(['query', '--project', dir, '--target', 'embedded', 'create schema raw'], env);
  assert.equal(created.code, 0, created.stderr);
  // Shrink the file system to what the fresh database uses plus a little: the next big write runs out of space.
  const used = Number(spawnSync('du', ['-sk', small], { encoding: 'utf8' }).stdout.split('\t')[0]);
  assert.equal(spawnSync('mount', ['-o', `remount,size=${used + 2048}k`, small]).status, 0);
  const full = await runCliProcess(
    ['query', '--project', dir, '--target', 'embedded', "create table raw.big as select g, repeat('x', 500) as pad from generate_series(1, 200000) g"],
    env,
  );
  assertClearError('a write on a full disk', full, /no space left on device|disk is full|ENOSPC/i, small);
  // Space comes back: the database opens and holds no part of the failed table.
  assert.equal(spawnSync('mount', ['-o', 'remount,size=96m', small]).status, 0);
  const reopened = await runCliProcess(['query', '--project', dir, '--target', 'embedded', '--format', 'json', "select to_regclass('raw.big') is null as gone"], env);
  assert.equal(reopened.code, 0, reopened.stderr);
  assert.deepEqual(JSON.parse(reopened.stdout), [{ gone: true }]);
});
