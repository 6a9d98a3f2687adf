// The Data Vault Studio language server: wires LSP (stdio or node-ipc) to the core. It keeps one engine session per dbt
// project (a file belongs to the nearest dbt_project.yml), reads settings per resource, introspects each project's
// target in the background, and maps every request to a feature module; it holds no domain logic of its own.
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
} from 'vscode-languageserver/node';
import { SourceText } from './base/text';
import { affectedModels, indexStillValid, modelFootprint, type ModelFootprint } from './engine/affected';
import { checkModel } from './engine/check';
import { SettingsCache, sessionOptionsOf } from './features/settings';
import { CheckScheduler } from './engine/check-scheduler';
import { ProjectRegistry } from './engine/project-registry';
import { ProjectSession } from './engine/session';
import { codeLenses } from './features/code-lens';
import { quickFixes } from './features/code-actions';
import { compiledSql } from './features/compiled-sql';
import { completionList, MAX_COMPLETION_ITEMS } from './features/completion';
import { dashboardData, NoDashboardError } from './features/dashboard';
import { definitionAt, referencesAt } from './features/definition';
import { toLspDiagnostics } from './features/diagnostics';
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
import { featureProjectOfSession } from './features/session-view';
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
import { createVaultIndex, type VaultIndex } from './rules';
import { sqlErrorMessage } from './warehouse/errors';
import { refreshSchemaCache } from './warehouse/introspect';
import { openWarehouse, type ResolvedTarget } from './warehouse/target';
import type { Warehouse } from './warehouse/warehouse';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);

let canPullConfiguration = false;
let extensionDir: string | undefined;
let hasWorkspaceFolders = false;
let canWatchFiles = false;
let clientTakesEditRangeDefault = false;

// ---------------------------------------------------------------------------------------------------------------
// Settings: pulled per resource, cached per URI, cleared on change (features/settings.ts).

const settingsCache = new SettingsCache((uri) =>
  canPullConfiguration ? connection.workspace.getConfiguration({ scopeUri: uri, section: 'dataVault' }) : undefined,
);

function settingsFor(uri: string): Promise<DataVaultSettings> {
  return settingsCache.get(uri);
}

// ---------------------------------------------------------------------------------------------------------------
// Projects: one engine session per dbt project, its warehouse and what is known about its raw schema.

interface ProjectState {
  root: string;
  uri: string;
  session: ProjectSession;
  /** A target chosen with dvs/selectTarget for this session (overrides the setting). */
  selectedTarget?: string;
  connected: boolean;
  refreshedAt?: string;
  problem?: string;
  warehouse?: Warehouse;
  introspection?: Promise<void>;
  /** Starts the first introspection (after the first slice of checks). */
  startIntrospection?: () => void;
  view?: FeatureProject;
  index?: VaultIndex;
  /** Which models are checked when: edited first, open next, dependants once typing pauses (engine/check-scheduler.ts). */
  checks: CheckScheduler;
  /** Files whose diagnostics were published, to clear them when they go away. */
  published: Set<string>;
  disposed: boolean;
}

const projects: ProjectRegistry<ProjectState> = new ProjectRegistry<ProjectState>({
  open: (root, selectedTarget) => openProject(root, selectedTarget),
  close: (state) => closeProject(state),
  selectedTargetOf: (state) => state.selectedTarget,
});
/** The failing dbt tests shown on yml files, per project root; kept across reopening a project. */
const testFailuresByRoot = new Map<string, TestFailures>();

function projectRootOf(path: string): string | undefined {
  return projects.rootOf(path);
}

