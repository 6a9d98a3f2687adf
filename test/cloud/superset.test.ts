// Open Superset and Publish Dashboard against a local HTTP server that implements the Superset endpoints the flow
// uses (health, login, CSRF, database list/create/update, dashboard import) and checks exactly what it receives,
// including the ZIP layout Superset's importer requires.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { nodeFileAccess } from '../../server/src/cloud/files';
import {
  BUNDLE_ROOT,
  checkSupersetHealth,
  openSuperset,
  publishDashboard,
  SUPERSET_PASSWORD_MASK,
  supersetDatabaseHost,
  supersetSqlalchemyUri,
  type PublishIO,
  type PublishOptions,
} from '../../server/src/cloud/superset';
import { readZip } from './zip-reader';

const EXPORT_DIR = join(__dirname, 'fixtures', 'superset-export');
const EXPORT_DB_UUID = '6f7c0f7e-6d2b-4b8e-9a52-2f6c1d0b9a11';
const DB_PASSWORD = 'wh-p@ss:/word';
const ADMIN = { username: 'admin', password: 'admin-Secret-1' };
const ACCESS_TOKEN = 'eyJ.fake-access-token.sig';
const CSRF = 'IjQ1fakecsrf';
const SESSION = 'session=s3ss10n-cookie';

interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

interface FakeSuperset {
  url: string;
  requests: Received[];
  databases: { id: number; uuid: string; database_name: string; sqlalchemy_uri: string; server_cert?: string }[];
  imports: { form: FormData; zip: Uint8Array }[];
  close(): Promise<void>;
  /** Makes database creation fail the way Superset does when its connection test fails. */
  rejectDatabase?: boolean;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function startFakeSuperset(existing: FakeSuperset['databases'] = []): Promise<FakeSuperset> {
  const state: Omit<FakeSuperset, 'url' | 'close'> = { requests: [], databases: [...existing], imports: [] };
  let base = '';
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const path = req.url ?? '';
      state.requests.push({ method: req.method ?? '', path, headers: req.headers, body });
      const json = (status: number, value: unknown, headers: Record<string, string> = {}): void => {
        res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
        res.end(JSON.stringify(value));
      };
      const authorized = req.headers.authorization === `Bearer ${ACCESS_TOKEN}`;
      // Superset's CSRF protection on mutating calls: token header, the session cookie it belongs to, a Referer.
      const csrfOk = req.headers['x-csrftoken'] === CSRF && (req.headers.cookie ?? '').includes(SESSION) && (req.headers.referer ?? '').startsWith(base);
      if (req.method === 'GET' && path === '/health') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        return res.end('OK');
      }
      if (req.method === 'POST' && path === '/api/v1/security/login') {
        const login = JSON.parse(body.toString()) as Record<string, unknown>;
        if (login.username !== ADMIN.username || login.password !== ADMIN.password) return json(401, { message: 'Not authorized' });
        return json(200, { access_token: ACCESS_TOKEN, refresh_token: 'refresh' });
      }
      if (!authorized) return json(401, { msg: 'Missing Authorization Header' });
      if (req.method === 'GET' && path === '/api/v1/security/csrf_token/') {
        return json(200, { result: CSRF }, { 'Set-Cookie': `${SESSION}; HttpOnly; Path=/` });
      }
      if (req.method === 'GET' && path.startsWith('/api/v1/database/?q=')) {
        const q = decodeURIComponent(path.slice('/api/v1/database/?q='.length));
        assert.equal(q, '(columns:!(id,uuid,database_name),page:0,page_size:100)');
        return json(200, { count: state.databases.length, result: state.databases.map(({ id, uuid, database_name }) => ({ id, uuid, database_name })) });
      }
      if (!csrfOk) return json(400, { message: 'The CSRF token is missing.' });
      const sent = (): Record<string, string> => JSON.parse(body.toString()) as Record<string, string>;
      if (req.method === 'POST' && path === '/api/v1/database/') {
        const db = sent();
        if (fake.rejectDatabase) return json(422, { message: `Connection failed, please check your connection settings: ${db.sqlalchemy_uri}` });
        const created = { id: state.databases.length + 1, uuid: db.uuid ?? 'generated', database_name: db.database_name ?? '', sqlalchemy_uri: db.sqlalchemy_uri ?? '', ...(db.server_cert ? { server_cert: db.server_cert } : {}) };
        state.databases.push(created);
        return json(201, { id: created.id, result: { ...db, sqlalchemy_uri: 'masked' } });
      }
      const put = /^\/api\/v1\/database\/(\d+)$/.exec(path);
      if (req.method === 'PUT' && put) {
        const target = state.databases.find((d) => d.id === Number(put[1]));
        if (!target) return json(404, { message: 'Not found' });
        Object.assign(target, sent());
        return json(200, { id: target.id, result: {} });
      }
      if (req.method === 'POST' && path === '/api/v1/dashboard/import/') {
        assert.match(req.headers['content-type'] ?? '', /^multipart\/form-data; boundary=/);
        const form = await new Request('http://parse.local/', { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? '' }, body: new Uint8Array(body) }).formData();
        const file = form.get('formData');
        assert.ok(file instanceof Blob, 'formData is a file part');
        state.imports.push({ form, zip: new Uint8Array(await file.arrayBuffer()) });
        return json(200, { message: 'OK' });
      }
      return json(404, { message: `no route ${req.method} ${path}` });
    })().catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const fake: FakeSuperset = {
    ...state,
    url: base,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  // The handler reads the live arrays through `state`; expose the same arrays on the handle.
  fake.requests = state.requests;
  fake.databases = state.databases;
  fake.imports = state.imports;
  return fake;
}

