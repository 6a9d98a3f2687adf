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

test('a lone \\r and \\r\\n end lines as LSP counts them', () => {
  const src = new SourceText('a\rb\r\nc\nd');
  assert.deepEqual(src.positionAt(2), { line: 1, character: 0 });
  assert.deepEqual(src.positionAt(5), { line: 2, character: 0 });
  assert.deepEqual(src.positionAt(7), { line: 3, character: 0 });
  assert.equal(src.offsetAt({ line: 1, character: 99 }), 3);
  for (let i = 0; i <= src.text.length; i++) {
    if (src.text[i - 1] === '\r' && src.text[i] === '\n') continue; // between \r and \n is not a position of its own
    assert.equal(src.offsetAt(src.positionAt(i)), i);
  }
});
