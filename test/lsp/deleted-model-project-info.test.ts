// Over LSP stdio against `dist/server.js` (run `node scripts/build.mjs` first): a deleted model's findings are cleared
// and its readers flagged; dvs/projectInfo describes the project and its target without any password; a stage offers
// the columns sources.yml declares while the connected database has no raw tables yet. Each step waits for the
// server's event, never for a fixed time.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SourceText } from '../../server/src/base/text';
import type { ProjectInfoResult, StatusParams } from '../../server/src/protocol';
import { LspClient, SERVER, type PublishedDiagnostics } from './lsp-client';

const SAMPLE = join(__dirname, '..', '..', 'sample-project');
const SECRET = 'Sup3r-Secret-Pw-do-not-show';
const SETTINGS = { target: 'embedded', preview: { formatSql: true, runStartedAt: '2024-06-23T13:00:00Z' } };
/** The second project uses a server target; its password variable is unset, so no connection is even tried. */
const settingsFor = (scopeUri: string | undefined) => (scopeUri?.includes('/cloudy') ? { ...SETTINGS, target: 'warehouse' } : SETTINGS);

let base: string;
let root: string;
let cloudy: string;
let client: LspClient;
const uriOf = (rel: string) => pathToFileURL(join(root, rel)).href;
const textOf = (rel: string) => readFileSync(join(root, rel), 'utf8');
const hasCode = (code: string, name: string) => (ds: PublishedDiagnostics['diagnostics']) => ds.some((d) => d.code === code && d.message.includes(name));

