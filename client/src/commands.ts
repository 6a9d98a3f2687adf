// The one command table of the extension: every contributed command's id → its handler (CONVENTIONS §4). A plain node
// test checks these names against package.json through commandNames.ts.
import * as vscode from 'vscode';
import type { ScaffoldKind } from '../../server/src/protocol';
import { COMPILED_SQL_SCHEME } from '../../server/src/protocol';
import { cloudCommandHandlers } from './cloudCommands';
import { showDashboardCommand } from './dashboard';
import type { CommandName } from './commandNames';
import { modelUriOf } from './compiledSqlPreview';
import { runQueryCommand, showTableCommand } from './queryResults';
import type { RawNode } from './rawSchemaView';
import { runLoadsCommand } from './runLoads';
import { runTestsCommand } from './runTests';
import { createSampleProjectCommand } from './sampleProject';
import { scaffoldCommand } from './scaffold';
import { selectTargetCommand } from './selectTarget';
import type { Services } from './services';
import { showHashOfCommand } from './hashOf';
import { showVaultDiagramCommand } from './vaultDiagram';

export type CommandHandler = (services: Services, ...args: unknown[]) => unknown;

/** A URI passed by a code lens (string), an explorer/editor menu (Uri), or else the active editor's document. */
function modelUriFrom(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg.scheme === COMPILED_SQL_SCHEME ? modelUriOf(arg) : arg;
  if (typeof arg === 'string') return vscode.Uri.parse(arg);
  const doc = vscode.window.activeTextEditor?.document;
  if (!doc) return undefined;
  return doc.uri.scheme === COMPILED_SQL_SCHEME ? modelUriOf(doc.uri) : doc.uri;
}

function requireModel(arg: unknown): vscode.Uri | undefined {
  const uri = modelUriFrom(arg);
  if (!uri || !/\.sql$/i.test(uri.path)) {
    void vscode.window.showWarningMessage('Data Vault: open a model file (models/**/*.sql) first.');
    return undefined;
  }
  return uri;
}

function scaffold(kind: ScaffoldKind): CommandHandler {
  return (services, node) => scaffoldCommand(services, kind, node as RawNode | undefined);
}

export const COMMAND_TABLE: Record<CommandName, CommandHandler> = {
  'dataVault.previewCompiledSql': async (services, arg) => {
    const uri = requireModel(arg);
    return uri ? services.preview.open(uri) : undefined;
  },
  'dataVault.togglePreviewIncremental': async (services, arg) => {
    const uri = modelUriFrom(arg);
    if (uri) await services.preview.toggleIncremental(uri);
  },
  'dataVault.peekCompiledSql': async (services, arg) => {
    const uri = requireModel(arg);
    if (!uri) return;
    const editor = await vscode.window.showTextDocument(uri);
    await services.preview.peek(editor);
  },
  'dataVault.runLoads': (services, args) => runLoadsCommand(services, args as { select?: string[] } | undefined),
  'dataVault.runTests': (services, args) => runTestsCommand(services, args as { select?: string[] } | undefined),
  ...cloudCommandHandlers,
  'dataVault.refreshRawSchema': (services) => services.rawSchema.refresh(),
  'dataVault.refreshVault': (services) => services.vault.reload(),
  'dataVault.selectTarget': (services, name) => selectTargetCommand(services, typeof name === 'string' ? name : undefined),
  'dataVault.generateRawData': (services) => services.rawSchema.generateRaw(),
  'dataVault.createSampleProject': (services, options) =>
    createSampleProjectCommand(services.context, options as { parent?: string; open?: boolean } | undefined),
  'dataVault.runQuery': (services, sql) => runQueryCommand(services, typeof sql === 'string' ? sql : undefined),
  'dataVault.showTable': (services, node) => showTableCommand(services, node as RawNode | undefined),
  'dataVault.newHub': scaffold('hub'),
  'dataVault.newLink': scaffold('link'),
  'dataVault.newSatellite': scaffold('sat'),
  'dataVault.showVaultDiagram': (services) => showVaultDiagramCommand(services),
  'dataVault.showDashboard': (services) => showDashboardCommand(services),
  'dataVault.showHashOf': (services, input) => showHashOfCommand(services, typeof input === 'string' ? input : undefined),
  'dataVault.showOutput': (services) => services.output.show(),
};

export function registerCommands(services: Services): void {
  for (const [name, handler] of Object.entries(COMMAND_TABLE)) {
    services.context.subscriptions.push(vscode.commands.registerCommand(name, (...args: unknown[]) => handler(services, ...args)));
  }
}
