// sortHashdiffColumns against a plain statement of Jinja's `sort` on a hashdiff list (stable, by the lowercased text
// in Unicode code-point order), over random lists that mix ASCII, case-only ties, characters above U+E000 and
// characters outside the BMP (surrogate pairs in UTF-16, where code-unit order and code-point order differ).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sortHashdiffColumns } from '../../server/src/compile/automate-dv/hashing';

/** The order by definition: code points of the lowercased names, ties in the given order. */
function byDefinition(columns: readonly string[]): string[] {
  const points = (s: string) => Array.from(s.toLowerCase(), (ch) => ch.codePointAt(0) as number);
  return columns
    .map((c, i) => ({ c, i, p: points(c) }))
    .sort((x, y) => {
      for (let k = 0; k < Math.min(x.p.length, y.p.length); k++) if (x.p[k] !== y.p[k]) return (x.p[k] as number) - (y.p[k] as number);
      return x.p.length - y.p.length || x.i - y.i;
    })
    .map((x) => x.c);
}

test('hashdiff columns sort by lowercased code points, stably, for random names with and without surrogate pairs', () => {
  let seed = 7;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const alphabet = ['a', 'B', 'b', '_', '!', '1', 'Z', '\uE000', '\uFF21', '\u{1F600}', '\u{10000}', 'é'];
  for (let round = 0; round < 500; round++) {
    const columns = Array.from({ length: 1 + next(12) }, () => Array.from({ length: 1 + next(4) }, () => alphabet[next(alphabet.length)]).join(''));
    assert.deepEqual(sortHashdiffColumns(columns), byDefinition(columns), JSON.stringify(columns));
  }
});
