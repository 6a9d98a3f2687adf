// The Data Vault Studio language server: wires LSP (stdio or node-ipc) to the core. It reads settings per resource,
// hands the open projects' life (opening, indexing, introspection, checking, closing) to features/project-lifecycle.ts,
// and maps every request to a feature module; it holds no domain logic of its own.
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  CodeActionKind,
  createConnection,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  ErrorCodes,
  ExecuteCommandRequest,
  FileChangeType,
  ProposedFeatures,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
  type CancellationToken,
  type ExecuteCommandParams,
  type InitializeParams,
  type InitializeResult,
  type WorkDoneProgressServerReporter,
} from 'vscode-languageserver/node';
import { SourceText } from './base/text';
import { SettingsCache } from './features/settings';
import { ProjectLifecycle, type CheckProgress, type ProjectState } from './features/project-lifecycle';
import { codeLenses } from './features/code-lens';
import { quickFixes } from './features/code-actions';
import { compiledSql } from './features/compiled-sql';
import { completionList, LazyDocumentation, MAX_COMPLETION_ITEMS } from './features/completion';
import { dashboardData, NoDashboardError } from './features/dashboard';
import { definitionAt, referencesAt } from './features/definition';
import { hashOf } from './features/hash-of';
import { hoverAt } from './features/hover';
import { projectGraph } from './features/project-graph';
import { projectInfo } from './features/project-info';
import type { FeatureProject } from './features/project-view';
import { rawSchemaResult } from './features/raw-schema';
import { runLoads } from './features/run-loads';
import { runQuery } from './features/run-query';
import { recordTestRun, runTests, type TestFailures } from './features/run-tests';
import { scaffold } from './features/scaffold';
import { signatureHelpAt } from './features/signature-help';
import { documentSymbols } from './features/symbols';
import { pathToUri, uriToPath } from './features/uris';
import { generateRaw } from './generate/generate-raw';
import { findProjectRoot, nodeFileSystem } from './project';
import {
  AskPassword,
  CompiledSql,
  Dashboard,
  GenerateRaw,
  HashOf,
  LoadEvent,
  ProjectGraph,
  ProjectInfo,
  RawSchema,
  RefreshSchema,
  RunLoads,
  RunQuery,
  RunTests,
  Scaffold,
  SelectTarget,
  SERVER_COMMANDS,
  Status,
  Targets,
  type AskPasswordResult,
  type CompiledSqlParams,
  type DataVaultSettings,
  type GenerateRawArgs,
  type HashOfParams,
  type InitializationOptions,
  type ScaffoldParams,
  type ProjectScoped,
  type RunLoadsArgs,
  type RunQueryParams,
  type RunTestsArgs,
  type SelectTargetParams,
  type StatusParams,
  type TargetsResult,
} from './protocol';
import type { VaultIndex } from './rules';
import { stdioTransport } from './features/stdio-transport';
import { sqlErrorMessage } from './warehouse/errors';

let shutdownReceived = false;
const stdio = stdioTransport(() => shutdownReceived);
const connection = stdio ? createConnection(ProposedFeatures.all, stdio[0], stdio[1]) : createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);

let canPullConfiguration = false;
let extensionDir: string | undefined;
let hasWorkspaceFolders = false;
let canWatchFiles = false;
let clientTakesEditRangeDefault = false;
/** The documentation of the latest completion list's items, sent when the editor shows one (completionItem/resolve). */
const completionDocumentation = new LazyDocumentation();

// ---------------------------------------------------------------------------------------------------------------
// Settings: pulled per resource, cached per URI, cleared on change (features/settings.ts).

const settingsCache = new SettingsCache((uri) =>
  canPullConfiguration ? connection.workspace.getConfiguration({ scopeUri: uri, section: 'dataVault' }) : undefined,
);

function settingsFor(uri: string): Promise<DataVaultSettings> {
  return settingsCache.get(uri);
}

// ---------------------------------------------------------------------------------------------------------------
// Projects: opened, indexed, introspected, checked and closed by features/project-lifecycle.ts.

