// Secrets: one known warehouse password goes through a deploy (Terraform stand-in), the connection it writes, `dvs`
// loads, checks, queries and a failed connection, the language server (asked for the password, introspecting,
// running a query and loads), and a dashboard publish (Superset stand-in). It must appear in no log line, output,
// terminal echo, notice, diagnostic or file — except the .env files meant to hold it and what Superset must receive.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { nodeFileAccess } from '../../server/src/cloud/files';
import { runNodeProcess } from '../../server/src/cloud/process';
import { publishDashboard } from '../../server/src/cloud/superset';
import { deployInfrastructure, type TerraformIO } from '../../server/src/cloud/terraform';
import { writeStubBin } from '../cloud/terraform-stub';
import { fileUri, LspClient } from './lsp-client';
import { connectionOf, dropDatabase, freshDatabase, testServer, withClient, type TestServer } from './pg-server';
import { createRawOrders, rawOrdersInsert, writeOrdersProject } from './vault-project';

const PASSWORD = 'Zx9-s3cr3t:p@ss/w0rd;%20 é';
const ADMIN_PASSWORD = 'superset-Adm1n-pw';
const ROLE = 'dvs_secret_role';
const DB = `dvs_secrets_${process.pid}`;
const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');

let server: TestServer;
let dbUrl = '';
let root = '';

before(async () => {
  server = await testServer();
  dbUrl = await freshDatabase(server.url, DB);
  await withClient(server.url, async (c) => {
    await c.query(`do $$ begin if not exists (select 1 from pg_roles where rolname = '${ROLE}') then create role ${ROLE} login; end if; end $$`);
    await c.query(`alter role ${ROLE} password '${PASSWORD.replace(/'/g, "''")}'`);
    await c.query(`alter database "${DB}" owner to ${ROLE}`);
  });
  root = mkdtempSync(join(tmpdir(), 'dvs-secrets-'));
});

after(async () => {
  if (root) rmSync(root, { recursive: true, force: true });
  await dropDatabase(server.url, DB);
  await withClient(server.url, (c) => c.query(`drop role if exists ${ROLE}`)).catch(() => undefined);
  server.stop();
});

/** Every form in which the password could leak: as is, URL-encoded, and its halves split across two writes. */
function assertNoPassword(what: string, text: string): void {
  for (const form of [PASSWORD, encodeURIComponent(PASSWORD), ADMIN_PASSWORD]) {
    assert.equal(text.includes(form), false, `${what} reveals a password: …${text.slice(Math.max(0, text.indexOf(form) - 80), text.indexOf(form) + form.length + 20)}…`);
  }
}

/** Files under dir (text only), except the .env files that are meant to hold the password. */
function filesOutsideEnv(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) {
        // PGlite's data files are binary pages; the embedded database is not used here.
        if (name !== 'pglite' && name !== 'bin') walk(p);
      } else if (name !== '.env') {
        out.push({ path: relative(dir, p), text: readFileSync(p).toString('latin1') + readFileSync(p, 'utf8') });
      }
    }
  };
  walk(dir);
  return out;
}

function cli(args: string[], env: Record<string, string> = {}): { code: number | null; output: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, output: `${r.stdout}\n${r.stderr}` };
}

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

