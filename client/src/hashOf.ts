// "Show Hash Of…": asks for a business key value (or a composite key's values) and shows the hash AutomateDV would
// store for it, computed by the server (`dvs/hashOf`), with the SQL that computes the same.
import * as vscode from 'vscode';
import { HashOf, type HashOfResult } from '../../server/src/protocol';
import { describeFailure, sendDvsRequest } from './languageClient';
import type { Services } from './services';

/** Splits `a || b` into a composite key's values; the word NULL (any case, alone) stands for a null value. */
export function parseHashInput(text: string): (string | null)[] {
  return text.split('||').map((part) => {
    const v = part.trim();
    return /^null$/i.test(v) ? null : v;
  });
}

export async function showHashOfCommand(services: Services, input?: string): Promise<HashOfResult | undefined> {
  const selected = vscode.window.activeTextEditor?.document.getText(vscode.window.activeTextEditor.selection);
  const text =
    input ??
    (await vscode.window.showInputBox({
      title: 'Data Vault: Show Hash Of…',
      prompt: "A business key value; for a composite key, the values in key order separated by ' || ' (NULL for a null)",
      value: selected && !selected.includes('\n') ? selected : '',
    }));
  if (text === undefined || text === '') return undefined;
  try {
    const result = await sendDvsRequest(await services.client(), HashOf, { values: parseHashInput(text) });
    services.output.info(`hash of '${result.hashedString}' (${result.algorithm}): ${result.hash}  —  ${result.sql}`);
    if (input === undefined) {
      const choice = await vscode.window.showInformationMessage(
        `${result.algorithm}('${result.hashedString}') = ${result.hash}`,
        'Copy Hash',
        'Copy SQL',
      );
      if (choice === 'Copy Hash') await vscode.env.clipboard.writeText(result.hash);
      if (choice === 'Copy SQL') await vscode.env.clipboard.writeText(result.sql);
    }
    return result;
  } catch (error) {
    void vscode.window.showErrorMessage(`Data Vault: ${describeFailure(error, 'Computing the hash')}`);
    return undefined;
  }
}
