// dbtvault 0.9.0 passes every stage name, and every column parameter of the table macros, through escape_column_names.
// On PostgreSQL its escape characters are empty, so by default its names are bare and fold to lower-case exactly like
// 0.9.1's; with escape_char vars set every name is quoted, which the emulation renders as 0.9.0 does. 0.9.1 quotes
// with " only what is marked for escaping. Shown on PGlite: stage + hub + sat under both versions and both settings.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PGlite } from '@electric-sql/pglite';
import { compileModel, hex, loadBatch, runModel, startWarehouse } from './pglite-loader';
import { AUTOMATE_DV_VERSIONS, behaviourAt } from '../../server/src/base/automate-dv-versions';

let db: PGlite;

before(async () => {
  db = await startWarehouse();
  await db.exec(`CREATE TABLE raw_customers (customer_id text, "CustName" text, load_date timestamp)`);
  await loadBatch(db, 'raw_customers', [
    { customer_id: 'C1', CustName: 'Ann', load_date: '2024-01-01 00:00:00' },
    { customer_id: 'C2', CustName: 'Bob', load_date: '2024-01-01 00:00:00' },
  ]);
  await db.exec(`CREATE TABLE raw_plain (customer_id text, load_date timestamp)`);
  await loadBatch(db, 'raw_plain', [
    { customer_id: 'C1', load_date: '2024-01-01 00:00:00' },
    { customer_id: 'C2', load_date: '2024-01-01 00:00:00' },
  ]);
});

after(async () => {
  await db.close();
});

const STAGE = {
  source_model: 'raw_plain',
  derived_columns: { RECORD_SOURCE: '!CRM', LOAD_DATETIME: 'load_date' },
  hashed_columns: { CUSTOMER_HK: 'customer_id', CUSTOMER_HASHDIFF: { is_hashdiff: true, columns: ['customer_id'] } },
};

