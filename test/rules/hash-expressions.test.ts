// The shared reading of a stage's hashed entries (server/src/rules/hash-expressions.ts) that DV302, DV402 and DV405
// rely on: which entries are column names, and which identifiers an expression entry names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expressionIdentifiers, readHashedEntry } from '../../server/src/rules/hash-expressions';

test('plain and double-quoted names and escaped names are names; anything else is an expression', () => {
  const none = new Set<string>();
  assert.deepEqual(readHashedEntry('customer_id', none), { kind: 'name', name: 'customer_id' });
  assert.deepEqual(readHashedEntry('"Customer Id"', none), { kind: 'name', name: '"Customer Id"' });
  assert.deepEqual(readHashedEntry('customer name', new Set(['customer name'])), { kind: 'name', name: 'customer name' });
  assert.deepEqual(readHashedEntry('CAST(customer_id AS TEXT)', none), { kind: 'expression', identifiers: ['customer_id'] });
});

test('identifiers skip string literals, keywords, type names after AS and ::, function names and qualifiers', () => {
  const cases: [string, string[]][] = [
    ["customer_name || '-' || status", ['customer_name', 'status']],
    ['amount::NUMERIC(10,2)', ['amount']],
    ['CAST(customer_id AS TEXT)', ['customer_id']],
    ['CAST(ts AS timestamp with time zone) || code', ['ts', 'code']],
    ['x::double precision || y', ['x', 'y']],
    ["UPPER(TRIM(name)) || 'it''s' || nationality", ['name', 'nationality']],
    ["COALESCE(c.region, E'none', 'x')", ['region']],
    ["CASE WHEN flag IS NULL THEN 'n' ELSE \"Flag Value\" END", ['flag', 'Flag Value']],
    ["DATE '2024-01-01' + days", ['days']],
    ['arr::text[] || tags', ['arr', 'tags']],
    ['1.5 * price', ['price']],
  ];
  for (const [sql, ids] of cases) assert.deepEqual(expressionIdentifiers(sql), ids, sql);
});

test('an expression the reading cannot follow gives no identifiers rather than a guess', () => {
  for (const sql of ["{{ var('k') }} || id", '$$x$$ || id', "name || 'open", '(SELECT max(id) FROM t)', '"unterminated']) {
    assert.equal(expressionIdentifiers(sql), undefined, sql);
  }
});
