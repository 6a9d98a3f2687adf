// Deploy Infrastructure and Destroy Infrastructure: Terraform runs in a terminal the user watches, the flow reads
// each step's result itself, asks before anything is applied, and afterwards points the dbt project at the new
// warehouse (env_var references in profiles.yml, values in an untracked .env). No secret reaches the terminal,
// a notification, the result or a tracked file.
import { basename, dirname, join } from 'node:path';
import { parseDotenv, updateDotenv } from './dotenv';
import type { FileAccess } from './files';
import { ensureGitignored } from './gitignore';
import type { ProcessResult, ProcessRunner } from './process';
import { connectionEnvNames, connectionEnvValues, writeProfileTarget, type WarehouseConnection } from './profiles-writer';
import { createSecretScrubber, isSecretName, scrubbingWriter, type SecretScrubber } from './secrets';

/** Yandex Cloud's root CA for Managed PostgreSQL (verify-full). */
export const YANDEX_CA_URL = 'https://storage.yandexcloud.net/cloud-certs/CA.pem';
/** Managed PostgreSQL listens on the pooler port only. */
export const MANAGED_POSTGRESQL_PORT = 6432;
/** Variables of terraform/variables.tf without a default: deploy stops early, naming them, when one is unset. */
export const REQUIRED_TF_VARIABLES = ['cloud_id', 'folder_id', 'postgresql_password'] as const;
/** Outputs of terraform/outputs.tf the editor reads. */
export const STACK_OUTPUT_NAMES = {
  clusterId: 'postgresql_cluster_id',
  host: 'postgresql_host',
  port: 'postgresql_port',
  dbname: 'postgresql_dbname',
  user: 'postgresql_user',
  airbyteUrl: 'airbyte_url',
} as const;
/** The variable holding the warehouse password; the connection written to the project's .env copies it. */
const PASSWORD_VARIABLE = 'TF_VAR_postgresql_password';
const PLAN_FILE = 'tfplan';
const DESTROY_PLAN_FILE = 'tfdestroy';

export type NoticeLevel = 'info' | 'warning' | 'error';

/** Everything the flows do to the outside world. The editor supplies terminal, dialogs and downloads. */
export interface TerraformIO {
  run: ProcessRunner;
  /** The terminal the user watches; it receives only scrubbed text, with "\n" line ends. */
  write(text: string): void;
  /** A modal yes/no question; `detail` holds the longer explanation. */
  confirm(question: string, detail?: string): Promise<boolean>;
  notify(level: NoticeLevel, message: string): void;
  files: FileAccess;
  /** Fetches a small text document over HTTPS (the CA certificate). */
  download(url: string): Promise<string>;
  /** Re-reads the raw schema from the project's (new) default target. */
  refreshRawSchema?(): Promise<void>;
}

export interface TerraformOptions {
  /** The folder holding the stack (main.tf …, terraformrc, .env). */
  terraformDir: string;
  /** Defaults to <terraformDir>/.env. */
  envFile?: string;
  /** The editor's own environment; PATH in it finds terraform and yc. Values in the .env file take precedence. */
  baseEnv: Readonly<Record<string, string | undefined>>;
  homeDir: string;
  /** Decides where the user's own Terraform CLI configuration would be; defaults to this process's platform. */
  platform?: NodeJS.Platform;
  /** Defaults to "terraform" (looked up on PATH). */
  terraformPath?: string;
  /** Defaults to "yc". */
  ycPath?: string;
  /** Aborting interrupts the running Terraform step (SIGINT) and ends the flow. */
  signal?: AbortSignal;
}

/** Where Deploy writes the warehouse connection of the dbt project. */
export interface ProjectConnectionOptions {
  profilesPath: string;
  /** The profile named in dbt_project.yml. */
  profile: string;
  /** Defaults to "cloud". */
  target?: string;
  /** The project's .env, which receives the values (including the password); defaults to .env beside profiles.yml. */
  envFile?: string;
  /** Make the target the profile's default; defaults to true. */
  makeDefault?: boolean;
}

