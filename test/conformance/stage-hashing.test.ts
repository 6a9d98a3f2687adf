// Conformance of the stage's hash and column rules (spec §4, §5) on PostgreSQL (PGlite): each test names the spec
// clause it checks, and every expected hash is computed here with node:crypto from the text the clause describes.
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PGlite } from '@electric-sql/pglite';
import { compileModel, hex, loadBatch, runModel, startWarehouse, type ModelOptions } from '../compile/pglite-loader';

let db: PGlite;

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');
const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

const RAW = [
  { id: 1, code: '  ', note: 'x', zeta: 'z', cust_id: 'c1', custid: 'c2', alpha: 'a', amount: '1.50', flag: true, happened: '2024-01-02 03:04:05', day: '2024-01-02' },
  { id: 2, code: null, note: null, zeta: null, cust_id: null, custid: null, alpha: null, amount: null, flag: null, happened: null, day: null },
  { id: 3, code: ' Ab ', note: 'n', zeta: 'Zz', cust_id: 'q', custid: null, alpha: 'al', amount: '0.10', flag: false, happened: '2023-12-31 23:59:59.5', day: '2023-12-31' },
];

before(async () => {
  db = await startWarehouse();
  await db.exec(`CREATE TABLE raw_h (id integer, code text, note text, zeta text, cust_id text, custid text, alpha text,
    amount numeric(10,2), flag boolean, happened timestamp, day date)`);
  await loadBatch(db, 'raw_h', RAW);
  await db.exec(`CREATE TABLE raw_esc (id integer, "Mixed Case" text, "Name" text); INSERT INTO raw_esc VALUES (1, 'm', 'Nm');`);
});

after(async () => {
  await db.close();
});

/** Builds the stage view and returns its rows by id. */
async function stage(name: string, args: Record<string, unknown>, options: ModelOptions = {}): Promise<Map<number, Record<string, unknown>>> {
  await runModel(db, name, 'stage', { source_model: 'raw_h', ...args }, options);
  const rows = (await db.query<Record<string, unknown>>(`SELECT * FROM "${name}"`)).rows;
  return new Map(rows.map((r) => [r['id'] as number, r]));
}

function hashesOf(rows: Map<number, Record<string, unknown>>, column: string): (string | null)[] {
  return [1, 2, 3].map((id) => hex(rows.get(id)![column]));
}

test('§5.3 a single-column key given as a string has no placeholder: NULL, empty and blank text give a NULL key; a one-element list gets the placeholder and NULLIF', async () => {
  const rows = await stage('stg_single', { hashed_columns: { CODE_HK: 'code', CODE_LIST_HK: ['code'], NOTE_LIST_HK: ['note'] } });
  assert.deepEqual(hashesOf(rows, 'code_hk'), [null, null, md5('AB')], 'TRIM makes blank text empty, NULLIF makes it NULL');
  assert.deepEqual(hashesOf(rows, 'code_list_hk'), [null, null, md5('AB')], 'one-element list: NULLIF(COALESCE(.., ^^), ^^) is NULL');
  assert.deepEqual(hashesOf(rows, 'note_list_hk'), [md5('X'), null, md5('N')]);
});

test('§5.3 composite keys keep the written order (not sorted), put ^^ for a null component, and are NULL only when all are', async () => {
  const rows = await stage('stg_composite', { hashed_columns: { KEY_A: ['note', 'code'], KEY_B: ['code', 'note'] } });
  assert.deepEqual(hashesOf(rows, 'key_a'), [md5('X||^^'), null, md5('N||AB')]);
  assert.deepEqual(hashesOf(rows, 'key_b'), [md5('^^||X'), null, md5('AB||N')]);
});

test("§5.4 hashdiff lists sort stably by lowercase code points: '!' constants first, '_' before letters, a case-only tie keeps its order", async () => {
  const rows = await stage(
    'stg_sorted',
    { hashed_columns: { DIFF: { is_hashdiff: true, columns: ['zeta', '!b', 'custid', 'cust_id', '!B', 'Alpha'] } } },
    { vars: { hash_content_casing: 'disabled' } },
  );
  // Sorted: !b, !B (tie, written order), Alpha, cust_id, custid, zeta; no NULLIF, so all-NULL components still hash.
  assert.deepEqual(hashesOf(rows, 'diff'), [md5('b||B||a||c1||c2||z'), md5('b||B||^^||^^||^^||^^'), md5('b||B||al||q||^^||Zz')]);
});

test('§5.4 a hashdiff given as a string is a single-column hash (NULL when the value is); a one-column list is COALESCE without NULLIF', async () => {
  const rows = await stage('stg_diff_forms', {
    hashed_columns: { STR_DIFF: { is_hashdiff: true, columns: 'note' }, LIST_DIFF: { is_hashdiff: true, columns: ['note'] } },
  });
  assert.deepEqual(hashesOf(rows, 'str_diff'), [md5('X'), null, md5('N')]);
  assert.deepEqual(hashesOf(rows, 'list_diff'), [md5('X'), md5('^^'), md5('N')]);
});

