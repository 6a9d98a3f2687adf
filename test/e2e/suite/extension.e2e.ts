// Extension-host tests in a real VS Code (code-server here, @vscode/test-electron elsewhere) on a fresh copy of the
// sample project set to the embedded target: activation and the command table, diagnostics, completion, the live
// compiled-SQL preview, raw data and loads, and the smaller commands, all through VS Code's own APIs.
import * as assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { GenerateRawResult, HashOfResult, ProjectGraphResult, RawSchemaResult, RunLoadsResult, RunQueryResult, StatusParams } from '../../../server/src/protocol';

const EXTENSION_ID = 'data-vault-studio.data-vault-studio';
/** How long the language server may take to start, index the sample project and answer. */
const SERVER_WAIT_MS = 120_000;

interface DataVaultApi {
  ready: Promise<void>;
}

async function activated(): Promise<vscode.Extension<DataVaultApi>> {
  const ext = vscode.extensions.getExtension<DataVaultApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
  const api = await ext.activate();
  await api.ready;
  return ext;
}

function workspaceUri(...segments: string[]): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder is open');
  return vscode.Uri.joinPath(folder.uri, ...segments);
}

/** Resolves with the diagnostics of `uri` once `accept` holds for them; rejects after `timeoutMs` saying what was there. */
function diagnosticsWhen(uri: vscode.Uri, accept: (d: readonly vscode.Diagnostic[]) => boolean, timeoutMs = SERVER_WAIT_MS): Promise<readonly vscode.Diagnostic[]> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const current = vscode.languages.getDiagnostics(uri);
      if (!accept(current)) return false;
      cleanup();
      resolve(current);
      return true;
    };
    const subscription = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => u.toString() === uri.toString())) check();
    });
    const timer = setTimeout(() => {
      cleanup();
      const seen = vscode.languages.getDiagnostics(uri).map((d) => `${String(d.code)} ${d.message}`);
      reject(new Error(`no matching diagnostics on ${uri.path} within ${timeoutMs / 1000} s; saw: ${JSON.stringify(seen)}`));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      subscription.dispose();
    };
    check();
  });
}

/** Resolves once a document's text satisfies `accept` (after an edit elsewhere made it change). */
function textWhen(doc: vscode.TextDocument, accept: (text: string) => boolean, timeoutMs = SERVER_WAIT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    if (accept(doc.getText())) {
      resolve(doc.getText());
      return;
    }
    const subscription = vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document.uri.toString() === doc.uri.toString() && accept(e.document.getText())) {
        clearTimeout(timer);
        subscription.dispose();
        resolve(e.document.getText());
      }
    });
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`${doc.uri.toString()} did not change as expected within ${timeoutMs / 1000} s; it holds:\n${doc.getText().slice(0, 500)}`));
    }, timeoutMs);
  });
}

function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' ? String(d.code.value) : String(d.code);
}

/** The position just after the first occurrence of `marker` in the document. */
function after(doc: vscode.TextDocument, marker: string): vscode.Position {
  const at = doc.getText().indexOf(marker);
  assert.ok(at >= 0, `${marker} not found in ${doc.uri.path}`);
  return doc.positionAt(at + marker.length);
}

async function completionItems(uri: vscode.Uri, position: vscode.Position): Promise<vscode.CompletionItem[]> {
  const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, position);
  return list.items;
}

function labelOf(item: vscode.CompletionItem): string {
  return typeof item.label === 'string' ? item.label : item.label.label;
}

