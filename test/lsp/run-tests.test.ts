// End-to-end over LSP stdio: `dist/server.js` runs dvs.runTests on a copy of a small project whose `unique` test fails
// (fixtures/failing-unique, embedded database), publishes the failure as DV110 on the test's yml line with
// work-done progress, and clears it when the data is fixed and the tests run again. Every step waits for the server's
// event, never for a fixed time. Run `node scripts/build.mjs` first (npm test builds it).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspClient, SERVER, type PublishedDiagnostics } from './lsp-client';

const PROJECT = join(__dirname, 'fixtures', 'failing-unique');
let root: string;
let client: LspClient;
const uriOf = (rel: string) => pathToFileURL(join(root, rel)).href;
/** The 0-based line of the first line of the file holding `needle`. */
const lineOf = (rel: string, needle: string) => {
  const lines = readFileSync(join(root, rel), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `'${needle}' not in ${rel}`);
  return i;
};

interface TestsResult {
  target: string;
  cancelled: boolean;
  tests: { name: string; status: string; failures: number | null; uri: string; range: { start: { line: number } } }[];
}

before(async () => {
  assert.ok(existsSync(SERVER), 'dist/server.js is missing: run `node scripts/build.mjs` (npm test builds it)');
  root = join(mkdtempSync(join(tmpdir(), 'dvs-tests-lsp-')), 'order_checks');
  cpSync(PROJECT, root, { recursive: true });
  client = LspClient.start('stdio', { DVS_EMBEDDED_DIR: '', DVS_TARGET: '' }, { target: 'embedded', preview: { formatSql: true, runStartedAt: '' } });
  const result = await client.initialize(root);
  const caps = result.capabilities as { executeCommandProvider?: { commands: string[] } };
  assert.ok(caps.executeCommandProvider?.commands.includes('dvs.runTests'), 'dvs.runTests is announced');
  await client.waitFor((n) => n.method === 'dvs/status' && (n.params as { connected: boolean }).connected, 'a connected status');
  const loaded = await client.request<{ models: { model: string; status: string }[] }>('workspace/executeCommand', { command: 'dvs.runLoads', arguments: [{ select: ['orders'] }] });
  assert.deepEqual(loaded.models.map((m) => [m.model, m.status]), [['orders', 'success']]);
});

after(async () => {
  await client?.stop();
  if (root) rmSync(join(root, '..'), { recursive: true, force: true });
});

test('dvs.runTests publishes the failing unique test on its yml line, with progress per test', async () => {
  const yml = uriOf('models/orders.yml');
  const published = client.diagnosticsWhere(yml, (d) => d.length > 0, 'the failing test on orders.yml');
  const token = 'tests-1';
  const result = await client.request<TestsResult>('workspace/executeCommand', { command: 'dvs.runTests', arguments: [{ select: ['orders'] }], workDoneToken: token });
  assert.equal(result.target, 'embedded');
  assert.equal(result.cancelled, false);
  assert.deepEqual(
    result.tests.map((t) => [t.name, t.status, t.failures]),
    [
      ['not_null_orders_order_id', 'pass', 0],
      ['unique_orders_order_id', 'fail', 1],
      ['accepted_values_orders_status__open__closed', 'pass', 0],
    ],
  );
  const { diagnostics } = await published;
  assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
  const d = diagnostics[0] as PublishedDiagnostics['diagnostics'][number];
  assert.equal(d.code, 'DV110');
  assert.equal(d.severity, 2);
  assert.equal(d.range.start.line, lineOf('models/orders.yml', '- unique'));
  assert.match(d.message, /dbt test unique on order_id of orders \(unique_orders_order_id\) failed: 1 failing row/);
  const progress = client.notices.filter((n) => n.method === '$/progress' && (n.params as { token: string }).token === token).map((n) => (n.params as { value: { kind: string; message?: string } }).value);
  assert.equal(progress[0]?.kind, 'begin');
  assert.equal(progress[progress.length - 1]?.kind, 'end');
  assert.ok(progress.some((p) => p.kind === 'report' && p.message === 'unique_orders_order_id (2/3)'), JSON.stringify(progress));
});

test('once the data is fixed and the model reloaded, the next run clears the diagnostic', async () => {
  const model = uriOf('models/orders.sql');
  const fixed = readFileSync(join(root, 'models', 'orders.sql'), 'utf8').replace("SELECT 1 AS order_id, 'closed'", "SELECT 2 AS order_id, 'closed'");
  await client.notify('textDocument/didOpen', { textDocument: { uri: model, languageId: 'jinja-sql', version: 1, text: fixed } });
  const loaded = await client.request<{ models: { model: string; status: string }[] }>('workspace/executeCommand', { command: 'dvs.runLoads', arguments: [{ select: ['orders'] }] });
  assert.deepEqual(loaded.models.map((m) => [m.model, m.status]), [['orders', 'success']]);
  const yml = uriOf('models/orders.yml');
  const cleared = client.diagnosticsWhere(yml, (d) => d.length === 0, 'the test diagnostic cleared');
  const result = await client.request<TestsResult>('workspace/executeCommand', { command: 'dvs.runTests', arguments: [{}] });
  assert.deepEqual(
    result.tests.map((t) => t.status),
    ['pass', 'pass', 'pass'],
  );
  assert.deepEqual((await cleared).diagnostics, []);
});
