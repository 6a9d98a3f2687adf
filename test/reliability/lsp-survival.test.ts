// The language server survives hostile workspaces: a project of 2,000 models, a 10 MB model file, binary junk in a
// .sql file, and a profiles.yml whose target host accepts connections but never answers. It keeps answering requests
// while the connection attempt hangs, times out, says so in its status, and checks every model from the cache.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeLargeProject, type LargeProjectLayout } from '../../bench/large-project';
import { readSchemaCache, writeSchemaCache } from '../../server/src/warehouse/introspect';
import { fileUri, LspClient, type Notification, type PublishedDiagnostic } from './lsp-client';

const dir = join(tmpdir(), `dvs-survival-${process.pid}`);
let layout: LargeProjectLayout;
let blackHole: Server;
const sockets: Socket[] = [];
let client: LspClient;
let port = 0;

const isPublish = (uri?: string) => (n: Notification) => n.method === 'textDocument/publishDiagnostics' && (uri === undefined || (n.params as { uri: string }).uri === uri);

/** 10 MB of a plausible but enormous mart: Jinja expressions, comments and SQL on 150,000 lines. */
function hugeModel(): string {
  const lines = ['-- A generated mart far larger than anyone writes by hand.', 'select * from ('];
  let size = 0;
  for (let i = 0; size < 10 * 1024 * 1024; i++) {
    const line = `  select ${i} as n, '{{ "x" ~ ${i % 97} }}' as label, {{ var('factor', 1) }} * ${i} as v {# row ${i} #} union all`;
    lines.push(line);
    size += line.length + 1;
  }
  lines.push(`  select 0, 'end', 0\n) as t\nwhere n in (select id from {{ ref('hub_t0001') }})\n`);
  return lines.join('\n');
}

before(async () => {
  layout = writeLargeProject(dir, { tables: 500, columnsPerTable: 50, models: 2000 });
  // The target's host accepts TCP connections and never says a word: only a timeout ends the attempt.
  blackHole = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
  port = (blackHole.address() as AddressInfo).port;
  writeFileSync(
    join(dir, 'profiles.yml'),
    `large_vault:\n  target: silent\n  outputs:\n    silent:\n      type: postgres\n      host: 127.0.0.1\n      port: ${port}\n      user: nobody\n      password: not-a-secret\n      dbname: dwh\n      schema: public\n      connect_timeout: 3\n      sslmode: disable\n`,
  );
  // The raw schema as an earlier introspection of this target left it in the cache.
  const cached = readSchemaCache(dir, 'embedded');
  assert.ok(cached);
  writeSchemaCache(dir, 'silent', cached);
  writeFileSync(join(dir, 'models', 'mart', 'mart_huge.sql'), hugeModel());
  const junk = Buffer.concat([Buffer.from('{{ automate_dv.hub('), randomBytes(64 * 1024), Buffer.from([0, 0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80])]);
  writeFileSync(join(dir, 'models', 'stg', 'junk.sql'), junk);
  client = new LspClient({ root: dir, env: { DVS_TARGET: '' } });
  await client.initialize();
});