export interface DeployOptions extends TerraformOptions {
  /** Absent: the connection step is skipped. */
  project?: ProjectConnectionOptions;
  /** Defaults to `defaultCaCertificatePath(homeDir, platform, baseEnv.APPDATA)`. */
  caCertificatePath?: string;
}

export interface PlanSummary {
  add: number;
  change: number;
  destroy: number;
  /** Resource addresses with their action, e.g. "create yandex_vpc_network.main". */
  resources: string[];
}

/** The non-secret outputs of the stack. */
export interface StackOutputs {
  postgresqlClusterId?: string;
  postgresqlHost?: string;
  postgresqlPort: number;
  postgresqlDbname?: string;
  postgresqlUser?: string;
  airbyteUrl?: string;
  /** Every non-sensitive output by name. */
  values: Record<string, unknown>;
  /** Names of the sensitive outputs; their values are never part of a result. */
  sensitive: string[];
}

export type TerraformStep = 'environment' | 'credentials' | 'init' | 'validate' | 'plan' | 'apply' | 'output';

export type ConnectionOutcome =
  | { status: 'written'; profilesPath: string; envFile: string; target: string; gitignoreUpdated: boolean }
  | { status: 'declined' | 'skipped' }
  | { status: 'failed'; message: string };

export type CertificateOutcome = 'present' | 'downloaded' | 'declined' | 'failed' | 'skipped';

export type DeployResult =
  | {
      status: 'applied' | 'up-to-date';
      plan: PlanSummary;
      outputs: StackOutputs;
      connection: ConnectionOutcome;
      certificate: CertificateOutcome;
      schemaRefreshed: boolean;
      warnings: string[];
    }
  | { status: 'cancelled'; plan: PlanSummary }
  | { status: 'failed'; step: TerraformStep; message: string };

export type DestroyResult =
  | { status: 'destroyed'; plan: PlanSummary }
  | { status: 'nothing-to-destroy' }
  | { status: 'cancelled'; plan: PlanSummary }
  | { status: 'failed'; step: TerraformStep; message: string };

type Failure = { status: 'failed'; step: TerraformStep; message: string };

/** libpq's default root certificate: ~/.postgresql/root.crt, or %APPDATA%\postgresql\root.crt on Windows. */
export function defaultCaCertificatePath(homeDir: string, platform: NodeJS.Platform, appData?: string): string {
  if (platform === 'win32') return join(appData ?? join(homeDir, 'AppData', 'Roaming'), 'postgresql', 'root.crt');
  return join(homeDir, '.postgresql', 'root.crt');
}

interface Session {
  io: Pick<TerraformIO, 'run' | 'write' | 'notify' | 'files'>;
  options: TerraformOptions;
  env: Record<string, string>;
  scrubber: SecretScrubber;
  terraform: string;
  envFileLabel: string;
}

function fail(step: TerraformStep, message: string): Failure {
  return { status: 'failed', step, message };
}

function definedEntries(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}

/** A value counts as set only when it is not empty: the template ships every variable with an empty value. */
function isSet(env: Record<string, string>, name: string): boolean {
  return (env[name] ?? '') !== '';
}

/**
 * Builds the environment of every Terraform step: the editor's environment, then the .env file on top; the
 * Yandex mirror configuration when the user has none; cloud and folder ids from YC_* or yc; a token from yc.
 */
