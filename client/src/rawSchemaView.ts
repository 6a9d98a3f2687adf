// The "Raw Schema" view (target → schema → table → column with its type) from `dvs/rawSchema`, and the commands that
// change it: Refresh Raw Schema and Generate Sample Raw Data.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { GenerateRaw, RawSchema, RefreshSchema, type GenerateRawResult, type RawColumn, type RawSchemaResult, type RawTable } from '../../server/src/protocol';
import { describeFailure, runServerCommand, sendDvsRequest } from './languageClient';

export type RawNode =
  | { kind: 'target'; name: string; result: RawSchemaResult }
  | { kind: 'schema'; target: string; name: string; tables: RawTable[] }
  | { kind: 'table'; schema: string; table: RawTable }
  | { kind: 'column'; schema: string; table: string; column: RawColumn }
  | { kind: 'message'; text: string };

export interface RawSchemaView extends vscode.Disposable {
  /** Re-reads the cached schema from the server (no introspection). */
  reload(): Promise<void>;
  /** Asks the server to introspect now. */
  refresh(): Promise<RawSchemaResult | undefined>;
  generateRaw(): Promise<GenerateRawResult | undefined>;
  current(): RawSchemaResult | undefined;
}

function ago(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : `refreshed ${new Date(t).toLocaleTimeString()}`;
}

export function registerRawSchemaView(context: vscode.ExtensionContext, client: () => Promise<LanguageClient>): RawSchemaView {
  let data: RawSchemaResult | undefined;
  let problem: string | undefined;
  const changed = new vscode.EventEmitter<void>();

  const provider: vscode.TreeDataProvider<RawNode> = {
    onDidChangeTreeData: changed.event,
    getChildren(node) {
      if (!node) {
        if (problem) return [{ kind: 'message', text: problem }];
        return data ? [{ kind: 'target', name: data.target, result: data }] : [];
      }
      switch (node.kind) {
        case 'target':
          if (!node.result.schemas.length) return [{ kind: 'message', text: node.result.problem ?? 'No raw tables yet: run "Generate Sample Raw Data" or an Airbyte sync.' }];
          return node.result.schemas.map((s) => ({ kind: 'schema', target: node.name, name: s.name, tables: s.tables }));
        case 'schema':
          return node.tables.map((table) => ({ kind: 'table', schema: node.name, table }));
        case 'table':
          return node.table.columns.map((column) => ({ kind: 'column', schema: node.schema, table: node.table.name, column }));
        default:
          return [];
      }
    },
    getTreeItem(node) {
      const C = vscode.TreeItemCollapsibleState;
      switch (node.kind) {
        case 'target': {
          const item = new vscode.TreeItem(node.name, C.Expanded);
          item.description = node.result.refreshedAt ? ago(node.result.refreshedAt) : 'not introspected yet';
          item.tooltip = node.result.problem ?? `Target ${node.name}`;
          item.iconPath = new vscode.ThemeIcon(node.result.problem ? 'warning' : 'server');
          item.contextValue = 'rawTarget';
          return item;
        }
        case 'schema': {
          const item = new vscode.TreeItem(node.name, C.Expanded);
          item.description = `${node.tables.length} tables`;
          item.iconPath = new vscode.ThemeIcon('symbol-namespace');
          item.contextValue = 'rawSchema';
          return item;
        }
        case 'table': {
          const item = new vscode.TreeItem(node.table.name, C.Collapsed);
          item.description = `${node.table.columns.length} columns${node.table.kind === 'view' ? ', view' : ''}`;
          item.iconPath = new vscode.ThemeIcon('table');
          item.contextValue = 'rawTable';
          item.tooltip = `${node.schema}.${node.table.name}`;
          return item;
        }
        case 'column': {
          const item = new vscode.TreeItem(node.column.name, C.None);
          item.description = node.column.type + (node.column.nullable === false ? ' not null' : '');
          item.iconPath = new vscode.ThemeIcon('symbol-field');
          item.contextValue = 'rawColumn';
          return item;
        }
        case 'message': {
          const item = new vscode.TreeItem(node.text, C.None);
          item.iconPath = new vscode.ThemeIcon('info');
          return item;
        }
      }
    },
  };
  const view = vscode.window.createTreeView('dataVault.rawSchema', { treeDataProvider: provider, showCollapseAll: true });
  context.subscriptions.push(view, changed);

  const show = (result: RawSchemaResult | undefined, failure?: string): void => {
    data = result;
    problem = failure;
    changed.fire();
  };

  return {
    async reload() {
      try {
        show(await sendDvsRequest(await client(), RawSchema, {}));
      } catch (error) {
        show(undefined, describeFailure(error, 'Reading the raw schema'));
      }
    },
    async refresh() {
      return vscode.window.withProgress(
        { location: { viewId: 'dataVault.rawSchema' }, title: 'Refreshing the raw schema' },
        async () => {
          try {
            const result = await sendDvsRequest(await client(), RefreshSchema, {});
            show(result);
            return result;
          } catch (error) {
            const message = describeFailure(error, 'Refreshing the raw schema');
            show(data, message);
            void vscode.window.showErrorMessage(`Data Vault: ${message}`);
            return undefined;
          }
        },
      );
    },
    async generateRaw() {
      return vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Data Vault: generating sample raw data' },
        async () => {
          try {
            const result = await runServerCommand(await client(), GenerateRaw, {});
            const rows = result.tables.map((t) => `${t.schema}.${t.name} ${t.rows.toLocaleString('en-US')}`).join(', ');
            void vscode.window.showInformationMessage(`Data Vault: wrote sample raw data on ${result.target}: ${rows}.`);
            await this.reload();
            return result;
          } catch (error) {
            void vscode.window.showErrorMessage(`Data Vault: ${describeFailure(error, 'Generating sample raw data')}`);
            return undefined;
          }
        },
      );
    },
    current: () => data,
    dispose() {
      data = undefined;
    },
  };
}
