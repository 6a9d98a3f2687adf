// End-to-end: `dist/server.js` started as a child process and driven over stdio (and once over node-ipc) by a real
// JSON-RPC client, on a copy of the sample project with a live embedded database. Every step waits for the server's
// event (diagnostics published, status sent, progress ended), never for a fixed time. Run `node scripts/build.mjs` first.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SourceText } from '../../server/src/base/text';
import { LspClient, SERVER, type PublishedDiagnostics } from './lsp-client';

const SAMPLE = join(__dirname, '..', '..', 'sample-project');
const SETTINGS = { target: 'embedded', preview: { formatSql: true, runStartedAt: '2024-06-23T13:00:00Z' } };
/** The second project of the workspace names a target its profile lacks, so it never opens a database. */
const settingsFor = (scopeUri: string | undefined) => (scopeUri?.includes('/other') ? { ...SETTINGS, target: 'nowhere' } : SETTINGS);
let root: string;
let client: LspClient;
const uriOf = (rel: string) => pathToFileURL(join(root, rel)).href;
const textOf = (rel: string) => readFileSync(join(root, rel), 'utf8');
const positionOf = (text: string, needle: string, delta = 0) => {
  const i = text.indexOf(needle);
  assert.ok(i >= 0, `'${needle}' not in the file`);
  return new SourceText(text).positionAt(i + delta);
};
const MODELS = ['stg/stg_users.sql', 'stg/stg_products.sql', 'stg/stg_purchases.sql', 'dds/hub_users.sql', 'dds/hub_products.sql', 'dds/link_purchases.sql', 'dds/sat_users.sql', 'dds/sat_products.sql', 'dds/sat_purchases.sql'];

before(async () => {
  assert.ok(existsSync(SERVER), 'dist/server.js is missing: run `node scripts/build.mjs` (npm test builds it)');
  root = join(mkdtempSync(join(tmpdir(), 'dvs-lsp-')), 'sample');
  cpSync(SAMPLE, root, { recursive: true, filter: (src) => !src.includes(`${'/'}.dvs`) && !src.includes('/target/') });
  cpSync(join(__dirname, '..', 'fixtures', 'projects', 'modern'), join(root, '..', 'other'), { recursive: true });
  client = LspClient.start('stdio', { DVS_EMBEDDED_DIR: '', DVS_TARGET: '' }, settingsFor);
});

after(async () => {
  await client?.stop();
  if (root) rmSync(join(root, '..'), { recursive: true, force: true });
});

test('initialize: incremental sync and the features are announced; the embedded target connects', async () => {
  const result = await client.initialize(root);
  const caps = result.capabilities as Record<string, any>;
  assert.equal(caps.textDocumentSync.change, 2);
  for (const c of ['completionProvider', 'hoverProvider', 'definitionProvider', 'referencesProvider', 'documentSymbolProvider', 'codeLensProvider', 'signatureHelpProvider', 'codeActionProvider']) assert.ok(caps[c], c);
  assert.deepEqual(caps.executeCommandProvider.commands, ['dvs.runLoads', 'dvs.generateRaw', 'dvs.runTests']);
  const status = await client.waitFor((n) => n.method === 'dvs/status' && (n.params as { connected: boolean }).connected, 'a connected status');
  assert.equal((status.params as { target: string }).target, 'embedded');
});

test('after dvs.generateRaw the raw schema is live and the sample project has no findings at all', async () => {
  // Before the raw data exists the stages are flagged (DV303); afterwards every model publishes clean.
  const next = MODELS.map((m) => client.diagnosticsWhere(uriOf(`models/${m}`), (d) => d.length === 0, `clean ${m}`));
  const generated = await client.request<{ tables: { name: string; rows: number }[] }>('workspace/executeCommand', { command: 'dvs.generateRaw', arguments: [{ count: 20, seed: 1 }] });
  assert.deepEqual(generated.tables.map((t) => t.name).sort(), ['products', 'purchases', 'users']);
  await Promise.all(next);
  for (const m of MODELS) assert.deepEqual(client.diagnostics.get(uriOf(`models/${m}`))?.diagnostics, [], m);
  const raw = await client.request<{ schemas: { name: string; tables: { name: string; columns: { name: string; type: string }[] }[] }[] }>('dvs/rawSchema', {});
  const users = raw.schemas.find((s) => s.name === 'raw')?.tables.find((t) => t.name === 'users');
  assert.equal(users?.columns.find((c) => c.name === 'created_at')?.type, 'timestamp with time zone');
});