async function openSession(io: TerraformIO, options: TerraformOptions): Promise<Session | Failure> {
  const scrubber = createSecretScrubber();
  const envFile = options.envFile ?? join(options.terraformDir, '.env');
  const envFileLabel = `${basename(dirname(envFile))}/${basename(envFile)}`;
  const env = definedEntries(options.baseEnv);
  const text = await io.files.readText(envFile);
  if (text !== undefined) {
    const parsed = parseDotenv(text);
    for (const problem of parsed.problems) io.notify('warning', problem.message.replace('.env', envFileLabel));
    // Empty values are skipped: TF_VAR_cloud_id= would otherwise hand Terraform an empty cloud id.
    for (const [key, value] of parsed.values) if (value !== '') env[key] = value;
  }
  for (const [key, value] of Object.entries(env)) if (isSecretName(key)) scrubber.add(value);
  const session: Session = { io, options, env, scrubber, terraform: options.terraformPath ?? 'terraform', envFileLabel };

  const platform = options.platform ?? process.platform;
  if (!isSet(env, 'TF_CLI_CONFIG_FILE')) {
    const userConfig =
      platform === 'win32' ? join(env.APPDATA ?? join(options.homeDir, 'AppData', 'Roaming'), 'terraform.rc') : join(options.homeDir, '.terraformrc');
    const mirror = join(options.terraformDir, 'terraformrc');
    if ((await io.files.readText(userConfig)) === undefined && (await io.files.readText(mirror)) !== undefined) env.TF_CLI_CONFIG_FILE = mirror;
  }

  let ycMissing = false;
  const yc = async (args: string[]): Promise<ProcessResult> => {
    const result = await io.run({ command: options.ycPath ?? 'yc', args, cwd: options.terraformDir, env, ...(options.signal ? { signal: options.signal } : {}) });
    if (result.notFound) ycMissing = true;
    return result;
  };
  for (const [variable, ycName, ycKey] of [
    ['cloud_id', 'YC_CLOUD_ID', 'cloud-id'],
    ['folder_id', 'YC_FOLDER_ID', 'folder-id'],
  ] as const) {
    const tfName = `TF_VAR_${variable}`;
    if (!isSet(env, tfName) && isSet(env, ycName)) env[tfName] = env[ycName] as string;
    if (!isSet(env, tfName) && !ycMissing) {
      const result = await yc(['config', 'get', ycKey]);
      const value = result.exitCode === 0 ? result.stdout.trim() : '';
      if (value) env[tfName] = value;
    }
  }

  // Checked before asking yc for a token, so a half-filled .env fails fast and says what is missing.
  const missing = REQUIRED_TF_VARIABLES.map((name) => `TF_VAR_${name}`).filter((name) => !isSet(env, name));
  if (missing.length) {
    const hint = text === undefined ? `Copy terraform/.env.template to ${envFileLabel} and fill it in` : `Set them in ${envFileLabel}`;
    return fail('environment', `Missing ${missing.join(', ')}. ${hint} (see .env.template for what each one means).`);
  }

  if (!isSet(env, 'YC_TOKEN') && !isSet(env, 'YC_SERVICE_ACCOUNT_KEY_FILE')) {
    const result = ycMissing ? undefined : await yc(['iam', 'create-token']);
    if (!result || result.notFound) {
      return fail(
        'credentials',
        `No Yandex Cloud credentials: set YC_TOKEN or YC_SERVICE_ACCOUNT_KEY_FILE in ${envFileLabel}, or install the yc CLI ` +
          '(https://yandex.cloud/docs/cli/quickstart) and run `yc init`, so a token can be created for you.',
      );
    }
    const token = result.stdout.trim();
    scrubber.add(token);
    if (result.exitCode !== 0 || !token) {
      const reason = scrubber.scrub(result.stderr.trim().split('\n').pop() ?? '');
      return fail('credentials', `\`yc iam create-token\` failed${reason ? ` (${reason})` : ''}. Run \`yc init\` to log in, or set YC_TOKEN in ${envFileLabel}.`);
    }
    env.YC_TOKEN = token;
  }

  return session;
}

function commandLine(session: Session, args: string[]): string {
  return `${basename(session.terraform)} ${args.join(' ')}`;
}