const lifecycle = new ProjectLifecycle({
  settingsFor,
  openDocuments: () => documents.all().map((doc) => ({ uri: doc.uri, text: doc.getText() })),
  publish: (uri, diagnostics, version) => track(connection.sendDiagnostics(version === undefined ? { uri, diagnostics } : { uri, version, diagnostics })),
  versionOf: (uri, text) => {
    const doc = documents.get(uri);
    if (!doc) return undefined;
    return doc.getText() === text ? doc.version : 'stale';
  },
  written: () => allWritten(),
  startProgress: (title) => startProgress(title),
  sendStatus: (params) => void connection.sendNotification(Status.method, params),
  askPassword: (request) => connection.sendRequest<AskPasswordResult>(AskPassword.method, request),
  logError: (message) => connection.console.error(message),
});
// Messages handed to the connection and not yet written: it writes one message per turn of the event loop, so the
// background check waits for its publications to be written before it goes on (engine/check-scheduler.ts).
let unwritten = 0;
const whenWritten: (() => void)[] = [];

function track(sending: Promise<void>): void {
  unwritten++;
  const settled = () => {
    if (--unwritten === 0) for (const resolve of whenWritten.splice(0)) resolve();
  };
  sending.then(settled, settled);
}

function allWritten(): Promise<void> {
  return unwritten === 0 ? Promise.resolve() : new Promise((resolve) => whenWritten.push(resolve));
}

/**
 * Progress of a whole-project check in the editor's status bar. Creating it is a round trip to the client; what is
 * reported before the client answers is kept, and a check over before then ends it as soon as it begins.
 */
function startProgress(title: string): CheckProgress {
  let ended = false;
  let last: { message: string; percentage: number } | undefined;
  let reporter: WorkDoneProgressServerReporter | undefined;
  connection.window.createWorkDoneProgress().then(
    (created) => {
      reporter = created;
      created.begin(title, last?.percentage ?? 0, last?.message, false);
      if (ended) created.done();
    },
    () => undefined,
  );
  return {
    report(message, percentage) {
      last = { message, percentage };
      reporter?.report(percentage, message);
    },
    done() {
      if (ended) return;
      ended = true;
      reporter?.done();
    },
  };
}

/** The failing dbt tests shown on yml files, per project root; kept across reopening a project. */
const testFailuresByRoot = new Map<string, TestFailures>();

function projectRootOf(path: string): string | undefined {
  return lifecycle.rootOf(path);
}

function projectState(root: string): Promise<ProjectState> {
  return lifecycle.state(root);
}

function viewOf(state: ProjectState): FeatureProject {
  return lifecycle.view(state);
}

function indexOf(state: ProjectState): VaultIndex {
  return lifecycle.index(state);
}

function targetOf(state: ProjectState) {
  return lifecycle.targetOf(state);
}

// ---------------------------------------------------------------------------------------------------------------
// Finding the model of a document.

interface ModelAt {
  state: ProjectState;
  path: string;
  modelName: string;
  text: string;
}

async function modelAt(uri: string): Promise<ModelAt | undefined> {
  const path = uriToPath(uri);
  if (!path || !path.endsWith('.sql')) return undefined;
  const root = projectRootOf(path);
  if (!root) return undefined;
  const state = await projectState(root);
  const node = state.session.nodeByPath(path);
  const doc = documents.get(uri);
  const text = doc?.getText() ?? (node ? state.session.textOf(node) : '');
  return { state, path, modelName: node?.name ?? basename(path, '.sql'), text };
}

async function projectOf(params: ProjectScoped | undefined): Promise<ProjectState> {
  const uri = params?.projectUri;
  if (uri) {
    const path = uriToPath(uri);
    const root = path ? (existsSync(`${path}/dbt_project.yml`) ? path : projectRootOf(`${path}/x`)) : undefined;
    if (!root) throw new ResponseError(ErrorCodes.InvalidParams, `No dbt project at ${uri}: open a folder with a dbt_project.yml.`);
    return projectState(root);
  }
  const first = lifecycle.roots()[0] ?? (await workspaceProjectRoots())[0];
  if (!first) throw new ResponseError(ErrorCodes.InvalidRequest, 'No dbt project is open: open a folder holding dbt_project.yml, or create the sample project.');
  return projectState(first);
}

