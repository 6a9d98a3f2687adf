// `dvs query` JSON for every type, read from real PGlite and server output: UTC `Z` for timestamptz whatever the
// session's TimeZone, bytea in lowercase hex whatever bytea_output, exact int8/numeric; and the text table.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EncodeError, encodeRows, encodeValue, PgType, queryForEncoding, renderTable } from '../../server/src/warehouse/encode';
import { openPglite, type PgliteWarehouse } from '../../server/src/warehouse/pglite';
import { openPostgres } from '../../server/src/warehouse/pgserver';
import { createTestDatabase } from './test-server';

// The process's own zone must never show in a value.
process.env.TZ = 'Pacific/Chatham';

const EVERY_TYPE = `select
  '\\xDEADbeef00'::bytea as b, true as t, false as f,
  1::int2 as i2, 2147483647::int4 as i4, 9223372036854775807::int8 as i8,
  1.5::float4 as f4, 0.1::float8 as f8, 'NaN'::float8 as fnan, '-Infinity'::float8 as fninf,
  123456789012345678901234567890.123456789::numeric as num,
  'hé "x"'::text as txt, 'v'::varchar(3) as vc, 'ab'::char(3) as bp,
  '{"a": [1, 2, {"b": null}], "big": 12345678901234567}'::jsonb as jb, '[1, "x"]'::json as js,
  '2024-02-29'::date as d,
  '2024-02-29 23:59:59.123456'::timestamp as ts, '2024-02-29 23:59:59'::timestamp as ts0, '2024-02-29 23:59:59.5'::timestamp as ts5,
  '2024-03-01 01:30:00.25+05:30'::timestamptz as tstz, '1999-12-31 23:00:00-01'::timestamptz as tstz_newyear,
  'infinity'::timestamptz as tstz_inf,
  null::int as n, null::timestamptz as ntz, null::bytea as nb,
  '11:22:33'::time as tm, '1 day 2 hours'::interval as iv, '{1,2}'::int[] as arr,
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid as u`;

const EXPECTED = {
  b: '\\xdeadbeef00',
  t: true,
  f: false,
  i2: 1,
  i4: 2147483647,
  i8: '9223372036854775807',
  f4: 1.5,
  f8: 0.1,
  fnan: 'NaN',
  fninf: '-Infinity',
  num: '123456789012345678901234567890.123456789',
  txt: 'hé "x"',
  vc: 'v',
  bp: 'ab ',
  jb: { a: [1, 2, { b: null }], big: 12345678901234567 },
  js: [1, 'x'],
  d: '2024-02-29',
  ts: '2024-02-29T23:59:59.123456',
  ts0: '2024-02-29T23:59:59',
  ts5: '2024-02-29T23:59:59.500000',
  tstz: '2024-02-29T20:00:00.250000Z',
  tstz_newyear: '2000-01-01T00:00:00Z',
  tstz_inf: 'infinity',
  n: null,
  ntz: null,
  nb: null,
  tm: '11:22:33',
  iv: '1 day 02:00:00',
  arr: '{1,2}',
  u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
};

describe('encoding values read from PGlite', () => {
  let dir: string;
  let wh: PgliteWarehouse;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dvs-encode-'));
    wh = await openPglite(join(dir, 'pglite'));
  });
  after(async () => {
    await wh.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('every type, from the embedded session (TimeZone UTC, DateStyle ISO)', async () => {
    const result = await wh.query(EVERY_TYPE);
    assert.equal(result.rows[0]?.t, 't', 'the warehouse hands over PostgreSQL text, not parsed values');
    assert.deepEqual(encodeRows(result), [EXPECTED]);
  });

  test('a non-UTC session still gives UTC Z, and escape-format bytea still gives hex', async () => {
    const result = await wh.transaction(async (tx) => {
      await tx.exec(`SET LOCAL TimeZone = 'America/St_Johns'; SET LOCAL bytea_output = 'escape'`);
      return tx.query(EVERY_TYPE + `, 'a\\\\b'::bytea as esc`);
    });
    assert.match(String(result.rows[0]?.tstz), /-03:30$|-02:30$/, 'the session really printed a local offset');
    assert.deepEqual(encodeRows(result), [{ ...EXPECTED, b: '\\xdeadbeef00', esc: '\\x615c62' }]);
    assert.equal((await wh.query(`select current_setting('TimeZone') as tz`)).rows[0]?.tz, 'UTC', 'SET LOCAL ended with the transaction');
  });

  test('the text table: header, rule, right-aligned numbers, NULL as empty, row count', async () => {
    const result = await wh.query(`select * from (values (1, 'one', null::numeric), (22, null, 3.5)) v(id, name, amount)`);
    assert.equal(
      renderTable(result),
      ['id | name | amount', '---+------+-------', ' 1 | one  |', '22 |      |    3.5', '(2 rows)', ''].join('\n'),
    );
  });
});

