// The cloud commands: Deploy/Destroy Infrastructure (Terraform), Open Superset, Publish Dashboard, Sync Airbyte
// Connection. Their logic lives in server/src/cloud/; this module gives it VS Code's IO: a Pseudoterminal the user
// watches, modal confirmations, notifications, progress, and SecretStorage for passwords and API credentials.
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import { airbyteCredentialsFromEnv, resolveAirbyteUrl, syncAirbyteConnection, type AirbyteCredentials } from '../../server/src/cloud/airbyte';
import { parseDotenv } from '../../server/src/cloud/dotenv';
import { nodeFileAccess } from '../../server/src/cloud/files';
import { runNodeProcess } from '../../server/src/cloud/process';
import { openSuperset, publishDashboard, type PublishTarget, type SupersetCredentials } from '../../server/src/cloud/superset';
import { deployInfrastructure, destroyInfrastructure, type TerraformIO } from '../../server/src/cloud/terraform';
import { ProjectInfo, type ProjectInfoResult } from '../../server/src/protocol';
import { describeFailure, sendDvsRequest } from './languageClient';
import { answerPasswordRequest } from './passwords';
import { runLoadsCommand } from './runLoads';
import type { Services } from './services';
import { settingsFor } from './settings';

type NoticeLevel = 'info' | 'warning' | 'error';

function notify(level: NoticeLevel, message: string): void {
  const text = `Data Vault: ${message}`;
  if (level === 'error') void vscode.window.showErrorMessage(text);
  else if (level === 'warning') void vscode.window.showWarningMessage(text);
  else void vscode.window.showInformationMessage(text);
}

async function confirm(question: string, detail?: string): Promise<boolean> {
  const answer = await vscode.window.showWarningMessage(question, { modal: true, detail }, 'Yes');
  return answer === 'Yes';
}

/** A terminal that shows what a flow writes; closing it aborts the flow. Text written before it opens is kept. */
function flowTerminal(name: string, abort: AbortController): { write(text: string): void; terminal: vscode.Terminal } {
  const emitter = new vscode.EventEmitter<string>();
  let opened = false;
  let pending = '';
  const pty: vscode.Pseudoterminal = {
    onDidWrite: emitter.event,
    open() {
      opened = true;
      if (pending) emitter.fire(pending);
      pending = '';
    },
    close() {
      abort.abort();
      emitter.dispose();
    },
    handleInput(data) {
      // Ctrl+C in the terminal interrupts the running step, as in a shell.
      if (data === '\x03') abort.abort();
    },
  };
  const terminal = vscode.window.createTerminal({ name, pty });
  terminal.show(true);
  return {
    terminal,
    write(text) {
      const crlf = text.replace(/\r?\n/g, '\r\n');
      if (opened) emitter.fire(crlf);
      else pending += crlf;
    },
  };
}

/** The project and its target; `required` says so to the user when the server cannot tell. */
async function projectInfo(services: Services, required: boolean): Promise<ProjectInfoResult | undefined> {
  try {
    return await sendDvsRequest(await services.client(), ProjectInfo, {});
  } catch (error) {
    const message = describeFailure(error, 'Finding the dbt project');
    services.output.warn(message);
    if (required) notify('error', message);
    return undefined;
  }
}

function workspaceDir(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

/** `dataVault.terraform.dir`, relative to the workspace folder (or the project folder when it is not there). */
async function terraformDir(project: ProjectInfoResult | undefined): Promise<string | undefined> {
  const setting = settingsFor(vscode.workspace.workspaceFolders?.[0]?.uri).terraform.dir || 'terraform/';
  const candidates = isAbsolute(setting)
    ? [setting]
    : [workspaceDir(), project ? vscode.Uri.parse(project.projectUri).fsPath : undefined].filter((d): d is string => !!d).map((d) => join(d, setting));
  for (const dir of candidates) {
    try {
      if ((await vscode.workspace.fs.stat(vscode.Uri.file(dir))).type === vscode.FileType.Directory) return dir;
    } catch {
      /* try the next */
    }
  }
  notify('error', `No Terraform stack found (looked in ${candidates.join(', ') || setting}). Set "dataVault.terraform.dir" to the folder holding main.tf.`);
  return undefined;
}

function terraformIO(services: Services, write: (text: string) => void): TerraformIO {
  return {
    run: runNodeProcess,
    write,
    confirm,
    notify,
    files: nodeFileAccess,
    download: async (url) => {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`${url} answered ${res.status}`);
      return res.text();
    },
    refreshRawSchema: async () => {
      const result = await services.rawSchema.refresh();
      if (!result) throw new Error('the language server could not refresh the raw schema');
    },
  };
}

