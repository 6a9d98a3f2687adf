// The "Vault" view: hubs, links and satellites (and the other models) of the project graph from `dvs/projectGraph`,
// grouped by kind; each item opens its model.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ProjectGraph, type GraphModel, type ProjectGraphResult } from '../../server/src/protocol';
import { VAULT_GROUPS } from './modelKinds';
import { describeFailure, sendDvsRequest } from './languageClient';

type VaultNode = { kind: 'group'; index: number; models: GraphModel[] } | { kind: 'model'; model: GraphModel } | { kind: 'message'; text: string };

export interface VaultView extends vscode.Disposable {
  reload(): Promise<ProjectGraphResult | undefined>;
  graph(): ProjectGraphResult | undefined;
  /** Why the last reload failed, for people. */
  problem(): string | undefined;
  modelUri(name: string): string | undefined;
}

export function registerVaultView(context: vscode.ExtensionContext, client: () => Promise<LanguageClient>): VaultView {
  let graph: ProjectGraphResult | undefined;
  let problem: string | undefined;
  const changed = new vscode.EventEmitter<void>();

  const provider: vscode.TreeDataProvider<VaultNode> = {
    onDidChangeTreeData: changed.event,
    getChildren(node) {
      if (!node) {
        if (problem) return [{ kind: 'message', text: problem }];
        if (!graph) return [];
        const groups: VaultNode[] = [];
        VAULT_GROUPS.forEach((g, index) => {
          const models = graph?.models.filter((m) => g.kinds.includes(m.kind)).sort((a, b) => a.name.localeCompare(b.name)) ?? [];
          if (models.length || index < 3) groups.push({ kind: 'group', index, models });
        });
        return groups;
      }
      return node.kind === 'group' ? node.models.map((model) => ({ kind: 'model', model })) : [];
    },
    getTreeItem(node) {
      if (node.kind === 'message') return new vscode.TreeItem(node.text);
      if (node.kind === 'group') {
        const g = VAULT_GROUPS[node.index];
        const item = new vscode.TreeItem(g?.label ?? '', node.index < 3 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
        item.description = String(node.models.length);
        item.contextValue = 'vaultGroup';
        return item;
      }
      const m = node.model;
      const item = new vscode.TreeItem(m.name, vscode.TreeItemCollapsibleState.None);
      const icon = VAULT_GROUPS.find((g) => g.kinds.includes(m.kind))?.icon ?? 'file-code';
      item.iconPath = new vscode.ThemeIcon(icon);
      item.description = [m.kind === 'model' ? undefined : m.kind, m.keyColumns.join(', ') || undefined].filter(Boolean).join(' · ');
      const tooltip = [`${m.schema ? `${m.schema}.` : ''}${m.name} (${m.kind}${m.materialization ? `, ${m.materialization}` : ''})`];
      if (m.businessKeys?.length) tooltip.push(`business keys: ${m.businessKeys.join(', ')}`);
      if (m.parents?.length) tooltip.push(`parents: ${m.parents.join(', ')}`);
      item.tooltip = tooltip.join('\n');
      item.resourceUri = vscode.Uri.parse(m.uri);
      item.contextValue = `vaultModel.${m.kind}`;
      item.command = { title: 'Open Model', command: 'vscode.open', arguments: [vscode.Uri.parse(m.uri)] };
      return item;
    },
  };
  const view = vscode.window.createTreeView('dataVault.vault', { treeDataProvider: provider, showCollapseAll: true });
  context.subscriptions.push(view, changed);

  // The graph changes when models or YAML are saved, created or deleted; reload once the burst is over.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const projectFile = (uri: vscode.Uri): boolean => /\.(sql|ya?ml)$/i.test(uri.path);
  const reloadSoon = (uris: readonly vscode.Uri[]): void => {
    if (!view.visible || !uris.some(projectFile)) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void api.reload(), 500);
  };
  context.subscriptions.push(
    vscode.workspace.onDidSaveTextDocument((d) => reloadSoon([d.uri])),
    vscode.workspace.onDidCreateFiles((e) => reloadSoon(e.files)),
    vscode.workspace.onDidDeleteFiles((e) => reloadSoon(e.files)),
    view.onDidChangeVisibility((e) => {
      if (e.visible) void api.reload();
    }),
    { dispose: () => timer && clearTimeout(timer) },
  );

  const api: VaultView = {
    async reload() {
      try {
        graph = await sendDvsRequest(await client(), ProjectGraph, {});
        problem = undefined;
      } catch (error) {
        problem = describeFailure(error, 'Reading the project graph');
      }
      changed.fire();
      return graph;
    },
    graph: () => graph,
    problem: () => problem,
    modelUri: (name) => graph?.models.find((m) => m.name === name)?.uri,
    dispose() {
      graph = undefined;
    },
  };
  return api;
}