let workspaceRoots: string[] = [];

async function workspaceProjectRoots(): Promise<string[]> {
  const out: string[] = [];
  for (const folder of workspaceRoots) {
    const settings = await settingsFor(pathToUri(folder));
    const dir = settings.projectDir ? `${folder}/${settings.projectDir}` : folder;
    const root = existsSync(`${dir}/dbt_project.yml`) ? dir : findProjectRoot(dir, nodeFileSystem);
    if (root) out.push(root);
  }
  return out;
}

function failure(error: unknown): ResponseError<void> {
  if (error instanceof ResponseError) return error;
  return new ResponseError(ErrorCodes.InternalError, error instanceof Error ? error.message : String(error));
}

// ---------------------------------------------------------------------------------------------------------------
// The connection.

connection.onInitialize((params: InitializeParams): InitializeResult => {
  canPullConfiguration = params.capabilities.workspace?.configuration === true;
  hasWorkspaceFolders = params.capabilities.workspace?.workspaceFolders === true;
  canWatchFiles = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
  clientTakesEditRangeDefault = params.capabilities.textDocument?.completion?.completionList?.itemDefaults?.includes('editRange') === true;
  const options = params.initializationOptions as Partial<InitializationOptions> | undefined;
  if (typeof options?.extensionDir === 'string') extensionDir = options.extensionDir;
  const folders = params.workspaceFolders?.map((f) => uriToPath(f.uri)).filter((p): p is string => !!p) ?? [];
  const rootPath = params.rootUri ? uriToPath(params.rootUri) : undefined;
  workspaceRoots = folders.length ? folders : rootPath ? [rootPath] : [];
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
      completionProvider: { triggerCharacters: ['"', "'", '.', '-', '[', ',', ' ', ':'], resolveProvider: true },
      hoverProvider: true,
      definitionProvider: true,
      referencesProvider: true,
      documentSymbolProvider: true,
      codeLensProvider: { resolveProvider: false },
      signatureHelpProvider: { triggerCharacters: ['(', ','], retriggerCharacters: ['='] },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      executeCommandProvider: { commands: [...SERVER_COMMANDS] },
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
    },
    serverInfo: { name: 'Data Vault Studio' },
  };
});

connection.onInitialized(() => {
  if (canPullConfiguration) void connection.client.register(DidChangeConfigurationNotification.type, { section: 'dataVault' });
  // Model files changed on disk (git checkout, another tool) and the project's yml files.
  if (canWatchFiles) void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*.{sql,yml,yaml,csv}' }] });
  if (hasWorkspaceFolders) {
    connection.workspace.onDidChangeWorkspaceFolders((event) => {
      for (const f of event.added) {
        const p = uriToPath(f.uri);
        if (p) workspaceRoots.push(p);
      }
      for (const f of event.removed) workspaceRoots = workspaceRoots.filter((r) => pathToUri(r) !== f.uri);
      void workspaceProjectRoots().then((roots) => roots.forEach((r) => void projectState(r)));
    });
  }
  // Open every dbt project of the workspace so its status, raw schema and findings are there before a file opens.
  void workspaceProjectRoots().then((roots) => roots.forEach((r) => void projectState(r)));
});

connection.onDidChangeConfiguration(async () => {
  const before = new Map<string, string>();
  for (const root of lifecycle.roots()) before.set(root, JSON.stringify((await settingsFor(pathToUri(root)))));
  settingsCache.clear();
  for (const root of lifecycle.roots()) {
    const after = JSON.stringify(await settingsFor(pathToUri(root)));
    if (after !== before.get(root)) await lifecycle.reopen(root);
  }
});

