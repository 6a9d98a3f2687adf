// The extension's settings (`dataVault.*`) as the language server uses them: pulled from the client per resource,
// cached per URI until the client says they changed, and turned into the options a project session opens with.
// The pull itself is handed in, so this file needs no LSP connection.
import type { SessionOptions } from '../engine/session';
import { compatForVersion } from '../project';
import { parseVersion } from '../project/packages';
import type { DataVaultSettings } from '../protocol';

export const DEFAULT_SETTINGS: DataVaultSettings = {
  target: '',
  projectDir: '',
  superset: { url: 'http://localhost:8088', databaseHost: '' },
  airbyte: { url: 'http://localhost:8000', connectionId: '' },
  terraform: { dir: 'terraform/' },
  preview: { formatSql: true, runStartedAt: '' },
  automateDvVersion: '',
  trace: { server: 'off' },
};

/** Asks the client for the settings of one resource; undefined when the client cannot be asked (defaults apply). */
export type PullSettings = (uri: string) => Promise<Partial<DataVaultSettings> | null> | undefined;

export class SettingsCache {
  private readonly byUri = new Map<string, Promise<DataVaultSettings>>();

  constructor(private readonly pull: PullSettings) {}

  /** The settings of a resource over the defaults; a failed pull gives the defaults. */
  get(uri: string): Promise<DataVaultSettings> {
    let pending = this.byUri.get(uri);
    if (!pending) {
      const pulled = this.pull(uri);
      pending = pulled
        ? pulled.then((s) => ({ ...DEFAULT_SETTINGS, ...(s ?? {}) })).catch(() => DEFAULT_SETTINGS)
        : Promise.resolve(DEFAULT_SETTINGS);
      this.byUri.set(uri, pending);
    }
    return pending;
  }

  /** The client said the settings changed: every resource is pulled again. */
  clear(): void {
    this.byUri.clear();
  }
}

/**
 * The session options the settings give: the target (a target chosen for this session wins), the pinned AutomateDV
 * version when it is one, and the preview's run_started_at (a time without zone is UTC; an unreadable one is ignored).
 */
export function sessionOptionsOf(settings: DataVaultSettings, selectedTarget?: string): SessionOptions {
  const version = settings.automateDvVersion && parseVersion(settings.automateDvVersion) ? settings.automateDvVersion : undefined;
  const targetName = selectedTarget ?? (settings.target || undefined);
  const at = settings.preview.runStartedAt;
  const runStartedAt = at ? new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(at) ? at : `${at}Z`) : undefined;
  return {
    purpose: 'read',
    ...(targetName ? { targetName } : {}),
    ...(version ? { compat: compatForVersion(version) } : {}),
    ...(runStartedAt && !Number.isNaN(runStartedAt.getTime()) ? { runStartedAt } : {}),
  };
}