function publishIO(credentials = ADMIN): PublishIO & { notices: { level: string; message: string }[]; asked: number } {
  const io = {
    notices: [] as { level: string; message: string }[],
    asked: 0,
    credentials: async () => {
      io.asked++;
      return credentials;
    },
    notify: (level: string, message: string) => io.notices.push({ level, message }),
    files: nodeFileAccess,
  };
  return io;
}

function serverTarget(host = 'localhost', extra: Partial<{ sslmode: string; sslrootcert: string }> = {}): PublishOptions['target'] {
  return { kind: 'server', name: 'dev', connection: { host, port: 5432, dbname: 'dwh', user: 'dwh_user', sslmode: extra.sslmode ?? '', ...(extra.sslrootcert ? { sslrootcert: extra.sslrootcert } : {}) }, password: DB_PASSWORD };
}

function assertNoSecrets(what: string, text: string): void {
  for (const secret of [DB_PASSWORD, encodeURIComponent(DB_PASSWORD), ADMIN.password, ACCESS_TOKEN]) assert.equal(text.includes(secret), false, `${what} reveals a secret`);
}

test('health and Open Superset: opens when /health says OK, otherwise explains how to start it', async () => {
  const fake = await startFakeSuperset();
  try {
    assert.deepEqual(await checkSupersetHealth(fake.url), { healthy: true });
    const opened: string[] = [];
    const notices: string[] = [];
    const io = { openExternal: (url: string) => void opened.push(url), notify: (_: string, m: string) => void notices.push(m) };
    assert.equal(await openSuperset(io, { url: fake.url }), 'opened');
    assert.deepEqual(opened, [fake.url]);
  } finally {
    await fake.close();
  }
  // A port that was free a moment ago: nothing listens there.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const down = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const health = await checkSupersetHealth(down);
  assert.equal(health.healthy, false);
  const notices: string[] = [];
  const result = await openSuperset({ openExternal: () => assert.fail('must not open'), notify: (_, m) => void notices.push(m) }, { url: down, composeFile: 'sample-project/docker-compose.yml' });
  assert.equal(result, 'not-running');
  assert.equal(
    notices[0],
    `Superset is not running at ${down} (nothing answers at ${down} (connection refused)). Start it with ` +
      `\`docker compose -f sample-project/docker-compose.yml up -d\` (the sample project's Superset), wait until ${down}/health answers OK, ` +
      'then try again. Log in as admin/admin unless you changed it.',
  );
});