/** A port nothing listens on: a connection to it is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address && typeof address === 'object');
  return address.port;
}

before(async () => {
  assert.ok(existsSync(SERVER), 'dist/server.js is missing: run `node scripts/build.mjs` (npm test builds it)');
  base = mkdtempSync(join(tmpdir(), 'dvs-lsp-deleted-model-'));
  root = join(base, 'sample');
  cpSync(SAMPLE, root, { recursive: true, filter: (src) => !src.includes('/.dvs') && !src.includes('/target/') });
  const mart = join(root, 'models', 'mart');
  writeFileSync(join(mart, 'doomed.sql'), "select * from {{ ref('no_such_model') }}\n");
  writeFileSync(join(mart, 'reads_doomed.sql'), "select * from {{ ref('doomed') }}\n");
  writeFileSync(join(mart, 'closing.sql'), "select * from {{ ref('also_missing') }}\n");
  writeFileSync(join(mart, 'reads_closing.sql'), "select * from {{ ref('closing') }}\n");

  cloudy = join(base, 'cloudy');
  mkdirSync(join(cloudy, 'models'), { recursive: true });
  writeFileSync(join(cloudy, 'dbt_project.yml'), "name: cloudy\nversion: '1.0.0'\nconfig-version: 2\nprofile: cloudy\nmodel-paths: ['models']\n");
  writeFileSync(join(cloudy, 'models', 'one.sql'), 'select 1 as one\n');
  const port = await closedPort();
  const output = (password: string) =>
    `      type: postgres\n      host: 127.0.0.1\n      port: ${port}\n      user: analyst\n      password: "{{ env_var('${password}') }}"\n      dbname: dwh\n      schema: vault\n      sslmode: disable\n      threads: 1\n`;
  writeFileSync(join(cloudy, 'profiles.yml'), `cloudy:\n  target: warehouse\n  outputs:\n    warehouse:\n${output('DVS_FIX_UNSET_PASSWORD')}    withpw:\n${output('DVS_FIX_SET_PASSWORD')}`);

  client = LspClient.start('stdio', { DVS_EMBEDDED_DIR: '', DVS_TARGET: '', DBT_PROFILES_DIR: '', DVS_FIX_SET_PASSWORD: SECRET }, settingsFor);
  await client.initialize(root);
  await client.waitFor((n) => n.method === 'dvs/status' && (n.params as StatusParams).connected && !(n.params as StatusParams).projectUri?.includes('cloudy'), 'the sample project connected');
});

after(async () => {
  await client?.stop();
  if (base) rmSync(base, { recursive: true, force: true });
});

test('a stage offers the columns sources.yml declares while the connected database has no raw tables yet', async () => {
  const rel = 'models/stg/stg_users.sql';
  const text = textOf(rel);
  const at = text.indexOf("USER_ID: '") + "USER_ID: '".length;
  const items = await client.request<{ label: string; detail?: string }[]>('textDocument/completion', { textDocument: { uri: uriOf(rel) }, position: new SourceText(text).positionAt(at) });
  const id = items.find((i) => i.label.toLowerCase() === 'id');
  assert.ok(id, `id not offered: ${items.map((i) => i.label).join(', ')}`);
  assert.equal(id.detail, 'bigint · raw.users (declared in models/sources.yml; not in the database)');
  const extracted = items.find((i) => i.label.toLowerCase() === '_airbyte_extracted_at');
  assert.match(extracted?.detail ?? '', /^timestamp with time zone · raw\.users \(declared in models\/sources\.yml/);
});

test('deleting a model file clears its findings and flags the models that ref it (DV101)', async () => {
  const doomed = uriOf('models/mart/doomed.sql');
  const reader = uriOf('models/mart/reads_doomed.sql');
  // Before: the doomed model has its own finding, its reader none.
  await client.waitFor((n) => n.method === 'textDocument/publishDiagnostics' && (n.params as PublishedDiagnostics).uri === doomed && hasCode('DV101', 'no_such_model')((n.params as PublishedDiagnostics).diagnostics), 'the doomed model flagged');
  await client.waitFor((n) => n.method === 'textDocument/publishDiagnostics' && (n.params as PublishedDiagnostics).uri === reader, 'the reader checked');
  assert.deepEqual(client.diagnostics.get(reader)?.diagnostics, []);

  rmSync(join(root, 'models', 'mart', 'doomed.sql'));
  const cleared = client.diagnosticsWhere(doomed, (d) => d.length === 0, 'the deleted model cleared');
  const flagged = client.diagnosticsWhere(reader, hasCode('DV101', 'doomed'), 'the reader flagged');
  await client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: doomed, type: 3 }] });
  await Promise.all([cleared, flagged]);
  assert.deepEqual(client.diagnostics.get(doomed)?.diagnostics, []);
  const graph = await client.request<{ models: { name: string }[] }>('dvs/projectGraph', {});
  assert.ok(!graph.models.some((m) => m.name === 'doomed'), 'the deleted model is still in the project graph');
});

test('a deleted file whose document is still open is cleared at the Deleted event, and stays cleared on close', async () => {
  const rel = 'models/mart/closing.sql';
  const uri = uriOf(rel);
  const reader = uriOf('models/mart/reads_closing.sql');
  const text = textOf(rel);
  const opened = client.diagnosticsWhere(uri, hasCode('DV101', 'also_missing'), 'the open model flagged');
  await client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'jinja-sql', version: 1, text } });
  await opened;
  rmSync(join(root, rel));
  // VS Code keeps a closed editor's document open for minutes, so didClose may never come: the Deleted event alone
  // takes the model out of the project.
  const cleared = client.diagnosticsWhere(uri, (d) => d.length === 0, 'the deleted model cleared');
  const flagged = client.diagnosticsWhere(reader, hasCode('DV101', 'closing'), 'its reader flagged');
  await client.notify('workspace/didChangeWatchedFiles', { changes: [{ uri, type: 3 }] });
  await Promise.all([cleared, flagged]);
  await client.notify('textDocument/didClose', { textDocument: { uri } });
  const graph = await client.request<{ models: { name: string }[] }>('dvs/projectGraph', {});
  assert.ok(!graph.models.some((m) => m.name === 'closing'), 'the deleted model is back in the project graph after close');
  assert.deepEqual(client.diagnostics.get(uri)?.diagnostics, []);
});

test('dvs/projectInfo: the embedded sample project, its profile and profiles.yml', async () => {
  const info = await client.request<ProjectInfoResult>('dvs/projectInfo', {});
  assert.deepEqual(info, {
    projectUri: pathToFileURL(root).href,
    name: 'data_vault_sample',
    profile: 'data_vault_sample',
    profilesPath: join(root, 'profiles.yml'),
    target: 'embedded',
    targetType: 'embedded',
    connected: true,
  });
});

test('dvs/projectInfo: a server target without its password, naming the variable to set', async () => {
  const projectUri = pathToFileURL(cloudy).href;
  // The first request opens the project; its connection attempt ends with a status naming the problem.
  await client.request<ProjectInfoResult>('dvs/projectInfo', { projectUri });
  await client.waitFor((n) => n.method === 'dvs/status' && (n.params as StatusParams).projectUri === projectUri && !!(n.params as StatusParams).problem, 'the cloudy project status');
  const info = await client.request<ProjectInfoResult>('dvs/projectInfo', { projectUri });
  assert.equal(info.name, 'cloudy');
  assert.equal(info.profile, 'cloudy');
  assert.equal(info.profilesPath, join(cloudy, 'profiles.yml'));
  assert.equal(info.target, 'warehouse');
  assert.equal(info.targetType, 'postgres');
  assert.deepEqual(info.connection, { host: '127.0.0.1', port: info.connection?.port, dbname: 'dwh', user: 'analyst', schema: 'vault', sslmode: 'disable' });
  assert.ok(Number.isInteger(info.connection?.port) && (info.connection?.port ?? 0) > 0);
  assert.equal(info.passwordEnvVar, 'DVS_FIX_UNSET_PASSWORD');
  assert.equal(info.connected, false);
  assert.match(info.problem ?? '', /DVS_FIX_UNSET_PASSWORD/);
  assert.ok(!('password' in (info.connection ?? {})));
});

test('dvs/projectInfo: a password that is set is never sent, only the variable it comes from', async () => {
  const projectUri = pathToFileURL(cloudy).href;
  const status = await client.request<StatusParams>('dvs/selectTarget', { projectUri, name: 'withpw' });
  assert.equal(status.connected, false, 'nothing listens on the port');
  const info = await client.request<ProjectInfoResult>('dvs/projectInfo', { projectUri });
  assert.equal(info.target, 'withpw');
  assert.equal(info.passwordEnvVar, 'DVS_FIX_SET_PASSWORD');
  assert.equal(info.connected, false);
  const everything = JSON.stringify(info);
  assert.ok(!everything.includes(SECRET), `the password leaked: ${everything}`);
  assert.ok(!/password"\s*:/.test(everything.replace(/"passwordEnvVar"/g, '')), everything);
  // Nor anywhere else the server said something.
  assert.ok(!JSON.stringify(client.notices).includes(SECRET));
  assert.ok(!client.stderr.includes(SECRET));
});
