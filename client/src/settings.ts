// The client's view of the `dataVault.*` settings: read per resource, cached per URI, cleared when they change
// (CONVENTIONS §5). The shape is the protocol's DataVaultSettings, which the server pulls the same way.
import * as vscode from 'vscode';
import type { DataVaultSettings } from '../../server/src/protocol';

const cache = new Map<string, DataVaultSettings>();

function readSettings(resource: vscode.Uri | undefined): DataVaultSettings {
  const c = vscode.workspace.getConfiguration('dataVault', resource);
  const str = (key: string, fallback = ''): string => {
    const v = c.get<unknown>(key);
    return typeof v === 'string' ? v : fallback;
  };
  const trace = str('trace.server', 'off');
  return {
    target: str('target'),
    projectDir: str('projectDir'),
    superset: { url: str('superset.url', 'http://localhost:8088'), databaseHost: str('superset.databaseHost') },
    airbyte: { url: str('airbyte.url', 'http://localhost:8000'), connectionId: str('airbyte.connectionId') },
    terraform: { dir: str('terraform.dir', 'terraform/') },
    preview: { formatSql: c.get<boolean>('preview.formatSql') ?? true, runStartedAt: str('preview.runStartedAt') },
    automateDvVersion: str('automateDvVersion'),
    trace: { server: trace === 'messages' || trace === 'verbose' ? trace : 'off' },
  };
}

/** The settings that apply to a resource (a model's URI, a project folder); the workspace's when absent. */
export function settingsFor(resource?: vscode.Uri): DataVaultSettings {
  const key = resource?.toString() ?? '';
  let settings = cache.get(key);
  if (!settings) {
    settings = readSettings(resource);
    cache.set(key, settings);
  }
  return settings;
}

export function watchSettings(): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('dataVault')) cache.clear();
  });
}