test('publish creates the database for the target and imports a bundle laid out the way Superset requires', async () => {
  const fake = await startFakeSuperset();
  try {
    const io = publishIO();
    const result = await publishDashboard(io, { supersetUrl: fake.url, exportDir: EXPORT_DIR, target: serverTarget('localhost') });
    assert.equal(result.status, 'published', JSON.stringify(result));
    if (result.status !== 'published') return;
    assert.deepEqual(result.dashboards, ['E-commerce analytics']);
    assert.deepEqual(result.database, { id: 1, uuid: EXPORT_DB_UUID, name: 'Data Vault', created: true });
    assert.equal(io.asked, 1, 'credentials are asked once');

    assert.deepEqual(
      fake.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`),
      ['GET /health', 'POST /api/v1/security/login', 'GET /api/v1/security/csrf_token/', 'GET /api/v1/database/', 'POST /api/v1/database/', 'POST /api/v1/dashboard/import/'],
    );
    assert.deepEqual(JSON.parse(fake.requests[1]?.body.toString() ?? ''), { username: 'admin', password: ADMIN.password, provider: 'db', refresh: true });
    // localhost from inside Superset's container is the container: the host becomes host.docker.internal.
    const created = JSON.parse(fake.requests[4]?.body.toString() ?? '');
    assert.deepEqual(created, {
      database_name: 'Data Vault',
      sqlalchemy_uri: `postgresql+psycopg2://dwh_user:${encodeURIComponent(DB_PASSWORD)}@host.docker.internal:5432/dwh`,
      expose_in_sqllab: true,
      uuid: EXPORT_DB_UUID,
    });

    const [upload] = fake.imports;
    assert.ok(upload);
    assert.equal(upload.form.get('overwrite'), 'true');
    assert.deepEqual(JSON.parse(String(upload.form.get('passwords'))), { 'databases/Data_Vault.yaml': DB_PASSWORD });
    const entries = readZip(upload.zip);
    const names = entries.map((e) => e.name).sort();
    assert.deepEqual(names, [
      `${BUNDLE_ROOT}/charts/Purchases_per_month_1.yaml`,
      `${BUNDLE_ROOT}/dashboards/E-commerce_analytics_1.yaml`,
      `${BUNDLE_ROOT}/databases/Data_Vault.yaml`,
      `${BUNDLE_ROOT}/datasets/Data_Vault/purchases_monthly.yaml`,
      `${BUNDLE_ROOT}/metadata.yaml`,
    ]);
    // Superset's rules: one root folder, metadata.yaml with version 1.0.0, only YAML, nothing starting with . or _.
    assert.equal(new Set(names.map((n) => n.split('/')[0])).size, 1);
    const text = (name: string): string => entries.find((e) => e.name === `${BUNDLE_ROOT}/${name}`)?.data.toString('utf8') ?? '';
    assert.equal(parse(text('metadata.yaml')).version, '1.0.0');
    assert.ok(names.every((n) => /\.ya?ml$/.test(n) && !/\/[._][^/]*$/.test(n)));
    const database = parse(text('databases/Data_Vault.yaml'));
    assert.equal(database.sqlalchemy_uri, `postgresql+psycopg2://dwh_user:${SUPERSET_PASSWORD_MASK}@host.docker.internal:5432/dwh`);
    assert.equal(database.uuid, EXPORT_DB_UUID);
    assert.match(text('databases/Data_Vault.yaml'), /^# The warehouse;/, 'comments of the export survive the rewrite');
    assert.equal(text('charts/Purchases_per_month_1.yaml'), (await nodeFileAccess.readText(join(EXPORT_DIR, 'charts', 'Purchases_per_month_1.yaml'))) ?? '');

    for (const entry of entries) assertNoSecrets(entry.name, entry.data.toString('utf8'));
    assertNoSecrets('the result and notices', JSON.stringify(result) + JSON.stringify(io.notices));
  } finally {
    await fake.close();
  }
});

test('an existing database (same name, other uuid) is updated, and the bundle is rewritten to its uuid', async () => {
  const otherUuid = '11111111-2222-4333-8444-555555555555';
  const fake = await startFakeSuperset([{ id: 7, uuid: otherUuid, database_name: 'Data Vault', sqlalchemy_uri: 'postgresql://old' }]);
  try {
    const result = await publishDashboard(publishIO(), { supersetUrl: fake.url, exportDir: EXPORT_DIR, target: serverTarget('db.internal'), databaseHost: '' });
    assert.equal(result.status, 'published');
    const put = fake.requests.find((r) => r.method === 'PUT');
    assert.equal(put?.path, '/api/v1/database/7');
    assert.deepEqual(JSON.parse(put?.body.toString() ?? ''), {
      database_name: 'Data Vault',
      sqlalchemy_uri: `postgresql+psycopg2://dwh_user:${encodeURIComponent(DB_PASSWORD)}@db.internal:5432/dwh`,
      expose_in_sqllab: true,
    });
    assert.equal(fake.requests.some((r) => r.method === 'POST' && r.path === '/api/v1/database/'), false);
    const entries = readZip(fake.imports[0]?.zip ?? new Uint8Array());
    const yamlOf = (suffix: string): Record<string, unknown> => parse(entries.find((e) => e.name.endsWith(suffix))?.data.toString('utf8') ?? '') as Record<string, unknown>;
    assert.equal(yamlOf('databases/Data_Vault.yaml').uuid, otherUuid);
    assert.equal(yamlOf('datasets/Data_Vault/purchases_monthly.yaml').database_uuid, otherUuid);
  } finally {
    await fake.close();
  }
});