suite('Data Vault Studio in VS Code', () => {
  suiteSetup(async () => {
    await activated();
  });

  teardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('activates and every contributed command has a handler', async () => {
    const ext = await activated();
    const contributed = (ext.packageJSON as { contributes: { commands: { command: string }[] } }).contributes.commands.map((c) => c.command);
    assert.ok(contributed.length >= 20, `only ${contributed.length} commands contributed`);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(contributed.filter((c) => !registered.has(c)), []);
  });

  test('Generate Sample Raw Data writes the Airbyte-layout raw tables into the embedded database', async () => {
    const raw = await vscode.commands.executeCommand<GenerateRawResult | undefined>('dataVault.generateRawData');
    assert.ok(raw, 'Generate Sample Raw Data returned nothing (see the notifications in the screenshot)');
    assert.equal(raw.target, 'embedded');
    assert.deepEqual(raw.tables.map((t) => t.name).sort(), ['products', 'purchases', 'users']);
    for (const t of raw.tables) assert.ok(t.rows > 0, `raw.${t.name} is empty`);
  });

  test('diagnostics: an unknown ref() is reported on a new model file, and cleared when it is deleted', async () => {
    const uri = workspaceUri('models', 'e2e', 'e2e_unknown_ref.sql');
    await vscode.workspace.fs.writeFile(uri, Buffer.from("select * from {{ ref('no_such_model') }}\n", 'utf8'));
    await vscode.window.showTextDocument(uri);
    const found = await diagnosticsWhen(uri, (ds) => ds.some((d) => codeOf(d) === 'DV101'));
    const d = found.find((x) => codeOf(x) === 'DV101');
    assert.ok(d);
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    assert.match(d.message, /no_such_model/);
    assert.equal(d.range.start.line, 0);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await vscode.workspace.fs.delete(uri);
    // A deleted model leaves the project, and the Problems panel, at once.
    await diagnosticsWhen(uri, (ds) => ds.length === 0, 30_000);
    const graph = await vscode.commands.executeCommand<ProjectGraphResult | undefined>('dataVault.refreshVault');
    assert.ok(graph && !graph.models.some((m) => m.name === 'e2e_unknown_ref'), 'the deleted model is still in the project graph');
  });

  test('diagnostics: a typo in a satellite payload is flagged while typing, with the right name suggested', async () => {
    const doc = await vscode.workspace.openTextDocument(workspaceUri('models', 'dds', 'sat_users.sql'));
    await vscode.window.showTextDocument(doc);
    const at = after(doc, "  - '");
    const line = doc.lineAt(at.line).text;
    assert.ok(line.includes("'NAME'"), `expected the first payload column on line ${at.line + 1}: ${line}`);
    const typo = new vscode.Range(at, at.translate(0, 4));
    const onTypo = (ds: readonly vscode.Diagnostic[]): boolean => ds.some((d) => d.range.start.line === at.line && /NMAE/.test(d.message));
    // Unsaved edit: the server sees the buffer, not the file. "did you mean NAME" names the right column.
    const edit = new vscode.WorkspaceEdit();
    edit.replace(doc.uri, typo, 'NMAE');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const found = await diagnosticsWhen(doc.uri, (ds) => ds.some((d) => d.range.start.line === at.line && /\bNAME\b/.test(d.message)));
    assert.ok(found.some((d) => d.range.intersection(typo) !== undefined), 'the finding does not cover the typo');
    // Typing the right name again clears the finding; the file on disk is unchanged.
    const fix = new vscode.WorkspaceEdit();
    fix.replace(doc.uri, typo, 'NAME');
    assert.ok(await vscode.workspace.applyEdit(fix));
    assert.ok(await doc.save());
    await diagnosticsWhen(doc.uri, (ds) => !onTypo(ds) && !ds.some((d) => d.range.start.line === at.line));
  });

  test("completion in a hub model's src_nk offers its stage's business key and hash key", async () => {
    const doc = await vscode.workspace.openTextDocument(workspaceUri('models', 'dds', 'hub_users.sql'));
    await vscode.window.showTextDocument(doc);
    const items = await completionItems(doc.uri, after(doc, 'set src_nk = "'));
    const labels = items.map(labelOf);
    assert.ok(labels.includes('USER_ID'), `USER_ID not offered; got ${JSON.stringify(labels.slice(0, 30))}`);
    assert.ok(labels.includes('USER_HK'), `the stage's hash key USER_HK not offered; got ${JSON.stringify(labels.slice(0, 30))}`);
  });

  test('completion in a stage offers the raw columns of its source with their types', async () => {
    const doc = await vscode.workspace.openTextDocument(workspaceUri('models', 'stg', 'stg_users.sql'));
    const items = await completionItems(doc.uri, after(doc, "USER_ID: '"));
    for (const column of ['id', 'email', 'created_at']) {
      const item = items.find((i) => labelOf(i).toLowerCase() === column);
      assert.ok(item, `raw column ${column} not offered; got ${JSON.stringify(items.map(labelOf).slice(0, 30))}`);
      const described = `${item.detail ?? ''} ${typeof item.label === 'string' ? '' : item.label.description ?? ''}`;
      assert.match(described, /bigint|character varying|timestamp/, `${column} is offered without its type: ${described}`);
    }
  });

  test('the compiled SQL preview opens beside the model, follows unsaved edits and toggles to incremental', async () => {
    const model = await vscode.workspace.openTextDocument(workspaceUri('models', 'dds', 'hub_users.sql'));
    await vscode.window.showTextDocument(model);
    const preview = await vscode.commands.executeCommand<vscode.TextDocument>('dataVault.previewCompiledSql', model.uri);
    assert.ok(preview, 'the command returned no document');
    assert.equal(preview.uri.scheme, 'dvs-sql');
    assert.equal(preview.languageId, 'sql');
    const first = await textWhen(preview, (t) => /select/i.test(t) && /stg_users/.test(t));
    assert.match(first, /first load/);
    assert.match(first, /USER_HK/);
    assert.ok(vscode.window.visibleTextEditors.some((e) => e.document.uri.toString() === preview.uri.toString()), 'the preview is not visible');

    // Typing in the model (unsaved) changes the preview.
    const editor = await vscode.window.showTextDocument(model);
    const at = after(model, 'set src_source = "');
    await editor.edit((b) => b.replace(new vscode.Range(at, at.translate(0, 'RECORD_SOURCE'.length)), 'EFFECTIVE_FROM'));
    await textWhen(preview, (t) => /EFFECTIVE_FROM/.test(t));
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await textWhen(preview, (t) => !/EFFECTIVE_FROM/.test(t));

    await vscode.commands.executeCommand('dataVault.togglePreviewIncremental', preview.uri);
    await textWhen(preview, (t) => /incremental run/.test(t) && /select/i.test(t));

    // Peek opens on the model's editor (the widget itself is only visible in the UI test's screenshots).
    await vscode.commands.executeCommand('dataVault.peekCompiledSql', model.uri);
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), model.uri.toString());
  });

  test('running all loads on the embedded target reports rows per model', async () => {
    // The e2e folder holds only what the diagnostics tests write; the loads are about the sample project.
    const result = await vscode.commands.executeCommand<RunLoadsResult | undefined>('dataVault.runLoads', { select: [], exclude: ['path:models/e2e'] });
    assert.ok(result, 'Run Loads returned nothing');
    assert.equal(result.target, 'embedded');
    assert.equal(result.cancelled, false);
    const failed = result.models.filter((m) => m.status !== 'success');
    assert.deepEqual(failed.map((m) => `${m.model}: ${m.error?.message ?? m.status}`), []);
    const hub = result.models.find((m) => m.model === 'hub_users');
    assert.ok(hub, `hub_users did not run: ${result.models.map((m) => m.model).join(', ')}`);
    for (const name of ['hub_users', 'sat_users', 'link_purchases']) {
      const m = result.models.find((x) => x.model === name);
      assert.ok(m && (m.rows ?? 0) > 0, `${name} loaded no rows`);
    }

    // Every distinct raw user became exactly one hub row, and the load reported that count.
    const query = await vscode.commands.executeCommand<RunQueryResult | undefined>(
      'dataVault.runQuery',
      'select (select count(distinct id) from "raw"."users") as users, (select count(*) from "dds"."hub_users") as hub',
    );
    assert.ok(query, 'Run Query returned nothing');
    // The default row limit is in the executed SQL (the server may read one row more to tell that more exist).
    assert.match(query.sql, /limit 50[01]\b/i);
    assert.deepEqual(query.columns.map((c) => c.name), ['users', 'hub']);
    const [distinctUsers, hubRows] = (query.rows[0] ?? []).map((v) => Number(v));
    assert.ok(distinctUsers && distinctUsers > 0);
    assert.equal(hubRows, distinctUsers);
    assert.equal(hub.rows, hubRows);
  });

  test('Show Table runs with the default row limit; Refresh Raw Schema lists the raw columns with their types', async () => {
    const table = await vscode.commands.executeCommand<RunQueryResult | undefined>('dataVault.showTable', { schema: 'raw', name: 'users' });
    assert.ok(table, 'Show Table returned nothing');
    assert.equal(table.rows.length, 500);
    assert.equal(table.limited, true);
    assert.ok(table.columns.some((c) => c.name === 'email'));

    const schema = await vscode.commands.executeCommand<RawSchemaResult | undefined>('dataVault.refreshRawSchema');
    assert.ok(schema, 'Refresh Raw Schema returned nothing');
    assert.equal(schema.target, 'embedded');
    assert.ok(schema.refreshedAt, 'no refresh time');
    const users = schema.schemas.find((x) => x.name === 'raw')?.tables.find((t) => t.name === 'users');
    assert.ok(users, `raw.users missing: ${JSON.stringify(schema.schemas.map((x) => x.name))}`);
    assert.equal(users.columns.find((c) => c.name === 'address')?.type, 'jsonb');
  });

  test('Select Target switches to embedded and the vault diagram draws the project', async () => {
    const status = await vscode.commands.executeCommand<StatusParams | undefined>('dataVault.selectTarget', 'embedded');
    assert.ok(status, 'Select Target returned nothing');
    assert.equal(status.target, 'embedded');
    assert.equal(status.connected, true);
    const panel = await vscode.commands.executeCommand<vscode.WebviewPanel | undefined>('dataVault.showVaultDiagram');
    assert.ok(panel, 'no diagram panel');
    assert.match(panel.title, /^Vault: /);
    assert.match(panel.webview.html, /data-id="hub_users"/);
    assert.match(panel.webview.html, /Content-Security-Policy/);
    assert.doesNotMatch(panel.webview.html, /src="https?:/);
    panel.dispose();
  });

  test('Create Sample Project copies the sample into a new folder without run output', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'dvs-sample-'));
    try {
      const created = await vscode.commands.executeCommand<vscode.Uri | undefined>('dataVault.createSampleProject', { parent, open: false });
      assert.ok(created, 'no folder was created');
      assert.equal(created.fsPath, join(parent, 'data-vault-sample'));
      await vscode.workspace.fs.stat(vscode.Uri.joinPath(created, 'dbt_project.yml'));
      await vscode.workspace.fs.stat(vscode.Uri.joinPath(created, 'models', 'dds', 'hub_users.sql'));
      await assert.rejects(Promise.resolve(vscode.workspace.fs.stat(vscode.Uri.joinPath(created, '.dvs'))));
      const again = await vscode.commands.executeCommand<vscode.Uri | undefined>('dataVault.createSampleProject', { parent, open: false });
      assert.equal(again?.fsPath, join(parent, 'data-vault-sample-2'), 'an existing copy must not be overwritten');
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });

  test('Open Superset without a running Superset says how to start it', async () => {
    const outcome = await vscode.commands.executeCommand<string>('dataVault.openSuperset');
    assert.equal(outcome, 'not-running');
  });

  test('Show Hash Of answers with an MD5 bytea as AutomateDV stores it', async () => {
    const result = await vscode.commands.executeCommand<HashOfResult | undefined>('dataVault.showHashOf', '1');
    assert.ok(result);
    assert.match(result.hash, /^\\x[0-9a-f]{32}$/);
    assert.equal(result.hashedString, '1');
  });
});