test("§5.1 STD hashes PostgreSQL's text of each type: numeric keeps its scale, booleans TRUE/FALSE, ISO dates and timestamps", async () => {
  const rows = await stage('stg_types', { hashed_columns: { TYPES_HK: ['amount', 'flag', 'happened', 'day', 'id'] } });
  assert.deepEqual(hashesOf(rows, 'types_hk'), [
    md5('1.50||TRUE||2024-01-02 03:04:05||2024-01-02||1'),
    md5('^^||^^||^^||^^||2'),
    md5('0.10||FALSE||2023-12-31 23:59:59.5||2023-12-31||3'),
  ]);
});

test('§4.1/§5.4 exclude_columns hashes the catalog columns (derived names are not added, but their values override), minus the listed ones case-insensitively, sorted', async () => {
  const rows = await stage('stg_exclude', {
    derived_columns: { RECORD_SOURCE: '!SRC', NOTE: "note || '!'" },
    hashed_columns: {
      EX_DIFF: { is_hashdiff: true, exclude_columns: true, columns: ['ID', 'Amount', 'FLAG', 'happened', 'day', 'cust_id', 'custid', 'ALPHA'] },
      ALL_DIFF: { is_hashdiff: true, exclude_columns: true },
    },
  });
  // Left: code, note, zeta (catalog order), sorted the same; note is the derived value from the previous CTE.
  assert.deepEqual(hashesOf(rows, 'ex_diff'), [md5('^^||X!||Z'), md5('^^||^^||^^'), md5('AB||N!||ZZ')]);
  // Every catalog column, sorted: alpha, amount, code, cust_id, custid, day, flag, happened, id, note, zeta.
  assert.equal(hex(rows.get(2)!['all_diff']), md5('^^||^^||^^||^^||^^||^^||^^||^^||2||^^||^^'));
  assert.equal(hex(rows.get(1)!['all_diff']), md5('A||1.50||^^||C1||C2||2024-01-02||TRUE||2024-01-02 03:04:05||1||X!||Z'));
});

test('§5.2/§5.6 SHA is SHA256 of the text (32 bytes); ≤0.9.6 stores the uppercase hex text (32 ASCII bytes for MD5, 64 for SHA)', async () => {
  const sha = await stage('stg_sha', { hashed_columns: { ID_HK: 'id', PAIR_HK: ['note', 'code'] } }, { vars: { hash: 'sha' } });
  assert.deepEqual(hashesOf(sha, 'id_hk'), [sha256('1'), sha256('2'), sha256('3')]);
  assert.deepEqual(hashesOf(sha, 'pair_hk'), [sha256('X||^^'), null, sha256('N||AB')]);
  const oldCompat: ModelOptions['compat'] = { version: '0.9.5', satLogic: 'latest-only', hashing: 'upper-hex-text' };
  const oldSha = await stage('stg_old_sha', { hashed_columns: { ID_HK: 'id' } }, { vars: { hash: 'SHA' }, compat: oldCompat });
  const oldMd5 = await stage('stg_old_md5', { hashed_columns: { ID_HK: 'id', NOTE_HK: 'note' } }, { compat: oldCompat });
  const ascii = (v: unknown): string | null => (v === null ? null : Buffer.from(v as Uint8Array).toString('ascii'));
  assert.equal(ascii(oldSha.get(1)!['id_hk']), sha256('1').toUpperCase());
  assert.equal(ascii(oldMd5.get(1)!['id_hk']), md5('1').toUpperCase());
  assert.equal(ascii(oldMd5.get(2)!['note_hk']), null, 'the NULL key stays NULL under the old hashing');
});

test("§4.1/§5.5 the derived list is CONCAT_WS('||') whatever concat_string/null_placeholder_string say and skips NULLs; hashes follow the vars", async () => {
  const args = { include_source_columns: false, derived_columns: { ID2: 'id', LABEL: ['note', '!-', 'code', 'zeta'] }, hashed_columns: { KEY: ['note', 'zeta'] } };
  await runModel(db, 'stg_concat', 'stage', { source_model: 'raw_h', ...args }, { vars: { concat_string: '~', null_placeholder_string: '#' } });
  const rows = (await db.query<Record<string, unknown>>('SELECT * FROM stg_concat')).rows;
  const byId = new Map(rows.map((r) => [r['id2'] as number, r]));
  assert.deepEqual([1, 2, 3].map((id) => byId.get(id)!['label']), ['x||-||  ||z', '-', 'n||-|| Ab ||Zz']);
  assert.deepEqual([1, 2, 3].map((id) => hex(byId.get(id)!['key'])), [md5('X~Z'), null, md5('N~ZZ')]);
  assert.deepEqual(Object.keys(byId.get(1)!), ['id2', 'label', 'key'], 'include_source_columns=false: only generated columns');
});