describe('encoding values read from the PostgreSQL server', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  before(async () => {
    db = await createTestDatabase('encode');
  });
  after(async () => {
    await db?.drop();
  });

  test('a session in another TimeZone with escape bytea_output gives the same JSON', async () => {
    const wh = await openPostgres(db.settings);
    const session = await wh.openDedicatedSession();
    try {
      for (const zone of ['America/St_Johns', 'Asia/Kathmandu']) {
        await session.exec(`SET TimeZone = '${zone}'; SET bytea_output = 'escape'; SET DateStyle = 'ISO, DMY'`);
        const result = await session.query(EVERY_TYPE);
        assert.notEqual(String(result.rows[0]?.tstz).slice(-3), '+00', `the ${zone} session printed a local offset`);
        assert.deepEqual(encodeRows(result), [EXPECTED], zone);
      }
    } finally {
      await session.close();
      await wh.close();
    }
  });

  test('a server whose DateStyle is not ISO: the encoder refuses to guess, queryForEncoding reads it in ISO', async () => {
    const admin = await openPostgres(db.settings);
    await admin.exec(`alter database "${db.dbname}" set DateStyle = 'SQL, DMY'; alter database "${db.dbname}" set TimeZone = 'Asia/Kathmandu'`);
    await admin.close();
    const wh = await openPostgres(db.settings);
    try {
      assert.equal((await wh.query(`select current_setting('TimeZone') as tz`)).rows[0]?.tz, 'Asia/Kathmandu', "the server's own TimeZone is kept");
      const raw = await wh.query(EVERY_TYPE);
      assert.throws(() => encodeRows(raw), EncodeError);
      const iso = await queryForEncoding(wh, EVERY_TYPE);
      assert.ok(iso);
      assert.deepEqual(encodeRows(iso), [EXPECTED]);
      assert.equal((await wh.query(`select current_setting('DateStyle') as ds`)).rows[0]?.ds, 'SQL, DMY', 'the server setting is back after the query');
    } finally {
      await wh.close();
    }
  });
});

test('timestamptz offsets with minutes and seconds, across day, month and year boundaries', () => {
  const cases: Array<[string, string]> = [
    ['2024-01-01 00:30:00+05:30', '2023-12-31T19:00:00Z'],
    ['2024-02-28 23:00:00-02', '2024-02-29T01:00:00Z'],
    ['2023-02-28 23:00:00-02', '2023-03-01T01:00:00Z'],
    ['1900-01-01 00:00:00+02:30:17', '1899-12-31T21:29:43Z'],
    ['2024-06-01 12:00:00.000001+00', '2024-06-01T12:00:00.000001Z'],
    ['10000-01-01 00:00:00+01', '9999-12-31T23:00:00Z'],
    ['-infinity', '-infinity'],
    ['0044-03-15 12:00:00+00 BC', '0044-03-15 12:00:00+00 BC'],
  ];
  for (const [text, expected] of cases) assert.equal(encodeValue(text, PgType.timestamptz), expected, text);
});

test('bytea in escape format converts to lowercase hex', () => {
  assert.equal(encodeValue('a\\\\b\\000\\377', PgType.bytea), '\\x615c6200ff');
  assert.equal(encodeValue('\\xABCDEF', PgType.bytea), '\\xabcdef');
});
