// Stand-ins for the `terraform` and `yc` binaries (CI machines have neither): small Node scripts written into a temp
// bin folder that record their arguments, working folder and environment, and print what the real tools print.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StubBehaviour {
  /** Exit code of `terraform plan -detailed-exitcode`: 2 changes (default), 0 no changes, 1 error. */
  planExit?: 0 | 1 | 2;
  /** The step that fails with exit code 1 and an "Error:" block on stderr. */
  failStep?: 'init' | 'validate' | 'apply' | 'output';
  /** Print the password and the token in the plan output, the way a careless provider or debug log would. */
  leakSecrets?: boolean;
  /** What `terraform output -json` prints. */
  outputs?: Record<string, { sensitive: boolean; type: unknown; value: unknown }>;
}

export interface StubCall {
  tool: 'terraform' | 'yc';
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

export const STUB_TOKEN = 't1.9euelZqStubIamToken-0123456789';
export const STUB_SECRET_KEY = 'YCStubSecretKey_abcdefghijklmnopqrstu';
export const STUB_ACCESS_KEY = 'YCAJEStubAccessKey01';
export const STUB_HOST = 'c-c9qstubcluster.rw.mdb.yandexcloud.net';

export function stubOutputs(): NonNullable<StubBehaviour['outputs']> {
  return {
    postgresql_cluster_id: { sensitive: false, type: 'string', value: 'c9qstubcluster' },
    postgresql_host: { sensitive: false, type: 'string', value: STUB_HOST },
    postgresql_port: { sensitive: false, type: 'number', value: 6432 },
    postgresql_dbname: { sensitive: false, type: 'string', value: 'dwh' },
    postgresql_user: { sensitive: false, type: 'string', value: 'dwh_user' },
    airbyte_ip: { sensitive: false, type: 'string', value: '158.160.0.42' },
    airbyte_url: { sensitive: false, type: 'string', value: 'http://158.160.0.42:8000' },
    static_access_key: { sensitive: true, type: 'string', value: STUB_ACCESS_KEY },
    static_secret_key: { sensitive: true, type: 'string', value: STUB_SECRET_KEY },
  };
}

const RESOURCES = [
  'data.yandex_compute_image.ubuntu',
  'yandex_compute_instance.airbyte',
  'yandex_iam_service_account.main',
  'yandex_iam_service_account_static_access_key.main',
  'yandex_mdb_postgresql_cluster.warehouse',
  'yandex_mdb_postgresql_database.warehouse',
  'yandex_mdb_postgresql_user.owner',
  'yandex_resourcemanager_folder_iam_member.main',
  'yandex_vpc_network.main',
  'yandex_vpc_security_group.main',
  'yandex_vpc_subnet.main',
];

/** The terraform stand-in; its behaviour and call log live beside it. */
const TERRAFORM_SCRIPT = String.raw`
const fs = require('fs');
const path = require('path');
const here = __dirname;
const behaviour = JSON.parse(fs.readFileSync(path.join(here, 'behaviour.json'), 'utf8'));
const args = process.argv.slice(2);
const env = {};
for (const [k, v] of Object.entries(process.env)) if (/^(TF_|YC_|HOME$|PATH$)/.test(k)) env[k] = v;
fs.appendFileSync(path.join(here, 'calls.jsonl'), JSON.stringify({ tool: 'terraform', args, cwd: process.cwd(), env }) + '\n');
const out = (s) => process.stdout.write(s);
const err = (s) => process.stderr.write(s);
const resources = RESOURCES_JSON.filter((r) => !r.startsWith('data.'));
const fail = (summary, detail) => { err('\n\u2577\n\u2502 Error: ' + summary + '\n\u2502 \n\u2502 ' + detail + '\n\u2575\n'); process.exit(1); };
const cmd = args[0];
if (behaviour.failStep === cmd) fail('Failed in ' + cmd, 'The stand-in was told to fail here (token ' + (process.env.YC_TOKEN || '') + ').');
if (cmd === 'init') {
  out('\nInitializing the backend...\n\nInitializing provider plugins...\n- Finding latest version of yandex-cloud/yandex...\n');
  out('- Installing yandex-cloud/yandex v0.140.1...\n- Installed yandex-cloud/yandex v0.140.1 (unauthenticated)\n\n');
  out('\u001b[32m\u001b[1mTerraform has been successfully initialized!\u001b[0m\n');
} else if (cmd === 'validate') {
  out('\u001b[32m\u001b[1mSuccess!\u001b[0m The configuration is valid.\n');
} else if (cmd === 'plan') {
  const destroy = args.includes('-destroy');
  const outArg = args.find((a) => a.startsWith('-out='));
  if (behaviour.planExit === 1) fail('Error while requesting API to create network', 'PermissionDenied: token ' + process.env.YC_TOKEN + ' has expired');
  if (behaviour.planExit === 0) { out('\nNo changes. Your infrastructure matches the configuration.\n'); if (outArg) fs.writeFileSync(path.resolve(outArg.slice(5)), 'empty plan'); process.exit(0); }
  out('\nTerraform used the selected providers to generate the following execution plan.\n\nTerraform will perform the following actions:\n\n');
  for (const r of resources) out('  # ' + r + (destroy ? ' will be destroyed' : ' will be created') + '\n  ' + (destroy ? '-' : '+') + ' resource "' + r.split('.')[0] + '" "' + r.split('.')[1] + '" {\n      + id = (known after apply)\n    }\n\n');
  if (!destroy) out('  + password = (sensitive value)\n');
  if (behaviour.leakSecrets) {
    out('  debug: password=' + process.env.TF_VAR_postgresql_password + '\n');
    const token = process.env.YC_TOKEN || '';
    err('debug: token=' + token.slice(0, 9));
    err(token.slice(9) + '\n');
  }
  out('\n\u001b[1mPlan:\u001b[0m ' + (destroy ? '0 to add, 0 to change, ' + resources.length + ' to destroy' : resources.length + ' to add, 0 to change, 0 to destroy') + '.\n');
  // A real plan file holds every variable value, the password included.
  fs.writeFileSync(path.resolve(outArg.slice(5)), JSON.stringify({ destroy, variables: { postgresql_password: process.env.TF_VAR_postgresql_password } }));
  process.exit(2);
} else if (cmd === 'show') {
  const plan = JSON.parse(fs.readFileSync(path.resolve(args[args.length - 1]), 'utf8'));
  out(JSON.stringify({ format_version: '1.2', variables: { postgresql_password: { value: plan.variables.postgresql_password } },
    resource_changes: RESOURCES_JSON.map((address) => ({ address, change: { actions: address.startsWith('data.') ? ['read'] : plan.destroy ? ['delete'] : ['create'] } })) }));
} else if (cmd === 'apply') {
  const plan = JSON.parse(fs.readFileSync(path.resolve(args[args.length - 1]), 'utf8'));
  for (const r of resources) out(r + (plan.destroy ? ': Destroying...\n' : ': Creating...\n') + r + (plan.destroy ? ': Destruction complete after 3s\n' : ': Creation complete after 3s [id=stub]\n'));
  out('\n\u001b[32m\u001b[1mApply complete! Resources: ' + (plan.destroy ? '0 added, 0 changed, ' + resources.length + ' destroyed' : resources.length + ' added, 0 changed, 0 destroyed') + '.\u001b[0m\n');
  if (!plan.destroy) out('\nOutputs:\n\nairbyte_url = "http://158.160.0.42:8000"\npostgresql_host = "' + behaviour.outputs.postgresql_host.value + '"\nstatic_secret_key = <sensitive>\n');
} else if (cmd === 'output') {
  out(JSON.stringify(behaviour.outputs, null, 2) + '\n');
} else {
  err('stand-in terraform: unknown command ' + cmd + '\n');
  process.exit(64);
}
`;

const YC_SCRIPT = String.raw`
const fs = require('fs');
const path = require('path');
const args = process.argv.slice(2);
fs.appendFileSync(path.join(__dirname, 'calls.jsonl'), JSON.stringify({ tool: 'yc', args, cwd: process.cwd(), env: {} }) + '\n');
if (args.join(' ') === 'iam create-token') process.stdout.write('TOKEN_VALUE\n');
else if (args.join(' ') === 'config get folder-id') process.stdout.write('b1g-folder-from-yc\n');
else if (args.join(' ') === 'config get cloud-id') process.stdout.write('b1g-cloud-from-yc\n');
else { process.stderr.write('ERROR: unknown command\n'); process.exit(1); }
`;

export interface StubBin {
  dir: string;
  calls(): StubCall[];
  setBehaviour(behaviour: StubBehaviour): void;
}

/** Writes the stand-ins into `dir` (terraform always; yc when asked) and returns a handle to steer and read them. */
export function writeStubBin(dir: string, tools: { yc: boolean }): StubBin {
  mkdirSync(dir, { recursive: true });
  const shebang = `#!${process.execPath}\n`;
  const write = (name: string, body: string): void => {
    const file = join(dir, name);
    writeFileSync(file, shebang + body);
    chmodSync(file, 0o755);
  };
  write('terraform', TERRAFORM_SCRIPT.replace(/RESOURCES_JSON/g, JSON.stringify(RESOURCES)));
  if (tools.yc) write('yc', YC_SCRIPT.replace('TOKEN_VALUE', STUB_TOKEN));
  const handle: StubBin = {
    dir,
    calls() {
      const log = join(dir, 'calls.jsonl');
      if (!existsSync(log)) return [];
      return readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as StubCall);
    },
    setBehaviour(behaviour) {
      writeFileSync(join(dir, 'behaviour.json'), JSON.stringify({ outputs: stubOutputs(), ...behaviour }));
    },
  };
  handle.setBehaviour({});
  return handle;
}