async function deployCommand(services: Services): Promise<unknown> {
  const project = await projectInfo(services, false);
  const dir = await terraformDir(project);
  if (!dir) return undefined;
  const abort = new AbortController();
  const { write } = flowTerminal('Data Vault: Deploy', abort);
  const result = await deployInfrastructure(terraformIO(services, write), {
    terraformDir: dir,
    baseEnv: process.env,
    homeDir: homedir(),
    signal: abort.signal,
    ...(project?.profilesPath ? { project: { profilesPath: project.profilesPath, profile: project.profile } } : {}),
  });
  if (result.status === 'failed') notify('error', `Deploy stopped at ${result.step}: ${result.message}`);
  else if (result.status === 'cancelled') notify('info', 'Deploy cancelled: nothing was applied.');
  else {
    notify('info', `Infrastructure ${result.status === 'applied' ? 'deployed' : 'already up to date'}${result.outputs.postgresqlHost ? `; warehouse ${result.outputs.postgresqlHost}` : ''}.`);
    if (result.connection.status === 'written') {
      await vscode.commands.executeCommand('dataVault.selectTarget', result.connection.target);
    }
  }
  return result;
}

async function destroyCommand(services: Services): Promise<unknown> {
  const project = await projectInfo(services, false);
  const dir = await terraformDir(project);
  if (!dir) return undefined;
  const abort = new AbortController();
  const { write } = flowTerminal('Data Vault: Destroy', abort);
  const result = await destroyInfrastructure(terraformIO(services, write), { terraformDir: dir, baseEnv: process.env, homeDir: homedir(), signal: abort.signal });
  if (result.status === 'failed') notify('error', `Destroy stopped at ${result.step}: ${result.message}`);
  else if (result.status === 'destroyed') notify('info', 'The cloud infrastructure was destroyed.');
  else if (result.status === 'nothing-to-destroy') notify('info', 'There is nothing to destroy.');
  return result;
}

async function openSupersetCommand(): Promise<unknown> {
  const url = settingsFor(vscode.workspace.workspaceFolders?.[0]?.uri).superset.url;
  return openSuperset(
    {
      openExternal: async (target) => {
        await vscode.env.openExternal(vscode.Uri.parse(target));
      },
      notify,
    },
    { url },
  );
}

/** A secret from the environment, the project's .env, SecretStorage, or asked once and kept there. */
async function projectEnv(project: ProjectInfoResult | undefined): Promise<Record<string, string | undefined>> {
  const env: Record<string, string | undefined> = { ...process.env };
  if (!project) return env;
  const text = await nodeFileAccess.readText(join(vscode.Uri.parse(project.projectUri).fsPath, '.env'));
  if (text) for (const [key, value] of parseDotenv(text).values) env[key] ??= value;
  return env;
}

async function publishTarget(services: Services, project: ProjectInfoResult): Promise<PublishTarget | undefined> {
  if (project.targetType === 'embedded' || !project.connection) return { kind: 'embedded', name: project.target };
  const c = project.connection;
  const connection = { host: c.host, port: c.port, dbname: c.dbname, user: c.user, sslmode: c.sslmode ?? 'prefer' };
  let password = project.passwordEnvVar ? (await projectEnv(project))[project.passwordEnvVar] : undefined;
  if (password === undefined && project.passwordEnvVar) {
    password = (
      await answerPasswordRequest(services.context.secrets, {
        target: project.target,
        envVar: project.passwordEnvVar,
        description: `${c.user}@${c.host}:${c.port}/${c.dbname}`,
      })
    ).password;
    if (password === undefined) return undefined;
  }
  return { kind: 'server', name: project.target, connection, password: password ?? '' };
}

const SUPERSET_SECRET = 'dataVault.superset.credentials';
const AIRBYTE_SECRET = 'dataVault.airbyte.credentials';

