// Over LSP stdio against `dist/server.js`: an edited model's diagnostics are published before those of the models
// the edit affects, and the affected ones follow with the edit's consequences (a satellite whose stage no longer
// hashes one of its payload columns). Each step waits for the server's event, never for a fixed time.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspClient, SERVER, type PublishedDiagnostics } from './lsp-client';

const SAMPLE = join(__dirname, '..', '..', 'sample-project');
let root: string;
let client: LspClient;
const uriOf = (rel: string) => pathToFileURL(join(root, rel)).href;
const textOf = (rel: string) => readFileSync(join(root, rel), 'utf8');
const STAGE = 'models/stg/stg_users.sql';
const SAT = 'models/dds/sat_users.sql';

before(async () => {
  assert.ok(existsSync(SERVER), 'dist/server.js is missing: run `node scripts/build.mjs` (npm test builds it)');
  root = join(mkdtempSync(join(tmpdir(), 'dvs-edit-order-')), 'sample');
  cpSync(SAMPLE, root, { recursive: true, filter: (src) => !src.includes('/.dvs') && !src.includes('/target/') });
  client = LspClient.start('stdio', { DVS_EMBEDDED_DIR: '', DVS_TARGET: '', DBT_PROFILES_DIR: '' }, { target: 'embedded', preview: { formatSql: true, runStartedAt: '' } });
  await client.initialize(root);
});

after(async () => {
  await client?.stop();
  if (root) rmSync(join(root, '..'), { recursive: true, force: true });
});

test('an edit of a stage: its own diagnostics first, then the satellite it feeds, with the new finding', async () => {
  const isStatus = (n: { method: string; params: unknown }) => n.method === 'dvs/status' && ((n.params as { connected?: boolean }).connected === true || !!(n.params as { problem?: string }).problem);
  for (const rel of [STAGE, SAT]) await client.notify('textDocument/didOpen', { textDocument: { uri: uriOf(rel), languageId: 'jinja-sql', version: 1, text: textOf(rel) } });
  // Let the start-up check and the re-check after introspection go by, so only the edit's checks follow.
  await client.waitFor(isStatus, 'the first introspection', 120_000);
  const status = client.notices.findIndex(isStatus);
  const models = ['stg', 'dds', 'mart'].flatMap((folder) => readdirSync(join(root, 'models', folder)).filter((f) => f.endsWith('.sql')).map((f) => uriOf(`models/${folder}/${f}`)));
  const recheckedSince = () => new Set(client.notices.slice(status + 1).filter((n) => n.method === 'textDocument/publishDiagnostics').map((n) => (n.params as PublishedDiagnostics).uri));
  await client.waitFor(() => models.every((m) => recheckedSince().has(m)), 'every model re-checked after introspection', 120_000);
  assert.ok(!(client.diagnostics.get(uriOf(SAT))?.diagnostics ?? []).some((d) => d.code === 'DV405'), 'the sample satellite starts clean of DV405');

  const from = client.notices.length;
  const satFinding = client.diagnosticsWhere(uriOf(SAT), (ds) => ds.some((d) => d.code === 'DV405' && d.message.includes('EMAIL')), 'the satellite flagged for EMAIL');
  const edited = textOf(STAGE).replace("      - 'EMAIL'\n", '');
  assert.notEqual(edited, textOf(STAGE));
  await client.notify('textDocument/didChange', { textDocument: { uri: uriOf(STAGE), version: 2 }, contentChanges: [{ text: edited }] });
  await satFinding;
  const published = client.notices.slice(from).filter((n) => n.method === 'textDocument/publishDiagnostics').map((n) => (n.params as PublishedDiagnostics).uri);
  assert.equal(published[0], uriOf(STAGE), `the edited stage is published first: ${published.join(', ')}`);
  assert.ok(published.indexOf(uriOf(SAT)) > 0);
});

test('edits in quick succession: each publication carries the version of the text it was found in, and its findings lie in that text', async () => {
  const uri = uriOf(STAGE);
  const base = textOf(STAGE);
  // Version v has v blank lines first, so every finding moves down a line with each version.
  const from = client.notices.length;
  const first = 10;
  const last = 30;
  for (let v = first; v <= last; v++) {
    // Not awaited one by one: the edits arrive while the earlier ones are being checked.
    void client.notify('textDocument/didChange', { textDocument: { uri, version: v }, contentChanges: [{ text: '\n'.repeat(v) + base }] });
  }
  await client.waitFor((n) => client.notices.indexOf(n) >= from && n.method === 'textDocument/publishDiagnostics' && (n.params as PublishedDiagnostics).uri === uri && (n.params as { version?: number }).version === last, `the findings of version ${last}`);
  const publications = client.notices.slice(from).filter((n) => n.method === 'textDocument/publishDiagnostics' && (n.params as PublishedDiagnostics).uri === uri).map((n) => n.params as PublishedDiagnostics & { version?: number });
  // Where the findings are, counted from the first line of the model's own text.
  const shape = (p: PublishedDiagnostics & { version?: number }) => p.diagnostics.map((d) => `${d.code} ${d.range.start.line - (p.version ?? 0)}:${d.range.start.character}`).sort();
  const final = shape(publications[publications.length - 1] as PublishedDiagnostics & { version?: number });
  assert.ok(final.length > 0, 'the stage has findings to place');
  for (const p of publications) {
    assert.ok(p.version !== undefined && p.version >= first && p.version <= last, `a publication for the open model names a version of this test: ${p.version}`);
    assert.deepEqual(shape(p), final, `the findings published for version ${p.version} are placed in that version's text`);
  }
});