test('a typo typed into a satellite payload is flagged at once with "did you mean" and a quick fix', async () => {
  const rel = 'models/dds/sat_users.sql';
  const uri = uriOf(rel);
  const text = textOf(rel);
  await client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'jinja-sql', version: 1, text } });
  const at = positionOf(text, "  - 'EMAIL'", 5);
  const published = client.diagnosticsWhere(uri, (d) => d.length > 0, 'the typo flagged');
  await client.notify('textDocument/didChange', {
    textDocument: { uri, version: 2 },
    contentChanges: [{ range: { start: at, end: { line: at.line, character: at.character + 5 } }, text: 'EMIAL' }],
  });
  const { diagnostics } = await published;
  assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
  const d = diagnostics[0] as PublishedDiagnostics['diagnostics'][number];
  assert.equal(d.code, 'DV302');
  assert.equal(d.severity, 1);
  assert.match(d.message, /Did you mean EMAIL\?/);
  assert.deepEqual(d.range, { start: at, end: { line: at.line, character: at.character + 5 } });
  const actions = await client.request<{ title: string; edit: { changes: Record<string, { newText: string }[]> } }[]>('textDocument/codeAction', {
    textDocument: { uri },
    range: d.range,
    context: { diagnostics: [d] },
  });
  assert.equal(actions[0]?.edit.changes[uri]?.[0]?.newText, 'EMAIL');
  // Undo the typo: the findings clear.
  const cleared = client.diagnosticsWhere(uri, (d) => d.length === 0, 'the typo cleared');
  await client.notify('textDocument/didChange', { textDocument: { uri, version: 3 }, contentChanges: [{ text }] });
  assert.deepEqual((await cleared).diagnostics, []);
  await client.notify('textDocument/didClose', { textDocument: { uri } });
});

test('completion: payload columns of the stage ranked by the hashdiff, raw columns of a stage with live types', async () => {
  const sat = 'models/dds/sat_users.sql';
  const satText = textOf(sat);
  const items = await client.request<{ items?: unknown } | { label: string; detail?: string; sortText?: string }[]>('textDocument/completion', {
    textDocument: { uri: uriOf(sat) },
    position: positionOf(satText, "  - 'TITLE'", 7),
  });
  const list = (Array.isArray(items) ? items : []) as { label: string; detail?: string; sortText?: string }[];
  const sorted = [...list].sort((a, b) => (a.sortText ?? '').localeCompare(b.sortText ?? ''));
  assert.equal(sorted[0]?.label, 'TITLE');
  assert.match(sorted[0]?.detail ?? '', /character varying · stg_users: from raw\.users \(live\)/);
  assert.ok(!list.some((i) => i.label === 'NAME'), 'columns already in the payload are not offered again');

  const stg = 'models/stg/stg_users.sql';
  const stgText = textOf(stg);
  const raw = (await client.request<{ label: string; detail?: string }[]>('textDocument/completion', {
    textDocument: { uri: uriOf(stg) },
    position: positionOf(stgText, "      - 'TITLE'", 9),
  })) as { label: string; detail?: string }[];
  // raw.users stores `title`; the stage writes its metadata upper case, and PostgreSQL folds the unquoted name.
  const title = raw.find((i) => i.label === 'TITLE');
  assert.equal(title?.detail, 'character varying · raw.users (live)');
  // The documentation comes when the editor shows the item (completionItem/resolve), not with the list.
  assert.equal((title as { documentation?: unknown }).documentation, undefined);
  const resolved = await client.request<{ label: string; documentation?: { kind: string; value: string } }>('completionItem/resolve', title);
  assert.equal(resolved.label, 'TITLE');
  assert.equal(resolved.documentation?.kind, 'markdown');
  assert.match(resolved.documentation?.value ?? '', /\*\*title\*\* `character varying` — column of `raw\.users`/);
});

