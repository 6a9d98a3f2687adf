// Hash bytes on a real PostgreSQL (PGlite): compiled stage views hash raw rows, and every expected value is computed
// here independently (node:crypto over the standardised text) rather than copied from the SQL.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PGlite } from '@electric-sql/pglite';
import { hashExpression } from '../../server/src/compile/automate-dv/hashing';
import { hashOf } from '../../server/src/features/hash-of';
import { compositeMd5, hex, loadBatch, md5Hex, runModel, sha256Hex, startWarehouse, standardised } from './pglite-loader';

let db: PGlite;

const ROWS = [
  { id: 1001, code: ' ab ', name: 'Ann', dob: '2000-01-02', amount: '1.50', flag: true },
  { id: 1, code: null, name: null, dob: null, amount: null, flag: null },
  { id: 2, code: '', name: 'bob', dob: '1999-12-31', amount: '7.25', flag: false },
];

const HASHED = {
  ID_HK: 'id',
  CODE_HK: 'code',
  PAIR_HK: ['code', 'name'],
  ONE_HK: ['code'],
  CONST_HK: ['!web', 'id'],
  DIFF: { is_hashdiff: true, columns: ['name', 'dob', 'amount', 'flag'] },
  ONE_DIFF: { is_hashdiff: true, columns: ['code'] },
};

before(async () => {
  db = await startWarehouse();
  await db.exec('CREATE TABLE raw_keys (id integer, code text, name text, dob date, amount numeric(10,2), flag boolean)');
  await loadBatch(db, 'raw_keys', ROWS);
});

after(async () => {
  await db.close();
});

async function hashes(view: string): Promise<Record<string, unknown>[]> {
  const r = await db.query<Record<string, unknown>>(`SELECT * FROM "${view}" ORDER BY id`);
  return r.rows;
}

test('the spec\'s verified values: 1001 and \'1\'', async () => {
  const r = await db.query<{ a: Uint8Array; b: Uint8Array }>(
    "SELECT DECODE(MD5(NULLIF(UPPER(TRIM(CAST(1001 AS VARCHAR))),'')),'hex') AS a, DECODE(MD5(NULLIF(UPPER(TRIM(CAST('1' AS VARCHAR))),'')),'hex') AS b",
  );
  assert.equal(hex(r.rows[0]!.a), 'b8c37e33defde51cf91e1e03e51657da');
  assert.equal(hex(r.rows[0]!.b), 'c4ca4238a0b923820dcc509a6f75849b');
  assert.equal(md5Hex('1001'), 'b8c37e33defde51cf91e1e03e51657da');
});

test('stage hashes: single keys, composite keys with NULL components, constants and sorted hashdiffs', async () => {
  await runModel(db, 'stg_keys', 'stage', { source_model: 'raw_keys', hashed_columns: HASHED });
  const rows = await hashes('stg_keys');
  assert.equal(rows.length, 3);
  const byId = new Map(rows.map((r) => [r['id'] as number, r]));
  for (const raw of ROWS) {
    const row = byId.get(raw.id)!;
    const single = (v: string | number | null) => (standardised(v) === null ? null : md5Hex(standardised(v)!));
    assert.equal(hex(row['id_hk']), single(raw.id), `ID_HK of ${raw.id}`);
    assert.equal(hex(row['code_hk']), single(raw.code), `CODE_HK of ${raw.id} (NULL and '' give a NULL key)`);
    assert.equal(hex(row['pair_hk']), compositeMd5([raw.code, raw.name]), `PAIR_HK of ${raw.id}`);
    assert.equal(hex(row['one_hk']), compositeMd5([raw.code]), `ONE_HK of ${raw.id}`);
    assert.equal(hex(row['const_hk']), compositeMd5(['web', raw.id]), `CONST_HK of ${raw.id}`);
    // Sorted: amount, dob, flag, name. PostgreSQL prints numeric 1.50 as 1.50 and true as 'true' (TRUE after UPPER).
    const flag = raw.flag === null ? null : String(raw.flag);
    assert.equal(hex(row['diff']), compositeMd5([raw.amount, raw.dob, flag, raw.name], { hashdiff: true }), `DIFF of ${raw.id}`);
    assert.equal(hex(row['one_diff']), md5Hex(standardised(raw.code) ?? '^^'), `ONE_DIFF of ${raw.id}`);
  }
  assert.equal(hex(byId.get(1)!['pair_hk']), null, 'a composite key is NULL only when every component is');
  assert.equal(hex(byId.get(1)!['diff']), md5Hex('^^||^^||^^||^^'), 'a hashdiff of all NULLs is the placeholders, not NULL');
  assert.equal(hex(byId.get(1001)!['diff']), md5Hex('1.50||2000-01-02||TRUE||ANN'));
});

test('var hash SHA gives 32-byte SHA-256 digests', async () => {
  await runModel(db, 'stg_keys_sha', 'stage', { source_model: 'raw_keys', hashed_columns: { ID_HK: 'id', PAIR_HK: ['code', 'name'] } }, { vars: { hash: 'SHA' } });
  const row = (await hashes('stg_keys_sha')).find((r) => r['id'] === 1001)!;
  assert.equal((row['id_hk'] as Uint8Array).length, 32);
  assert.equal(hex(row['id_hk']), sha256Hex('1001'));
  assert.equal(hex(row['pair_hk']), sha256Hex('AB||ANN'));
});