/** The first Terraform "Error:" line of a failed step's output, scrubbed, to put in the notification. */
function firstError(session: Session, result: ProcessResult): string {
  const clean = (result.stderr + '\n' + result.stdout).replace(/\x1b\[[0-9;]*m/g, '');
  const line = clean.split('\n').find((l) => /Error:/.test(l));
  return line ? ` ${session.scrubber.scrub(line.replace(/^[\s│╷╵]+/, '').trim())}` : '';
}

const STEP_HINTS: Record<string, string> = {
  init: 'If the provider could not be downloaded, check the network and the mirror in terraform/terraformrc.',
  validate: 'Fix the configuration in terraform/ and deploy again.',
  plan: 'Common causes: an expired YC_TOKEN (tokens live 12 hours), a wrong cloud or folder id, or an account without the editor role on the folder.',
  apply: 'Resources created so far are kept in the state; fix the cause and deploy again, or destroy them.',
  output: 'Run `terraform output` in terraform/ to see what is wrong with the state.',
};

type StepOutcome = { result: ProcessResult } | Failure;

/** Runs one Terraform command; `show` streams its (scrubbed) output to the terminal, otherwise it is only captured. */
async function runStep(session: Session, step: TerraformStep, args: string[], show: boolean, okCodes: number[] = [0]): Promise<StepOutcome> {
  const { io, options, scrubber } = session;
  const terminal = scrubbingWriter(scrubber, (text) => io.write(text));
  if (show) io.write(`\n$ ${commandLine(session, args)}\n`);
  const result = await io.run(
    { command: session.terraform, args, cwd: options.terraformDir, env: session.env, ...(options.signal ? { signal: options.signal } : {}) },
    show ? (chunk) => terminal.write(chunk) : undefined,
  );
  terminal.flush();
  if (result.notFound) {
    return fail(
      step,
      `Terraform was not found (${session.terraform}). Install Terraform 1.5 or newer (https://developer.hashicorp.com/terraform/install) ` +
        'and make sure it is on PATH, or set the full path of the binary in the setting dataVault.terraform.path.',
    );
  }
  if (result.startError) return fail(step, `Could not start ${session.terraform}: ${scrubber.scrub(result.startError)}.`);
  if (options.signal?.aborted) {
    const where = step === 'apply' ? ' Some resources may already exist: deploy again to finish, or destroy them.' : '';
    return fail(step, `Stopped during terraform ${step}.${where}`);
  }
  if (result.exitCode === null || !okCodes.includes(result.exitCode)) {
    const code = result.exitCode === null ? 'was killed' : `exited with code ${result.exitCode}`;
    return fail(step, `terraform ${step} ${code}.${firstError(session, result)} ${STEP_HINTS[step] ?? ''} The full output is in the terminal.`.trim());
  }
  return { result };
}

function isFailure(value: unknown): value is Failure {
  return typeof value === 'object' && value !== null && (value as { status?: unknown }).status === 'failed';
}

/** Counts and lists the planned changes from `terraform show -json <plan>`; falls back to the plan's summary line. */
async function summarizePlan(session: Session, planFile: string, planOutput: string): Promise<PlanSummary> {
  const summary: PlanSummary = { add: 0, change: 0, destroy: 0, resources: [] };
  const shown = await runStep(session, 'plan', ['show', '-json', '-no-color', planFile], false);
  if (!isFailure(shown)) {
    try {
      const plan = JSON.parse(shown.result.stdout) as { resource_changes?: { address?: string; change?: { actions?: string[] } }[] };
      for (const change of plan.resource_changes ?? []) {
        const actions = change.change?.actions ?? [];
        const address = change.address ?? '?';
        if (actions.includes('create') && actions.includes('delete')) {
          summary.add++;
          summary.destroy++;
          summary.resources.push(`replace ${address}`);
        } else if (actions.includes('create')) {
          summary.add++;
          summary.resources.push(`create ${address}`);
        } else if (actions.includes('delete')) {
          summary.destroy++;
          summary.resources.push(`destroy ${address}`);
        } else if (actions.includes('update')) {
          summary.change++;
          summary.resources.push(`update ${address}`);
        }
      }
      return summary;
    } catch {
      // Fall through to the human-readable summary line.
    }
  }
  const line = /Plan: (\d+) to add, (\d+) to change, (\d+) to destroy/.exec(planOutput.replace(/\x1b\[[0-9;]*m/g, ''));
  if (line) {
    summary.add = Number(line[1]);
    summary.change = Number(line[2]);
    summary.destroy = Number(line[3]);
  }
  return summary;
}

function describePlan(plan: PlanSummary): string {
  return `${plan.add} to add, ${plan.change} to change, ${plan.destroy} to destroy`;
}

function planDetail(plan: PlanSummary, extra: string): string {
  const shown = plan.resources.slice(0, 25);
  const more = plan.resources.length > shown.length ? [`… and ${plan.resources.length - shown.length} more`] : [];
  return [...shown, ...more, '', extra].join('\n').trim();
}

/** Parses `terraform output -json`; sensitive values are returned separately so the caller can scrub them. */
export function parseTerraformOutputs(json: string): { outputs: StackOutputs; secrets: string[] } | { error: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return { error: 'terraform output -json did not print JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { error: 'terraform output -json did not print an object' };
  const values: Record<string, unknown> = {};
  const sensitive: string[] = [];
  const secrets: string[] = [];
  for (const [name, entry] of Object.entries(parsed as Record<string, unknown>)) {
    const { value, sensitive: isSensitive } = (entry ?? {}) as { value?: unknown; sensitive?: unknown };
    if (isSensitive === true) {
      sensitive.push(name);
      collectStrings(value, secrets);
    } else {
      values[name] = value;
    }
  }
  const text = (name: string): string | undefined => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const port = values[STACK_OUTPUT_NAMES.port];
  const outputs: StackOutputs = {
    postgresqlPort: typeof port === 'number' ? port : typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : MANAGED_POSTGRESQL_PORT,
    values,
    sensitive,
  };
  const set = <K extends keyof StackOutputs>(key: K, value: StackOutputs[K] | undefined): void => {
    if (value !== undefined) outputs[key] = value;
  };
  set('postgresqlClusterId', text(STACK_OUTPUT_NAMES.clusterId));
  set('postgresqlHost', text(STACK_OUTPUT_NAMES.host));
  set('postgresqlDbname', text(STACK_OUTPUT_NAMES.dbname));
  set('postgresqlUser', text(STACK_OUTPUT_NAMES.user));
  set('airbyteUrl', text(STACK_OUTPUT_NAMES.airbyteUrl));
  return { outputs, secrets };
}

function collectStrings(value: unknown, into: string[]): void {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) for (const item of value) collectStrings(item, into);
  else if (typeof value === 'object' && value !== null) for (const item of Object.values(value)) collectStrings(item, into);
}

async function readOutputs(session: Session): Promise<StackOutputs | Failure> {
  // The JSON holds sensitive values in plain text: it is captured, never shown.
  const step = await runStep(session, 'output', ['output', '-json', '-no-color'], false);
  if (isFailure(step)) return step;
  const parsed = parseTerraformOutputs(step.result.stdout);
  if ('error' in parsed) return fail('output', `${parsed.error}. ${STEP_HINTS.output}`);
  session.scrubber.add(...parsed.secrets);
  return parsed.outputs;
}

/** Runs init, validate and plan; returns the plan exit code (0 nothing to do, 2 changes) and its summary. */
async function planChanges(session: Session, planFile: string, destroy: boolean): Promise<{ changes: boolean; plan: PlanSummary } | Failure> {
  const init = await runStep(session, 'init', ['init', '-input=false'], true);
  if (isFailure(init)) return init;
  const validate = await runStep(session, 'validate', ['validate'], true);
  if (isFailure(validate)) return validate;
  const args = ['plan', '-input=false', '-detailed-exitcode', ...(destroy ? ['-destroy'] : []), `-out=${planFile}`];
  const planned = await runStep(session, 'plan', args, true, [0, 2]);
  if (isFailure(planned)) return planned;
  if (planned.result.exitCode === 0) return { changes: false, plan: { add: 0, change: 0, destroy: 0, resources: [] } };
  return { changes: true, plan: await summarizePlan(session, planFile, planned.result.stdout) };
}

/** Deploy Infrastructure: init, validate, plan, confirm, apply; then outputs, the project connection, the CA, a schema refresh. */
export async function deployInfrastructure(io: TerraformIO, options: DeployOptions): Promise<DeployResult> {
  const opened = await openSession(io, options);
  if (isFailure(opened)) return opened;
  const session = opened;
  const planPath = join(options.terraformDir, PLAN_FILE);
  let applied = false;
  let plan: PlanSummary;
  try {
    const planned = await planChanges(session, PLAN_FILE, false);
    if (isFailure(planned)) return planned;
    plan = planned.plan;
    if (planned.changes) {
      const folder = session.env.TF_VAR_folder_id ?? '';
      const yes = await io.confirm(
        `Apply the Terraform plan to folder ${folder}? ${describePlan(plan)}.`,
        planDetail(plan, 'Creating the PostgreSQL cluster and the Airbyte VM takes 10 to 20 minutes and is billed by Yandex Cloud.'),
      );
      if (!yes) {
        io.write('\nApply cancelled: nothing was changed.\n');
        return { status: 'cancelled', plan };
      }
      const apply = await runStep(session, 'apply', ['apply', '-input=false', PLAN_FILE], true);
      if (isFailure(apply)) return apply;
      applied = true;
    } else {
      io.write('\nNo changes: the infrastructure matches the configuration.\n');
    }
  } finally {
    // A saved plan holds every variable, the password included, in plain text.
    await io.files.remove(planPath);
  }

  const outputs = await readOutputs(session);
  if (isFailure(outputs)) return outputs;
  const warnings: string[] = [];
  const caPath = options.caCertificatePath ?? defaultCaCertificatePath(options.homeDir, options.platform ?? process.platform, options.baseEnv.APPDATA);
  const connection = await offerConnection(io, session, options, outputs, caPath);
  if (connection.status === 'failed') warnings.push(connection.message);
  let certificate: CertificateOutcome = 'skipped';
  let schemaRefreshed = false;
  if (connection.status === 'written') {
    certificate = await ensureCaCertificate(io, caPath, warnings);
    if (io.refreshRawSchema) {
      try {
        await io.refreshRawSchema();
        schemaRefreshed = true;
      } catch (error) {
        warnings.push(`The raw schema could not be read from the new warehouse: ${session.scrubber.scrub(error instanceof Error ? error.message : String(error))}`);
      }
    }
  }
  for (const warning of warnings) io.notify('warning', session.scrubber.scrub(warning));
  return { status: applied ? 'applied' : 'up-to-date', plan, outputs, connection, certificate, schemaRefreshed, warnings: warnings.map((w) => session.scrubber.scrub(w)) };
}

async function offerConnection(io: TerraformIO, session: Session, options: DeployOptions, outputs: StackOutputs, caPath: string): Promise<ConnectionOutcome> {
  const project = options.project;
  if (!project) return { status: 'skipped' };
  const { postgresqlHost: host, postgresqlDbname: dbname, postgresqlUser: user } = outputs;
  if (!host || !dbname || !user) {
    return { status: 'failed', message: `The stack has no ${[!host && 'postgresql_host', !dbname && 'postgresql_dbname', !user && 'postgresql_user'].filter(Boolean).join(', ')} output, so the project cannot be pointed at it.` };
  }
  const target = project.target ?? 'cloud';
  const envFile = project.envFile ?? join(dirname(project.profilesPath), '.env');
  const makeDefault = project.makeDefault ?? true;
  const yes = await io.confirm(
    `Point the dbt project at the new warehouse ${host}?`,
    `Target "${target}" of profile "${project.profile}" in ${basename(project.profilesPath)} will read host, port ${outputs.postgresqlPort}, ` +
      `database ${dbname} and user ${user} from env_var() names with sslmode=verify-full${makeDefault ? ', and become the default target' : ''}. ` +
      `The values, the password included, go to ${basename(envFile)}, which is kept out of git.`,
  );
  if (!yes) return { status: 'declined' };

  const names = connectionEnvNames(target);
  const connection: WarehouseConnection = { host, port: outputs.postgresqlPort, dbname, user, sslmode: 'verify-full', sslrootcert: caPath };
  const profilesText = await io.files.readText(project.profilesPath);
  const written = writeProfileTarget(profilesText, { profile: project.profile, target, envNames: names, makeDefault, withSslRootCert: true });
  if (written.diagnostics.length) return { status: 'failed', message: written.diagnostics.map((d) => d.message).join('; ') };
  if (session.scrubber.reveals(written.text)) return { status: 'failed', message: 'Refused to write profiles.yml: the new text would contain a secret.' };

  const password = session.env[PASSWORD_VARIABLE] ?? '';
  const envText = updateDotenv(await io.files.readText(envFile), connectionEnvValues(connection, password, names), `Connection of dbt target "${target}", written by Deploy Infrastructure`);
  const gitignorePath = join(dirname(envFile), '.gitignore');
  const gitignore = ensureGitignored(await io.files.readText(gitignorePath), basename(envFile), 'Credentials of the dbt targets (written by Deploy Infrastructure)');
  // The ignore rule goes in before the secret is written, so there is no moment when git could pick the file up.
  if (gitignore.changed) await io.files.writeText(gitignorePath, gitignore.text);
  await io.files.writeText(envFile, envText, { mode: 0o600 });
  await io.files.writeText(project.profilesPath, written.text);
  io.notify('info', `Target "${target}" now reads its connection from ${basename(envFile)}${makeDefault ? ' and is the default target' : ''}.`);
  return { status: 'written', profilesPath: project.profilesPath, envFile, target, gitignoreUpdated: gitignore.changed };
}

async function ensureCaCertificate(io: TerraformIO, caPath: string, warnings: string[]): Promise<CertificateOutcome> {
  if ((await io.files.readText(caPath)) !== undefined) return 'present';
  const yes = await io.confirm(
    `Download Yandex Cloud's CA certificate to ${caPath}?`,
    `Managed PostgreSQL accepts only TLS connections, and sslmode=verify-full checks the server against this certificate (${YANDEX_CA_URL}).`,
  );
  if (!yes) {
    warnings.push(`Without ${caPath}, connections with sslmode=verify-full fail; download ${YANDEX_CA_URL} there.`);
    return 'declined';
  }
  try {
    const pem = await io.download(YANDEX_CA_URL);
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('the download is not a PEM certificate');
    await io.files.writeText(caPath, pem, { mode: 0o600 });
    return 'downloaded';
  } catch (error) {
    warnings.push(`Could not save the CA certificate (${error instanceof Error ? error.message : String(error)}); download ${YANDEX_CA_URL} to ${caPath} by hand.`);
    return 'failed';
  }
}

/** Destroy Infrastructure: plans the destruction, shows what goes, and applies only after an explicit yes. */
export async function destroyInfrastructure(io: TerraformIO, options: TerraformOptions): Promise<DestroyResult> {
  const opened = await openSession(io, options);
  if (isFailure(opened)) return opened;
  const session = opened;
  try {
    const planned = await planChanges(session, DESTROY_PLAN_FILE, true);
    if (isFailure(planned)) return planned;
    if (!planned.changes) {
      io.write('\nNothing to destroy.\n');
      return { status: 'nothing-to-destroy' };
    }
    const yes = await io.confirm(
      `Destroy ${planned.plan.destroy} resources, including the PostgreSQL cluster and all the data in it? This cannot be undone.`,
      planDetail(planned.plan, ''),
    );
    if (!yes) {
      io.write('\nDestroy cancelled: nothing was changed.\n');
      return { status: 'cancelled', plan: planned.plan };
    }
    const apply = await runStep(session, 'apply', ['apply', '-input=false', DESTROY_PLAN_FILE], true);
    if (isFailure(apply)) return apply;
    return { status: 'destroyed', plan: planned.plan };
  } finally {
    await io.files.remove(join(options.terraformDir, DESTROY_PLAN_FILE));
  }
}

/**
 * Reads the stack's outputs (for Sync Airbyte Connection's default URL) without planning anything; undefined when
 * there is no state yet or terraform is missing. Credentials are not needed for a local state.
 */
export async function readStackOutputs(io: Pick<TerraformIO, 'run' | 'files'>, options: TerraformOptions): Promise<StackOutputs | undefined> {
  const env = definedEntries(options.baseEnv);
  const text = await io.files.readText(options.envFile ?? join(options.terraformDir, '.env'));
  if (text !== undefined) for (const [key, value] of parseDotenv(text).values) if (value !== '') env[key] = value;
  const result = await io.run({ command: options.terraformPath ?? 'terraform', args: ['output', '-json', '-no-color'], cwd: options.terraformDir, env });
  if (result.exitCode !== 0) return undefined;
  const parsed = parseTerraformOutputs(result.stdout);
  if ('error' in parsed || Object.keys(parsed.outputs.values).length === 0) return undefined;
  return parsed.outputs;
}
