// The cloud commands (Terraform deploy/destroy, Superset, Airbyte). Their logic lives in server/src/cloud/; this module
// gives it VS Code's IO: a Pseudoterminal, modal confirmations and SecretStorage.
import * as vscode from 'vscode';
import type { Services } from './services';

type CloudCommand =
  | 'dataVault.deployInfrastructure'
  | 'dataVault.destroyInfrastructure'
  | 'dataVault.openSuperset'
  | 'dataVault.publishDashboard'
  | 'dataVault.syncAirbyteConnection';

function notAvailableYet(title: string): (services: Services) => Promise<void> {
  return async (services) => {
    const message = `Data Vault: "${title}" is not available yet in this build of the extension.`;
    services.output.warn(message);
    await vscode.window.showWarningMessage(message);
  };
}

export const cloudCommandHandlers: Record<CloudCommand, (services: Services, ...args: unknown[]) => unknown> = {
  'dataVault.deployInfrastructure': notAvailableYet('Deploy Infrastructure'),
  'dataVault.destroyInfrastructure': notAvailableYet('Destroy Infrastructure'),
  'dataVault.openSuperset': notAvailableYet('Open Superset'),
  'dataVault.publishDashboard': notAvailableYet('Publish Dashboard'),
  'dataVault.syncAirbyteConnection': notAvailableYet('Sync Airbyte Connection'),
};
