// The Terraform stack, read with @cdktf/hcl2json (no terraform binary: CI machines do not have one): the resources,
// variables and outputs that Deploy Infrastructure and the Airbyte/Superset commands rely on, and fmt-style layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { parseDotenv } from '../../server/src/cloud/dotenv';
import { REQUIRED_TF_VARIABLES, STACK_OUTPUT_NAMES } from '../../server/src/cloud/terraform';

const dir = join(__dirname, '..', '..', 'terraform');
const tfFiles = readdirSync(dir).filter((f) => f.endsWith('.tf')).sort();

type Block = Record<string, unknown>;
interface Stack {
  terraform: Block[];
  provider: Record<string, Block[]>;
  variable: Record<string, Block[]>;
  resource: Record<string, Record<string, Block[]>>;
  data: Record<string, Record<string, Block[]>>;
  output: Record<string, Block[]>;
}

let stackPromise: Promise<Stack> | undefined;
/** All .tf files merged the way Terraform merges a module's files. */
function loadStack(): Promise<Stack> {
  stackPromise ??= (async () => {
    const stack: Stack = { terraform: [], provider: {}, variable: {}, resource: {}, data: {}, output: {} };
    for (const file of tfFiles) {
      const json = (await parse(file, readFileSync(join(dir, file), 'utf8'))) as Partial<Stack>;
      stack.terraform.push(...(json.terraform ?? []));
      Object.assign(stack.provider, json.provider, {});
      for (const key of ['variable', 'output'] as const) {
        for (const [name, blocks] of Object.entries(json[key] ?? {})) {
          assert.equal(stack[key][name], undefined, `${key} ${name} is declared twice`);
          stack[key][name] = blocks;
        }
      }
      for (const key of ['resource', 'data'] as const) {
        for (const [type, byName] of Object.entries(json[key] ?? {})) {
          stack[key][type] ??= {};
          for (const [name, blocks] of Object.entries(byName)) {
            assert.equal(stack[key][type]?.[name], undefined, `${type}.${name} is declared twice`);
            (stack[key][type] as Record<string, Block[]>)[name] = blocks;
          }
        }
      }
    }
    return stack;
  })();
  return stackPromise;
}

/** The single block of a resource type (the stack has one of each). */
function only(blocks: Record<string, Block[]> | undefined, what: string): { name: string; body: Block } {
  const entries = Object.entries(blocks ?? {});
  assert.equal(entries.length, 1, `expected exactly one ${what}`);
  const [name, list] = entries[0] as [string, Block[]];
  return { name, body: list[0] as Block };
}

function nested(body: Block, key: string): Block {
  const list = body[key] as Block[] | undefined;
  assert.ok(Array.isArray(list) && list.length > 0, `block ${key} is missing`);
  return list[0] as Block;
}

test('every .tf file parses, and the provider is yandex-cloud/yandex configured from variables', async () => {
  assert.deepEqual(tfFiles, ['airbyte.tf', 'iam.tf', 'network.tf', 'outputs.tf', 'postgresql.tf', 'variables.tf', 'versions.tf']);
  const stack = await loadStack();
  const providers = nested(stack.terraform[0] as Block, 'required_providers') as { yandex?: { source?: string } };
  assert.equal(providers.yandex?.source, 'yandex-cloud/yandex');
  const provider = stack.provider.yandex?.[0] as Block;
  assert.equal(provider.cloud_id, '${var.cloud_id}');
  assert.equal(provider.folder_id, '${var.folder_id}');
  assert.equal(provider.zone, '${var.zone}');
  assert.equal(provider.token, undefined, 'credentials come from the environment, not the configuration');
});

