// "Run Loads": picks dbt selectors (the current model, with upstream/downstream, or the whole project), runs the
// server's `dvs.runLoads` with work-done progress and Cancel, then summarises rows per model and points at failures.
import * as vscode from 'vscode';
import { RunLoads, type ModelLoadResult, type RunLoadsArgs, type RunLoadsResult } from '../../server/src/protocol';
import { refreshDashboard } from './dashboard';
import { describeFailure, isCancellation, runServerCommand } from './languageClient';
import type { Services } from './services';
import { settingsFor } from './settings';

interface SelectorItem extends vscode.QuickPickItem {
  select?: string[];
}

function currentModelName(): string | undefined {
  const doc = vscode.window.activeTextEditor?.document;
  if (!doc || doc.uri.scheme !== 'file' || !/\.sql$/i.test(doc.uri.path) || !doc.uri.path.includes('/models/')) return undefined;
  return doc.uri.path.split('/').pop()?.replace(/\.sql$/i, '');
}

async function pickSelectors(): Promise<string[] | undefined> {
  const model = currentModelName();
  const items: SelectorItem[] = [];
  if (model) {
    items.push(
      { label: model, description: 'the current model', select: [model] },
      { label: `+${model}`, description: 'the current model and everything upstream', select: [`+${model}`] },
      { label: `${model}+`, description: 'the current model and everything downstream', select: [`${model}+`] },
      { label: `+${model}+`, description: 'upstream, the model and downstream', select: [`+${model}+`] },
    );
  }
  items.push({ label: 'All models', description: 'the whole project', select: [] });
  items.push({ label: 'dbt selectors…', description: 'e.g. +sat_users path:models/dds tag:hourly' });
  const picked = await vscode.window.showQuickPick(items, { title: 'Data Vault: Run Loads', placeHolder: 'Which models to load' });
  if (!picked) return undefined;
  if (picked.select) return picked.select;
  const typed = await vscode.window.showInputBox({
    title: 'Data Vault: Run Loads',
    prompt: 'dbt selectors separated by spaces (union), as for `dbt run --select`',
    value: model ? `+${model}` : '',
  });
  return typed === undefined ? undefined : typed.split(/\s+/).filter(Boolean);
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

export function summaryLines(result: RunLoadsResult): string[] {
  const width = Math.max(5, ...result.models.map((m) => m.model.length));
  return result.models.map((m) => {
    const rows = m.rows === undefined ? '' : `${m.rows.toLocaleString('en-US')} rows`;
    return `${pad(m.model, width)}  ${pad(m.status, 9)} ${pad(m.materialization, 11)} ${pad(rows, 16)} ${Math.round(m.ms)} ms`;
  });
}

export function summarise(result: RunLoadsResult): string {
  const ok = result.models.filter((m) => m.status === 'success');
  const failed = result.models.filter((m) => m.status === 'error');
  const rows = ok.reduce((n, m) => n + (m.rows ?? 0), 0);
  const parts = [`Loads on ${result.target}: ${ok.length} of ${result.models.length} models loaded, ${rows.toLocaleString('en-US')} rows`];
  parts.push(`in ${(result.ms / 1000).toFixed(1)} s`);
  if (failed.length) parts.push(`; ${failed.map((m) => m.model).join(', ')} failed`);
  if (result.cancelled) parts.push('; cancelled (the running model rolled back)');
  const top = ok.filter((m) => m.rows !== undefined).slice(0, 6).map((m) => `${m.model} ${m.rows?.toLocaleString('en-US')}`);
  return parts.join(' ') + (top.length ? `. ${top.join(', ')}${ok.length > top.length ? ', …' : ''}` : '.');
}

async function showFailure(services: Services, failed: ModelLoadResult): Promise<void> {
  const where = failed.error?.range ? ` (line ${failed.error.range.start.line + 1})` : '';
  services.output.error(`${failed.model} failed${where}: ${failed.error?.message ?? 'no message'}`);
  services.output.show(true);
  const choice = await vscode.window.showErrorMessage(
    `Data Vault: ${failed.model} failed to load and rolled back: ${failed.error?.message ?? 'see the Data Vault output'}`,
    'Open Model',
  );
  const uri = failed.error?.uri ?? services.vault.modelUri(failed.model);
  if (choice === 'Open Model' && uri) {
    const r = failed.error?.range;
    const selection = r ? new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character) : undefined;
    await vscode.window.showTextDocument(vscode.Uri.parse(uri), { selection });
  }
}

/** The command: `args.select` skips the quick pick (code lenses and tests pass it). Returns the run's result. */
export async function runLoadsCommand(services: Services, args?: Partial<RunLoadsArgs>): Promise<RunLoadsResult | undefined> {
  const select = args?.select ?? (await pickSelectors());
  if (!select) return undefined;
  const client = await services.client();
  const workDoneToken = `dvs-loads-${Date.now()}`;
  services.loads.begin('the current target', workDoneToken);
  const resource = vscode.window.activeTextEditor?.document.uri;
  const pinned = settingsFor(resource).preview.runStartedAt;
  const runArgs: RunLoadsArgs = { ...args, select };
  if (pinned && !runArgs.runStartedAt) runArgs.runStartedAt = pinned;
  services.output.info(`Run loads: --select ${select.length ? select.join(' ') : '(all models)'}`);
  let result: RunLoadsResult | undefined;
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Data Vault: running loads', cancellable: true },
      async (progress, cancel) => {
        let shown = 0;
        return runServerCommand(client, RunLoads, runArgs, {
          token: cancel,
          workDoneToken,
          onProgress: (value) => {
            if (value.kind === 'end') return;
            const increment = value.percentage !== undefined ? Math.max(0, value.percentage - shown) : undefined;
            if (value.percentage !== undefined) shown = Math.max(shown, value.percentage);
            progress.report({ message: value.message, increment });
          },
        });
      },
    );
  } catch (error) {
    if (isCancellation(error)) {
      void vscode.window.showInformationMessage('Data Vault: loads cancelled; the running model rolled back.');
      return undefined;
    }
    const message = describeFailure(error, 'Run Loads');
    services.output.error(message);
    void vscode.window.showErrorMessage(`Data Vault: ${message}`);
    return undefined;
  }
  if (!result) return undefined;
  services.loads.finish(result);
  // An open dashboard reads the marts these loads may have changed.
  void refreshDashboard(services);
  for (const line of summaryLines(result)) services.output.info(line);
  const summary = summarise(result);
  services.output.info(summary);
  const failed = result.models.find((m) => m.status === 'error');
  if (failed) void showFailure(services, failed);
  else {
    void vscode.window.showInformationMessage(summary, 'Show Loads').then((choice) => {
      if (choice === 'Show Loads') void vscode.commands.executeCommand('dataVault.loads.focus');
    });
  }
  return result;
}