async function keptJson<T>(secrets: vscode.SecretStorage, key: string): Promise<T | undefined> {
  const text = await secrets.get(key);
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

async function askSupersetCredentials(secrets: vscode.SecretStorage): Promise<SupersetCredentials | undefined> {
  const kept = await keptJson<SupersetCredentials>(secrets, SUPERSET_SECRET);
  if (kept) return kept;
  const username = await vscode.window.showInputBox({ title: 'Superset login', prompt: 'Superset user name', value: 'admin', ignoreFocusOut: true });
  if (!username) return undefined;
  const password = await vscode.window.showInputBox({ title: 'Superset login', prompt: `Password of ${username}; kept in VS Code's secret storage`, password: true, ignoreFocusOut: true });
  if (password === undefined) return undefined;
  const credentials = { username, password };
  await secrets.store(SUPERSET_SECRET, JSON.stringify(credentials));
  return credentials;
}

async function publishDashboardCommand(services: Services): Promise<unknown> {
  const project = await projectInfo(services, true);
  if (!project) return undefined;
  const target = await publishTarget(services, project);
  if (!target) return undefined;
  const settings = settingsFor(vscode.Uri.parse(project.projectUri));
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Data Vault: publishing the dashboard' },
    async (progress) =>
      publishDashboard(
        {
          credentials: () => askSupersetCredentials(services.context.secrets),
          notify,
          files: nodeFileAccess,
          progress: (message) => progress.report({ message }),
        },
        {
          supersetUrl: settings.superset.url,
          exportDir: join(vscode.Uri.parse(project.projectUri).fsPath, 'superset'),
          target,
          ...(settings.superset.databaseHost ? { databaseHost: settings.superset.databaseHost } : {}),
        },
      ),
  );
  if (result.status === 'failed') {
    if (result.invalidCredentials) await services.context.secrets.delete(SUPERSET_SECRET);
    notify('error', `Publish Dashboard stopped at ${result.step}: ${result.message}`);
  } else if (result.status === 'published') {
    notify('info', `Published ${result.dashboards.join(', ')} to ${settings.superset.url}.`);
  }
  return result;
}

async function askAirbyteCredentials(secrets: vscode.SecretStorage, env: Record<string, string | undefined>): Promise<AirbyteCredentials | undefined> {
  const fromEnv = airbyteCredentialsFromEnv(env);
  if (fromEnv) return fromEnv;
  const kept = await keptJson<AirbyteCredentials>(secrets, AIRBYTE_SECRET);
  if (kept) return kept;
  const clientId = await vscode.window.showInputBox({
    title: 'Airbyte API access',
    prompt: 'Client id of an Airbyte application (UI: User settings → Applications, or `abctl local credentials`)',
    ignoreFocusOut: true,
  });
  if (!clientId) return undefined;
  const clientSecret = await vscode.window.showInputBox({ title: 'Airbyte API access', prompt: "Client secret; kept in VS Code's secret storage", password: true, ignoreFocusOut: true });
  if (!clientSecret) return undefined;
  const credentials = { clientId, clientSecret };
  await secrets.store(AIRBYTE_SECRET, JSON.stringify(credentials));
  return credentials;
}

async function syncAirbyteCommand(services: Services): Promise<unknown> {
  const project = await projectInfo(services, false);
  const env = await projectEnv(project);
  const settings = settingsFor(project ? vscode.Uri.parse(project.projectUri) : undefined);
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Data Vault: Airbyte sync', cancellable: true },
    async (progress, cancel) => {
      const abort = new AbortController();
      cancel.onCancellationRequested(() => abort.abort());
      return syncAirbyteConnection(
        {
          credentials: () => askAirbyteCredentials(services.context.secrets, env),
          pickConnection: async (connections) =>
            (
              await vscode.window.showQuickPick(
                connections.map((c) => ({ label: c.name, description: c.connectionId, connection: c })),
                { title: 'Airbyte connection to sync' },
              )
            )?.connection,
          progress: (update) => progress.report({ message: update.message }),
          confirm: async (question) => (await vscode.window.showInformationMessage(question, 'Run Loads')) === 'Run Loads',
          notify,
          runLoads: async () => {
            await runLoadsCommand(services, { select: [] });
          },
        },
        {
          url: resolveAirbyteUrl(settings.airbyte.url),
          ...(settings.airbyte.connectionId ? { connectionId: settings.airbyte.connectionId } : {}),
          signal: abort.signal,
        },
      );
    },
  );
  if (result.status === 'failed') {
    if (result.invalidCredentials) await services.context.secrets.delete(AIRBYTE_SECRET);
    notify('error', `Airbyte sync stopped at ${result.step}: ${result.message}`);
  } else if (result.status === 'succeeded' && !result.loadsStarted) {
    notify('info', `Airbyte job ${result.job.jobId} succeeded.`);
  }
  return result;
}

export const cloudCommandHandlers = {
  'dataVault.deployInfrastructure': deployCommand,
  'dataVault.destroyInfrastructure': destroyCommand,
  'dataVault.openSuperset': openSupersetCommand,
  'dataVault.publishDashboard': publishDashboardCommand,
  'dataVault.syncAirbyteConnection': syncAirbyteCommand,
} satisfies Record<string, (services: Services) => Promise<unknown>>;
