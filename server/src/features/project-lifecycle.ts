// The language server's open projects and what happens to them: opening one (its session, its target's warehouse,
// the introspection of its raw schema), indexing its models in slices, checking and publishing findings as files
// change, and closing it. The server hands in how to reach the client (publish, status, password prompt) and which
// documents are open; everything else about a project's life is here, so server.ts only translates LSP.
//
// Start-up is ordered so the editor is answered at once on large projects: the session lists the model files without
// reading them, the open models are read first (with the models they select from, up the graph) and their findings
// published from what is known (engine/early-check.ts), the rest is indexed in short slices that yield to requests,
// and then every model is checked. The raw schema starts from the on-disk cache; the embedded database opens in a
// worker thread (warehouse/embedded.ts), so reading the live schema never holds up a request either.
import type { Diagnostic as LspDiagnostic } from 'vscode-languageserver/node';
import { checkModel, type RuleView } from '../engine/check';
import { CheckScheduler, yieldToRequests } from '../engine/check-scheduler';
import { checkModelEarly } from '../engine/early-check';
import { affectedModels, indexStillValid, modelFootprint, type ModelFootprint } from '../engine/affected';
import { ProjectRegistry } from '../engine/project-registry';
import { ruleProjectOfSession } from '../engine/rule-project';
import { ProjectSession } from '../engine/session';
import type { AskPasswordResult, DataVaultSettings, StatusParams } from '../protocol';
import { createVaultIndex, type VaultIndex } from '../rules';
import { sqlErrorMessage } from '../warehouse/errors';
import { refreshSchemaCache } from '../warehouse/introspect';
import { openWarehouse, type ResolvedTarget } from '../warehouse/target';
import type { Warehouse } from '../warehouse/warehouse';
import { startBackgroundCheck, type BackgroundCheckRun, type CheckedModel } from './background-check';
import { toLspDiagnostics } from './diagnostics';
import type { FeatureProject } from './project-view';
import { featureProjectOfSession } from './session-view';
import { sessionOptionsOf } from './settings';
import { pathToUri, uriToPath } from './uris';

/** How long one slice of start-up indexing reads and analyses model files before it yields to requests. */
export const INDEX_SLICE_MS = 1;

export interface ProjectState {
  root: string;
  uri: string;
  session: ProjectSession;
  /** The editor's settings the project was opened with (a change of them opens it again). */
  settings: DataVaultSettings;
  /** A target chosen with dvs/selectTarget for this session (overrides the setting). */
  selectedTarget?: string;
  connected: boolean;
  refreshedAt?: string;
  problem?: string;
  warehouse?: Warehouse;
  /** The latest introspection of the raw schema (requests that need it await it; nothing else does). */
  introspection?: Promise<void>;
  /** True until every model file is indexed; findings published meanwhile leave out the whole-project rules. */
  indexing: boolean;
  /** Resolves when the start-up indexing is over (for tests and benchmarks). */
  indexed: Promise<void>;
  view?: FeatureProject;
  index?: VaultIndex;
  /** The rules' view while indexing: only the models read so far (the features' view also names the rest). */
  earlyRules?: RuleView;
  /** Counts invalidate() calls, so work prepared over a view can tell whether that view is still current. */
  generation: number;
  /** Which models are checked when: edited first, open next, dependants once typing pauses (engine/check-scheduler.ts). */
  checks: CheckScheduler;
  /** Files whose diagnostics were published, to clear them when they go away. */
  published: Set<string>;
  /** The progress shown while a whole-project check runs, and when it was last reported. */
  progress?: { reporter: CheckProgress; reportedAt: number };
  /** The whole-project check running on a worker thread, and the models checked here since it began (newer). */
  background?: { run: BackgroundCheckRun; checkedHere: Set<string> };
  disposed: boolean;
}

