import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SourceText } from '../../server/src/base/text';
import { closestName } from '../../server/src/base/diagnostic';

test('offsets and positions round-trip across lines', () => {
  const src = new SourceText('ab\ncde\n\nf');
  assert.deepEqual(src.positionAt(0), { line: 0, character: 0 });
  assert.deepEqual(src.positionAt(4), { line: 1, character: 1 });
  assert.deepEqual(src.positionAt(8), { line: 3, character: 0 });
  for (let i = 0; i <= src.text.length; i++) assert.equal(src.offsetAt(src.positionAt(i)), i);
});

test('closestName suggests EMAIL for EMIAL and nothing for unrelated names', () => {
  assert.equal(closestName('EMIAL', ['NAME', 'EMAIL', 'AGE']), 'EMAIL');
  assert.equal(closestName('ZZZZZZ', ['NAME', 'EMAIL']), undefined);
});
