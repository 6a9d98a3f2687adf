// What command handlers and views share: the extension context, the language client, the "Data Vault" output channel
// and the views. Created once in activate() and handed to each module, never kept in module globals.
import type * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { CompiledSqlPreview } from './compiledSqlPreview';
import type { LoadsView } from './loadsView';
import type { RawSchemaView } from './rawSchemaView';
import type { VaultView } from './vaultView';

export interface Services {
  readonly context: vscode.ExtensionContext;
  readonly output: vscode.LogOutputChannel;
  /** Resolves once the language server is up; rejects when it could not start. */
  readonly client: () => Promise<LanguageClient>;
  readonly preview: CompiledSqlPreview;
  readonly rawSchema: RawSchemaView;
  readonly vault: VaultView;
  readonly loads: LoadsView;
}
