// The editor's open projects: opened once per root on first use, a file's root found from its dbt_project.yml, a
// reopen closes the old state and keeps the target chosen before unless a new one is given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProjectRegistry } from '../../server/src/engine/project-registry';

interface FakeState {
  root: string;
  target: string | undefined;
  closed: boolean;
}

test('one state per root, reopened with the target kept, closed on reopen and closeAll', async () => {
  const opened: FakeState[] = [];
  const registry = new ProjectRegistry<FakeState>({
    open: async (root, target) => {
      const state = { root, target, closed: false };
      opened.push(state);
      return state;
    },
    close: async (state) => {
      state.closed = true;
    },
    selectedTargetOf: (state) => state.target,
  });
  const a = await registry.get('/p/a');
  assert.equal(await registry.get('/p/a'), a, 'the same state on the second use');
  const prod = await registry.reopen('/p/a', 'prod');
  assert.equal(a.closed, true);
  assert.equal(prod.target, 'prod');
  const again = await registry.reopen('/p/a');
  assert.equal(again.target, 'prod', 'a reopen keeps the chosen target');
  await registry.get('/p/b');
  assert.deepEqual(registry.roots(), ['/p/a', '/p/b']);
  await registry.closeAll();
  assert.deepEqual(registry.roots(), []);
  assert.ok(opened.every((s) => s.closed));
});

test('a file belongs to the nearest folder above it with a dbt_project.yml', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-registry-'));
  try {
    mkdirSync(join(dir, 'proj', 'models', 'dds'), { recursive: true });
    writeFileSync(join(dir, 'proj', 'dbt_project.yml'), 'name: proj\n');
    const registry = new ProjectRegistry<never>({ open: () => Promise.reject(new Error('unused')), close: async () => undefined, selectedTargetOf: () => undefined });
    assert.equal(registry.rootOf(join(dir, 'proj', 'models', 'dds', 'hub_user.sql'))?.replace(/\\/g, '/'), join(dir, 'proj').replace(/\\/g, '/'));
    assert.equal(registry.rootOf(join(dir, 'elsewhere.sql')), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