test('verify-full sends the CA as server_cert; without a readable CA it falls back to sslmode=require and warns', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-superset-'));
  const fake = await startFakeSuperset();
  try {
    const ca = join(dir, 'root.crt');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const host = 'c-abc.rw.mdb.yandexcloud.net';
    assert.equal((await publishDashboard(publishIO(), { supersetUrl: fake.url, exportDir: EXPORT_DIR, target: serverTarget(host, { sslmode: 'verify-full', sslrootcert: ca }) })).status, 'published');
    const created = JSON.parse(fake.requests.find((r) => r.method === 'POST' && r.path === '/api/v1/database/')?.body.toString() ?? '');
    assert.equal(created.server_cert, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    assert.equal(created.sqlalchemy_uri, `postgresql+psycopg2://dwh_user:${encodeURIComponent(DB_PASSWORD)}@${host}:5432/dwh`);

    const io = publishIO();
    const result = await publishDashboard(io, { supersetUrl: fake.url, exportDir: EXPORT_DIR, target: serverTarget(host, { sslmode: 'verify-full', sslrootcert: join(dir, 'missing.crt') }) });
    assert.equal(result.status, 'published');
    const put = JSON.parse(fake.requests.filter((r) => r.method === 'PUT').pop()?.body.toString() ?? '');
    assert.match(put.sqlalchemy_uri, /\?sslmode=require$/);
    assert.match(io.notices.find((n) => n.level === 'warning')?.message ?? '', /sslmode=require/);
  } finally {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('refusals: embedded target, broken export, wrong login, failed database connection; no secret in any message', async () => {
  const fake = await startFakeSuperset();
  try {
    const embedded = await publishDashboard(publishIO(), { supersetUrl: fake.url, exportDir: EXPORT_DIR, target: { kind: 'embedded', name: 'embedded' } });
    assert.equal(embedded.status === 'failed' && embedded.step, 'target');
    assert.match(embedded.status === 'failed' ? embedded.message : '', /Superset cannot reach it\. Switch to a server target/);
    assert.equal(fake.requests.length, 0, 'nothing is sent for the embedded target');

    const broken = mkdtempSync(join(tmpdir(), 'dvs-export-'));
    writeFileSync(join(broken, 'metadata.yaml'), 'version: 2.0.0\n');
    const exportProblem = await publishDashboard(publishIO(), { supersetUrl: fake.url, exportDir: broken, target: serverTarget() });
    rmSync(broken, { recursive: true, force: true });
    assert.equal(exportProblem.status === 'failed' && exportProblem.step, 'export');
    assert.match(exportProblem.status === 'failed' ? exportProblem.message : '', /version: 1\.0\.0.*exactly one database.*no dashboard/);
    assert.equal(fake.requests.length, 0);

    const wrong = await publishDashboard(publishIO({ username: 'admin', password: 'wrong-Password-9' }), { supersetUrl: fake.url, exportDir: EXPORT_DIR, target: serverTarget() });
    assert.deepEqual(wrong.status === 'failed' && [wrong.step, wrong.invalidCredentials], ['login', true]);
    assert.equal(JSON.stringify(wrong).includes('wrong-Password-9'), false);

    fake.rejectDatabase = true;
    const rejected = await publishDashboard(publishIO(), { supersetUrl: fake.url, exportDir: EXPORT_DIR, target: serverTarget() });
    assert.equal(rejected.status === 'failed' && rejected.step, 'database');
    const message = rejected.status === 'failed' ? rejected.message : '';
    assert.match(message, /^Superset did not create database "Data Vault" \(HTTP 422: Connection failed/);
    assert.match(message, /dataVault\.superset\.databaseHost/);
    assertNoSecrets('the failure', message);
    assert.equal(fake.imports.length, 0);
  } finally {
    await fake.close();
  }
});

test('host and URI helpers', () => {
  assert.equal(supersetDatabaseHost('localhost'), 'host.docker.internal');
  assert.equal(supersetDatabaseHost('127.0.0.1'), 'host.docker.internal');
  assert.equal(supersetDatabaseHost('::1'), 'host.docker.internal');
  assert.equal(supersetDatabaseHost('localhost', '172.18.0.1'), '172.18.0.1');
  assert.equal(supersetDatabaseHost('c-1.rw.mdb.yandexcloud.net'), 'c-1.rw.mdb.yandexcloud.net');
  assert.equal(supersetSqlalchemyUri({ host: 'fe80::1', port: 5432, dbname: 'd b', user: 'u@x' }, 'p/w', 'require'), 'postgresql+psycopg2://u%40x:p%2Fw@[fe80::1]:5432/d%20b?sslmode=require');
});
