import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inferSeedColumnType, parseCsv, seedColumns } from '../../server/src/project/seeds';

test('CSV rows: quotes, doubled quotes, commas and newlines inside quotes, CRLF, BOM, blank lines', () => {
  const text = '\ufeffa,b,c\r\n1,"x, ""y""",3\r\n\r\n2,"multi\nline",\n';
  assert.deepEqual(parseCsv(text), [
    ['a', 'b', 'c'],
    ['1', 'x, "y"', '3'],
    ['2', 'multi\nline', ''],
  ]);
  assert.deepEqual(parseCsv('h1,h2\nv1,v2', 1), [['h1', 'h2']]);
  assert.deepEqual(parseCsv(''), []);
});

test('column types are inferred from all non-empty values', () => {
  assert.equal(inferSeedColumnType(['1', '-2', '']), 'integer');
  assert.equal(inferSeedColumnType(['1', '2.5']), 'float8');
  assert.equal(inferSeedColumnType(['true', 'False']), 'boolean');
  assert.equal(inferSeedColumnType(['2024-01-01', '']), 'date');
  assert.equal(inferSeedColumnType(['2024-01-01 10:00:00', '2024-01-01T10:00']), 'timestamp without time zone');
  assert.equal(inferSeedColumnType(['2024-01-01', 'soon']), 'text');
  assert.equal(inferSeedColumnType(['', '']), 'text');
});

test('column_types overrides inference; header names are kept as written', () => {
  assert.deepEqual(seedColumns('Id,Amount\n1,2\n', new Map([['Amount', 'numeric(10,2)']])), [
    { name: 'Id', dataType: 'integer' },
    { name: 'Amount', dataType: 'numeric(10,2)' },
  ]);
});
