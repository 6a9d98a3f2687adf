// The command table and package.json agree: every contributed command has a handler and every handler is contributed,
// and every command a menu, walkthrough or view welcome names exists. Plain node: reads commandNames.ts, not `vscode`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMAND_NAMES } from '../../client/src/commandNames';

const root = join(__dirname, '..', '..');
interface Manifest {
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    menus: Record<string, { command: string }[]>;
    walkthroughs: { steps: { description: string }[] }[];
    viewsWelcome: { contents: string }[];
    views: Record<string, { id: string }[]>;
  };
}
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest;
const contributed = manifest.contributes.commands.map((c) => c.command);

test('every contributed command has a handler in the command table', () => {
  const missing = contributed.filter((c) => !(COMMAND_NAMES as readonly string[]).includes(c));
  assert.deepEqual(missing, []);
});

test('every command in the table is contributed in package.json', () => {
  const extra = COMMAND_NAMES.filter((c) => !contributed.includes(c));
  assert.deepEqual(extra, []);
});

test('command ids are unique and all in category "Data Vault"', () => {
  assert.equal(new Set(contributed).size, contributed.length);
  assert.equal(new Set(COMMAND_NAMES).size, COMMAND_NAMES.length);
  for (const c of manifest.contributes.commands) assert.equal(c.category, 'Data Vault', c.command);
});

test('menus, walkthrough steps and view welcomes only name existing commands', () => {
  const views = Object.values(manifest.contributes.views).flat().map((v) => `${v.id}.focus`);
  const known = new Set([...contributed, ...views]);
  for (const [menu, items] of Object.entries(manifest.contributes.menus)) {
    for (const item of items) assert.ok(known.has(item.command), `${menu} names unknown command ${item.command}`);
  }
  const linked = [
    ...manifest.contributes.walkthroughs.flatMap((w) => w.steps.map((s) => s.description)),
    ...manifest.contributes.viewsWelcome.map((v) => v.contents),
  ].flatMap((text) => [...text.matchAll(/\(command:([\w.]+)\)/g)].map((m) => m[1] ?? ''));
  assert.ok(linked.length > 0);
  for (const command of linked) assert.ok(known.has(command), `a link names unknown command ${command}`);
});

test('the command table module registers exactly the listed names', () => {
  // commands.ts imports vscode, so read its keys from the source text instead of loading it.
  const source = readFileSync(join(root, 'client', 'src', 'commands.ts'), 'utf8') + readFileSync(join(root, 'client', 'src', 'cloudCommands.ts'), 'utf8');
  const keys = [...source.matchAll(/^\s+'(dataVault\.[\w]+)':/gm)].map((m) => m[1]);
  assert.deepEqual([...new Set(keys)].sort(), [...COMMAND_NAMES].sort());
});
