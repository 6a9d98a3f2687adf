// The status bar item: the target in use, whether it is connected, and when the raw schema was last refreshed
// (from the server's `dvs/status`); clicking it selects another target.
import * as vscode from 'vscode';
import type { StatusParams } from '../../server/src/protocol';

export interface StatusItem extends vscode.Disposable {
  update(status: StatusParams): void;
  starting(problem?: string): void;
  current(): StatusParams | undefined;
}

export function statusText(status: StatusParams): { text: string; tooltip: string } {
  const icon = status.connected ? '$(database)' : '$(debug-disconnect)';
  const text = `${icon} ${status.target}${status.connected ? '' : ' (not connected)'}`;
  const lines = [
    `Data Vault target: ${status.target} (${status.targetType})`,
    status.connected ? 'Connected.' : 'Not connected.',
    status.lastSchemaRefresh ? `Raw schema refreshed ${new Date(status.lastSchemaRefresh).toLocaleString()}.` : 'Raw schema not refreshed yet.',
  ];
  if (status.fellBackToEmbedded) lines.push('The default target cannot be resolved; reading from the embedded database instead.');
  if (status.problem) lines.push(status.problem);
  lines.push('Click to select another target.');
  return { text, tooltip: lines.join('\n') };
}

export function registerStatusItem(context: vscode.ExtensionContext): StatusItem {
  const item = vscode.window.createStatusBarItem('dataVault.status', vscode.StatusBarAlignment.Left, 10);
  item.name = 'Data Vault target';
  item.command = 'dataVault.selectTarget';
  let last: StatusParams | undefined;
  context.subscriptions.push(item);
  return {
    update(status) {
      last = status;
      const { text, tooltip } = statusText(status);
      item.text = text;
      item.tooltip = tooltip;
      item.backgroundColor = status.connected ? undefined : new vscode.ThemeColor('statusBarItem.warningBackground');
      item.show();
    },
    starting(problem) {
      item.text = problem ? '$(warning) Data Vault' : '$(sync~spin) Data Vault';
      item.tooltip = problem ?? 'The Data Vault language server is starting.';
      item.show();
    },
    current: () => last,
    dispose() {
      item.dispose();
    },
  };
}