test('deploy, load, check, query, the language server and publish never reveal the password', async () => {
  // 1. Deploy with the Terraform stand-in: it writes the project's connection, the password into the project's .env.
  const terraformDir = join(root, 'terraform');
  const projectDir = join(root, 'project');
  const home = join(root, 'home');
  mkdirSync(terraformDir, { recursive: true });
  mkdirSync(home, { recursive: true });
  writeFileSync(join(terraformDir, 'terraformrc'), readFileSync(join(__dirname, '..', '..', 'terraform', 'terraformrc')));
  writeFileSync(join(terraformDir, '.env'), `TF_VAR_cloud_id=b1g-cloud\nTF_VAR_folder_id=b1g-folder\nTF_VAR_postgresql_password='${PASSWORD}'\nYC_TOKEN=t1.stub-token-0123456789\n`);
  const c = connectionOf(dbUrl);
  writeOrdersProject(projectDir);
  const stub = writeStubBin(join(root, 'bin'), { yc: false });
  stub.setBehaviour({
    leakSecrets: true,
    outputs: {
      postgresql_host: { sensitive: false, type: 'string', value: c.host },
      postgresql_port: { sensitive: false, type: 'number', value: c.port },
      postgresql_dbname: { sensitive: false, type: 'string', value: c.dbname },
      postgresql_user: { sensitive: false, type: 'string', value: ROLE },
      airbyte_url: { sensitive: false, type: 'string', value: 'http://127.0.0.1:8000' },
    },
  });
  let terminal = '';
  const notices: string[] = [];
  const questions: string[] = [];
  const io: TerraformIO = {
    run: runNodeProcess,
    write: (text) => void (terminal += text),
    confirm: async (question, detail) => {
      questions.push(`${question}\n${detail ?? ''}`);
      return !question.startsWith('Download');
    },
    notify: (level, message) => void notices.push(`${level}: ${message}`),
    files: nodeFileAccess,
    download: async () => '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n',
  };
  const deployed = await deployInfrastructure(io, {
    terraformDir,
    homeDir: home,
    platform: 'linux',
    baseEnv: { PATH: stub.dir, HOME: home },
    project: { profilesPath: join(projectDir, 'profiles.yml'), profile: 'orders_vault', target: 'cloud' },
  });
  assert.equal(deployed.status, 'applied', JSON.stringify(deployed));
  assert.ok(terminal.includes('debug: password=***'), 'the stand-in printed the password and the terminal scrubbed it');
  assertNoPassword('the deploy terminal', terminal);
  assertNoPassword('the deploy notices and questions', notices.join('\n') + questions.join('\n'));
  assertNoPassword('the deploy result', JSON.stringify(deployed));
  const profile = parse(readFileSync(join(projectDir, 'profiles.yml'), 'utf8')).orders_vault;
  assert.equal(profile.target, 'cloud');
  // The local stand-in database has no TLS; everything else in the written target stays as deploy wrote it.
  const profilesText = readFileSync(join(projectDir, 'profiles.yml'), 'utf8').replace(/sslmode: .*/g, 'sslmode: disable');
  writeFileSync(join(projectDir, 'profiles.yml'), profilesText);
  const projectEnv = readFileSync(join(projectDir, '.env'), 'utf8');
  assert.ok(projectEnv.includes(PASSWORD) || projectEnv.includes(JSON.stringify(PASSWORD)), 'the password is kept in the project .env');
  const envWithoutSsl = projectEnv.replace(/^(DBT_CLOUD_SSLMODE=).*$/m, '$1disable');
  writeFileSync(join(projectDir, '.env'), envWithoutSsl);

  // 2. The CLI on the deployed target: the password comes from the project's .env only.
  await withClient(dbUrl, async (client) => {
    await client.query(`set role ${ROLE}`);
    await createRawOrders({ query: (sql) => client.query(sql).then(() => ({ fields: [], rows: [], rowCount: null })), exec: (sql) => client.query(sql).then(() => undefined) });
    await client.query(rawOrdersInsert({ from: 1, to: 300, extractedAt: '2024-06-01T00:00:00Z', customers: 30, products: 5 }));
  });
  const outputs: string[] = [];
  const runs: [string[], number][] = [
    [['check', '--project', projectDir], 0],
    [['load', '--project', projectDir], 0],
    [['load', '--project', projectDir, '--format', 'json'], 0],
    [['compile', '--project', projectDir], 0],
    [['query', '--project', projectDir, 'select current_user'], 0],
    [['schema', '--project', projectDir], 0],
  ];
  for (const [args, expected] of runs) {
    const r = cli(args);
    assert.equal(r.code, expected, `dvs ${args.join(' ')}: ${r.output}`);
    outputs.push(r.output);
  }
  assert.ok(outputs[4]?.includes(ROLE), 'the query ran as the deployed user');
  // A failing connection: the same password towards a port where nothing listens.
  const port = await closedPort();
  const broken = cli(['query', '--project', projectDir, 'select 1'], { DBT_CLOUD_PORT: String(port) });
  assert.equal(broken.code, 2, broken.output);
  assert.match(broken.output, new RegExp(`127\\.0\\.0\\.1:${port}`));
  outputs.push(broken.output);
  assertNoPassword('dvs output', outputs.join('\n'));

  // 3. The language server: the password env var is unset, so it asks the client, which answers from its store.
  const envWithoutPassword = envWithoutSsl.split('\n').filter((l) => !l.startsWith('DBT_ENV_SECRET_')).join('\n');
  writeFileSync(join(projectDir, '.env'), envWithoutPassword);
  const client = new LspClient({ root: projectDir, password: PASSWORD, env: { DVS_TARGET: '' } });
  try {
    await client.initialize();
    const satUri = fileUri(join(projectDir, 'models', 'dds', 'sat_order.sql'));
    const satText = readFileSync(join(projectDir, 'models', 'dds', 'sat_order.sql'), 'utf8');
    client.notify('textDocument/didOpen', { textDocument: { uri: satUri, languageId: 'jinja-sql', version: 1, text: satText } });
    await client.waitFor((n) => n.method === 'dvs/status' && (n.params as { connected?: boolean }).connected === true, { past: true, timeoutMs: 60_000, what: 'a connected status' });
    assert.ok(client.serverRequests.some((r) => r.method === 'dvs/askPassword'), 'the server asked the client for the password');
    const rows = await client.request<{ rows: unknown[][] }>('dvs/runQuery', { sql: 'select current_user as u' });
    assert.deepEqual(rows.rows, [[ROLE]]);
    const loads = await client.request<{ models: { status: string }[] }>('workspace/executeCommand', { command: 'dvs.runLoads', arguments: [{}], workDoneToken: 'secrets-run' });
    assert.ok(loads.models.length >= 6 && loads.models.every((m) => m.status === 'success'), JSON.stringify(loads));
    // An edit that breaks the model must not put the connection into a diagnostic either.
    client.notify('textDocument/didChange', { textDocument: { uri: satUri, version: 2 }, contentChanges: [{ text: satText.replace('"AMOUNT"', '"AMOUNTX"') }] });
    await client.waitFor((n) => n.method === 'textDocument/publishDiagnostics' && (n.params as { uri: string }).uri === satUri, { timeoutMs: 60_000 });
    await client.request('dvs/compiledSql', { uri: satUri });
    await client.request('dvs/targets', {});
  } finally {
    await client.stop();
  }
  const serverTraffic = JSON.stringify(client.notifications) + JSON.stringify(client.serverRequests) + client.stderr;
  assertNoPassword('the language server (notifications, requests, stderr)', serverTraffic);

  // 4. Publish the sample dashboard with a Superset stand-in that records what it receives.
  const superset = await startSupersetStandIn();
  try {
    const progress: string[] = [];
    const published = await publishDashboard(
      {
        credentials: async () => ({ username: 'admin', password: ADMIN_PASSWORD }),
        notify: (level, message) => void progress.push(`${level}: ${message}`),
        files: nodeFileAccess,
        progress: (message) => void progress.push(message),
      },
      {
        supersetUrl: superset.url,
        exportDir: join(__dirname, '..', '..', 'sample-project', 'superset'),
        target: { kind: 'server', name: 'cloud', connection: { host: c.host, port: c.port, dbname: c.dbname, user: ROLE, sslmode: '' }, password: PASSWORD },
      },
    );
    assert.equal(published.status, 'published', JSON.stringify(published));
    assertNoPassword('the publish notices and progress', progress.join('\n'));
    assertNoPassword('the publish result', JSON.stringify(published));
    assert.ok(superset.received().includes(encodeURIComponent(PASSWORD)) || superset.received().includes(PASSWORD), 'Superset itself received the password it needs');
  } finally {
    await superset.close();
  }

  // 5. No file outside the .env files holds it: profiles.yml, run results, compiled SQL, schema cache, plan files.
  const files = filesOutsideEnv(root);
  assert.ok(files.some((f) => f.path.endsWith('run_results.json')), 'loads wrote run results');
  assert.ok(files.some((f) => f.path.endsWith('schema-cache.json')), 'the schema cache was written');
  for (const f of files) {
    if (f.path.startsWith('bin/')) continue;
    assertNoPassword(f.path, f.text);
  }
});

