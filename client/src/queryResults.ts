// "Run Query" and "Show Table": run SQL on the current target through `dvs/runQuery` (the row limit, default 500, is
// written into the executed SQL) and show the rows in a results grid webview with paging and CSV export.
import * as vscode from 'vscode';
import { COMPILED_SQL_SCHEME, CompiledSql, RunQuery, type RunQueryParams, type RunQueryResult } from '../../server/src/protocol';
import { describeFailure, sendDvsRequest } from './languageClient';
import type { RawNode } from './rawSchemaView';
import { toCsv } from './resultsCsv';
import type { Services } from './services';
import { newNonce, webviewPage } from './webviewPage';

export const DEFAULT_ROW_LIMIT = 500;
const PAGE_SIZE = 100;

const STYLE = `
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 0 8px; }
pre.sql { font-family: var(--vscode-editor-font-family); background: var(--vscode-textCodeBlock-background); padding: 6px; white-space: pre-wrap; max-height: 8em; overflow: auto; }
.bar { display: flex; gap: 8px; align-items: center; margin: 6px 0; }
button { background: var(--vscode-button-background); color: var(--vscode-button-foreground); border: none; padding: 3px 10px; cursor: pointer; }
button:disabled { opacity: 0.5; cursor: default; }
table { border-collapse: collapse; font-family: var(--vscode-editor-font-family); }
th, td { border: 1px solid var(--vscode-panel-border); padding: 2px 6px; text-align: left; white-space: nowrap; max-width: 40em; overflow: hidden; text-overflow: ellipsis; }
th { position: sticky; top: 0; background: var(--vscode-editor-background); }
th small { color: var(--vscode-descriptionForeground); font-weight: normal; }
td.null { color: var(--vscode-descriptionForeground); font-style: italic; }
td.num { text-align: right; }
`;

const BODY = `
<pre class="sql" id="sql"></pre>
<div class="bar">
  <button id="prev">Previous</button><button id="next">Next</button>
  <span id="info"></span>
  <button id="csv">Export CSV</button>
</div>
<div id="grid"></div>`;

// Runs in the webview: keeps the rows, renders one page at a time, asks the extension to save CSV.
const SCRIPT = `
const vscode = acquireVsCodeApi();
const PAGE = ${PAGE_SIZE};
let data = { sql: '', columns: [], rows: [], limited: false, ms: 0, target: '' };
let page = 0;
const el = (id) => document.getElementById(id);
function text(v) { return v === null ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v); }
function render() {
  el('sql').textContent = data.sql;
  const pages = Math.max(1, Math.ceil(data.rows.length / PAGE));
  page = Math.min(page, pages - 1);
  const from = page * PAGE, to = Math.min(data.rows.length, from + PAGE);
  el('info').textContent = data.rows.length
    ? 'rows ' + (from + 1) + '–' + to + ' of ' + data.rows.length + (data.limited ? ' (more exist; the LIMIT in the SQL cut them)' : '') + ' · ' + data.target + ' · ' + Math.round(data.ms) + ' ms'
    : 'no rows · ' + data.target + ' · ' + Math.round(data.ms) + ' ms';
  el('prev').disabled = page === 0;
  el('next').disabled = page >= pages - 1;
  const table = document.createElement('table');
  const head = table.createTHead().insertRow();
  for (const c of data.columns) {
    const th = document.createElement('th');
    th.textContent = c.name + ' ';
    const small = document.createElement('small'); small.textContent = c.type; th.appendChild(small);
    head.appendChild(th);
  }
  const body = table.createTBody();
  for (const row of data.rows.slice(from, to)) {
    const tr = body.insertRow();
    row.forEach((v) => {
      const td = tr.insertCell();
      td.textContent = text(v);
      if (v === null) td.className = 'null'; else if (typeof v === 'number') td.className = 'num';
      td.title = td.textContent;
    });
  }
  el('grid').replaceChildren(table);
}
el('prev').addEventListener('click', () => { page--; render(); });
el('next').addEventListener('click', () => { page++; render(); });
el('csv').addEventListener('click', () => vscode.postMessage({ type: 'exportCsv' }));
window.addEventListener('message', (e) => { if (e.data && e.data.type === 'result') { data = e.data.result; page = 0; render(); } });
vscode.postMessage({ type: 'ready' });
`;

