// dvs/runQuery's result columns are named as PostgreSQL names them (checked against a live catalog's format_type), and
// the SQL shown to the user carries the row limit they chose while one more row tells whether more exist.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { runQuery } from '../../server/src/features/run-query';
import { pgTypeName } from '../../server/src/warehouse/pg-type-names';
import { openPglite, type PgliteWarehouse } from '../../server/src/warehouse/pglite';

let wh: PgliteWarehouse;

before(async () => {
  wh = await openPglite(undefined);
});

after(async () => {
  await wh?.close();
});

test('pgTypeName: the common types by OID, arrays as x[], anything else as "oid N"', () => {
  const expected: [number, string][] = [
    [16, 'boolean'],
    [17, 'bytea'],
    [20, 'bigint'],
    [21, 'smallint'],
    [23, 'integer'],
    [25, 'text'],
    [114, 'json'],
    [700, 'real'],
    [701, 'double precision'],
    [1042, 'character'],
    [1043, 'character varying'],
    [1082, 'date'],
    [1083, 'time without time zone'],
    [1114, 'timestamp without time zone'],
    [1184, 'timestamp with time zone'],
    [1186, 'interval'],
    [1700, 'numeric'],
    [2950, 'uuid'],
    [3802, 'jsonb'],
    [1007, 'integer[]'],
    [1015, 'character varying[]'],
    [3807, 'jsonb[]'],
    [424242, 'oid 424242'],
  ];
  for (const [oid, name] of expected) assert.equal(pgTypeName(oid), name, `oid ${oid}`);
});

test('pgTypeName agrees with format_type for every built-in type it names', async () => {
  const catalog = await wh.query(`SELECT oid::int AS oid, format_type(oid, NULL) AS shown FROM pg_type WHERE oid < 16384 ORDER BY oid`);
  let named = 0;
  for (const row of catalog.rows) {
    const oid = Number(row.oid);
    const ours = pgTypeName(oid);
    if (ours === `oid ${oid}`) continue;
    named++;
    assert.equal(ours, row.shown, `oid ${oid}`);
  }
  assert.ok(named >= 50, `only ${named} types named`);
});

test('runQuery: column types by name, a limit of 500 shown as 500, one row more only to know that more exist', async () => {
  const result = await runQuery(
    wh,
    { sql: `SELECT g AS n, ('v' || g)::varchar(10) AS label, ARRAY[g]::int[] AS arr, now()::timestamptz AS at FROM generate_series(1, 501) AS g;`, limit: 500 },
    'embedded',
  );
  assert.deepEqual(result.columns, [
    { name: 'n', type: 'integer' },
    { name: 'label', type: 'character varying' },
    { name: 'arr', type: 'integer[]' },
    { name: 'at', type: 'timestamp with time zone' },
  ]);
  assert.match(result.sql, /\bLIMIT 500$/);
  assert.doesNotMatch(result.sql, /LIMIT 501/);
  assert.equal(result.rows.length, 500);
  assert.equal(result.limited, true);
  assert.equal(result.target, 'embedded');
});

test('runQuery: exactly the limit is not "limited"; the default limit is 500', async () => {
  const exact = await runQuery(wh, { sql: 'SELECT g FROM generate_series(1, 3) AS g', limit: 3 }, 'embedded');
  assert.equal(exact.rows.length, 3);
  assert.equal(exact.limited, false);
  assert.match(exact.sql, /\bLIMIT 3$/);
  const table = await runQuery(wh, { table: { schema: 'pg_catalog', name: 'pg_type' } }, 'embedded');
  assert.match(table.sql, /FROM "pg_catalog"\."pg_type"\n\) AS dvs_query LIMIT 500$/);
  assert.ok(table.rows.length <= 500);
});
