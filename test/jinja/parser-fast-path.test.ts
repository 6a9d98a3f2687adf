// parseExpression reads a lone literal or name before a comma, a closing bracket or a colon without going through
// every precedence level (server/src/jinja/parser.ts, PARSER_FAST_PATH). The tree and the diagnostics must be exactly
// those of the long way: on every .sql file of the fixtures, the sample project and the templates, on the
// differential corpora, and on random templates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { PARSER_FAST_PATH, parseTemplate } from '../../server/src/jinja/parser';
import { repositorySqlFiles } from '../support/sql-files';

function bothWays(text: string): { fast: unknown; slow: unknown } {
  const fast = parseTemplate(text);
  PARSER_FAST_PATH.enabled = false;
  try {
    return { fast, slow: parseTemplate(text) };
  } finally {
    PARSER_FAST_PATH.enabled = true;
  }
}

test('the same trees and diagnostics on every .sql file of the repository and the differential corpora', () => {
  const texts = repositorySqlFiles().map((f) => readFileSync(f, 'utf8'));
  for (const corpus of ['whitespace', 'expressions']) {
    for (const line of readFileSync(join(__dirname, 'fixtures', 'differential', `${corpus}.jsonl`), 'utf8').split('\n').filter(Boolean)) {
      texts.push((JSON.parse(line) as { tpl: string }).tpl);
    }
  }
  assert.ok(texts.length > 500, `${texts.length} texts`);
  for (const text of texts) {
    const { fast, slow } = bothWays(text);
    assert.deepEqual(fast, slow, text);
  }
});

const PIECES = [
  '{{', '}}', '{%', '%}', '-', ' ', '"a"', "'b'", '"c"', '1', '2.5', 'x', 'y', 'not', 'in', 'is', 'if', 'else', 'and', 'or',
  'true', 'none', '(', ')', '[', ']', '{', '}', ',', ':', '.', '|', '=', '+', '*', '~', 'f', 'set', 'for', 'endfor', 'endset',
];

test('the same trees and diagnostics on random templates', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }), (parts) => {
      const text = `{{ ${parts.join(' ')} }}{% set v = [${parts.join('')}] %}`;
      const { fast, slow } = bothWays(text);
      assert.deepEqual(fast, slow, text);
    }),
    { numRuns: 3000 },
  );
});

test('lone items before each closer, adjacent strings, not, and the end of a tag', () => {
  for (const text of [
    '{{ f("a", 1, 2.5, x, true, none) }}',
    '{{ {"k": "v", "n": [1, "s"]} }}',
    '{{ x[a:b] }}{{ x[1:] }}',
    '{{ "a" "b", "c" }}',
    '{{ [not, x] }}',
    '{{ f(not x) }}',
    '{{ "a" }}',
    '{{ x }}',
    '{{ f(in, is, if, else) }}',
  ]) {
    const { fast, slow } = bothWays(text);
    assert.deepEqual(fast, slow, text);
  }
});
