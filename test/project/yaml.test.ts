import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseYaml, type YValue } from '../../server/src/project/yaml-tree';
import { entryOf, valueOf, scalarText, toJValue } from '../../server/src/project/yaml-tree';

function scalar(root: YValue | undefined, key: string): unknown {
  const v = valueOf(root, key);
  return v?.kind === 'scalar' ? v.value : undefined;
}

test('scalars resolve as PyYAML does (YAML 1.1 booleans, but y/n stay text)', () => {
  const { root, diagnostics } = parseYaml('a: yes\nb: n\nc: Off\nd: "yes"\ne: 0755\nf: 2024-01-01\ng: ~\nh: 1.5\n', 'DV021');
  assert.deepEqual(diagnostics, []);
  assert.equal(scalar(root, 'a'), true);
  assert.equal(scalar(root, 'b'), 'n');
  assert.equal(scalar(root, 'c'), false);
  assert.equal(scalar(root, 'd'), 'yes');
  assert.equal(scalar(root, 'e'), 493);
  assert.equal(scalar(root, 'f'), '2024-01-01');
  assert.equal(scalar(root, 'g'), null);
  assert.equal(scalar(root, 'h'), 1.5);
});

test('keys and values keep their spans', () => {
  const text = 'sources:\n  - name: raw\n    tables:\n      - name: users\n';
  const { root } = parseYaml(text, 'DV021');
  const source = (valueOf(root, 'sources') as Extract<YValue, { kind: 'seq' }>).items[0];
  const table = (valueOf(source, 'tables') as Extract<YValue, { kind: 'seq' }>).items[0];
  const name = valueOf(table, 'name');
  assert.ok(name);
  assert.equal(text.slice(name.span.start, name.span.end), 'users');
  const key = entryOf(source, 'tables');
  assert.ok(key);
  assert.equal(text.slice(key.keySpan.start, key.keySpan.end), 'tables');
});

test('a syntax error becomes a diagnostic with the given code and a span, never an exception', () => {
  const text = 'models:\n  - name: a\n    columns: [\n      - name: id\n';
  const { diagnostics } = parseYaml(text, 'DV021');
  assert.ok(diagnostics.length > 0);
  const d = diagnostics[0];
  assert.ok(d);
  assert.equal(d.code, 'DV021');
  assert.equal(d.severity, 'error');
  assert.match(d.message, /YAML syntax error/);
  assert.ok(d.span && d.span.start >= text.indexOf('['));
});

test('a duplicate key is a warning and the later value wins', () => {
  const text = 'a: 1\na: 2\n';
  const { root, diagnostics } = parseYaml(text, 'DV021');
  assert.equal(scalar(root, 'a'), 2);
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0]?.severity, 'warning');
  assert.equal(diagnostics[0]?.span?.start, 5);
});

test('merge keys and aliases resolve; plain keys keep their text', () => {
  const { root } = parseYaml('base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\nn:\n  1: one\n  on: yes\n', 'DV021');
  assert.deepEqual(toJValue(valueOf(root, 'm')), new Map<string, unknown>([['y', 3], ['x', 1]]));
  assert.equal(scalarText(valueOf(valueOf(root, 'n'), '1')), 'one');
  assert.equal(scalarText(valueOf(valueOf(root, 'n'), 'on')), 'true');
});

test('an unknown tag is an error (dbt cannot load it)', () => {
  const { diagnostics } = parseYaml('x: !FAKER value\n', 'DV021');
  assert.equal(diagnostics.length, 1);
  assert.match(diagnostics[0]?.message ?? '', /quote the value/);
});

test('an empty file has no root and no diagnostics', () => {
  assert.deepEqual(parseYaml('', 'DV021'), { root: undefined, diagnostics: [] });
});

test('numbers keep the text they were written with (a version 0.10 is not 0.1)', () => {
  const { root } = parseYaml('version: 0.10\nport: 5432\n', 'DV021');
  assert.equal(scalar(root, 'version'), 0.1);
  assert.equal(scalarText(valueOf(root, 'version')), '0.10');
  assert.equal(scalarText(valueOf(root, 'port')), '5432');
});