after(async () => {
  await client?.stop();
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => blackHole.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

test('while the target host never answers, the server answers requests, then reports the timeout in its status', async () => {
  const satFile = join(dir, 'models', 'dds', 'sat_t0002.sql');
  const satUri = fileUri(satFile);
  const satText = readFileSync(satFile, 'utf8');
  client.notify('textDocument/didOpen', { textDocument: { uri: satUri, languageId: 'jinja-sql', version: 1, text: satText } });
  const line = satText.split('\n').findIndex((l) => l.includes("- 'A01'"));
  const items = await client.request<unknown[] | { items: unknown[] }>('textDocument/completion', { textDocument: { uri: satUri }, position: { line, character: 5 } });
  const list = Array.isArray(items) ? items : items.items;
  assert.ok(list.length > 0, 'payload columns are offered from the cached raw schema');
  const symbols = await client.request<unknown[]>('textDocument/documentSymbol', { textDocument: { uri: satUri } });
  assert.ok(Array.isArray(symbols));
  const status = await client.waitFor((n) => n.method === 'dvs/status' && !!(n.params as { problem?: string }).problem, { past: true, timeoutMs: 120_000, what: 'a status naming the problem' });
  const params = status.params as { connected: boolean; problem: string; target: string };
  assert.equal(params.connected, false);
  assert.equal(params.target, 'silent');
  assert.match(params.problem, new RegExp(`127\\.0\\.0\\.1:${port}`), 'the status names the host and port');
  assert.match(params.problem, /tim(e|ed) ?out|no answer within/i, `the status says the attempt timed out: ${params.problem}`);
  assert.ok(sockets.length >= 1, 'the server did try to connect');
  assert.ok(client.alive);
});

test('a project of 2,000 models is checked from the cache: every model gets its diagnostics', async () => {
  const total = layout.counts.total + 2;
  const published = () => new Set(client.notifications.filter(isPublish()).map((n) => (n.params as { uri: string }).uri)).size;
  await client.waitUntil(() => published() >= total, { timeoutMs: 600_000, what: `diagnostics for all ${total} models` });
  const hub = client.diagnosticsOf(fileUri(join(dir, 'models', 'dds', 'hub_t0001.sql')));
  assert.deepEqual(hub?.filter((d) => d.severity === 1), [], 'a clean hub has no errors');
  const graph = await client.request<{ models: unknown[] }>('dvs/projectGraph', {});
  assert.equal(graph.models.length, total);
  assert.ok(client.alive);
});

test('a 10 MB model file opens, is checked and answers requests', async () => {
  const file = join(dir, 'models', 'mart', 'mart_huge.sql');
  const uri = fileUri(file);
  const text = readFileSync(file, 'utf8');
  assert.ok(text.length >= 10 * 1024 * 1024);
  const published = client.waitFor(isPublish(uri), { timeoutMs: 600_000, what: 'diagnostics of the 10 MB model' });
  client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'jinja-sql', version: 1, text } });
  const diagnostics = ((await published).params as { diagnostics: PublishedDiagnostic[] }).diagnostics;
  const lines = text.split('\n').length;
  for (const d of diagnostics) assert.ok(d.range.end.line < lines, JSON.stringify(d.range));
  const symbols = await client.request<unknown[]>('textDocument/documentSymbol', { textDocument: { uri } });
  assert.ok(Array.isArray(symbols));
  const hover = await client.request('textDocument/hover', { textDocument: { uri }, position: { line: lines - 2, character: 40 } });
  void hover;
  const edited = client.waitFor(isPublish(uri), { timeoutMs: 600_000, what: 'diagnostics after editing the 10 MB model' });
  client.notify('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '-- edited\n' }] });
  await edited;
  client.notify('textDocument/didClose', { textDocument: { uri } });
  assert.ok(client.alive);
});

test('binary junk in a .sql file gives diagnostics, not a crash', async () => {
  const file = join(dir, 'models', 'stg', 'junk.sql');
  const uri = fileUri(file);
  const text = readFileSync(file, 'utf8');
  const published = client.waitFor(isPublish(uri), { timeoutMs: 120_000, what: 'diagnostics of the junk file' });
  client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'jinja-sql', version: 1, text } });
  const diagnostics = ((await published).params as { diagnostics: PublishedDiagnostic[] }).diagnostics;
  assert.ok(diagnostics.some((d) => d.severity === 1), 'the unterminated macro call is an error');
  for (const method of ['textDocument/completion', 'textDocument/hover', 'textDocument/definition', 'textDocument/signatureHelp']) {
    await client.request(method, { textDocument: { uri }, position: { line: 0, character: 10 } });
  }
  await client.request('textDocument/documentSymbol', { textDocument: { uri } });
  await client.request('dvs/compiledSql', { uri });
  const errors = client.notifications.filter((n) => n.method === 'window/logMessage' && (n.params as { type: number }).type === 1);
  assert.deepEqual(errors.map((n) => (n.params as { message: string }).message.split('\n')[0]), []);
  assert.ok(client.alive);
});
