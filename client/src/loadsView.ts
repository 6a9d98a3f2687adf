// The "Loads" view: the models of the last run with their status, rows and time, updated live from `dvs/loadEvent`.
import * as vscode from 'vscode';
import type { LoadEventParams, ModelLoadResult, RunLoadsResult } from '../../server/src/protocol';

export interface LoadRow {
  model: string;
  status: ModelLoadResult['status'] | 'running';
  rows?: number;
  ms?: number;
  relation?: string;
  error?: ModelLoadResult['error'];
  /** The model file, when the Vault graph knows it. */
  uri?: string;
}

export interface LoadsView extends vscode.Disposable {
  /** Starts a new run in the view (clears the previous one). */
  begin(target: string, workDoneToken: string): void;
  event(e: LoadEventParams): void;
  finish(result: RunLoadsResult): void;
  rows(): readonly LoadRow[];
  /** The token of the run being shown, to match `dvs/loadEvent`s to it. */
  readonly currentToken: string | undefined;
}

const ICONS: Record<LoadRow['status'], vscode.ThemeIcon> = {
  running: new vscode.ThemeIcon('sync~spin'),
  success: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  error: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  skipped: new vscode.ThemeIcon('debug-step-over'),
  cancelled: new vscode.ThemeIcon('circle-slash'),
};

export function describeRow(row: LoadRow): string {
  const parts: string[] = [row.status];
  if (row.rows !== undefined) parts.push(`${row.rows.toLocaleString('en-US')} rows`);
  if (row.ms !== undefined) parts.push(`${Math.round(row.ms)} ms`);
  return parts.join(' · ');
}

export function registerLoadsView(context: vscode.ExtensionContext, modelUriOf: (model: string) => string | undefined): LoadsView {
  let rows: LoadRow[] = [];
  let token: string | undefined;
  let title = 'no run yet';
  const changed = new vscode.EventEmitter<void>();

  const provider: vscode.TreeDataProvider<LoadRow> = {
    onDidChangeTreeData: changed.event,
    getChildren: (element) => (element ? [] : rows),
    getTreeItem(row) {
      const item = new vscode.TreeItem(row.model, vscode.TreeItemCollapsibleState.None);
      item.description = describeRow(row);
      item.iconPath = ICONS[row.status];
      item.tooltip = row.error ? `${row.model}: ${row.error.message}` : `${row.relation ?? row.model}: ${describeRow(row)}`;
      item.contextValue = `load.${row.status}`;
      const uri = row.error?.uri ?? row.uri ?? modelUriOf(row.model);
      if (uri) {
        const selection = row.error?.range
          ? new vscode.Range(row.error.range.start.line, row.error.range.start.character, row.error.range.end.line, row.error.range.end.character)
          : undefined;
        item.command = { title: 'Open Model', command: 'vscode.open', arguments: [vscode.Uri.parse(uri), { selection }] };
      }
      return item;
    },
  };
  const view = vscode.window.createTreeView('dataVault.loads', { treeDataProvider: provider });
  context.subscriptions.push(view, changed);
  const refresh = (): void => {
    view.description = title;
    changed.fire();
  };

  return {
    get currentToken() {
      return token;
    },
    begin(target, workDoneToken) {
      token = workDoneToken;
      rows = [];
      title = `running on ${target}…`;
      refresh();
    },
    event(e) {
      if (String(e.token) !== token) return;
      const existing = rows.find((r) => r.model === e.model);
      const row: LoadRow = { ...existing, model: e.model, status: e.status, rows: e.rows, ms: e.ms };
      if (existing) rows[rows.indexOf(existing)] = row;
      else rows.push(row);
      refresh();
    },
    finish(result) {
      rows = result.models.map((m) => ({ model: m.model, status: m.status, rows: m.rows, ms: m.ms, relation: m.relation, error: m.error }));
      const failed = result.models.filter((m) => m.status === 'error').length;
      title = `${result.target}, ${new Date().toLocaleTimeString()}${result.cancelled ? ', cancelled' : ''}${failed ? `, ${failed} failed` : ''}`;
      refresh();
    },
    rows: () => rows,
    dispose() {
      rows = [];
    },
  };
}