async function openProject(root: string, selectedTarget?: string): Promise<ProjectState> {
  const uri = pathToUri(root);
  const session = new ProjectSession(root, sessionOptionsOf(await settingsFor(uri), selectedTarget));
  const checks = new CheckScheduler({
    check: (name) => publishFor(state, [name]),
    openModels: () => openModelsOf(state),
    afterSlice: () => state.startIntrospection?.(),
  });
  const state: ProjectState = { root, uri, session, connected: false, checks, published: new Set(), disposed: false };
  if (selectedTarget) state.selectedTarget = selectedTarget;
  for (const doc of documents.all()) {
    const path = uriToPath(doc.uri);
    if (path && projectRootOf(path) === root) session.updateFile(path, doc.getText());
  }
  // The open models are checked before the database is opened (opening embedded PGlite takes the main thread for a
  // while); the introspection starts once the first slice of checks is done.
  const opened = new Promise<void>((resolve) => (state.startIntrospection = resolve));
  state.introspection = opened.then(() => introspect(state));
  sendStatus(state);
  checkAll(state);
  return state;
}

function projectState(root: string): Promise<ProjectState> {
  return projects.get(root);
}

async function closeProject(state: ProjectState): Promise<void> {
  state.disposed = true;
  state.checks.dispose();
  const wh = state.warehouse;
  state.warehouse = undefined;
  await wh?.close().catch(() => undefined);
}

function reopenProject(root: string, selectedTarget?: string): Promise<ProjectState> {
  return projects.reopen(root, selectedTarget);
}

function targetOf(state: ProjectState): { name: string; type: 'embedded' | 'postgres'; fellBack: boolean; problem?: string } {
  const t = state.session.project.target;
  if (!t.ok) return { name: t.name ?? 'embedded', type: 'postgres', fellBack: false, problem: `${t.reason}${t.hint ? ` (${t.hint})` : ''}` };
  const out = { name: t.target.name, type: t.target.kind, fellBack: t.selectedBy === 'fallback' };
  return t.fallbackReason ? { ...out, problem: t.fallbackReason } : out;
}

function viewOf(state: ProjectState): FeatureProject {
  state.view ??= featureProjectOfSession(state.session, () => {
    const s = { target: targetOf(state).name, connected: state.connected };
    return { ...s, ...(state.refreshedAt ? { refreshedAt: state.refreshedAt } : state.session.schemaSnapshot ? { refreshedAt: state.session.schemaSnapshot.introspectedAt } : {}), ...(state.problem ? { problem: state.problem } : {}) };
  });
  return state.view;
}

function indexOf(state: ProjectState): VaultIndex {
  state.index ??= createVaultIndex(viewOf(state));
  return state.index;
}

/** Something changed (a file, the catalog): the views and indexes built over the old state are dropped. */
function invalidate(state: ProjectState): void {
  state.view = undefined;
  state.index = undefined;
}

/** Opens the target's warehouse, asking the client for a password the profile reads from an unset variable. */
async function openTarget(state: ProjectState, purpose: 'read' | 'write'): Promise<Warehouse> {
  if (state.warehouse) return state.warehouse;
  const t = state.session.project.target;
  if (!t.ok) throw new Error(`${t.reason}${t.hint ? ` (${t.hint})` : ''}`);
  if (purpose === 'write' && t.selectedBy === 'fallback') {
    throw new Error(`${t.fallbackReason ?? 'The default target cannot be used'}. Loads never fall back silently: select the target 'embedded' (Data Vault: Select Target) or fix the profile.`);
  }
  let target: ResolvedTarget = t.target;
  if (target.kind === 'postgres' && t.passwordEnvVar && !target.password) {
    const answer = await connection
      .sendRequest<AskPasswordResult>(AskPassword.method, { target: target.name, envVar: t.passwordEnvVar, description: `${target.user}@${target.host}:${target.port}/${target.dbname}` })
      .catch(() => ({}) as AskPasswordResult);
    if (!answer.password) throw new Error(`Target '${target.name}' needs a password: set ${t.passwordEnvVar} or enter it when asked.`);
    target = { ...target, password: answer.password };
  }
  const wh = await openWarehouse(target, state.root);
  if (state.disposed) {
    await wh.close();
    throw new Error('The project was reopened.');
  }
  state.warehouse = wh;
  return wh;
}

