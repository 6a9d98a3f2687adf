// Answers the server's `dvs/askPassword`: a password whose env var is unset is asked for once and kept in VS Code's
// SecretStorage under the env var's name; a rejected one is forgotten and asked again. Never logged.
import * as vscode from 'vscode';
import type { AskPasswordParams, AskPasswordResult } from '../../server/src/protocol';

export function secretKeyFor(envVar: string): string {
  return `dataVault.password.${envVar}`;
}

export async function answerPasswordRequest(secrets: vscode.SecretStorage, params: AskPasswordParams): Promise<AskPasswordResult> {
  const key = secretKeyFor(params.envVar);
  if (params.previousFailed) await secrets.delete(key);
  else {
    const kept = await secrets.get(key);
    if (kept !== undefined) return { password: kept };
  }
  const password = await vscode.window.showInputBox({
    title: `Data Vault: password for target ${params.target}`,
    prompt:
      `${params.previousFailed ? 'The server rejected the password. ' : ''}` +
      `${params.envVar} is not set. Enter the password${params.description ? ` for ${params.description}` : ''}; ` +
      'it is kept in VS Code\'s secret storage, not in any file.',
    password: true,
    ignoreFocusOut: true,
  });
  if (password === undefined) return {};
  await secrets.store(key, password);
  return { password };
}