async function columns(table: string): Promise<string[]> {
  const r = await db.query<{ c: string }>(
    `SELECT column_name AS c FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  return r.rows.map((x) => x.c);
}

async function loadAt(version: string): Promise<{ stage: string[]; hub: string[]; sat: string[]; keys: string[] }> {
  const suffix = version.replace(/\./g, '_');
  const compat = { version, satLogic: 'latest-only' as const, hashing: 'upper-hex-text' as const };
  const stg = `stg_customers_${suffix}`;
  await runModel(db, stg, 'stage', STAGE, { compat });
  const hub = `hub_customer_${suffix}`;
  await runModel(db, hub, 'hub', { src_pk: 'CUSTOMER_HK', src_nk: 'CUSTOMER_ID', src_ldts: 'LOAD_DATETIME', src_source: 'RECORD_SOURCE', source_model: stg }, { compat });
  const sat = `sat_customer_${suffix}`;
  await runModel(db, sat, 'sat', {
    src_pk: 'CUSTOMER_HK', src_hashdiff: 'CUSTOMER_HASHDIFF', src_payload: ['CUSTOMER_ID'], src_ldts: 'LOAD_DATETIME', src_source: 'RECORD_SOURCE', source_model: stg,
  }, { compat });
  const r = await db.query<{ k: Uint8Array }>(`SELECT customer_hk AS k FROM "${hub}" ORDER BY customer_id`);
  return { stage: await columns(stg), hub: await columns(hub), sat: await columns(sat), keys: r.rows.map((x) => hex(x.k) ?? '') };
}

test('dbtvault 0.9.0 and 0.9.1 on PGlite: stage, hub and sat columns are the same lower-case names, rows and hash bytes too', async () => {
  const v090 = await loadAt('0.9.0');
  const v091 = await loadAt('0.9.1');
  assert.ok(v090.stage.includes('customer_hk') && v090.stage.includes('customer_hashdiff'), v090.stage.join(','));
  assert.deepEqual(v090.hub, ['customer_hk', 'customer_id', 'load_datetime', 'record_source']);
  assert.deepEqual(v090.sat, ['customer_hk', 'customer_hashdiff', 'customer_id', 'load_datetime', 'record_source']);
  assert.ok(![...v090.stage, ...v090.hub, ...v090.sat].some((c) => c !== c.toLowerCase()), 'no case-preserved name under 0.9.0');
  assert.deepEqual(v091, v090);
  assert.equal(v090.keys.length, 2);
});

test('escape: true quotes with " from 0.9.1 only; 0.9.0 leaves the name bare, so a mixed-case source column fails there', async () => {
  const escaped = { source_model: 'raw_customers', derived_columns: { CUSTOMER_NAME: { source_column: 'CustName', escape: true } } };
  const at091 = await compileModel(db, 'stg_escape_0_9_1', 'stage', escaped, { compat: { version: '0.9.1' } });
  assert.match(at091.sql, /"CustName" AS CUSTOMER_NAME/);
  await runModel(db, 'stg_escape_0_9_1', 'stage', escaped, { compat: { version: '0.9.1' } });
  const names = await db.query<{ n: string }>(`SELECT customer_name AS n FROM stg_escape_0_9_1 ORDER BY n`);
  assert.deepEqual(names.rows.map((r) => r.n), ['Ann', 'Bob']);

  const at090 = await compileModel(db, 'stg_escape_0_9_0', 'stage', escaped, { compat: { version: '0.9.0' } });
  assert.doesNotMatch(at090.sql, /"CustName"/);
  assert.match(at090.sql, /\bCustName AS CUSTOMER_NAME/);
  assert.deepEqual(at090.ctx.diagnostics, []);
  await assert.rejects(runModel(db, 'stg_escape_0_9_0', 'stage', escaped, { compat: { version: '0.9.0' } }), /custname/i);
});

// The SQL below is what dbtvault 0.9.0 renders for this call over raw_mixed (checked by rendering the v0.9.0 tag's
// macros): every name escaped, the source's own spelling in the first CTEs, upper-cased names after the CTE that
// defines them, constants and expressions (calls, casts) left as they are.
const ESCAPE_VARS = { escape_char_left: '"', escape_char_right: '"' };
const EVERY_PART = {
  source_model: 'raw_mixed',
  derived_columns: {
    RECORD_SOURCE: '!CRM',
    LOAD_DATE: 'updated_at',
    NAME_EMAIL: ['customer_name', 'customer_email'],
    Esc_Col: { source_column: 'customer_name', escape: true },
  },
  null_columns: { required: 'customer_id', optional: ['customer_email'] },
  hashed_columns: {
    CUSTOMER_PK: 'customer_id',
    Mixed_HK: ['customer_id', '!x', 'CAST(customer_name AS TEXT)'],
    HD: { is_hashdiff: true, columns: ['customer_name', 'Customer_Email'] },
  },
  ranked_columns: {
    RNK: { partition_by: ['customer_id'], order_by: [{ updated_at: 'DESC' }, 'customer_name'] },
    DR: { partition_by: 'customer_id', order_by: 'updated_at', dense_rank: true },
  },
};

test('dbtvault 0.9.0 with escape_char vars: the stage quotes every name exactly as 0.9.0 renders it', async () => {
  await db.exec(`CREATE TABLE raw_mixed (customer_id text, customer_name text, customer_email text, updated_at timestamp)`);
  const options = { compat: { version: '0.9.0', hashing: 'upper-hex-text' as const }, vars: ESCAPE_VARS };
  const { sql, ctx } = await compileModel(db, 'stg_every_part', 'stage', EVERY_PART, options);
  const lines = sql.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const cte = (name: string): string[] => {
    const start = lines.findIndex((l) => l.startsWith(`${name} AS (`));
    // The lines between the CTE's SELECT and its FROM.
    return lines.slice(start + 2, lines.findIndex((l, i) => i > start && l.startsWith('FROM ')));
  };
  assert.deepEqual(cte('WITH source_data'), ['"customer_id",', '"customer_name",', '"customer_email",', '"updated_at"']);
  assert.deepEqual(cte('derived_columns'), [
    '"customer_id",', '"customer_name",', '"customer_email",', '"updated_at",',
    `'CRM' AS "RECORD_SOURCE",`, 'updated_at AS "LOAD_DATE",',
    "CONCAT_WS('||',", 'customer_name,', 'customer_email', ') AS "NAME_EMAIL",',
    '"customer_name" AS "Esc_Col"',
  ]);
  assert.deepEqual(cte('null_columns'), [
    '"CUSTOMER_NAME",', '"UPDATED_AT",', '"RECORD_SOURCE",', '"LOAD_DATE",', '"NAME_EMAIL",', '"ESC_COL",',
    '"customer_id" AS "customer_id_ORIGINAL",', `COALESCE("customer_id", '-1') AS "customer_id",`,
    '"customer_email" AS "customer_email_ORIGINAL",', `COALESCE("customer_email", '-2') AS "customer_email"`,
  ]);
  const hashed = cte('hashed_columns').join(' ');
  assert.ok(hashed.startsWith('"CUSTOMER_ID", "CUSTOMER_NAME", "CUSTOMER_EMAIL", "UPDATED_AT", "RECORD_SOURCE", "LOAD_DATE", "NAME_EMAIL", "ESC_COL", "CUSTOMER_ID_ORIGINAL", "CUSTOMER_EMAIL_ORIGINAL",'), hashed);
  assert.ok(hashed.includes(`CAST(UPPER(MD5(NULLIF(UPPER(TRIM(CAST("customer_id" AS VARCHAR))), ''))) AS BYTEA) AS "CUSTOMER_PK"`), hashed);
  assert.ok(hashed.includes(`COALESCE(NULLIF(UPPER(TRIM(CAST('x' AS VARCHAR))), ''), '^^')`), hashed);
  assert.ok(hashed.includes(`COALESCE(NULLIF(UPPER(TRIM(CAST(CAST(customer_name AS TEXT) AS VARCHAR))), ''), '^^')`), hashed);
  assert.ok(hashed.includes(`AS BYTEA) AS "Mixed_HK"`), hashed);
  assert.match(hashed, /CAST\("Customer_Email" AS VARCHAR\).*CAST\("customer_name" AS VARCHAR\).*AS BYTEA\) AS "HD"/);
  assert.ok(sql.includes('RANK() OVER (PARTITION BY "customer_id" ORDER BY "updated_at" DESC, "customer_name") AS "RNK"'), sql);
  assert.ok(sql.includes('DENSE_RANK() OVER (PARTITION BY "customer_id" ORDER BY "updated_at") AS "DR"'), sql);
  assert.deepEqual(cte('columns_to_select'), [
    '"CUSTOMER_NAME",', '"UPDATED_AT",', '"RECORD_SOURCE",', '"LOAD_DATE",', '"NAME_EMAIL",', '"ESC_COL",', '"CUSTOMER_ID",',
    '"CUSTOMER_ID_ORIGINAL",', '"CUSTOMER_EMAIL",', '"CUSTOMER_EMAIL_ORIGINAL",', '"CUSTOMER_PK",', '"MIXED_HK",', '"HD",', '"RNK",', '"DR"',
  ]);
  // Lower-case source columns (and the mixed-case names) are selected upper-cased later on: the view fails there.
  assert.deepEqual(ctx.diagnostics.map((d) => `${d.severity} ${d.code}`), ['error DV513']);
  assert.match(ctx.diagnostics[0]!.message, /but customer_name, updated_at, Esc_Col, customer_id, customer_email, customer_id_ORIGINAL, customer_email_ORIGINAL, Mixed_HK are spelled/);
  await assert.rejects(runModel(db, 'stg_every_part', 'stage', EVERY_PART, options), /column "CUSTOMER_NAME" does not exist/);
});

test('dbtvault 0.9.0 with escape_char vars on PGlite: stage, hub and sat over upper-case source columns build with quoted names and the hash bytes of 0.9.1', async () => {
  await db.exec(`CREATE TABLE raw_upper ("CUSTOMER_ID" text, "CUSTOMER_NAME" text, "LOAD_DATE" timestamp)`);
  await loadBatch(db, 'raw_upper', [
    { CUSTOMER_ID: 'C1', CUSTOMER_NAME: 'Ann', LOAD_DATE: '2024-01-01 00:00:00' },
    { CUSTOMER_ID: 'C2', CUSTOMER_NAME: 'Bob', LOAD_DATE: '2024-01-01 00:00:00' },
  ]);
  const stage = {
    source_model: 'raw_upper',
    derived_columns: { RECORD_SOURCE: '!CRM', LOAD_DATETIME: { source_column: 'LOAD_DATE', escape: true } },
    hashed_columns: { CUSTOMER_HK: 'CUSTOMER_ID', CUSTOMER_HASHDIFF: { is_hashdiff: true, columns: ['CUSTOMER_NAME', 'CUSTOMER_ID'] } },
  };
  const options = { compat: { version: '0.9.0', hashing: 'upper-hex-text' as const, satLogic: 'latest-only' as const }, vars: ESCAPE_VARS };
  const compiledStage = await compileModel(db, 'stg_upper', 'stage', stage, options);
  assert.deepEqual(compiledStage.ctx.diagnostics, []);
  assert.match(compiledStage.sql, /"LOAD_DATE" AS "LOAD_DATETIME"/);
  await runModel(db, 'stg_upper', 'stage', stage, options);
  const hub = { src_pk: 'CUSTOMER_HK', src_nk: 'CUSTOMER_ID', src_ldts: 'LOAD_DATETIME', src_source: 'RECORD_SOURCE', source_model: 'stg_upper' };
  const compiledHub = await compileModel(db, 'hub_upper', 'hub', hub, options);
  assert.match(compiledHub.sql, /SELECT DISTINCT ON \(rr\."CUSTOMER_HK"\) rr\."CUSTOMER_HK", rr\."CUSTOMER_ID", rr\."LOAD_DATETIME", rr\."RECORD_SOURCE"/);
  assert.equal(await runModel(db, 'hub_upper', 'hub', hub, options), 2);
  const sat = {
    src_pk: 'CUSTOMER_HK', src_hashdiff: 'CUSTOMER_HASHDIFF', src_payload: ['CUSTOMER_NAME'], src_ldts: 'LOAD_DATETIME', src_source: 'RECORD_SOURCE', source_model: 'stg_upper',
  };
  assert.equal(await runModel(db, 'sat_upper', 'sat', sat, options), 2);
  assert.deepEqual(await columns('hub_upper'), ['CUSTOMER_HK', 'CUSTOMER_ID', 'LOAD_DATETIME', 'RECORD_SOURCE']);
  assert.deepEqual(await columns('sat_upper'), ['CUSTOMER_HK', 'CUSTOMER_HASHDIFF', 'CUSTOMER_NAME', 'LOAD_DATETIME', 'RECORD_SOURCE']);
  // A second, unchanged batch adds nothing (the incremental branches run with the quoted names too).
  assert.equal(await runModel(db, 'hub_upper', 'hub', hub, options), 0);
  assert.equal(await runModel(db, 'sat_upper', 'sat', sat, options), 0);
  const keys = await db.query<{ k: Uint8Array }>(`SELECT "CUSTOMER_HK" AS k FROM hub_upper ORDER BY "CUSTOMER_ID"`);
  // The key bytes are those of 0.9.1 over the same values: quoting changes names, not hashes.
  const plain = await db.query<{ k: Uint8Array }>(`SELECT customer_hk AS k FROM hub_customer_0_9_1 ORDER BY customer_id`);
  assert.deepEqual(keys.rows.map((r) => hex(r.k)), plain.rows.map((r) => hex(r.k)));
});

test('dbtvault 0.9.0: a mapping inside a column list fails in escape_column_names, with its message', async () => {
  const sat = {
    src_pk: 'CUSTOMER_HK', src_hashdiff: 'CUSTOMER_HASHDIFF', src_payload: [{ source_column: 'CUSTOMER_NAME', alias: 'NAME' }],
    src_ldts: 'LOAD_DATETIME', src_source: 'RECORD_SOURCE', source_model: 'stg_customers_0_9_0',
  };
  await assert.rejects(compileModel(db, 'sat_mapping_090', 'sat', sat, { compat: { version: '0.9.0' } }), /Invalid column name\(s\) provided\. Must be a string\. \(sat\(\) src_payload holds a mapping\)/);
  const link = { src_pk: 'CUSTOMER_HK', src_fk: ['CUSTOMER_HK', 5], src_ldts: 'LOAD_DATETIME', src_source: 'RECORD_SOURCE', source_model: 'stg_customers_0_9_0' };
  await assert.rejects(compileModel(db, 'link_090', 'link', link, { compat: { version: '0.9.0' } }), /Invalid column name\(s\) provided\. Must be a string\./);
});

test('columnListRepeats: dbtvault 0.9.0 prints a repeated column again, so its SQL fails on PostgreSQL (DV513); 0.9.1 prints it once', async () => {
  assert.equal(behaviourAt(AUTOMATE_DV_VERSIONS.columnListRepeats, '0.9.0'), 'printed');
  assert.equal(behaviourAt(AUTOMATE_DV_VERSIONS.columnListRepeats, '0.9.1'), 'once');
  // src_eff and src_ldts name one column: a common way to write a sat.
  const sat = (stage: string) => ({
    src_pk: 'CUSTOMER_HK', src_hashdiff: 'CUSTOMER_HASHDIFF', src_payload: ['CUSTOMER_ID'], src_eff: 'LOAD_DATETIME',
    src_ldts: 'LOAD_DATETIME', src_source: 'RECORD_SOURCE', source_model: stage,
  });
  const compat = (version: string) => ({ compat: { version, satLogic: 'latest-only' as const, hashing: 'upper-hex-text' as const } });
  const at090 = await compileModel(db, 'sat_repeat_0_9_0', 'sat', sat('stg_customers_0_9_0'), compat('0.9.0'));
  assert.match(at090.sql, /a\.LOAD_DATETIME, a\.LOAD_DATETIME/);
  assert.deepEqual(at090.ctx.diagnostics.map((d) => `${d.severity} ${d.code}`), ['error DV513']);
  assert.match(at090.ctx.diagnostics[0]!.message, /LOAD_DATETIME, named twice/);
  await assert.rejects(runModel(db, 'sat_repeat_0_9_0', 'sat', sat('stg_customers_0_9_0'), compat('0.9.0')), /"load_datetime" is ambiguous|specified more than once/);
  const at091 = await compileModel(db, 'sat_repeat_0_9_1', 'sat', sat('stg_customers_0_9_1'), compat('0.9.1'));
  assert.doesNotMatch(at091.sql, /LOAD_DATETIME, a\.LOAD_DATETIME/);
  assert.deepEqual(at091.ctx.diagnostics, []);
  assert.equal(await runModel(db, 'sat_repeat_0_9_1', 'sat', sat('stg_customers_0_9_1'), compat('0.9.1')), 2);
});
