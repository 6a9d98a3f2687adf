// The extension's entry point: starts the language client and registers the commands, views, preview documents and
// the status item. It wires; the work is in the modules it calls.
import * as vscode from 'vscode';
import { AskPassword, LoadEvent, Status } from '../../server/src/protocol';
import { registerCommands } from './commands';
import { registerCompiledSqlPreview } from './compiledSqlPreview';
import { describeFailure, onDvsNotification, onDvsRequest, startLanguageClient } from './languageClient';
import { registerLoadsView } from './loadsView';
import { answerPasswordRequest } from './passwords';
import { registerRawSchemaView } from './rawSchemaView';
import type { Services } from './services';
import { watchSettings } from './settings';
import { registerStatusItem } from './statusItem';
import { registerVaultView } from './vaultView';

/** What activate() returns: lets tests (and other extensions) wait until the language server is up. */
export interface DataVaultApi {
  readonly ready: Promise<void>;
}

export function activate(context: vscode.ExtensionContext): DataVaultApi {
  const output = vscode.window.createOutputChannel('Data Vault', { log: true });
  context.subscriptions.push(output, watchSettings());

  const client = startLanguageClient(context, output);
  // Disposing the client stops the server when the extension deactivates.
  context.subscriptions.push(client);
  const started = client.start();
  const ready = () => started.then(() => client);

  const preview = registerCompiledSqlPreview(context, ready);
  const rawSchema = registerRawSchemaView(context, ready);
  const vault = registerVaultView(context, ready);
  const loads = registerLoadsView(context, (model) => vault.modelUri(model));
  const status = registerStatusItem(context);
  context.subscriptions.push(preview, rawSchema, vault, loads, status);
  const services: Services = { context, output, client: ready, preview, rawSchema, vault, loads };
  registerCommands(services);

  let lastRefresh: string | undefined;
  context.subscriptions.push(
    onDvsNotification(client, Status, (s) => {
      status.update(s);
      if (s.lastSchemaRefresh !== lastRefresh) {
        lastRefresh = s.lastSchemaRefresh;
        void rawSchema.reload();
        preview.refreshAll();
      }
    }),
    onDvsNotification(client, LoadEvent, (e) => loads.event(e)),
    onDvsRequest(client, AskPassword, (params) => answerPasswordRequest(context.secrets, params)),
  );

  status.starting();
  const whenStarted = started.then(
    () => {
      void vault.reload();
      void rawSchema.reload();
    },
    (error: unknown) => {
      const message = describeFailure(error, 'Starting the Data Vault language server');
      output.error(message);
      status.starting(message);
    },
  );
  return { ready: whenStarted.then(() => started) };
}

export function deactivate(): void {
  // The language client is in context.subscriptions and stops with them.
}