test('≤0.9.6 hashing stores the uppercase hex text: 32 ASCII bytes', async () => {
  await runModel(db, 'stg_keys_096', 'stage', { source_model: 'raw_keys', hashed_columns: { ID_HK: 'id' } }, { compat: { version: '0.9.6', hashing: 'upper-hex-text' } });
  const row = (await hashes('stg_keys_096')).find((r) => r['id'] === 1001)!;
  const bytes = row['id_hk'] as Uint8Array;
  assert.equal(bytes.length, 32);
  assert.equal(Buffer.from(bytes).toString('ascii'), md5Hex('1001').toUpperCase());
});

test('hash_content_casing disabled hashes the text as it is', async () => {
  await runModel(db, 'stg_keys_case', 'stage', { source_model: 'raw_keys', hashed_columns: { NAME_HK: 'name' } }, { vars: { hash_content_casing: 'disabled' } });
  const row = (await hashes('stg_keys_case')).find((r) => r['id'] === 1001)!;
  assert.equal(hex(row['name_hk']), md5Hex('Ann'));
});

test('concat_string and null_placeholder_string vars change composite keys', async () => {
  await runModel(db, 'stg_keys_vars', 'stage', { source_model: 'raw_keys', hashed_columns: { PAIR_HK: ['code', 'name'] } }, { vars: { concat_string: '|', null_placeholder_string: '#' } });
  const rows = await hashes('stg_keys_vars');
  assert.equal(hex(rows.find((r) => r['id'] === 2)!['pair_hk']), md5Hex('#|BOB'));
  assert.equal(hex(rows.find((r) => r['id'] === 1)!['pair_hk']), null);
});

// PostgreSQL's TRIM(x) removes spaces only, so a tab, CR or newline (a CSV line ending, say) stays part of the value.
const WHITESPACE = [' a\tb ', 'x\r', '\n', '\t', ' caf\u00e9 ', 'q\u00a0'];

test('TRIM in STD removes spaces only: tabs, CR, newlines and no-break spaces are hashed', async () => {
  await db.exec('CREATE TABLE raw_ws (n integer, v text)');
  await loadBatch(db, 'raw_ws', WHITESPACE.map((v, n) => ({ n, v })));
  await runModel(db, 'stg_ws', 'stage', { source_model: 'raw_ws', hashed_columns: { V_HK: 'v' } });
  const rows = (await db.query<Record<string, unknown>>('SELECT n, v_hk FROM stg_ws ORDER BY n')).rows;
  assert.deepEqual(
    rows.map((r) => hex(r['v_hk'])),
    ['A\tB', 'X\r', '\n', '\t', 'CAF\u00c9', 'Q\u00a0'].map(md5Hex),
  );
});

test('dvs/hashOf computes the bytes PostgreSQL computes from its own SQL, also for whitespace other than spaces', async () => {
  for (const [values, isHashdiff] of [...WHITESPACE.map((v) => [[v], false] as const), [[' a\t', null], false], [['\r\n', 'b'], true]] as const) {
    const result = hashOf({ values: [...values], isHashdiff }, {});
    const r = await db.query<{ h: Uint8Array | null }>(`SELECT ${result.sql} AS h`);
    const fromPg = r.rows[0]!.h === null ? 'NULL' : `\\x${hex(r.rows[0]!.h)}`;
    assert.equal(result.hash, fromPg, `hashOf(${JSON.stringify(values)})`);
  }
});

test('dvs/hashOf with SHA reads the text as PostgreSQL casts it to BYTEA: backslash escapes, \\x hex, and the same failure', async () => {
  const sha = { algorithm: 'sha' as const };
  for (const values of [['a\\\\b'], ['a\\101'], ['q', 'c:\\\\dir']]) {
    const result = hashOf({ values }, sha);
    const r = await db.query<{ h: Uint8Array }>(`SELECT ${result.sql} AS h`);
    assert.equal(result.hash, `\\x${hex(r.rows[0]!.h)}`, `hashOf(${JSON.stringify(values)})`);
  }
  // With hash_content_casing disabled a leading \x stays lowercase, so the text is hex digits.
  const hexInput = hashOf({ values: ['\\x41 42'] }, { ...sha, upperCase: false });
  assert.equal(hexInput.hash, `\\x${sha256Hex('AB')}`);
  const fromPg = await db.query<{ h: Uint8Array }>(`SELECT ${hexInput.sql} AS h`);
  assert.equal(hexInput.hash, `\\x${hex(fromPg.rows[0]!.h)}`);
  // A lone backslash cannot be cast: PostgreSQL fails, and so does hashOf, instead of inventing bytes.
  for (const bad of ['c:\\dir', '\\x4']) {
    const sql = hashExpression(`'${bad}'`, { algorithm: 'sha', upperCase: false });
    await assert.rejects(db.query(`SELECT ${sql}`), /bytea|hexadecimal/);
    assert.throws(() => hashOf({ values: [bad] }, { ...sha, upperCase: false }), /bytea/);
  }
});