test('variables: the required ones are exactly those without a default, and the password is sensitive', async () => {
  const stack = await loadStack();
  for (const name of ['cloud_id', 'folder_id', 'zone', 'postgresql_password', 'postgresql_dbname', 'postgresql_user', 'allowed_cidrs']) {
    assert.ok(stack.variable[name], `variable ${name}`);
  }
  const withoutDefault = Object.entries(stack.variable).filter(([, [body]]) => !body || !('default' in body)).map(([name]) => name).sort();
  assert.deepEqual(withoutDefault, [...REQUIRED_TF_VARIABLES].sort());
  assert.equal(stack.variable.postgresql_password?.[0]?.sensitive, true);
  // Every secret-looking variable is sensitive.
  for (const [name, [body]] of Object.entries(stack.variable)) if (/password|secret|token/.test(name)) assert.equal(body?.sensitive, true, name);
  const cores = stack.variable.airbyte_cores?.[0] as Block;
  const memory = stack.variable.airbyte_memory?.[0] as Block;
  assert.ok((cores.default as number) >= 4 && (memory.default as number) >= 8, 'the Airbyte VM defaults to at least 4 cores and 8 GB');
  assert.ok(cores.validation && memory.validation, 'sizes below abctl\'s minimum are rejected');
});

test('network: VPC, subnet, and a security group opening 6432, 8000 (allowed CIDRs) and 22', async () => {
  const stack = await loadStack();
  only(stack.resource.yandex_vpc_network, 'network');
  const subnet = only(stack.resource.yandex_vpc_subnet, 'subnet').body;
  assert.equal(subnet.network_id, '${yandex_vpc_network.main.id}');
  const group = only(stack.resource.yandex_vpc_security_group, 'security group').body;
  const ingress = group.ingress as Block[];
  const byPort = new Map(ingress.map((rule) => [rule.port, rule]));
  assert.deepEqual([...byPort.keys()].sort(), [22, 6432, 8000]);
  for (const rule of ingress) assert.equal(rule.protocol, 'TCP');
  assert.equal(byPort.get(8000)?.v4_cidr_blocks, '${var.allowed_cidrs}');
  assert.match(String(byPort.get(6432)?.v4_cidr_blocks), /var\.allowed_cidrs/);
  assert.ok(Array.isArray(group.egress), 'the VM needs outgoing traffic to pull images');
});

test('Managed PostgreSQL: cluster with a public host in the subnet and group, database, user with the password variable', async () => {
  const stack = await loadStack();
  const cluster = only(stack.resource.yandex_mdb_postgresql_cluster, 'cluster');
  assert.deepEqual(cluster.body.security_group_ids, ['${yandex_vpc_security_group.main.id}']);
  const host = nested(cluster.body, 'host');
  assert.equal(host.assign_public_ip, true);
  assert.equal(host.subnet_id, '${yandex_vpc_subnet.main.id}');
  const resources = nested(nested(cluster.body, 'config'), 'resources');
  assert.ok(resources.resource_preset_id && resources.disk_type_id && resources.disk_size);
  const user = only(stack.resource.yandex_mdb_postgresql_user, 'user').body;
  assert.equal(user.password, '${var.postgresql_password}');
  assert.equal(user.name, '${var.postgresql_user}');
  const database = only(stack.resource.yandex_mdb_postgresql_database, 'database').body;
  assert.equal(database.name, '${var.postgresql_dbname}');
  assert.match(String(database.owner), /yandex_mdb_postgresql_user\.\w+\.name/);
  assert.equal(cluster.body.user, undefined, 'the deprecated inline user block is not used');
});

