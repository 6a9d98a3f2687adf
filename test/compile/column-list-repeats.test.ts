// From 0.9.1 AutomateDV prints a repeated column name once, but a skipped name that ends a column list leaves the
// separator of the name before it: the list ends in a comma and the SQL fails on PostgreSQL (a hub whose
// src_extra_columns repeats its src_source, say). dvs renders the same SQL and reports DV513; a repeat elsewhere in
// the list is only skipped. Shown on PGlite, where the SQL runs or is rejected.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PGlite } from '@electric-sql/pglite';
import { compileModel, loadBatch, runModel, startWarehouse } from './pglite-loader';

let db: PGlite;

before(async () => {
  db = await startWarehouse();
  await db.exec(`CREATE TABLE stg_c (customer_hk bytea, customer_id text, record_source text, load_datetime timestamp)`);
  await loadBatch(db, 'stg_c', [{ customer_hk: new Uint8Array([1]), customer_id: 'C1', record_source: 'CRM', load_datetime: '2024-01-01 00:00:00' }]);
});

after(async () => {
  await db.close();
});

const HUB = { src_pk: 'CUSTOMER_HK', src_nk: 'customer_id', src_ldts: 'LOAD_DATETIME', src_source: 'RECORD_SOURCE', source_model: 'stg_c' };

test('a repeated last column leaves a comma before FROM (0.9.1 – 0.11.5): the same SQL as AutomateDV, DV513, and PostgreSQL rejects it', async () => {
  for (const version of ['0.9.1', '0.10.2', '0.11.5']) {
    const model = `hub_dangling_${version.replace(/\./g, '_')}`;
    const { sql, ctx } = await compileModel(db, model, 'hub', { ...HUB, src_extra_columns: ['RECORD_SOURCE'] }, { compat: { version } });
    assert.match(sql, /rr\.customer_id, rr\.RECORD_SOURCE, rr\.LOAD_DATETIME, \n/, version);
    assert.deepEqual(ctx.diagnostics.map((d) => `${d.severity} ${d.code}`), ['error DV513'], version);
    assert.match(ctx.diagnostics[0]!.message, /RECORD_SOURCE is the last column of one of hub's column lists/);
    await assert.rejects(runModel(db, model, 'hub', { ...HUB, src_extra_columns: ['RECORD_SOURCE'] }, { compat: { version } }), /syntax error at or near "FROM"/, version);
  }
});

test('a repeat that does not end its list is skipped: the hub builds with each column once', async () => {
  // src_extra_columns repeats src_nk, which the list goes on after.
  const { sql, ctx } = await compileModel(db, 'hub_repeat', 'hub', { ...HUB, src_extra_columns: ['customer_id'] }, { compat: { version: '0.11.5' } });
  assert.match(sql, /SELECT DISTINCT ON \(rr\.CUSTOMER_HK\) rr\.CUSTOMER_HK, rr\.customer_id, rr\.LOAD_DATETIME, rr\.RECORD_SOURCE\n/);
  assert.deepEqual(ctx.diagnostics, []);
  assert.equal(await runModel(db, 'hub_repeat', 'hub', { ...HUB, src_extra_columns: ['customer_id'] }, { compat: { version: '0.11.5' } }), 1);
});
