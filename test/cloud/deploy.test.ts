// Deploy and Destroy Infrastructure against stand-in `terraform` and `yc` binaries on PATH (real processes, real
// files in a temp folder): the order of steps, the confirmation gate, the written connection, and that no secret
// reaches a tracked file, a notification, the result or the terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { parseDotenv } from '../../server/src/cloud/dotenv';
import { nodeFileAccess } from '../../server/src/cloud/files';
import { runNodeProcess } from '../../server/src/cloud/process';
import {
  defaultCaCertificatePath,
  deployInfrastructure,
  destroyInfrastructure,
  readStackOutputs,
  YANDEX_CA_URL,
  type DeployOptions,
  type TerraformIO,
} from '../../server/src/cloud/terraform';
import { STUB_ACCESS_KEY, STUB_HOST, STUB_SECRET_KEY, STUB_TOKEN, writeStubBin, type StubBehaviour, type StubBin } from './terraform-stub';

const PASSWORD = 'Pa55-w0rd#with spaces';
const FAKE_PEM = '-----BEGIN CERTIFICATE-----\nMIIFGTCCAwGgAwIBAgIQJMM7ZIy2SYxCBgK7WcFwnjANBgkqhkiG9w0BAQ0FADAf\n-----END CERTIFICATE-----\n';
const roots: string[] = [];
test.after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

interface Setup {
  root: string;
  home: string;
  terraformDir: string;
  projectDir: string;
  stub: StubBin;
  io: TerraformIO;
  terminal: () => string;
  questions: string[];
  notices: { level: string; message: string }[];
  downloads: string[];
  refreshes: number[];
  options: DeployOptions;
}

function setup(config: {
  env?: string | null;
  yc?: boolean;
  answers?: (question: string) => boolean;
  behaviour?: StubBehaviour;
  profiles?: string;
  pathDirs?: 'stub' | 'empty';
  baseEnv?: Record<string, string>;
}): Setup {
  const root = mkdtempSync(join(tmpdir(), 'dvs-deploy-'));
  roots.push(root);
  const home = join(root, 'home');
  const terraformDir = join(root, 'repo', 'terraform');
  const projectDir = join(root, 'repo', 'sample-project');
  mkdirSync(home, { recursive: true });
  mkdirSync(terraformDir, { recursive: true });
  mkdirSync(projectDir, { recursive: true });
  writeFileSync(join(terraformDir, 'terraformrc'), readFileSync(join(__dirname, '..', '..', 'terraform', 'terraformrc')));
  const envText =
    config.env === undefined
      ? `# filled from the template\nTF_VAR_cloud_id=b1g-cloud\nTF_VAR_folder_id=b1g-folder\nTF_VAR_postgresql_password='${PASSWORD}'\nTF_VAR_ssh_public_key=\nYC_TOKEN=\n`
      : config.env;
  if (envText !== null) writeFileSync(join(terraformDir, '.env'), envText);
  if (config.profiles !== undefined) writeFileSync(join(projectDir, 'profiles.yml'), config.profiles);
  const stub = writeStubBin(join(root, 'bin'), { yc: config.yc ?? true });
  stub.setBehaviour(config.behaviour ?? {});
  const emptyBin = join(root, 'empty-bin');
  mkdirSync(emptyBin);
  let terminal = '';
  const questions: string[] = [];
  const notices: { level: string; message: string }[] = [];
  const downloads: string[] = [];
  const refreshes: number[] = [];
  const io: TerraformIO = {
    run: runNodeProcess,
    write: (text) => {
      terminal += text;
    },
    confirm: async (question, detail) => {
      questions.push(`${question}\n${detail ?? ''}`);
      return (config.answers ?? (() => true))(question);
    },
    notify: (level, message) => notices.push({ level, message }),
    files: nodeFileAccess,
    download: async (url) => {
      downloads.push(url);
      return FAKE_PEM;
    },
    refreshRawSchema: async () => {
      refreshes.push(Date.now());
    },
  };
  const options: DeployOptions = {
    terraformDir,
    homeDir: home,
    platform: 'linux',
    baseEnv: { PATH: config.pathDirs === 'empty' ? emptyBin : stub.dir, HOME: home, ...config.baseEnv },
    project: { profilesPath: join(projectDir, 'profiles.yml'), profile: 'data_vault' },
  };
  return { root, home, terraformDir, projectDir, stub, io, terminal: () => terminal, questions, notices, downloads, refreshes, options };
}