connection.onDidChangeWatchedFiles(async (change) => {
  for (const event of change.changes) {
    const path = uriToPath(event.uri);
    if (!path) continue;
    const root = projectRootOf(path);
    if (!root || !lifecycle.has(root)) continue;
    if (/\.(ya?ml)$/.test(path) || path.endsWith('.csv')) await lifecycle.reopen(root);
    else if (path.endsWith('.sql') && event.type === FileChangeType.Deleted && !existsSync(path)) {
      // VS Code keeps a closed editor's document open for a while (didClose may never come), so the deletion alone
      // takes the model out of the project. Typing in a still-open copy brings it back through onDidChangeContent.
      lifecycle.forgetModelFile(await projectState(root), path);
    } else if (path.endsWith('.sql') && !documents.get(event.uri)) {
      lifecycle.fileChangedOnDisk(await projectState(root), path);
    }
  }
});

documents.onDidChangeContent(async (event) => {
  const at = await modelAt(event.document.uri);
  if (!at) return;
  lifecycle.documentChanged(at.state, at.path, event.document.getText());
});

documents.onDidClose(async (event) => {
  const at = await modelAt(event.document.uri);
  if (!at) return;
  if (!existsSync(at.path)) lifecycle.forgetModelFile(at.state, at.path);
  else lifecycle.documentClosed(at.state, at.path);
});

async function withModel<T>(uri: string, empty: T, fn: (at: ModelAt, view: FeatureProject, index: VaultIndex) => T): Promise<T> {
  const at = await modelAt(uri);
  if (!at) return empty;
  return fn(at, viewOf(at.state), indexOf(at.state));
}

connection.onCompletion(async (params) => {
  const at = await modelAt(params.textDocument.uri);
  if (!at) return [];
  const { state } = at;
  // Completion never waits for the database: it answers from the schema cache (or the declared columns) and the
  // client asks again as the user types, by which time the live schema may have arrived.
  const parsed = state.session.parse(at.text);
  const offset = new SourceText(at.text).offsetAt(params.position);
  const list = completionList({ project: viewOf(state), index: indexOf(state), modelName: at.modelName, parsed, offset }, { maxItems: MAX_COMPLETION_ITEMS, editRangeDefault: clientTakesEditRangeDefault, lazyDocumentation: completionDocumentation });
  // A complete list without defaults is sent as the plain item array, as before.
  return list.isIncomplete || list.itemDefaults ? list : list.items;
});

connection.onCompletionResolve((item) => completionDocumentation.resolve(item));

connection.onHover((params) =>
  withModel(params.textDocument.uri, null, (at, project, index) => {
    const parsed = at.state.session.parse(at.text);
    return hoverAt({ project, index, modelName: at.modelName, parsed, offset: new SourceText(at.text).offsetAt(params.position) });
  }),
);

connection.onDefinition((params) =>
  withModel(params.textDocument.uri, [], (at, project, index) =>
    definitionAt({ project, index, modelName: at.modelName, parsed: at.state.session.parse(at.text), offset: new SourceText(at.text).offsetAt(params.position) }),
  ),
);

connection.onReferences((params) =>
  withModel(params.textDocument.uri, [], (at, project, index) =>
    referencesAt({
      project,
      index,
      modelName: at.modelName,
      parsed: at.state.session.parse(at.text),
      offset: new SourceText(at.text).offsetAt(params.position),
      includeDeclaration: params.context.includeDeclaration,
    }),
  ),
);

connection.onDocumentSymbol((params) => withModel(params.textDocument.uri, [], (at) => documentSymbols(at.state.session.parse(at.text))));

connection.onCodeLens((params) => withModel(params.textDocument.uri, [], (at) => codeLenses(params.textDocument.uri, at.modelName, at.state.session.parse(at.text))));

connection.onSignatureHelp((params) => withModel(params.textDocument.uri, null, (at) => signatureHelpAt(at.text, new SourceText(at.text).offsetAt(params.position))));

connection.onCodeAction((params) => quickFixes(params.textDocument.uri, params.context.diagnostics));

// ---------------------------------------------------------------------------------------------------------------
// Custom requests (server/src/protocol.ts).

