// "Run dbt Tests": runs the generic tests declared in yml through the server's `dvs.runTests` with progress and Cancel;
// failures appear as DV110 diagnostics on the yml lines (published by the server) and in a summary here.
import * as vscode from 'vscode';
import { RunTests, type RunTestsResult } from '../../server/src/protocol';
import { describeFailure, isCancellation, runServerCommand } from './languageClient';
import type { Services } from './services';

export async function runTestsCommand(services: Services, args?: { select?: string[] }): Promise<RunTestsResult | undefined> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Data Vault: dbt tests', cancellable: true },
    async (progress, token) => {
      try {
        const result = await runServerCommand(await services.client(), RunTests, { select: args?.select ?? [] }, {
          token,
          onProgress: (value) => {
            if (value.kind === 'report' && value.message) progress.report({ message: value.message });
          },
        });
        const failed = result.tests.filter((t) => t.status === 'fail' || t.status === 'error');
        const passed = result.tests.filter((t) => t.status === 'pass').length;
        services.output.appendLine(`dbt tests on ${result.target}: ${passed} passed, ${failed.length} failed, ${result.tests.length - passed - failed.length} other`);
        for (const t of result.tests) services.output.appendLine(`  ${t.status.padEnd(7)} ${t.name}`);
        if (failed.length) {
          const choice = await vscode.window.showWarningMessage(
            `Data Vault: ${failed.length} dbt test(s) failed; see the Problems panel.`,
            'Show Problems',
          );
          if (choice) await vscode.commands.executeCommand('workbench.actions.view.problems');
        } else {
          void vscode.window.showInformationMessage(`Data Vault: ${passed} dbt test(s) passed on ${result.target}.`);
        }
        return result;
      } catch (error) {
        if (!isCancellation(error)) void vscode.window.showErrorMessage(`Data Vault: ${describeFailure(error, 'Running dbt tests')}`);
        return undefined;
      }
    },
  );
}