/** Every file under dir with its text, except the stand-ins' own folder (its call log records the environment). */
function filesUnder(dir: string, skip: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (p === skip) continue;
      if (statSync(p).isDirectory()) walk(p);
      else out.push({ path: relative(dir, p), text: readFileSync(p, 'utf8') });
    }
  };
  walk(dir);
  return out;
}

const SECRETS = [PASSWORD, STUB_TOKEN, STUB_SECRET_KEY, STUB_ACCESS_KEY];

function assertNoSecrets(what: string, text: string): void {
  for (const secret of SECRETS) {
    assert.equal(text.includes(secret), false, `${what} reveals ${secret.slice(0, 4)}…`);
    assert.equal(text.includes(encodeURIComponent(secret)), false, `${what} reveals an encoded secret`);
  }
}

test('deploy runs init, validate, plan, asks, applies, reads outputs, writes the connection, fetches the CA, refreshes', async () => {
  const s = setup({ profiles: '# my profiles\ndata_vault:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n      host: localhost\n      schema: public\n' });
  const result = await deployInfrastructure(s.io, s.options);
  assert.equal(result.status, 'applied', JSON.stringify(result));
  if (result.status !== 'applied') return;

  const terraformCalls = s.stub.calls().filter((c) => c.tool === 'terraform');
  assert.deepEqual(
    terraformCalls.map((c) => c.args),
    [
      ['init', '-input=false'],
      ['validate'],
      ['plan', '-input=false', '-detailed-exitcode', '-out=tfplan'],
      ['show', '-json', '-no-color', 'tfplan'],
      ['apply', '-input=false', 'tfplan'],
      ['output', '-json', '-no-color'],
    ],
  );
  assert.deepEqual(s.stub.calls().filter((c) => c.tool === 'yc').map((c) => c.args), [['iam', 'create-token']], 'a token is created because .env has none');
  for (const call of terraformCalls) {
    assert.equal(call.cwd, s.terraformDir);
    assert.equal(call.env.TF_VAR_cloud_id, 'b1g-cloud');
    assert.equal(call.env.TF_VAR_folder_id, 'b1g-folder');
    assert.equal(call.env.TF_VAR_postgresql_password, PASSWORD);
    assert.equal(call.env.YC_TOKEN, STUB_TOKEN);
    assert.equal(call.env.TF_CLI_CONFIG_FILE, join(s.terraformDir, 'terraformrc'), 'the Yandex mirror is used when the user has no CLI config');
    assert.equal('TF_VAR_ssh_public_key' in call.env, false, 'empty .env values are not passed as empty variables');
  }

  assert.equal(result.plan.add, 10);
  assert.equal(result.plan.destroy, 0);
  assert.ok(result.plan.resources.includes('create yandex_mdb_postgresql_cluster.warehouse'));
  assert.match(s.questions[0] ?? '', /^Apply the Terraform plan to folder b1g-folder\? 10 to add, 0 to change, 0 to destroy\./);
  assert.match(s.questions[1] ?? '', new RegExp(`^Point the dbt project at the new warehouse ${STUB_HOST.replace(/\./g, '\\.')}\\?`));
  assert.match(s.questions[2] ?? '', /^Download Yandex Cloud's CA certificate to /);
  assert.equal(s.questions.length, 3);

  assert.equal(result.outputs.postgresqlHost, STUB_HOST);
  assert.equal(result.outputs.airbyteUrl, 'http://158.160.0.42:8000');
  assert.deepEqual(result.outputs.sensitive.sort(), ['static_access_key', 'static_secret_key']);
  assert.equal('static_secret_key' in result.outputs.values, false);

  // The connection: env_var references in profiles.yml (comment kept), values in the project's .env, .env ignored by git.
  assert.equal(result.connection.status, 'written');
  const profilesText = readFileSync(join(s.projectDir, 'profiles.yml'), 'utf8');
  assert.match(profilesText, /^# my profiles\n/);
  const profile = parse(profilesText).data_vault;
  assert.equal(profile.target, 'cloud');
  assert.equal(profile.outputs.dev.host, 'localhost');
  assert.equal(profile.outputs.cloud.host, "{{ env_var('DBT_CLOUD_HOST') }}");
  assert.equal(profile.outputs.cloud.password, "{{ env_var('DBT_ENV_SECRET_CLOUD_PASSWORD') }}");
  const projectEnv = parseDotenv(readFileSync(join(s.projectDir, '.env'), 'utf8')).values;
  const caPath = join(s.home, '.postgresql', 'root.crt');
  assert.deepEqual(Object.fromEntries(projectEnv), {
    DBT_CLOUD_HOST: STUB_HOST,
    DBT_CLOUD_PORT: '6432',
    DBT_CLOUD_DBNAME: 'dwh',
    DBT_CLOUD_USER: 'dwh_user',
    DBT_ENV_SECRET_CLOUD_PASSWORD: PASSWORD,
    DBT_CLOUD_SSLMODE: 'verify-full',
    DBT_CLOUD_SSLROOTCERT: caPath,
  });
  assert.equal(statSync(join(s.projectDir, '.env')).mode & 0o777, 0o600);
  assert.match(readFileSync(join(s.projectDir, '.gitignore'), 'utf8'), /^\/\.env$/m);
  assert.equal(result.connection.status === 'written' && result.connection.gitignoreUpdated, true);

  assert.equal(result.certificate, 'downloaded');
  assert.deepEqual(s.downloads, [YANDEX_CA_URL]);
  assert.equal(readFileSync(caPath, 'utf8'), FAKE_PEM);
  assert.equal(statSync(caPath).mode & 0o777, 0o600);
  assert.equal(result.schemaRefreshed, true);
  assert.equal(s.refreshes.length, 1);

  // The terminal shows each command and its output, scrubbed.
  const terminal = s.terminal();
  for (const line of ['$ terraform init -input=false', '$ terraform validate', '$ terraform plan -input=false -detailed-exitcode -out=tfplan', '$ terraform apply -input=false tfplan']) {
    assert.ok(terminal.includes(line), line);
  }
  assert.ok(terminal.includes('Apply complete! Resources: 10 added'));
  assert.equal(terminal.includes('output -json'), false, 'terraform output -json is read, never shown');
  assert.equal(terminal.includes('"sensitive"'), false);

  // No secret outside the .env files that are meant to hold them.
  assertNoSecrets('the terminal', terminal);
  assertNoSecrets('the notifications', JSON.stringify(s.notices));
  assertNoSecrets('the questions', JSON.stringify(s.questions));
  assertNoSecrets('the result', JSON.stringify(result));
  const files = filesUnder(s.root, s.stub.dir).filter((f) => !/(^|\/)\.env$/.test(f.path));
  assert.ok(files.some((f) => f.path.endsWith('profiles.yml')));
  for (const file of files) assertNoSecrets(file.path, file.text);
  assert.equal(existsSync(join(s.terraformDir, 'tfplan')), false, 'the plan file (which holds the password) is deleted');
  assertNoSecrets('the project .env apart from the password', readFileSync(join(s.projectDir, '.env'), 'utf8').replace(PASSWORD, ''));
});

test('declining the plan applies nothing and writes nothing', async () => {
  const s = setup({ answers: () => false });
  const result = await deployInfrastructure(s.io, s.options);
  assert.equal(result.status, 'cancelled');
  const commands = s.stub.calls().filter((c) => c.tool === 'terraform').map((c) => c.args[0]);
  assert.deepEqual(commands, ['init', 'validate', 'plan', 'show']);
  assert.equal(s.questions.length, 1);
  assert.ok(s.terminal().includes('Apply cancelled: nothing was changed.'));
  assert.equal(existsSync(join(s.projectDir, 'profiles.yml')), false);
  assert.equal(existsSync(join(s.projectDir, '.env')), false);
  assert.equal(existsSync(join(s.terraformDir, 'tfplan')), false);
});

test('an up-to-date stack skips the apply question, and a declined connection leaves the project alone', async () => {
  const s = setup({ behaviour: { planExit: 0 }, answers: (q) => !q.startsWith('Point the dbt project'), env: `TF_VAR_cloud_id=c\nTF_VAR_folder_id=f\nTF_VAR_postgresql_password=${encodeURIComponent(PASSWORD)}\nYC_TOKEN=${STUB_TOKEN}\n` });
  const result = await deployInfrastructure(s.io, s.options);
  assert.equal(result.status, 'up-to-date');
  if (result.status !== 'up-to-date') return;
  assert.deepEqual(s.stub.calls().map((c) => `${c.tool} ${c.args[0]}`), ['terraform init', 'terraform validate', 'terraform plan', 'terraform output']);
  assert.equal(s.questions.length, 1);
  assert.equal(result.connection.status, 'declined');
  assert.equal(result.certificate, 'skipped');
  assert.equal(result.schemaRefreshed, false);
  assert.equal(existsSync(join(s.projectDir, '.env')), false);
});

test('a missing terraform binary stops with the fix', async () => {
  const s = setup({ pathDirs: 'empty', env: `TF_VAR_cloud_id=c\nTF_VAR_folder_id=f\nTF_VAR_postgresql_password=secret-pw\nYC_TOKEN=${STUB_TOKEN}\n` });
  const result = await deployInfrastructure(s.io, s.options);
  assert.equal(result.status, 'failed');
  if (result.status !== 'failed') return;
  assert.equal(result.step, 'init');
  assert.match(result.message, /Terraform was not found/);
  assert.match(result.message, /https:\/\/developer\.hashicorp\.com\/terraform\/install/);
  assert.match(result.message, /dataVault\.terraform\.path/);
});

test('no credentials and no yc: stops before Terraform, naming YC_TOKEN and yc init', async () => {
  const s = setup({ yc: false });
  const result = await deployInfrastructure(s.io, s.options);
  assert.deepEqual(result.status === 'failed' && [result.step, /YC_TOKEN/.test(result.message), /yc init/.test(result.message)], ['credentials', true, true]);
  assert.deepEqual(s.stub.calls(), []);
});

test('missing variables are named before a token is made or Terraform runs; ids come from YC_* or yc', async () => {
  const s = setup({ env: null });
  const result = await deployInfrastructure(s.io, s.options);
  assert.equal(result.status, 'failed');
  if (result.status !== 'failed') return;
  assert.equal(result.step, 'environment');
  assert.equal(
    result.message,
    'Missing TF_VAR_postgresql_password. Copy terraform/.env.template to terraform/.env and fill it in (see .env.template for what each one means).',
  );
  assert.deepEqual(s.stub.calls().map((c) => `${c.tool} ${c.args.join(' ')}`), ['yc config get cloud-id', 'yc config get folder-id']);

  const t = setup({ env: `YC_CLOUD_ID=from-env\nTF_VAR_postgresql_password=secret-pw\nYC_TOKEN=${STUB_TOKEN}\n`, answers: () => false });
  assert.equal((await deployInfrastructure(t.io, t.options)).status, 'cancelled');
  const plan = t.stub.calls().find((c) => c.args[0] === 'plan');
  assert.equal(plan?.env.TF_VAR_cloud_id, 'from-env');
  assert.equal(plan?.env.TF_VAR_folder_id, 'b1g-folder-from-yc');
  assert.equal(t.stub.calls().some((c) => c.args.join(' ') === 'iam create-token'), false, 'a token in .env is used as is');
});

test('a failed step stops the flow with its scrubbed error line; secrets in tool output never reach the terminal', async () => {
  const failed = setup({ behaviour: { planExit: 1 } });
  const result = await deployInfrastructure(failed.io, failed.options);
  assert.equal(result.status, 'failed');
  if (result.status !== 'failed') return;
  assert.equal(result.step, 'plan');
  assert.match(result.message, /^terraform plan exited with code 1\. Error: Error while requesting API to create network/);
  assert.match(result.message, /expired YC_TOKEN/);
  assertNoSecrets('the failure message', result.message);
  assert.equal(failed.stub.calls().some((c) => c.args[0] === 'apply'), false);
  assert.ok(failed.terminal().includes('PermissionDenied: token *** has expired'));
  assertNoSecrets('the terminal', failed.terminal());

  const leaky = setup({ behaviour: { leakSecrets: true }, answers: () => false });
  await deployInfrastructure(leaky.io, leaky.options);
  assert.ok(leaky.terminal().includes('debug: password=***'));
  assert.ok(leaky.terminal().includes('debug: token=***'), 'a token split across two writes is still caught');
  assertNoSecrets('the terminal', leaky.terminal());

  const apply = setup({ behaviour: { failStep: 'apply' } });
  const applied = await deployInfrastructure(apply.io, apply.options);
  assert.deepEqual(applied.status === 'failed' && [applied.step, /deploy again/.test(applied.message)], ['apply', true]);
  assertNoSecrets('the apply failure', JSON.stringify(applied) + apply.terminal());
});

test('destroy plans with -destroy, asks, and applies only after yes', async () => {
  const declined = setup({ answers: () => false });
  assert.equal((await destroyInfrastructure(declined.io, declined.options)).status, 'cancelled');
  assert.deepEqual(declined.stub.calls().filter((c) => c.tool === 'terraform').map((c) => c.args[0]), ['init', 'validate', 'plan', 'show']);
  assert.match(declined.questions[0] ?? '', /^Destroy 10 resources, including the PostgreSQL cluster and all the data in it\? This cannot be undone\./);

  const accepted = setup({});
  const result = await destroyInfrastructure(accepted.io, accepted.options);
  assert.equal(result.status, 'destroyed');
  const calls = accepted.stub.calls().filter((c) => c.tool === 'terraform').map((c) => c.args);
  assert.deepEqual(calls[2], ['plan', '-input=false', '-detailed-exitcode', '-destroy', '-out=tfdestroy']);
  assert.deepEqual(calls[4], ['apply', '-input=false', 'tfdestroy']);
  assert.equal(existsSync(join(accepted.terraformDir, 'tfdestroy')), false);
  assertNoSecrets('the terminal', accepted.terminal());
});

test('readStackOutputs gives the non-secret outputs, for the Airbyte URL', async () => {
  const s = setup({});
  const outputs = await readStackOutputs(s.io, s.options);
  assert.equal(outputs?.airbyteUrl, 'http://158.160.0.42:8000');
  assert.equal(outputs?.postgresqlPort, 6432);
  assertNoSecrets('the outputs', JSON.stringify(outputs));
  const none = setup({ pathDirs: 'empty' });
  assert.equal(await readStackOutputs(none.io, none.options), undefined);
});

test('a profiles.yml that does not parse is left alone: the deploy succeeds with a warning and no .env is written', async () => {
  const broken = 'data_vault:\n  outputs: [unclosed\n';
  const s = setup({ profiles: broken });
  const result = await deployInfrastructure(s.io, s.options);
  assert.equal(result.status, 'applied');
  if (result.status !== 'applied') return;
  assert.equal(result.connection.status, 'failed');
  assert.match(result.warnings[0] ?? '', /^profiles\.yml does not parse/);
  assert.equal(s.notices.some((n) => n.level === 'warning' && /profiles\.yml does not parse/.test(n.message)), true);
  assert.equal(readFileSync(join(s.projectDir, 'profiles.yml'), 'utf8'), broken);
  assert.equal(existsSync(join(s.projectDir, '.env')), false);
  assert.equal(result.certificate, 'skipped');
});

test('libpq\'s default CA path per platform', () => {
  assert.equal(defaultCaCertificatePath('/home/u', 'linux'), join('/home/u', '.postgresql', 'root.crt'));
  assert.equal(defaultCaCertificatePath('C:/Users/u', 'win32', 'C:/Users/u/AppData/Roaming'), join('C:/Users/u/AppData/Roaming', 'postgresql', 'root.crt'));
});