/** What the lifecycle needs from the language server: the client, and the documents open in the editor. */
export interface LifecycleHost {
  settingsFor(uri: string): Promise<DataVaultSettings>;
  /** The documents open in the editor, with their current text. */
  openDocuments(): Iterable<{ uri: string; text: string }>;
  /**
   * Publishes a file's findings; `version` is the version of the open document they were found in (undefined for a
   * file that is not open).
   */
  publish(uri: string, diagnostics: LspDiagnostic[], version?: number): void;
  /**
   * For the document open at `uri`: its version when its text is `text`, 'stale' when the editor has moved on from that
   * text; undefined when the document is not open.
   */
  versionOf(uri: string, text: string): number | 'stale' | undefined;
  /** Resolves once every message sent to the client so far has been written. */
  written(): Promise<void>;
  /** Shows the progress of long work in the editor (a no-op reporter when the client cannot show it). */
  startProgress(title: string): CheckProgress;
  sendStatus(params: StatusParams): void;
  /** Asks the user for a target's password (the profile reads it from an unset variable). */
  askPassword(request: { target: string; envVar: string; description: string }): Promise<AskPasswordResult>;
  logError(message: string): void;
}

/** Progress of a whole-project check as the editor shows it. */
export interface CheckProgress {
  report(message: string, percentage: number): void;
  done(): void;
}

/** How often the progress of a whole-project check is reported at most. */
const PROGRESS_EVERY_MS = 250;

/**
 * From this many models on, the whole-project check runs on a worker thread (features/background-check.ts): the
 * thread costs about 0.1 s to start and reads the project again, which a small project's check does not pay back.
 * DVS_BACKGROUND_CHECK=worker or =main chooses regardless of size (tests use it).
 */
export const BACKGROUND_CHECK_MIN_MODELS = 300;

export interface TargetSummary {
  name: string;
  type: 'embedded' | 'postgres';
  fellBack: boolean;
  problem?: string;
}

export class ProjectLifecycle {
  private readonly projects: ProjectRegistry<ProjectState>;

