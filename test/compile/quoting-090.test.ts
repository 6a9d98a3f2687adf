// dbtvault 0.9.0 passes every stage name through escape_column_names, but on PostgreSQL its escape characters are
// empty, so its names are bare and fold to lower-case exactly like 0.9.1's; even escape: true quotes nothing there.
// 0.9.1 quotes with " what is marked for escaping. Shown on PGlite: stage + hub + sat under both versions.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PGlite } from '@electric-sql/pglite';
import { compileModel, hex, loadBatch, runModel, startWarehouse } from './pglite-loader';

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

  const quoted = await compileModel(db, 'stg_escape_vars', 'stage', escaped, { compat: { version: '0.9.0' }, vars: { escape_char_left: '"', escape_char_right: '"' } });
  assert.match(quoted.sql, /"CustName" AS CUSTOMER_NAME/);
  assert.deepEqual(quoted.ctx.diagnostics.map((d) => d.code), ['DV904']);
});