/** Reads the raw schema in the background; completion and checks use the cache meanwhile. */
async function introspect(state: ProjectState): Promise<void> {
  try {
    const wh = await openTarget(state, 'read');
    const snapshot = await refreshSchemaCache(wh, state.root, targetOf(state).name);
    if (state.disposed) return;
    state.session.setSchemaSnapshot(snapshot);
    state.connected = true;
    state.refreshedAt = snapshot.introspectedAt;
    state.problem = undefined;
  } catch (error) {
    if (state.disposed) return;
    state.connected = false;
    state.problem = `Cannot read the raw schema of target '${targetOf(state).name}': ${sqlErrorMessage(error)}`;
  }
  invalidate(state);
  sendStatus(state);
  checkAll(state);
}

function sendStatus(state: ProjectState): void {
  const target = targetOf(state);
  const params: StatusParams = { projectUri: state.uri, target: target.name, targetType: target.type, connected: state.connected };
  if (target.fellBack) params.fellBackToEmbedded = true;
  const refreshed = state.refreshedAt ?? state.session.schemaSnapshot?.introspectedAt;
  if (refreshed) params.lastSchemaRefresh = refreshed;
  const problem = state.problem ?? target.problem;
  if (problem) params.problem = problem;
  void connection.sendNotification(Status.method, params);
}

// ---------------------------------------------------------------------------------------------------------------
// Diagnostics: the edited model and the models that depend on it, re-checked shortly after a change.

function checkAll(state: ProjectState): void {
  state.checks.checkAll(state.session.models().map((m) => m.name));
}

/** A model was edited, created or removed: the models its change affects are found from its facts before and after
 *  (engine/affected.ts), and the scheduler checks it first and them once typing pauses. */
function modelChanged(state: ProjectState, name: string, before: ModelFootprint, exists: boolean): void {
  const after = modelFootprint(state.session, name);
  state.checks.modelChanged(name, affectedModels(state.session, indexOf(state), before, after), exists);
}

/** The models of this project open in the editor. */
function openModelsOf(state: ProjectState): string[] {
  const names: string[] = [];
  for (const doc of documents.all()) {
    const path = uriToPath(doc.uri);
    const node = path ? state.session.nodeByPath(path) : undefined;
    if (node) names.push(node.name);
  }
  return names;
}