/** Superset's endpoints that Publish Dashboard uses, answering like Superset and recording every request body. */
async function startSupersetStandIn(): Promise<{ url: string; received(): string; close(): Promise<void> }> {
  const bodies: string[] = [];
  let databases: { id: number; uuid: string; database_name: string }[] = [];
  const srv: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      bodies.push(body.toString('latin1'));
      const path = req.url ?? '';
      const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
        res.end(JSON.stringify(value));
      };
      if (path === '/health') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        return res.end('OK');
      }
      if (path === '/api/v1/security/login') return json(200, { access_token: 'access-token', refresh_token: 'r' });
      if (path === '/api/v1/security/csrf_token/') return json(200, { result: 'csrf' }, { 'Set-Cookie': 'session=s; Path=/' });
      if (req.method === 'GET' && path.startsWith('/api/v1/database/')) return json(200, { count: databases.length, result: databases });
      if (req.method === 'POST' && path === '/api/v1/database/') {
        const sent = JSON.parse(body.toString()) as { uuid?: string; database_name?: string };
        databases = [...databases, { id: databases.length + 1, uuid: sent.uuid ?? 'u', database_name: sent.database_name ?? '' }];
        return json(201, { id: databases.length, result: {} });
      }
      if (req.method === 'PUT' && path.startsWith('/api/v1/database/')) return json(200, { id: 1, result: {} });
      if (req.method === 'POST' && path === '/api/v1/dashboard/import/') return json(200, { message: 'OK' });
      return json(404, { message: `no route ${req.method} ${path}` });
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  return { url, received: () => bodies.join('\n'), close: () => new Promise<void>((resolve) => srv.close(() => resolve())) };
}