function showResults(services: Services, result: RunQueryResult, title: string): vscode.WebviewPanel {
  const panel = vscode.window.createWebviewPanel('dataVault.results', title, vscode.ViewColumn.Active, {
    enableScripts: true,
    localResourceRoots: [],
  });
  const nonce = newNonce();
  panel.webview.html = webviewPage({ nonce, title, style: STYLE, body: BODY, script: SCRIPT });
  panel.webview.onDidReceiveMessage(async (message: { type?: string }) => {
    if (message.type === 'ready') {
      await panel.webview.postMessage({ type: 'result', result });
    } else if (message.type === 'exportCsv') {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      const target = await vscode.window.showSaveDialog({
        defaultUri: folder ? vscode.Uri.joinPath(folder, `${title.replace(/[^\w.-]+/g, '_')}.csv`) : undefined,
        filters: { CSV: ['csv'] },
      });
      if (!target) return;
      await vscode.workspace.fs.writeFile(target, Buffer.from(toCsv(result.columns, result.rows), 'utf8'));
      void vscode.window.showInformationMessage(`Data Vault: wrote ${result.rows.length} rows to ${target.fsPath}.`);
    }
  }, undefined, services.context.subscriptions);
  return panel;
}

async function runAndShow(services: Services, params: RunQueryParams, title: string): Promise<RunQueryResult | undefined> {
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'Data Vault: running query' },
      async () => sendDvsRequest(await services.client(), RunQuery, params),
    );
    showResults(services, result, title);
    return result;
  } catch (error) {
    const message = describeFailure(error, 'The query');
    services.output.error(message);
    void vscode.window.showErrorMessage(`Data Vault: ${message}`);
    return undefined;
  }
}

/** The SQL "Run Query" runs: the selection; else a model's compiled SQL; else the whole document. */
async function sqlToRun(services: Services, editor: vscode.TextEditor): Promise<string | undefined> {
  const doc = editor.document;
  if (!editor.selection.isEmpty) return doc.getText(editor.selection);
  if (doc.uri.scheme === 'file' && doc.uri.path.includes('/models/') && /\.sql$/i.test(doc.uri.path)) {
    const compiled = await sendDvsRequest(await services.client(), CompiledSql, { uri: doc.uri.toString() });
    if (!compiled.sql.trim()) {
      void vscode.window.showErrorMessage(`Data Vault: ${compiled.model} does not compile; see the Problems panel.`);
      return undefined;
    }
    return compiled.sql;
  }
  if (doc.uri.scheme === COMPILED_SQL_SCHEME) return doc.getText().replace(/^--[^\n]*\n/, '');
  return doc.getText();
}

export async function runQueryCommand(services: Services, sql?: string): Promise<RunQueryResult | undefined> {
  let text = typeof sql === 'string' ? sql : undefined;
  if (text === undefined) {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      text = await vscode.window.showInputBox({ title: 'Data Vault: Run Query', prompt: 'A SELECT to run on the current target' });
    } else {
      try {
        text = await sqlToRun(services, editor);
      } catch (error) {
        void vscode.window.showErrorMessage(`Data Vault: ${describeFailure(error, 'Compiling the model')}`);
        return undefined;
      }
    }
  }
  if (!text?.trim()) return undefined;
  return runAndShow(services, { sql: text, limit: DEFAULT_ROW_LIMIT }, 'Query results');
}

/** `node` is the Raw Schema view's table when run from its context menu; otherwise the user picks a raw table. */
export async function showTableCommand(services: Services, node?: RawNode | { schema: string; name: string }): Promise<RunQueryResult | undefined> {
  let table: { schema: string; name: string } | undefined;
  if (node && 'kind' in node && node.kind === 'table') table = { schema: node.schema, name: node.table.name };
  else if (node && 'schema' in node && 'name' in node && typeof node.name === 'string') table = { schema: node.schema, name: node.name };
  table ??= await pickRawTable(services);
  if (!table) return undefined;
  return runAndShow(services, { table, limit: DEFAULT_ROW_LIMIT }, `${table.schema}.${table.name}`);
}

export async function pickRawTable(services: Services): Promise<{ schema: string; name: string } | undefined> {
  let schema = services.rawSchema.current();
  if (!schema) {
    await services.rawSchema.reload();
    schema = services.rawSchema.current();
  }
  const items = (schema?.schemas ?? []).flatMap((s) =>
    s.tables.map((t) => ({ label: `${s.name}.${t.name}`, description: `${t.columns.length} columns`, table: { schema: s.name, name: t.name } })),
  );
  if (!items.length) {
    void vscode.window.showWarningMessage('Data Vault: no raw tables are known. Run "Data Vault: Generate Sample Raw Data" or "Refresh Raw Schema" first.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(items, { title: 'Data Vault: pick a raw table' });
  return picked?.table;
}
