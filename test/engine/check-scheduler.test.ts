// The language server's check order and pacing, driven without a server: edited models first, open models next,
// the models an edit affects only once typing pauses (a burst of edits checks them once), nothing after dispose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { CheckScheduler } from '../../server/src/engine/check-scheduler';

const TIMINGS = { delayMs: 0, sliceMs: 1_000, dependantsDelayMs: 40 };

async function quiet(s: CheckScheduler): Promise<void> {
  for (let i = 0; i < 500 && !s.idle; i++) await sleep(5);
  assert.ok(s.idle, 'the scheduler came to rest');
}

test('edited models are checked first, then open models, then the rest', async () => {
  const checked: string[] = [];
  const s = new CheckScheduler({ check: (n) => checked.push(n), openModels: () => ['c'] }, TIMINGS);
  s.checkAll(['a', 'b', 'c', 'd']);
  s.modelChanged('d', [], true);
  await quiet(s);
  assert.deepEqual(checked, ['d', 'c', 'a', 'b']);
});

test('the models an edit affects wait for typing to pause, and a burst of edits checks them once', async () => {
  const checked: string[] = [];
  // A long pause, so that the edited model is surely checked before the dependants are released even on a busy machine.
  const s = new CheckScheduler({ check: (n) => checked.push(n), openModels: () => [] }, { ...TIMINGS, dependantsDelayMs: 1_000 });
  s.modelChanged('sat', ['hub', 'pit'], true);
  for (let i = 0; i < 100 && checked.length === 0; i++) await sleep(5);
  assert.deepEqual(checked, ['sat'], 'the edited model at once, its dependants not yet');
  s.modelChanged('sat', ['hub', 'pit'], true);
  s.modelChanged('sat', ['hub', 'pit'], true);
  await quiet(s);
  assert.deepEqual(checked.filter((n) => n !== 'sat').sort(), ['hub', 'pit']);
});

test('a removed model is not checked, its dependants are; nothing is checked after dispose', async () => {
  const checked: string[] = [];
  const s = new CheckScheduler({ check: (n) => checked.push(n), openModels: () => [] }, TIMINGS);
  s.modelChanged('gone', ['reader'], false);
  await quiet(s);
  assert.deepEqual(checked, ['reader']);
  s.modelChanged('x', ['y'], true);
  s.dispose();
  await sleep(TIMINGS.dependantsDelayMs + 20);
  assert.deepEqual(checked, ['reader']);
});

test('the next slice waits until ready() resolves, and progress counts the models of the run', async () => {
  const checked: string[] = [];
  let release: () => void = () => undefined;
  let readyCalls = 0;
  const progress: { checked: number; waiting: number; running: boolean }[] = [];
  // One model per slice (a zero-length slice), and a ready() that holds the run until the test releases it.
  const s: CheckScheduler = new CheckScheduler(
    {
      check: (n) => checked.push(n),
      openModels: () => [],
      afterSlice: () => progress.push(s.progress),
      ready: () => {
        readyCalls++;
        return new Promise<void>((resolve) => (release = resolve));
      },
    },
    { ...TIMINGS, sliceMs: 0 },
  );
  s.checkAll(['a', 'b', 'c']);
  for (let i = 0; i < 200 && readyCalls === 0; i++) await sleep(5);
  await sleep(20);
  assert.deepEqual(checked, ['a'], 'held after the first slice until ready() resolves');
  assert.deepEqual(progress.at(-1), { checked: 1, waiting: 2, running: true });
  for (let i = 0; i < 200 && checked.length < 3; i++) {
    release();
    await sleep(5);
  }
  release();
  await quiet(s);
  assert.deepEqual(checked, ['a', 'b', 'c']);
  assert.deepEqual(progress.at(-1), { checked: 3, waiting: 0, running: false }, 'the last report is the end of the run');
});