test('hover shows how a key is hashed, and the compiled SQL under the macro call', async () => {
  const rel = 'models/dds/hub_users.sql';
  const text = textOf(rel);
  const key = await client.request<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri: uriOf(rel) }, position: positionOf(text, '"USER_HK"', 2) });
  assert.match(key.contents.value, /hash key of `stg_users`, hashed from USER_ID/);
  assert.match(key.contents.value, /DECODE\(MD5\(NULLIF\(UPPER\(TRIM\(CAST\(USER_ID AS VARCHAR\)\)\), ''\)\), 'hex'\)/);
  const macro = await client.request<{ contents: { value: string } }>('textDocument/hover', { textDocument: { uri: uriOf(rel) }, position: positionOf(text, 'automate_dv.hub', 13) });
  assert.match(macro.contents.value, /```sql\n/);
  assert.match(macro.contents.value, /Generated by AutomateDV/);
});

test('go to definition: ref() to the model file, a column to where its stage derives it', async () => {
  const mart = 'models/mart/mart_purchase_facts.sql';
  const martText = textOf(mart);
  const toModel = await client.request<{ uri: string }[]>('textDocument/definition', { textDocument: { uri: uriOf(mart) }, position: positionOf(martText, "ref('sat_purchases')", 6) });
  assert.equal(toModel[0]?.uri, uriOf('models/dds/sat_purchases.sql'));
  const hub = 'models/dds/hub_users.sql';
  const toColumn = await client.request<{ uri: string; range: { start: { line: number } } }[]>('textDocument/definition', {
    textDocument: { uri: uriOf(hub) },
    position: positionOf(textOf(hub), 'src_nk = "USER_ID"', 11),
  });
  const stg = textOf('models/stg/stg_users.sql');
  assert.equal(toColumn[0]?.uri, uriOf('models/stg/stg_users.sql'));
  assert.equal(toColumn[0]?.range.start.line, positionOf(stg, "  USER_ID: 'id'").line);
  const refs = await client.request<{ uri: string }[]>('textDocument/references', {
    textDocument: { uri: uriOf(hub) },
    position: positionOf(textOf(hub), 'source_model = "stg_users"', 17),
    context: { includeDeclaration: false },
  });
  assert.ok(refs.some((r) => r.uri === uriOf('models/dds/sat_users.sql')));
});

test('symbols, code lenses and signature help of a vault model', async () => {
  const rel = 'models/dds/link_purchases.sql';
  const uri = uriOf(rel);
  const text = textOf(rel);
  const symbols = await client.request<{ name: string; children?: { name: string }[] }[]>('textDocument/documentSymbol', { textDocument: { uri } });
  const call = symbols.find((s) => s.name === 'automate_dv.link');
  assert.deepEqual(call?.children?.map((c) => c.name), ['src_pk', 'src_fk', 'src_extra_columns', 'src_ldts', 'src_source', 'source_model']);
  const lenses = await client.request<{ command: { title: string; command: string; arguments: unknown[] } }[]>('textDocument/codeLens', { textDocument: { uri } });
  assert.deepEqual(lenses.map((l) => l.command.title), ['Preview SQL', 'Run load']);
  assert.deepEqual(lenses[1]?.command.arguments, [{ select: ['link_purchases'] }]);
  const help = await client.request<{ signatures: { label: string }[]; activeParameter: number }>('textDocument/signatureHelp', { textDocument: { uri }, position: positionOf(text, 'src_fk=src_fk', 7) });
  assert.equal(help.signatures[0]?.label, 'link(src_pk, src_fk, src_extra_columns, src_ldts, src_source, source_model)');
  assert.equal(help.activeParameter, 1);
});

test('dvs/compiledSql and dvs/projectGraph', async () => {
  const compiled = await client.request<{ sql: string; model: string; diagnostics: unknown[]; macroCall?: unknown; materialization?: string }>('dvs/compiledSql', { uri: uriOf('models/dds/hub_users.sql') });
  assert.equal(compiled.model, 'hub_users');
  assert.deepEqual(compiled.diagnostics, []);
  assert.match(compiled.sql, /DISTINCT\s+ON/);
  assert.equal(compiled.materialization, 'incremental');
  assert.ok(compiled.macroCall);
  const graph = await client.request<{ models: { name: string; kind: string; businessKeys?: string[]; parents?: string[] }[]; edges: { from: string; to: string }[] }>('dvs/projectGraph', {});
  const byName = new Map(graph.models.map((m) => [m.name, m]));
  assert.equal(byName.get('hub_users')?.kind, 'hub');
  assert.deepEqual(byName.get('hub_users')?.businessKeys, ['USER_ID']);
  assert.deepEqual(byName.get('sat_users')?.parents, ['hub_users']);
  assert.deepEqual(byName.get('link_purchases')?.parents, ['hub_products', 'hub_users']);
  assert.ok(graph.edges.some((e) => e.from === 'stg_users' && e.to === 'hub_users'));
  assert.ok(graph.edges.some((e) => e.from === 'source:raw.users' && e.to === 'stg_users'));
});

test('dvs.runLoads reports work-done progress per model and a load event for each', async () => {
  const token = 'load-1';
  const result = await client.request<{ models: { model: string; status: string; error?: { message: string } }[]; cancelled: boolean }>('workspace/executeCommand', {
    command: 'dvs.runLoads',
    arguments: [{ select: ['+sat_users'] }],
    workDoneToken: token,
  });
  assert.equal(result.cancelled, false);
  assert.deepEqual(result.models.map((m) => [m.model, m.status]), [['stg_users', 'success'], ['sat_users', 'success']], JSON.stringify(result.models));
  const progress = client.notices.filter((n) => n.method === '$/progress' && (n.params as { token: string }).token === token).map((n) => (n.params as { value: { kind: string; message?: string } }).value);
  assert.equal(progress[0]?.kind, 'begin');
  assert.equal(progress[progress.length - 1]?.kind, 'end');
  assert.ok(progress.some((p) => p.kind === 'report' && p.message?.startsWith('sat_users (2/2)')));
  const events = client.notices.filter((n) => n.method === 'dvs/loadEvent' && (n.params as { token: string }).token === token).map((n) => n.params as { model: string; status: string });
  assert.deepEqual(events.map((e) => `${e.model}:${e.status}`), ['stg_users:running', 'stg_users:success', 'sat_users:running', 'sat_users:success']);
});

test('dvs/dashboard: the Superset export\'s charts with data from the loaded marts, an unbuilt mart in its tile', async () => {
  const loaded = await client.request<{ models: { model: string; status: string }[] }>('workspace/executeCommand', { command: 'dvs.runLoads', arguments: [{ select: ['+mart_users_by_age_gender'] }] });
  assert.ok(loaded.models.every((m) => m.status === 'success'), JSON.stringify(loaded.models));
  const dashboard = await client.request<{ title: string; charts: Record<string, { title: string; status: string; rows: number; message?: string; option?: unknown; model?: { uri: string } }> }>('dvs/dashboard', {});
  assert.equal(dashboard.title, 'E-commerce Analytics Dashboard');
  const charts = Object.values(dashboard.charts);
  assert.equal(charts.length, 10);
  const ages = charts.find((c) => c.title === 'Age Distribution of Users by Gender');
  assert.equal(ages?.status, 'ok', ages?.message);
  assert.ok((ages?.rows ?? 0) > 0 && ages?.option);
  assert.equal(ages?.model?.uri, uriOf('models/mart/mart_users_by_age_gender.sql'));
  // mart_user_signups was never loaded here: its chart says so instead of failing the dashboard.
  const signups = charts.find((c) => c.title === 'User Account Creation Over Time');
  assert.equal(signups?.status, 'error');
  assert.match(signups?.message ?? '', /does not exist/);
  // A project without a Superset export is told so.
  await assert.rejects(client.request('dvs/dashboard', { projectUri: pathToFileURL(join(root, '..', 'other')).href }), /no Superset export/);
});

test('a second dbt project in the workspace is its own project: its models, its target', async () => {
  const rel = join('..', 'other', 'models', 'mart', 'mart_users.sql');
  const uri = uriOf(rel);
  const text = textOf(rel);
  await client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'jinja-sql', version: 1, text } });
  const items = await client.request<{ label: string }[]>('textDocument/completion', { textDocument: { uri }, position: positionOf(text, "ref('hub_users')", 5) });
  const labels = items.map((i) => i.label);
  assert.ok(labels.includes('stg_products'), labels.join(', '));
  assert.ok(!labels.includes('mart_monthly_kpis'), 'models of the sample project are not offered');
  const status = await client.waitFor((n) => n.method === 'dvs/status' && String((n.params as { projectUri: string }).projectUri).endsWith('/other'), 'the second project status');
  assert.equal((status.params as { connected: boolean }).connected, false);
  assert.match(String((status.params as { problem?: string }).problem), /nowhere/);
  await client.notify('textDocument/didClose', { textDocument: { uri } });
});

test('--node-ipc: a second server over node-ipc answers on the same project', async () => {
  const ipc = LspClient.start('node-ipc', {}, SETTINGS);
  try {
    await ipc.initialize(root);
    const rel = 'models/dds/hub_users.sql';
    const text = textOf(rel);
    const items = await ipc.request<{ label: string }[]>('textDocument/completion', { textDocument: { uri: uriOf(rel) }, position: positionOf(text, 'source_model = "stg_users"', 16) });
    assert.ok(items.some((i) => i.label === 'stg_users'));
  } finally {
    await ipc.stop();
  }
});