function publishFor(state: ProjectState, names: readonly string[]): void {
  const view = viewOf(state);
  const index = indexOf(state);
  for (const name of names) {
    const node = state.session.node(name);
    if (!node || node.kind !== 'model') continue;
    let diagnostics;
    const text = state.session.textOf(node);
    try {
      diagnostics = toLspDiagnostics(text, checkModel(state.session, node, { project: view, index }, text));
    } catch (error) {
      connection.console.error(`dvs: checking ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      continue;
    }
    const uri = pathToUri(node.file);
    state.published.add(uri);
    void connection.sendDiagnostics({ uri, diagnostics });
  }
}

/** A model file that no longer exists (deleted on disk, or closed after its file was deleted): its findings are
 *  cleared and the models that read it are checked again, since a ref to it is now DV101. */
function forgetModelFile(state: ProjectState, path: string): void {
  const node = state.session.nodeByPath(path);
  // Its readers are found before it goes: afterwards the graph no longer links them to it.
  const before = node ? modelFootprint(state.session, node.name) : undefined;
  state.session.closeFile(path);
  invalidate(state);
  const uri = pathToUri(path);
  state.published.delete(uri);
  void connection.sendDiagnostics({ uri, diagnostics: [] });
  if (node && before) modelChanged(state, node.name, before, state.session.node(node.name) !== undefined);
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
  const first = projects.roots()[0] ?? (await workspaceProjectRoots())[0];
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
      completionProvider: { triggerCharacters: ['"', "'", '.', '-', '[', ',', ' ', ':'], resolveProvider: false },
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
  for (const root of projects.roots()) before.set(root, JSON.stringify((await settingsFor(pathToUri(root)))));
  settingsCache.clear();
  for (const root of projects.roots()) {
    const after = JSON.stringify(await settingsFor(pathToUri(root)));
    if (after !== before.get(root)) await reopenProject(root);
  }
});

connection.onDidChangeWatchedFiles(async (change) => {
  for (const event of change.changes) {
    const path = uriToPath(event.uri);
    if (!path) continue;
    const root = projectRootOf(path);
    if (!root || !projects.has(root)) continue;
    if (/\.(ya?ml)$/.test(path) || path.endsWith('.csv')) await reopenProject(root);
    else if (path.endsWith('.sql') && event.type === FileChangeType.Deleted && !existsSync(path)) {
      // VS Code keeps a closed editor's document open for a while (didClose may never come), so the deletion alone
      // takes the model out of the project. Typing in a still-open copy brings it back through onDidChangeContent.
      forgetModelFile(await projectState(root), path);
    } else if (path.endsWith('.sql') && !documents.get(event.uri)) {
      const state = await projectState(root);
      const name = state.session.nodeByPath(path)?.name ?? basename(path, '.sql');
      const before = modelFootprint(state.session, name);
      state.session.closeFile(path);
      invalidate(state);
      modelChanged(state, name, before, state.session.nodeByPath(path) !== undefined);
    }
  }
});

documents.onDidChangeContent(async (event) => {
  const at = await modelAt(event.document.uri);
  if (!at) return;
  const { state, path, modelName } = at;
  const before = modelFootprint(state.session, modelName);
  state.session.updateFile(path, event.document.getText());
  // Typing in a satellite or a hub keeps the index's whole-project maps (hub keys, hash builders); a stage or a
  // changed key rebuilds them.
  if (!indexStillValid(before, modelFootprint(state.session, modelName))) invalidate(state);
  modelChanged(state, modelName, before, true);
});

documents.onDidClose(async (event) => {
  const at = await modelAt(event.document.uri);
  if (!at) return;
  if (!existsSync(at.path)) {
    forgetModelFile(at.state, at.path);
    return;
  }
  at.state.session.closeFile(at.path);
  invalidate(at.state);
  at.state.checks.recheck(at.modelName);
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
  const list = completionList({ project: viewOf(state), index: indexOf(state), modelName: at.modelName, parsed, offset }, { maxItems: MAX_COMPLETION_ITEMS, editRangeDefault: clientTakesEditRangeDefault });
  // A complete list without defaults is sent as the plain item array, as before.
  return list.isIncomplete || list.itemDefaults ? list : list.items;
});

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
  await state.introspection;
  state.introspection = introspect(state);
  await state.introspection;
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
    const wh = await openTarget(state, 'read');
    return await runQuery(wh, params, targetOf(state).name);
  } catch (error) {
    throw new ResponseError(ErrorCodes.InternalError, sqlErrorMessage(error));
  }
});

connection.onRequest(Dashboard.method, async (params: ProjectScoped) => {
  const state = await projectOf(params);
  try {
    return await dashboardData(state.session, () => openTarget(state, 'read'), targetOf(state).name, nodeFileSystem);
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
  const next = await reopenProject(state.root, params.name);
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
      const wh = await openTarget(state, 'write');
      const result = await generateRaw(wh, { ...(args.count !== undefined ? { users: args.count } : {}), ...(args.seed !== undefined ? { seed: args.seed } : {}) });
      state.introspection = introspect(state);
      await state.introspection;
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
    const wh = await openTarget(state, 'write');
    const result = await runLoads(state.session, wh, args, targetOf(state).name, (p) => {
      const done = p.status === 'running' ? p.index - 1 : p.index;
      progress.report(Math.round((done / Math.max(1, p.total)) * 100), `${p.model} (${p.index}/${p.total})${p.status === 'running' ? '' : ` ${p.status}`}`);
      void connection.sendNotification(LoadEvent.method, { token: eventToken, ...p });
    }, controller.signal);
    state.introspection = introspect(state);
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
    const wh = await openTarget(state, 'read');
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
  await projects.closeAll();
});

documents.listen(connection);
connection.listen();
