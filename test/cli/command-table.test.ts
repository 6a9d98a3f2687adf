// The `dvs` command table (server/src/cli/commands.ts) is the only list of commands: the README's command table names
// exactly its commands and only flags they accept, `dvs --help` prints every one of them, every row's handler loads,
// and the dispatcher imports no command module up front (a command's heavy modules load only when it runs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_COMMANDS, COMMON } from '../../server/src/cli/commands';
import { runCli } from '../../server/src/cli/main';

const root = join(__dirname, '..', '..');

/** The rows of the README's command table: the command word and the flags its first cell shows. */
function readmeRows(): { name: string; flags: string[] }[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### The `dvs` command line'));
  const rows: { name: string; flags: string[] }[] = [];
  for (const line of section.split('\n')) {
    const m = /^\| `dvs ([a-z-]+)([^`]*)`/.exec(line);
    if (m) rows.push({ name: m[1] as string, flags: [...(m[2] as string).matchAll(/--([a-z-]+)/g)].map((f) => f[1] as string) });
    else if (rows.length > 0 && !line.startsWith('|')) break;
  }
  assert.ok(rows.length > 0, 'README.md has a command table under "### The `dvs` command line"');
  return rows;
}

function capture() {
  const io = { stdout: '', stderr: '', out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t), cwd: root, env: {}, isTTY: false };
  return io;
}

test("the README's command table lists exactly the commands of the table, each once", () => {
  const readme = readmeRows().map((r) => r.name);
  const table = CLI_COMMANDS.map((c) => c.name);
  assert.deepEqual([...readme].sort(), [...table].sort(), 'README.md rows vs CLI_COMMANDS in server/src/cli/commands.ts');
  assert.equal(new Set(readme).size, readme.length, 'a command has two README rows');
  assert.equal(new Set(table).size, table.length, 'a command has two rows in CLI_COMMANDS');
});

test('every flag a README row shows is one its command accepts', () => {
  for (const row of readmeRows()) {
    const command = CLI_COMMANDS.find((c) => c.name === row.name);
    for (const flag of row.flags) assert.ok(command?.flags[flag], `README: dvs ${row.name} shows --${flag}, which the command does not accept`);
  }
});

test('dvs --help prints every command of the table with its summary, and the common flags', async () => {
  for (const argv of [['--help'], ['-h'], ['help'], []]) {
    const io = capture();
    assert.equal(await runCli(argv, io), 0);
    assert.equal(io.stderr, '');
    for (const command of CLI_COMMANDS) {
      const first = command.summary.split('\n')[0] as string;
      assert.ok(io.stdout.includes(`\n  ${command.name.padEnd(15)}${first}\n`), `dvs ${argv.join(' ')} lists ${command.name}`);
    }
    for (const flag of Object.keys(COMMON)) assert.match(io.stdout, new RegExp(`--${flag}\\b`), `help names the common flag --${flag}`);
  }
});

test('every command is dispatched to a handler that loads, and an unknown one is a usage error naming them all', async () => {
  for (const command of CLI_COMMANDS) assert.equal(typeof (await command.load()), 'function', `the handler of ${command.name}`);
  const io = capture();
  assert.equal(await runCli(['frobnicate'], io), 2);
  for (const command of CLI_COMMANDS) assert.match(io.stderr, new RegExp(`\\b${command.name}\\b`));
});

test('the dispatcher and the table import no command module up front', () => {
  for (const file of ['main.ts', 'commands.ts']) {
    const text = readFileSync(join(root, 'server', 'src', 'cli', file), 'utf8');
    const imports = [...text.matchAll(/^import\s+(type\s+)?[^;]*?from\s+'([^']+)'/gm)].map((m) => ({ typeOnly: Boolean(m[1]), from: m[2] as string }));
    for (const i of imports) {
      const allowed = i.typeOnly || ['./args', './io', './commands'].includes(i.from);
      assert.ok(allowed, `cli/${file} imports ${i.from} statically; load a command's module in its row's load()`);
    }
  }
});
