// Hash expressions and hashdiff ordering, driven by fixtures/hash-expressions (a case is an entry in a JSON file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashExpression, sortHashdiffColumns, type HashOptions } from '../../server/src/compile/automate-dv/hashing';
import { fixtureContext } from './context-fixture';
import { readHashSettings } from '../../server/src/compile/automate-dv/settings';

const folder = join(__dirname, 'fixtures', 'hash-expressions');

interface ExpressionCase {
  name: string;
  columns: string | string[];
  options?: HashOptions & { columnsToEscape?: string[] };
  expected: string;
}
for (const c of JSON.parse(readFileSync(join(folder, 'cases.json'), 'utf8')) as ExpressionCase[]) {
  test(`hash expression: ${c.name}`, () => {
    assert.equal(hashExpression(c.columns, c.options ?? {}), c.expected);
  });
}

interface SortCase {
  name: string;
  columns: string[];
  sorted: string[];
}
for (const c of JSON.parse(readFileSync(join(folder, 'sorting.json'), 'utf8')) as SortCase[]) {
  test(`hashdiff sorting: ${c.name}`, () => {
    assert.deepEqual(sortHashdiffColumns(c.columns), c.sorted);
  });
}

test('a quote in a constant is doubled and reported as DV502', () => {
  const reported: string[] = [];
  const sql = hashExpression(['!O\'Brien'], { report: (d) => reported.push(d.code) });
  assert.match(sql, /CAST\('O''Brien' AS VARCHAR\)/);
  assert.deepEqual(reported, ['DV502']);
});

test('an empty column list is a DV202 error, not broken SQL', () => {
  assert.throws(() => hashExpression([], {}), (e: Error & { code?: string }) => e.code === 'DV202');
});

test('var hash: sha1 and unknown algorithms fall back to MD5 with DV506; sha and MD5 are accepted in any case', () => {
  for (const [hash, algorithm, warnings] of [
    ['sha1', 'md5', 1],
    ['whirlpool', 'md5', 1],
    ['SHA', 'sha', 0],
    ['Md5', 'md5', 0],
  ] as const) {
    const ctx = fixtureContext({ vars: { hash } });
    assert.equal(readHashSettings(ctx).algorithm, algorithm, hash);
    assert.equal(ctx.diagnostics.filter((d) => d.code === 'DV506').length, warnings, hash);
  }
});

test('var hash_content_casing accepts upper/disabled in any case and rejects anything else', () => {
  assert.equal(readHashSettings(fixtureContext({ vars: { hash_content_casing: 'DISABLED' } })).upperCase, false);
  assert.equal(readHashSettings(fixtureContext({ vars: { hash_content_casing: 'Upper' } })).upperCase, true);
  assert.throws(() => readHashSettings(fixtureContext({ vars: { hash_content_casing: 'lower' } })), /hash_content_casing/);
});