test('Airbyte VM: Ubuntu family image, NAT address, cloud-init installing Docker and Airbyte with abctl', async () => {
  const stack = await loadStack();
  const image = only(stack.data.yandex_compute_image, 'image').body;
  assert.equal(image.family, '${var.airbyte_image_family}');
  assert.match(String((stack.variable.airbyte_image_family?.[0] as Block).default), /^ubuntu-/);
  const vm = only(stack.resource.yandex_compute_instance, 'instance').body;
  const resources = nested(vm, 'resources');
  assert.equal(resources.cores, '${var.airbyte_cores}');
  assert.equal(resources.memory, '${var.airbyte_memory}');
  assert.equal(nested(nested(vm, 'boot_disk'), 'initialize_params').image_id, '${data.yandex_compute_image.ubuntu.id}');
  const nic = nested(vm, 'network_interface');
  assert.equal(nic.nat, true);
  assert.deepEqual(nic.security_group_ids, ['${yandex_vpc_security_group.main.id}']);
  const userData = String((vm.metadata as Block)['user-data']);
  assert.match(userData, /templatefile\("\$\{path\.module\}\/cloud-init\.yaml\.tftpl"/);
  const cloudInit = readFileSync(join(dir, 'cloud-init.yaml.tftpl'), 'utf8');
  assert.match(cloudInit, /^#cloud-config\n/);
  assert.match(cloudInit, /- docker\.io/);
  assert.match(cloudInit, /get\.airbyte\.com/);
  assert.match(cloudInit, /abctl local install/);
  assert.doesNotMatch(cloudInit.replace(/\$\{ssh_public_key\}/g, ''), /\$\{/, 'no other template interpolation sneaks into the shell commands');
});

test('IAM: service account, folder role binding and static access key', async () => {
  const stack = await loadStack();
  const account = only(stack.resource.yandex_iam_service_account, 'service account');
  const member = only(stack.resource.yandex_resourcemanager_folder_iam_member, 'role binding').body;
  assert.equal(member.member, `serviceAccount:\${yandex_iam_service_account.${account.name}.id}`);
  assert.equal(member.role, '${var.service_account_role}');
  const key = only(stack.resource.yandex_iam_service_account_static_access_key, 'static key').body;
  assert.equal(key.service_account_id, `\${yandex_iam_service_account.${account.name}.id}`);
});

test('outputs: everything the editor reads exists; the host is the read-write FQDN; the static key is sensitive', async () => {
  const stack = await loadStack();
  for (const name of Object.values(STACK_OUTPUT_NAMES)) assert.ok(stack.output[name], `output ${name}`);
  const value = (name: string): string => String(stack.output[name]?.[0]?.value);
  assert.equal(value('postgresql_host'), 'c-${yandex_mdb_postgresql_cluster.warehouse.id}.rw.mdb.yandexcloud.net');
  assert.equal(stack.output.postgresql_port?.[0]?.value, 6432);
  assert.match(value('airbyte_url'), /^http:\/\/\$\{yandex_compute_instance\.airbyte\.network_interface\[0\]\.nat_ip_address\}:8000$/);
  assert.match(value('static_secret_key'), /\.secret_key\}$/);
  assert.equal(stack.output.static_secret_key?.[0]?.sensitive, true);
  assert.equal(stack.output.static_access_key?.[0]?.sensitive, true);
  for (const [name, [body]] of Object.entries(stack.output)) {
    if (/secret_key|access_key|password/.test(String(body?.value))) assert.equal(body?.sensitive, true, `${name} exposes a secret`);
  }
});

test('.env.template lists every variable as TF_VAR_<name>, plus the provider credentials, and parses cleanly', async () => {
  const stack = await loadStack();
  const parsed = parseDotenv(readFileSync(join(dir, '.env.template'), 'utf8'));
  assert.deepEqual(parsed.problems, []);
  const keys = new Set(parsed.entries.map((e) => e.key));
  for (const name of Object.keys(stack.variable)) assert.ok(keys.has(`TF_VAR_${name}`), `TF_VAR_${name} missing from .env.template`);
  for (const key of keys) if (key.startsWith('TF_VAR_')) assert.ok(stack.variable[key.slice(7)], `${key} names no variable`);
  for (const key of ['YC_TOKEN', 'YC_SERVICE_ACCOUNT_KEY_FILE']) assert.ok(keys.has(key), key);
  for (const name of REQUIRED_TF_VARIABLES) assert.equal(parsed.values.get(`TF_VAR_${name}`), '', `${name} ships empty`);
  assert.equal(parsed.values.get('TF_VAR_allowed_cidrs'), '["0.0.0.0/0"]');
  const gitignore = readFileSync(join(dir, '.gitignore'), 'utf8');
  for (const entry of ['.env', '*.tfstate', '.terraform/', 'tfplan']) assert.ok(gitignore.split('\n').includes(entry), entry);
});

test('terraformrc installs providers through the Yandex mirror', async () => {
  const rc = (await parse('terraformrc', readFileSync(join(dir, 'terraformrc'), 'utf8'))) as {
    provider_installation: { network_mirror: Block[]; direct: Block[] }[];
  };
  const installation = rc.provider_installation[0];
  assert.equal(installation?.network_mirror[0]?.url, 'https://terraform-mirror.yandexcloud.net/');
  assert.deepEqual(installation?.network_mirror[0]?.include, ['registry.terraform.io/*/*']);
  assert.deepEqual(installation?.direct[0]?.exclude, ['registry.terraform.io/*/*']);
});

/**
 * The layout `terraform fmt` produces, checked without the binary: LF and a final newline, no tabs or trailing
 * spaces, two-space indentation that follows the braces, and `=` aligned across each run of one-line attributes.
 */
function fmtProblems(text: string): string[] {
  const problems: string[] = [];
  if (text.includes('\r')) problems.push('CRLF line ends');
  if (!text.endsWith('\n') || text.endsWith('\n\n')) problems.push('the file must end with exactly one newline');
  const lines = text.split('\n').slice(0, -1);
  // A line that opens brackets (however many) indents what follows by one level; one that closes them dedents itself.
  let level = 0;
  let run: { line: number; eq: number; key: number; indent: number }[] = [];
  const closeRun = (): void => {
    if (run.length > 1) {
      const want = Math.max(...run.map((r) => r.key)) + 1;
      for (const r of run) if (r.eq !== want) problems.push(`line ${r.line + 1}: "=" at column ${r.eq}, fmt aligns it at ${want}`);
    }
    run = [];
  };
  lines.forEach((line, i) => {
    if (/\t/.test(line)) problems.push(`line ${i + 1}: tab`);
    if (/\s$/.test(line)) problems.push(`line ${i + 1}: trailing whitespace`);
    const trimmed = line.trim();
    // Brackets inside strings ("${path.module}") and comments do not count.
    const code = trimmed.startsWith('#') ? '' : trimmed.replace(/"(?:[^"\\]|\\.)*"/g, '""');
    const net = (code.match(/[{[(]/g) ?? []).length - (code.match(/[}\])]/g) ?? []).length;
    const lineLevel = net < 0 ? level - 1 : level;
    const indent = line.length - line.trimStart().length;
    if (trimmed && indent !== 2 * lineLevel) problems.push(`line ${i + 1}: indented ${indent}, expected ${2 * lineLevel}`);
    const attribute = /^(\s*)([\w-]+)(\s*)=/.exec(line);
    if (attribute && net === 0) {
      if (run.length && run[0]?.indent !== indent) closeRun();
      const key = (attribute[1] as string).length + (attribute[2] as string).length;
      run.push({ line: i, eq: key + (attribute[3] as string).length, key, indent });
    } else {
      closeRun();
    }
    level += Math.sign(net);
  });
  closeRun();
  if (level !== 0) problems.push('unbalanced brackets');
  return problems;
}

test('every HCL file is laid out the way terraform fmt leaves it', () => {
  for (const file of [...tfFiles, 'terraformrc']) assert.deepEqual(fmtProblems(readFileSync(join(dir, file), 'utf8')), [], file);
  // The checker itself catches what fmt would change.
  assert.notDeepEqual(fmtProblems('a = 1\nbcd = 2\n'), []);
  assert.notDeepEqual(fmtProblems('x {\n   a = 1\n}\n'), []);
  assert.deepEqual(fmtProblems('x {\n  a   = 1\n  bcd = 2\n\n  e = [\n    "q",\n  ]\n}\n'), []);
});
