// Extension-host tests in a real VS Code (code-server here, @vscode/test-electron elsewhere) on a copy of the sample
// project: activation and the command table first, then the language features through VS Code's own APIs.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'data-vault-studio.data-vault-studio';

interface DataVaultApi {
  ready: Promise<void>;
}

async function activated(): Promise<vscode.Extension<DataVaultApi>> {
  const ext = vscode.extensions.getExtension<DataVaultApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
  await ext.activate();
  return ext;
}

suite('Data Vault Studio: activation', () => {
  test('activates and every contributed command has a handler', async () => {
    const ext = await activated();
    const contributed = (ext.packageJSON as { contributes: { commands: { command: string }[] } }).contributes.commands.map((c) => c.command);
    assert.ok(contributed.length >= 20, `only ${contributed.length} commands contributed`);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(contributed.filter((c) => !registered.has(c)), []);
  });

  test('a command runs: Show Output', async () => {
    await activated();
    await vscode.commands.executeCommand('dataVault.showOutput');
  });
});