connection.onRequest(CompiledSql.method, async (params: CompiledSqlParams) => {
  const at = await modelAt(params.uri);
  const node = at ? at.state.session.nodeByPath(at.path) : undefined;
  if (!at || !node) throw new ResponseError(ErrorCodes.InvalidParams, `${params.uri} is not a model of a dbt project (no dbt_project.yml above it, or outside the model paths).`);
  const request: { incremental?: boolean; format?: boolean } = {};
  if (params.incremental !== undefined) request.incremental = params.incremental;
  request.format = params.format ?? (await settingsFor(params.uri)).preview.formatSql;
  return compiledSql(at.state.session, node, request);
});

connection.onRequest(RawSchema.method, async (params: ProjectScoped) => {
  const state = await projectOf(params);
  return rawSchemaResult(state.session, viewOf(state).schemaState());
});

connection.onRequest(RefreshSchema.method, async (params: ProjectScoped) => {
  const state = await projectOf(params);
  await lifecycle.refreshSchema(state);
  return rawSchemaResult(state.session, viewOf(state).schemaState());
});

connection.onRequest(ProjectGraph.method, async (params: ProjectScoped) => {
  const state = await projectOf(params);
  return projectGraph(state.session, indexOf(state));
});

connection.onRequest(HashOf.method, async (params: HashOfParams) => {
  const state = await projectOf(params);
  return hashOf(params, viewOf(state).hashOptions());
});

connection.onRequest(RunQuery.method, async (params: RunQueryParams) => {
  const state = await projectOf(params);
  try {
    const wh = await lifecycle.openTarget(state, 'read');
    return await runQuery(wh, params, targetOf(state).name);
  } catch (error) {
    throw new ResponseError(ErrorCodes.InternalError, sqlErrorMessage(error));
  }
});

connection.onRequest(Dashboard.method, async (params: ProjectScoped) => {
  const state = await projectOf(params);
  try {
    return await dashboardData(state.session, () => lifecycle.openTarget(state, 'read'), targetOf(state).name, nodeFileSystem);
  } catch (error) {
    if (error instanceof NoDashboardError) throw new ResponseError(ErrorCodes.InvalidRequest, error.message);
    throw new ResponseError(ErrorCodes.InternalError, sqlErrorMessage(error));
  }
});

connection.onRequest(Targets.method, async (params: ProjectScoped): Promise<TargetsResult> => {
  const state = await projectOf(params);
  const project = state.session.project;
  const current = targetOf(state);
  const profile = project.profiles?.profiles.get(project.settings.profile ?? '');
  const defaultName = profile?.target?.text.includes('{{') ? undefined : (profile?.target?.text ?? (profile ? 'default' : undefined));
  const names = [...project.targetNames().filter((n) => n !== 'embedded'), 'embedded'];
  return {
    current: current.name,
    targets: names.map((name) => {
      const info: TargetsResult['targets'][number] = { name, type: name === 'embedded' ? 'embedded' : 'postgres', isDefault: name === defaultName };
      if (name === current.name && state.warehouse) info.description = state.warehouse.description;
      if (name === current.name && current.problem) info.problem = current.problem;
      return info;
    }),
  };
});

connection.onRequest(ProjectInfo.method, async (params: ProjectScoped) => {
  const state = await projectOf(params);
  const target = targetOf(state);
  const problem = state.problem ?? target.problem;
  return projectInfo(state.session, { target: target.name, targetType: target.type, connected: state.connected, ...(problem ? { problem } : {}) });
});

connection.onRequest(Scaffold.method, async (params: ScaffoldParams) => {
  const state = await projectOf(params);
  try {
    return scaffold(state.session, indexOf(state), params, extensionDir);
  } catch (error) {
    throw failure(error);
  }
});

connection.onRequest(SelectTarget.method, async (params: SelectTargetParams) => {
  const state = await projectOf(params);
  const next = await lifecycle.reopen(state.root, params.name);
  await next.introspection;
  const target = targetOf(next);
  const status: StatusParams = { projectUri: next.uri, target: target.name, targetType: target.type, connected: next.connected };
  if (next.problem ?? target.problem) status.problem = next.problem ?? target.problem;
  return status;
});

