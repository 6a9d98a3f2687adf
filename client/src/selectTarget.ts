// "Select Target": the profile's targets from profiles.yml plus `embedded`; the choice goes into the workspace setting
// `dataVault.target` and to the server (`dvs/selectTarget`), which reconnects and reports the new status.
import * as vscode from 'vscode';
import { SelectTarget, Targets, type StatusParams } from '../../server/src/protocol';
import { describeFailure, sendDvsRequest } from './languageClient';
import type { Services } from './services';

interface TargetItem extends vscode.QuickPickItem {
  target: string;
}

/** `name` skips the quick pick (tests and other commands pass it). Returns the server's new status. */
export async function selectTargetCommand(services: Services, name?: string): Promise<StatusParams | undefined> {
  try {
    const client = await services.client();
    let chosen = name;
    if (!chosen) {
      const { current, targets } = await sendDvsRequest(client, Targets, {});
      const items: TargetItem[] = targets.map((t) => ({
        label: `${t.name === current ? '$(check) ' : ''}${t.name}`,
        description: [t.type, t.isDefault ? 'profile default' : undefined, t.description].filter(Boolean).join(' · '),
        detail: t.problem,
        target: t.name,
      }));
      const picked = await vscode.window.showQuickPick(items, { title: 'Data Vault: Select Target', placeHolder: `In use: ${current}` });
      if (!picked) return undefined;
      chosen = picked.target;
    }
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (folder) {
      await vscode.workspace.getConfiguration('dataVault', folder.uri).update('target', chosen, vscode.ConfigurationTarget.Workspace);
    }
    const status = await sendDvsRequest(client, SelectTarget, { name: chosen });
    if (status.problem) void vscode.window.showWarningMessage(`Data Vault: target ${status.target}: ${status.problem}`);
    return status;
  } catch (error) {
    void vscode.window.showErrorMessage(`Data Vault: ${describeFailure(error, 'Selecting a target')}`);
    return undefined;
  }
}
