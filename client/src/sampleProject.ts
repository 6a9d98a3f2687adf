// "Create Sample Project": copies the extension's `sample-project/` into a folder the user picks and opens it.
import * as vscode from 'vscode';

const FOLDER_NAME = 'data-vault-sample';
/** Run output and secrets, as the sample's own .gitignore lists them. */
const LEFTOVERS = ['.dvs', 'target', 'logs', 'dbt_packages', '.env'];

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** The first of `data-vault-sample`, `data-vault-sample-2`, … that does not exist in `parent`. */
async function freeFolder(parent: vscode.Uri): Promise<vscode.Uri> {
  for (let i = 1; ; i++) {
    const candidate = vscode.Uri.joinPath(parent, i === 1 ? FOLDER_NAME : `${FOLDER_NAME}-${i}`);
    if (!(await exists(candidate))) return candidate;
  }
}

/** `parent` skips the folder dialog; `open: false` skips opening the copy (tests). Returns the new project folder. */
export async function createSampleProjectCommand(
  context: vscode.ExtensionContext,
  options?: { parent?: string; open?: boolean },
): Promise<vscode.Uri | undefined> {
  const source = vscode.Uri.joinPath(context.extensionUri, 'sample-project');
  if (!(await exists(vscode.Uri.joinPath(source, 'dbt_project.yml')))) {
    void vscode.window.showErrorMessage(`Data Vault: this installation has no sample project (${source.fsPath}/dbt_project.yml is missing).`);
    return undefined;
  }
  let parent = options?.parent ? vscode.Uri.file(options.parent) : undefined;
  if (!parent) {
    const picked = await vscode.window.showOpenDialog({
      title: 'Data Vault: where to create the sample project',
      openLabel: 'Create Sample Project Here',
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
    });
    parent = picked?.[0];
  }
  if (!parent) return undefined;
  const target = await freeFolder(parent);
  await vscode.workspace.fs.copy(source, target, { overwrite: false });
  // What a run leaves in the extension's own copy (a development checkout) is never carried over.
  for (const leftover of LEFTOVERS) {
    const uri = vscode.Uri.joinPath(target, leftover);
    if (await exists(uri)) await vscode.workspace.fs.delete(uri, { recursive: true });
  }
  if (options?.open !== false) {
    await vscode.commands.executeCommand('vscode.openFolder', target, { forceNewWindow: false });
  }
  return target;
}
