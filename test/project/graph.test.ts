import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ancestors, buildGraph, descendants, findCycles, topologicalOrder } from '../../server/src/project/graph';

const diamond = buildGraph(
  new Map([
    ['raw', []],
    ['stg_b', ['raw']],
    ['stg_a', ['raw']],
    ['hub', ['stg_a', 'stg_b', 'unknown_parent']],
    ['mart', ['hub', 'stg_a']],
    ['lonely', []],
  ]),
);

test('parents drop names that are not nodes; children are the reverse edges', () => {
  assert.deepEqual(diamond.parents.get('hub'), ['stg_a', 'stg_b']);
  assert.deepEqual(diamond.children.get('stg_a'), ['hub', 'mart']);
  assert.deepEqual(diamond.children.get('mart'), []);
});

test('ancestors and descendants are transitive and sorted', () => {
  assert.deepEqual(ancestors(diamond, 'mart'), ['hub', 'raw', 'stg_a', 'stg_b']);
  assert.deepEqual(descendants(diamond, 'raw'), ['hub', 'mart', 'stg_a', 'stg_b']);
  assert.deepEqual(descendants(diamond, 'lonely'), []);
});

test('topological order puts parents first and breaks ties by name', () => {
  assert.deepEqual(topologicalOrder(diamond), ['lonely', 'raw', 'stg_a', 'stg_b', 'hub', 'mart']);
  assert.deepEqual(topologicalOrder(diamond, ['mart', 'stg_b', 'raw']), ['raw', 'stg_b', 'mart']);
});

test('cycles are found once per component, as a path from the first name', () => {
  const g = buildGraph(
    new Map([
      ['x', ['y']],
      ['y', ['z']],
      ['z', ['x']],
      ['self', ['self']],
      ['after', ['x']],
      ['fine', []],
    ]),
  );
  assert.deepEqual(findCycles(g), [['self'], ['x', 'y', 'z']]);
  // A cycle's members stay together, by name; what depends on the cycle still comes after it.
  assert.deepEqual(topologicalOrder(g), ['fine', 'self', 'x', 'y', 'z', 'after']);
  assert.deepEqual(findCycles(diamond), []);
});

test('a deep chain does not overflow the stack', () => {
  const m = new Map<string, string[]>();
  for (let i = 0; i < 20000; i++) m.set(`n${i}`, i === 0 ? [] : [`n${i - 1}`]);
  const g = buildGraph(m);
  assert.deepEqual(findCycles(g), []);
  assert.equal(topologicalOrder(g)[19999], 'n19999');
});
