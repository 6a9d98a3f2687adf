// The read-only `dvs-sql:` documents that show a model's compiled SQL beside it, updated as the model is edited, with
// a first-load / incremental toggle; and "Peek Compiled SQL", which peeks that document under the macro call.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { COMPILED_SQL_SCHEME, CompiledSql, type CompiledSqlResult } from '../../server/src/protocol';
import { describeFailure, sendDvsRequest } from './languageClient';
import { settingsFor } from './settings';

/** How long typing must pause before the preview recompiles. */
const RECOMPILE_DELAY_MS = 200;

interface PreviewState {
  modelUri: vscode.Uri;
  incremental: boolean;
  /** When the preview was opened: its run_started_at unless the setting pins one (CONTRACTS.md). */
  madeAt: string;
  last?: CompiledSqlResult;
  timer?: ReturnType<typeof setTimeout>;
}

export interface CompiledSqlPreview extends vscode.Disposable {
  /** Opens (or reveals) the preview of a model beside it; resolves with the preview document. */
  open(modelUri: vscode.Uri): Promise<vscode.TextDocument>;
  /** Switches a preview between first-load and incremental SQL. */
  toggleIncremental(uri: vscode.Uri): Promise<void>;
  peek(editor: vscode.TextEditor): Promise<void>;
  /** Recompiles every open preview (after a schema refresh or a target switch). */
  refreshAll(): void;
}

export function previewUriFor(modelUri: vscode.Uri): vscode.Uri {
  const base = modelUri.path.split('/').pop()?.replace(/\.sql$/i, '') ?? 'model';
  return vscode.Uri.from({ scheme: COMPILED_SQL_SCHEME, path: `/${base}.compiled.sql`, query: modelUri.toString() });
}

export function modelUriOf(previewUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.parse(previewUri.query);
}

function header(state: PreviewState, result: CompiledSqlResult, runStartedAt: string): string {
  const variant = state.incremental
    ? result.incremental
      ? 'incremental run'
      : 'incremental run (the model is not incremental: same SQL as the first load)'
    : 'first load';
  return `-- ${result.model} · ${variant} · run_started_at ${runStartedAt} · read-only, follows your edits`;
}

function render(state: PreviewState, result: CompiledSqlResult, runStartedAt: string): string {
  const lines = [header(state, result, runStartedAt)];
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (!result.sql.trim() || errors.length) {
    lines.push(`-- ${result.model} does not compile:`);
    for (const d of errors.length ? errors : result.diagnostics) {
      lines.push(`--   ${d.code} line ${d.range.start.line + 1}: ${d.message.replace(/\n/g, ' ')}`);
    }
  }
  if (result.sql.trim()) lines.push(result.sql.trimEnd());
  return lines.join('\n') + '\n';
}

export function registerCompiledSqlPreview(
  context: vscode.ExtensionContext,
  client: () => Promise<LanguageClient>,
): CompiledSqlPreview {
  const states = new Map<string, PreviewState>();
  const changed = new vscode.EventEmitter<vscode.Uri>();

  const stateFor = (modelUri: vscode.Uri): PreviewState => {
    const key = modelUri.toString();
    let state = states.get(key);
    if (!state) {
      state = { modelUri, incremental: false, madeAt: new Date().toISOString() };
      states.set(key, state);
    }
    return state;
  };

  const provider: vscode.TextDocumentContentProvider = {
    onDidChange: changed.event,
    async provideTextDocumentContent(uri, token) {
      const state = stateFor(modelUriOf(uri));
      const settings = settingsFor(state.modelUri);
      const runStartedAt = settings.preview.runStartedAt || state.madeAt;
      try {
        const result = await sendDvsRequest(
          await client(),
          CompiledSql,
          { uri: state.modelUri.toString(), incremental: state.incremental, runStartedAt, format: settings.preview.formatSql },
          token,
        );
        state.last = result;
        return render(state, result, runStartedAt);
      } catch (error) {
        return `-- ${describeFailure(error, 'Compiling this model')}\n`;
      }
    },
  };

  const scheduleRecompile = (state: PreviewState): void => {
    if (state.timer) clearTimeout(state.timer);
    state.timer = setTimeout(() => {
      state.timer = undefined;
      changed.fire(previewUriFor(state.modelUri));
    }, RECOMPILE_DELAY_MS);
  };

  const isOpen = (modelUri: vscode.Uri): boolean => {
    const p = previewUriFor(modelUri).toString();
    return vscode.workspace.textDocuments.some((d) => d.uri.toString() === p);
  };

  context.subscriptions.push(
    changed,
    vscode.workspace.registerTextDocumentContentProvider(COMPILED_SQL_SCHEME, provider),
    vscode.workspace.onDidChangeTextDocument((e) => {
      const state = states.get(e.document.uri.toString());
      if (state && e.contentChanges.length && isOpen(state.modelUri)) scheduleRecompile(state);
    }),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      if (doc.uri.scheme !== COMPILED_SQL_SCHEME) return;
      const key = modelUriOf(doc.uri).toString();
      const state = states.get(key);
      if (state?.timer) clearTimeout(state.timer);
      states.delete(key);
    }),
  );

  const openDocument = async (modelUri: vscode.Uri): Promise<vscode.TextDocument> => {
    stateFor(modelUri);
    let doc = await vscode.workspace.openTextDocument(previewUriFor(modelUri));
    // A model-file grammar may claim `*.sql`; the compiled SQL is plain PostgreSQL.
    if (doc.languageId !== 'sql') doc = await vscode.languages.setTextDocumentLanguage(doc, 'sql');
    return doc;
  };

  return {
    async open(modelUri) {
      const doc = await openDocument(modelUri);
      await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true, preview: false });
      return doc;
    },
    async toggleIncremental(uri) {
      const modelUri = uri.scheme === COMPILED_SQL_SCHEME ? modelUriOf(uri) : uri;
      const state = stateFor(modelUri);
      state.incremental = !state.incremental;
      if (!isOpen(modelUri)) {
        await this.open(modelUri);
        return;
      }
      changed.fire(previewUriFor(modelUri));
    },
    async peek(editor) {
      const modelUri = editor.document.uri;
      const doc = await openDocument(modelUri);
      const last = states.get(modelUri.toString())?.last;
      const at = last?.macroCall
        ? new vscode.Position(last.macroCall.start.line, last.macroCall.start.character)
        : editor.selection.active;
      // Skip the header comment so the peek shows SQL from its first line.
      const firstSqlLine = Math.min(1, Math.max(0, doc.lineCount - 1));
      const range = new vscode.Range(firstSqlLine, 0, firstSqlLine, 0);
      await vscode.commands.executeCommand('editor.action.peekLocations', modelUri, at, [new vscode.Location(doc.uri, range)], 'peek');
    },
    refreshAll() {
      for (const state of states.values()) if (isOpen(state.modelUri)) changed.fire(previewUriFor(state.modelUri));
    },
    dispose() {
      for (const state of states.values()) if (state.timer) clearTimeout(state.timer);
      states.clear();
    },
  };
}