  constructor(private readonly host: LifecycleHost) {
    this.projects = new ProjectRegistry<ProjectState>({
      open: (root, selectedTarget) => this.open(root, selectedTarget),
      close: (state) => this.close(state),
      selectedTargetOf: (state) => state.selectedTarget,
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Which projects are open.

  /** The dbt project root of a file, or undefined. */
  rootOf(path: string): string | undefined {
    return this.projects.rootOf(path);
  }

  /** The project at the root, opened on first use. */
  state(root: string): Promise<ProjectState> {
    return this.projects.get(root);
  }

  has(root: string): boolean {
    return this.projects.has(root);
  }

  roots(): string[] {
    return this.projects.roots();
  }

  /** Closes and opens the project again (its configuration changed, or another target was chosen). */
  reopen(root: string, selectedTarget?: string): Promise<ProjectState> {
    return this.projects.reopen(root, selectedTarget);
  }

  closeAll(): Promise<void> {
    return this.projects.closeAll();
  }

  private async open(root: string, selectedTarget?: string): Promise<ProjectState> {
    const uri = pathToUri(root);
    const settings = await this.host.settingsFor(uri);
    const session = new ProjectSession(root, { ...sessionOptionsOf(settings, selectedTarget), deferModels: true });
    let indexedNow = (): void => undefined;
    const state: ProjectState = {
      root,
      uri,
      session,
      settings,
      connected: false,
      indexing: true,
      indexed: new Promise<void>((resolve) => (indexedNow = resolve)),
      checks: new CheckScheduler({
        check: (name) => this.publishFor(state, [name]),
        openModels: () => this.openModelsOf(state),
        afterSlice: () => this.reportProgress(state),
        ready: () => this.host.written(),
      }),
      published: new Set(),
      disposed: false,
      generation: 0,
    };
    if (selectedTarget) state.selectedTarget = selectedTarget;
    for (const { path, text } of this.openFilesOf(root)) session.updateFile(path, text);
    state.introspection = this.introspect(state);
    this.sendStatus(state);
    // The open models first, from what is known; the rest of the project is indexed in slices meanwhile.
    state.checks.checkAll(this.openModelsOf(state));
    void this.indexInSlices(state).then(indexedNow);
    return state;
  }

  private async close(state: ProjectState): Promise<void> {
    state.disposed = true;
    state.checks.dispose();
    state.background?.run.cancel();
    state.background = undefined;
    state.progress?.reporter.done();
    state.progress = undefined;
    const wh = state.warehouse;
    state.warehouse = undefined;
    await wh?.close().catch(() => undefined);
  }

  /** Reads the model files not yet indexed, a slice at a time, then checks every model. */
  private async indexInSlices(state: ProjectState): Promise<void> {
    // The views and indexes built meanwhile stay: the features' view names every model file and reads a model when
    // asked, so what it computed holds as more files are read; the early rules' view leaves out what would not.
    while (!state.disposed && !state.session.indexPending(INDEX_SLICE_MS)) await yieldToRequests();
    if (state.disposed) return;
    const generation = state.generation;
    const prepared = await this.prepareWholeProject(state);
    if (state.disposed) return;
    state.indexing = false;
    // The views and indexes built over the partly indexed project go; the prepared ones take their place unless
    // something changed meanwhile (an edit, the schema), in which case they are built again when next asked for.
    this.invalidate(state);
    if (prepared && state.generation === generation + 1) {
      state.view = prepared.view;
      state.index = prepared.index;
    }
    this.checkAll(state);
  }

  /**
   * Computes, a slice at a time, what the first checks after indexing would otherwise compute in one go: each model's
   * stage and vault-table facts (kept with its parse, so every later index reuses them), then the project's graph
   * and the whole-project maps, each in a task of its own. Left to the first check, the facts of 2,000 models are
   * computed inside a single model's check (tens of milliseconds), and a request arriving then waits for all of it.
   */
  private async prepareWholeProject(state: ProjectState): Promise<{ view: FeatureProject; index: VaultIndex } | undefined> {
    const names = state.session.models().map((m) => m.name);
    await yieldToRequests();
    // The graph and cycles: the first lookup by name after the last file is indexed builds them.
    if (names[0] !== undefined) state.session.node(names[0]);
    await yieldToRequests();
    if (state.disposed) return undefined;
    // Built aside: requests meanwhile keep the views they have, whose maps are built already.
    const view = this.newView(state);
    const index = createVaultIndex(view);
    for (let i = 0; i < names.length && !state.disposed; ) {
      const started = performance.now();
      while (i < names.length && performance.now() - started < INDEX_SLICE_MS) {
        const name = names[i++] as string;
        index.stage(name);
        index.table(name);
      }
      await yieldToRequests();
    }
    // Gathering the facts into the maps is cheap now; each map still gets its own task.
    for (const build of [() => index.hashBuilders(), () => index.hubsByKey(), () => index.linksByKey(), () => index.vaultKeys()]) {
      if (state.disposed) return undefined;
      build();
      await yieldToRequests();
    }
    return { view, index };
  }

  // -------------------------------------------------------------------------------------------------------------
  // What features read.

  targetOf(state: ProjectState): TargetSummary {
    const t = state.session.project.target;
    if (!t.ok) return { name: t.name ?? 'embedded', type: 'postgres', fellBack: false, problem: `${t.reason}${t.hint ? ` (${t.hint})` : ''}` };
    const out = { name: t.target.name, type: t.target.kind, fellBack: t.selectedBy === 'fallback' };
    return t.fallbackReason ? { ...out, problem: t.fallbackReason } : out;
  }

  view(state: ProjectState): FeatureProject {
    state.view ??= this.newView(state);
    return state.view;
  }

  private newView(state: ProjectState): FeatureProject {
    return featureProjectOfSession(state.session, () => {
      const s = { target: this.targetOf(state).name, connected: state.connected };
      const refreshedAt = state.refreshedAt ?? state.session.schemaSnapshot?.introspectedAt;
      return { ...s, ...(refreshedAt ? { refreshedAt } : {}), ...(state.problem ? { problem: state.problem } : {}) };
    });
  }

  index(state: ProjectState): VaultIndex {
    state.index ??= createVaultIndex(this.view(state));
    return state.index;
  }

  /** Something changed (a file, the catalog): the views and indexes built over the old state are dropped. */
  invalidate(state: ProjectState): void {
    state.generation++;
    state.view = undefined;
    state.index = undefined;
    state.earlyRules = undefined;
  }

  // -------------------------------------------------------------------------------------------------------------
  // The warehouse and the raw schema.

  /** Opens the target's warehouse, asking the client for a password the profile reads from an unset variable. */
  async openTarget(state: ProjectState, purpose: 'read' | 'write'): Promise<Warehouse> {
    if (state.warehouse) return state.warehouse;
    const t = state.session.project.target;
    if (!t.ok) throw new Error(`${t.reason}${t.hint ? ` (${t.hint})` : ''}`);
    if (purpose === 'write' && t.selectedBy === 'fallback') {
      throw new Error(`${t.fallbackReason ?? 'The default target cannot be used'}. Loads never fall back silently: select the target 'embedded' (Data Vault: Select Target) or fix the profile.`);
    }
    let target: ResolvedTarget = t.target;
    if (target.kind === 'postgres' && t.passwordEnvVar && !target.password) {
      const answer = await this.host
        .askPassword({ target: target.name, envVar: t.passwordEnvVar, description: `${target.user}@${target.host}:${target.port}/${target.dbname}` })
        .catch(() => ({}) as AskPasswordResult);
      if (!answer.password) throw new Error(`Target '${target.name}' needs a password: set ${t.passwordEnvVar} or enter it when asked.`);
      target = { ...target, password: answer.password };
    }
    const wh = await openWarehouse(target, state.root, { embeddedInWorker: true });
    if (state.disposed) {
      await wh.close();
      throw new Error('The project was reopened.');
    }
    // Two requests may have opened it at once: the first one kept wins, the other handle is let go.
    if (state.warehouse) {
      await wh.close();
      return state.warehouse;
    }
    state.warehouse = wh;
    return wh;
  }

  /** Reads the raw schema again now; completion and checks use what is known meanwhile. */
  refreshSchema(state: ProjectState): Promise<void> {
    const previous = state.introspection ?? Promise.resolve();
    state.introspection = previous.then(() => this.introspect(state));
    return state.introspection;
  }

  /** Reads the raw schema in the background; completion and checks use the cache meanwhile. */
  private async introspect(state: ProjectState): Promise<void> {
    try {
      const wh = await this.openTarget(state, 'read');
      const snapshot = await refreshSchemaCache(wh, state.root, this.targetOf(state).name);
      if (state.disposed) return;
      state.session.setSchemaSnapshot(snapshot);
      state.connected = true;
      state.refreshedAt = snapshot.introspectedAt;
      state.problem = undefined;
    } catch (error) {
      if (state.disposed) return;
      state.connected = false;
      state.problem = `Cannot read the raw schema of target '${this.targetOf(state).name}': ${sqlErrorMessage(error)}`;
    }
    this.invalidate(state);
    this.sendStatus(state);
    // While the project is still being indexed, the check at the end of indexing reads the new schema anyway.
    if (state.indexing) state.checks.checkAll(this.openModelsOf(state));
    else this.checkAll(state);
  }

  sendStatus(state: ProjectState): void {
    const target = this.targetOf(state);
    const params: StatusParams = { projectUri: state.uri, target: target.name, targetType: target.type, connected: state.connected };
    if (target.fellBack) params.fellBackToEmbedded = true;
    const refreshed = state.refreshedAt ?? state.session.schemaSnapshot?.introspectedAt;
    if (refreshed) params.lastSchemaRefresh = refreshed;
    const problem = state.problem ?? target.problem;
    if (problem) params.problem = problem;
    this.host.sendStatus(params);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Files changing, and the findings published for them.

  /** An open document's text changed (or it opened): that model is checked first, the models it affects later. */
  documentChanged(state: ProjectState, path: string, text: string): void {
    const session = state.session;
    const known = session.nodeByPath(path);
    const modelName = known?.name ?? baseName(path);
    // Opening a file whose text the project already has changes nothing for other models.
    if (known && session.textOf(known) === text) {
      session.updateFile(path, text);
      state.checks.modelChanged(modelName, [], true);
      return;
    }
    const before = modelFootprint(session, modelName);
    session.updateFile(path, text);
    // Typing in a satellite or a hub keeps the index's whole-project maps (hub keys, hash builders); a stage or a
    // changed key rebuilds them.
    if (!indexStillValid(before, modelFootprint(session, modelName))) this.invalidate(state);
    this.modelChanged(state, modelName, before, true);
  }

  /** An editor closed a model whose file is still on disk: the disk's text counts again. */
  documentClosed(state: ProjectState, path: string): void {
    const name = state.session.nodeByPath(path)?.name ?? baseName(path);
    state.session.closeFile(path);
    this.invalidate(state);
    state.checks.recheck(name);
  }

  /** A model file changed on disk while no editor has it open. */
  fileChangedOnDisk(state: ProjectState, path: string): void {
    const name = state.session.nodeByPath(path)?.name ?? baseName(path);
    const before = modelFootprint(state.session, name);
    state.session.closeFile(path);
    this.invalidate(state);
    this.modelChanged(state, name, before, state.session.nodeByPath(path) !== undefined);
  }

  /**
   * A model file that no longer exists (deleted on disk, or closed after its file was deleted): its findings are
   * cleared and the models that read it are checked again, since a ref to it is now DV101.
   */
  forgetModelFile(state: ProjectState, path: string): void {
    const node = state.session.nodeByPath(path);
    // Its readers are found before it goes: afterwards the graph no longer links them to it.
    const before = node ? modelFootprint(state.session, node.name) : undefined;
    state.session.closeFile(path);
    this.invalidate(state);
    const uri = pathToUri(path);
    state.published.delete(uri);
    this.host.publish(uri, []);
    if (node && before) this.modelChanged(state, node.name, before, state.session.node(node.name) !== undefined);
  }

  /**
   * Every model is checked again, with the progress shown in the editor until the run is over. A large project is
   * checked on a worker thread (the open models here, first); a run still going is replaced.
   */
  private checkAll(state: ProjectState): void {
    const names = state.session.models().map((m) => m.name);
    if (!state.progress && names.length > 0) state.progress = { reporter: this.host.startProgress('Data Vault: checking models'), reportedAt: performance.now() };
    state.background?.run.cancel();
    state.background = undefined;
    const chosen = process.env.DVS_BACKGROUND_CHECK;
    if (chosen === 'main' || (chosen !== 'worker' && names.length < BACKGROUND_CHECK_MIN_MODELS)) {
      state.checks.checkAll(names);
      return;
    }
    const open = this.openModelsOf(state);
    state.checks.checkAll(open);
    this.checkInBackground(state, names, open);
  }

  private checkInBackground(state: ProjectState, names: readonly string[], open: readonly string[]): void {
    const checkedHere = new Set<string>(open);
    const overrides = this.openFilesOf(state.root);
    const over = () => {
      if (state.background?.run !== run) return false;
      state.background = undefined;
      return true;
    };
    const run = startBackgroundCheck(
      { root: state.root, settings: state.settings, ...(state.selectedTarget ? { selectedTarget: state.selectedTarget } : {}), connected: state.connected, overrides, skip: [...open] },
      {
        batch: (items, checked, total) => {
          if (state.background?.run !== run) return;
          this.publishChecked(state, items, checkedHere);
          this.showProgress(state, checked, total);
        },
        done: () => {
          if (over()) this.endProgressWhenIdle(state);
        },
        failed: (reason) => {
          if (!over()) return;
          // The models are checked here instead; nothing is left unchecked.
          this.host.logError(`dvs: the background check of ${state.root} failed, checking on the server's thread instead: ${reason}`);
          state.checks.checkAll(names.filter((name) => !checkedHere.has(name)));
        },
      },
    );
    state.background = { run, checkedHere };
  }

  /** Publishes a worker's findings, leaving out the models checked here since its run began (those are newer). */
  private publishChecked(state: ProjectState, items: readonly CheckedModel[], checkedHere: ReadonlySet<string>): void {
    for (const item of items) {
      if (checkedHere.has(item.name) || state.session.node(item.name)?.kind !== 'model') continue;
      this.publishDiagnostics(state, item.uri, item.diagnostics);
    }
  }

  /** Reports how far the run is, at most every PROGRESS_EVERY_MS. */
  private showProgress(state: ProjectState, checked: number, total: number): void {
    const shown = state.progress;
    if (!shown) return;
    const at = performance.now();
    if (at - shown.reportedAt < PROGRESS_EVERY_MS) return;
    shown.reportedAt = at;
    shown.reporter.report(`${checked} of ${total} models`, Math.floor((100 * checked) / Math.max(1, total)));
  }

  /** Ends the progress once neither the worker nor this thread has models of the run left to check. */
  private endProgressWhenIdle(state: ProjectState): void {
    const { waiting, running } = state.checks.progress;
    if (state.background || running || waiting > 0 || !state.progress) return;
    const shown = state.progress;
    state.progress = undefined;
    shown.reporter.done();
  }

  /** After each slice of this thread's checks; a run on a worker thread reports its own progress. */
  private reportProgress(state: ProjectState): void {
    if (state.background) return;
    const { checked, waiting, running } = state.checks.progress;
    if (!running && waiting === 0) this.endProgressWhenIdle(state);
    else this.showProgress(state, checked, checked + waiting);
  }

  /** A model was edited, created or removed: the models its change affects are found from its facts before and after
   *  (engine/affected.ts), and the scheduler checks it first and them once typing pauses. While the project is still
   *  being indexed every model is checked at the end anyway, so only the model itself is. */
  private modelChanged(state: ProjectState, name: string, before: ModelFootprint, exists: boolean): void {
    const affected = state.indexing ? [] : affectedModels(state.session, this.index(state), before, modelFootprint(state.session, name));
    state.checks.modelChanged(name, affected, exists);
  }

  /** The files of the project at `root` open in the editor, with their text there. */
  private openFilesOf(root: string): { path: string; text: string }[] {
    const files: { path: string; text: string }[] = [];
    for (const doc of this.host.openDocuments()) {
      const path = uriToPath(doc.uri);
      if (path && this.rootOf(path) === root) files.push({ path, text: doc.text });
    }
    return files;
  }

  /** The models of this project open in the editor. */
  private openModelsOf(state: ProjectState): string[] {
    const names: string[] = [];
    for (const { path } of this.openFilesOf(state.root)) {
      const node = path.endsWith('.sql') ? state.session.nodeByPath(path) : undefined;
      if (node) names.push(node.name);
    }
    return names;
  }

  private earlyRules(state: ProjectState): RuleView {
    if (!state.earlyRules) {
      const project = ruleProjectOfSession(state.session, { connected: state.connected });
      state.earlyRules = { project, index: createVaultIndex(project) };
    }
    return state.earlyRules;
  }

  private publishFor(state: ProjectState, names: readonly string[]): void {
    const rules = state.indexing ? this.earlyRules(state) : { project: this.view(state), index: this.index(state) };
    for (const name of names) {
      const node = state.session.node(name);
      if (!node || node.kind !== 'model') continue;
      let diagnostics;
      const text = state.session.textOf(node);
      try {
        const found = state.indexing ? checkModelEarly(state.session, node, rules, text) : checkModel(state.session, node, rules, text);
        diagnostics = toLspDiagnostics(text, found);
      } catch (error) {
        this.host.logError(`dvs: checking ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        continue;
      }
      state.background?.checkedHere.add(name);
      const uri = pathToUri(node.file);
      // Findings of a text the editor has already replaced would point into the wrong text; the change that replaced
      // it has its own check coming (the edit reaches the project a moment after the editor's copy of the document).
      const version = this.host.versionOf(uri, text);
      if (version === 'stale') continue;
      this.publishDiagnostics(state, uri, diagnostics, version);
    }
  }

  private publishDiagnostics(state: ProjectState, uri: string, diagnostics: LspDiagnostic[], version?: number): void {
    state.published.add(uri);
    this.host.publish(uri, diagnostics, version);
  }
}

function baseName(path: string): string {
  const file = path.slice(path.lastIndexOf('/') + 1);
  return file.endsWith('.sql') ? file.slice(0, -4) : file;
}