test('§4.3 null columns: X_ORIGINAL is the raw value, X gets var null_key_required/optional quoted, hash keys see the replaced value', async () => {
  const rows = await stage(
    'stg_nulls',
    { null_columns: { required: 'code', optional: ['note'] }, hashed_columns: { CODE_HK: 'code', NOTE_HK: 'note' } },
    { vars: { null_key_required: 'MISSING', null_key_optional: 'n/a' } },
  );
  const two = rows.get(2)!;
  assert.deepEqual([two['code'], two['code_original'], two['note'], two['note_original']], ['MISSING', null, 'n/a', null]);
  assert.deepEqual(hashesOf(rows, 'code_hk'), [null, md5('MISSING'), md5('AB')], 'blank text is not NULL, so it is not replaced and its key is NULL');
  assert.deepEqual(hashesOf(rows, 'note_hk'), [md5('X'), md5('N/A'), md5('N')]);
});

test('§4.2 null column names follow the null_columns dict order in the output (AutomateDV extract_null_column_names), replacements required first', async () => {
  // Spec §4.2 lists required before optional; AutomateDV's stage takes the names in the dict's key order, which decides
  // the view's column order. The data is the same either way.
  const rows = await stage('stg_nulls_order', { null_columns: { optional: 'note', required: 'code' } });
  assert.deepEqual(Object.keys(rows.get(1)!).slice(-4), ['note', 'note_original', 'code', 'code_original']);
  assert.deepEqual([rows.get(2)!['note'], rows.get(2)!['code']], ['-2', '-1']);
});

test('§4.6 escaping matches case-insensitively in column lists but exactly inside hash expressions', async () => {
  const args = {
    source_model: 'raw_esc',
    derived_columns: { MIXED: '"Mixed Case"', NAME_COPY: { source_column: 'Name', escape: true } },
    hashed_columns: { MIXED_HK: ['Mixed Case', 'id'], NAME_HK: 'Name', LOWER_HK: 'name' },
  };
  const { sql } = await compileModel(db, 'stg_esc', 'stage', args);
  assert.match(sql, /CAST\("Name" AS VARCHAR\)/, 'the exact spelling is quoted inside a hash');
  assert.match(sql, /CAST\(name AS VARCHAR\)/, 'another case is not quoted inside a hash (AutomateDV then fails on PostgreSQL too)');
  const working = { ...args, hashed_columns: { MIXED_HK: ['Mixed Case', 'id'], NAME_HK: 'Name' } };
  await runModel(db, 'stg_esc', 'stage', working);
  const row = (await db.query<Record<string, unknown>>('SELECT * FROM stg_esc')).rows[0]!;
  assert.deepEqual(Object.keys(row), ['id', 'Mixed Case', 'Name', 'mixed', 'name_copy', 'mixed_hk', 'name_hk'], 'the catalog names are quoted in every list');
  assert.deepEqual([row['mixed'], row['name_copy'], hex(row['mixed_hk']), hex(row['name_hk'])], ['m', 'Nm', md5('M||1'), md5('NM')]);
});

test("§1.1/§2 every template starts with the '-- Generated by AutomateDV' line, which is harmless inside user SQL on one line", async () => {
  const { sql } = await compileModel(db, 'stg_spliced', 'stage', { source_model: 'raw_h', hashed_columns: { ID_HK: 'id' } });
  assert.ok(sql.startsWith('-- Generated by AutomateDV (formerly known as dbtvault)\n'));
  assert.ok(!/--[^\n]*$/.test(sql.split('\n').at(-1)!), 'the last line is SQL, not a comment that would swallow what follows');
  const spliced = `WITH staging AS ( ${sql} ) SELECT *, 'x' AS extra FROM staging ORDER BY id`;
  const result = (await db.query<Record<string, unknown>>(spliced)).rows;
  assert.deepEqual(result.map((r) => [r['id'], hex(r['id_hk']), r['extra']]), [
    [1, md5('1'), 'x'],
    [2, md5('2'), 'x'],
    [3, md5('3'), 'x'],
  ]);
});

test('§4.2 include_source_columns=false with nothing else configured selects no columns: a zero-column view with every row, as AutomateDV', async () => {
  const { sql } = await compileModel(db, 'stg_no_columns', 'stage', { source_model: 'raw_h', include_source_columns: false });
  assert.doesNotMatch(sql, /SELECT\s+\*\s+FROM source_data/, 'the final list is empty, not *');
  await runModel(db, 'stg_no_columns', 'stage', { source_model: 'raw_h', include_source_columns: false });
  const result = await db.query<Record<string, unknown>>('SELECT * FROM stg_no_columns');
  assert.equal(result.fields.length, 0, 'no source column comes out');
  assert.equal(result.rows.length, RAW.length);
});

test('§4.1 a derived concatenation of an empty list is a DV202 compile error, not broken SQL', async () => {
  for (const spec of [[], { source_column: [], escape: true }]) {
    await assert.rejects(
      compileModel(db, 'stg_empty_concat', 'stage', { source_model: 'raw_h', derived_columns: { LABEL: spec } }),
      (e: Error & { code?: string }) => e.code === 'DV202' && /LABEL/.test(e.message),
    );
  }
});