// Registered as a plain request so `workDoneToken` reaches us (the library's onExecuteCommand removes it, and
// dvs/loadEvent names the token).
connection.onRequest(ExecuteCommandRequest.type, async (params: ExecuteCommandParams, token: CancellationToken) => {
  const args = (params.arguments?.[0] ?? {}) as RunLoadsArgs & GenerateRawArgs;
  if (params.command === RunLoads.command) return runLoadsCommand(args, token, params.workDoneToken);
  if (params.command === RunTests.command) return runTestsCommand(args as RunTestsArgs, token, params.workDoneToken);
  if (params.command === GenerateRaw.command) {
    const state = await projectOf(args);
    try {
      const wh = await lifecycle.openTarget(state, 'write');
      const result = await generateRaw(wh, { ...(args.count !== undefined ? { users: args.count } : {}), ...(args.seed !== undefined ? { seed: args.seed } : {}) });
      await lifecycle.refreshSchema(state);
      const tables = new Map<string, number>();
      for (const s of result.syncs) for (const [t, n] of Object.entries(s.rows)) tables.set(t, (tables.get(t) ?? 0) + n);
      return { target: targetOf(state).name, tables: [...tables].map(([name, rows]) => ({ schema: result.schema, name, rows })) };
    } catch (error) {
      throw failure(error);
    }
  }
  throw new ResponseError(ErrorCodes.InvalidParams, `Unknown command ${params.command}; the server runs ${SERVER_COMMANDS.join(', ')}.`);
});

async function runLoadsCommand(args: RunLoadsArgs, token: CancellationToken, workDoneToken: string | number | undefined) {
  const state = await projectOf(args);
  const progress = workDoneToken !== undefined ? connection.window.attachWorkDoneProgress(workDoneToken) : await connection.window.createWorkDoneProgress();
  const controller = new AbortController();
  token.onCancellationRequested(() => controller.abort());
  const eventToken = workDoneToken ?? 'dvs.runLoads';
  progress.begin('Running loads', 0, 'starting', true);
  try {
    const wh = await lifecycle.openTarget(state, 'write');
    const result = await runLoads(state.session, wh, args, targetOf(state).name, (p) => {
      const done = p.status === 'running' ? p.index - 1 : p.index;
      progress.report(Math.round((done / Math.max(1, p.total)) * 100), `${p.model} (${p.index}/${p.total})${p.status === 'running' ? '' : ` ${p.status}`}`);
      void connection.sendNotification(LoadEvent.method, { token: eventToken, ...p });
    }, controller.signal);
    void lifecycle.refreshSchema(state);
    return result;
  } catch (error) {
    throw failure(error);
  } finally {
    progress.done();
  }
}

async function runTestsCommand(args: RunTestsArgs, token: CancellationToken, workDoneToken: string | number | undefined) {
  const state = await projectOf(args);
  const progress = workDoneToken !== undefined ? connection.window.attachWorkDoneProgress(workDoneToken) : await connection.window.createWorkDoneProgress();
  const controller = new AbortController();
  token.onCancellationRequested(() => controller.abort());
  progress.begin('Running dbt tests', 0, 'starting', true);
  try {
    const wh = await lifecycle.openTarget(state, 'read');
    const result = await runTests(state.session, wh, args, targetOf(state).name, (p) => progress.report(Math.round(((p.index - 1) / Math.max(1, p.total)) * 100), `${p.test} (${p.index}/${p.total})`), controller.signal);
    let failures = testFailuresByRoot.get(state.root);
    if (!failures) testFailuresByRoot.set(state.root, (failures = new Map()));
    for (const file of recordTestRun(failures, result.tests)) void connection.sendDiagnostics(file);
    return result;
  } catch (error) {
    throw failure(error);
  } finally {
    progress.done();
  }
}

connection.onShutdown(async () => {
  shutdownReceived = true;
  await lifecycle.closeAll();
});

documents.listen(connection);
connection.listen();
