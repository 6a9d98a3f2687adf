// ref_table loaded batch after batch (spec §6.10): distinct rows with a key, NULL keys dropped, existing keys never
// updated; the optional load date and record source; several sources joined with UNION where AutomateDV emits
// invalid SQL (DV505).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachWarehouse, loadBatch, runModel, type TestWarehouse } from './warehouses';

const stage = (recordSource: string) => ({ source_model: 'raw_countries', derived_columns: { RECORD_SOURCE: `!${recordSource}`, LOAD_DATE: 'loaded_at' } });
const REF = { src_pk: 'CODE', src_extra_columns: ['NAME'], src_ldts: 'LOAD_DATE', src_source: 'RECORD_SOURCE', source_model: 'stg_countries' };
const country = (code: string | null, name: string, loaded_at: string) => ({ code, name, loaded_at });

forEachWarehouse('ref_table', (wh: () => TestWarehouse) => {
  before(async () => {
    await wh().exec('CREATE TABLE raw_countries (code text, name text, loaded_at timestamp)');
  });

  async function stageBatch(rows: Record<string, unknown>[]): Promise<void> {
    await loadBatch(wh(), 'raw_countries', rows);
    await runModel(wh(), 'stg_countries', 'stage', stage('ISO'));
  }

  const contents = async (table: string, columns = "code || ' ' || name || ' ' || load_date::date || ' ' || record_source") =>
    (await wh().rows(`SELECT ${columns} AS r FROM "${table}" ORDER BY 1`)).map((r) => r.r);

  test('distinct keyed rows; later batches add only new keys; load date and record source are optional', async () => {
    await stageBatch([country('GB', 'Britain', '2024-01-01'), country('FR', 'France', '2024-01-01'), country('GB', 'Britain', '2024-01-01'), country(null, 'Nowhere', '2024-01-01')]);
    assert.equal((await runModel(wh(), 'ref_country', 'ref_table', REF)).rows, 2);
    const bare = { src_pk: 'CODE', src_extra_columns: 'NAME', source_model: 'stg_countries' };
    assert.equal((await runModel(wh(), 'ref_country_bare', 'ref_table', bare)).rows, 2);

    await stageBatch([country('GB', 'Great Britain', '2024-02-01'), country('DE', 'Germany', '2024-02-01')]);
    assert.equal((await runModel(wh(), 'ref_country', 'ref_table', REF)).rows, 1, 'GB exists already and is not updated');
    assert.equal((await runModel(wh(), 'ref_country_bare', 'ref_table', bare)).rows, 1);
    assert.equal((await runModel(wh(), 'ref_country', 'ref_table', REF)).rows, 0, 'the same batch again adds nothing');

    assert.deepEqual(await contents('ref_country'), ['DE Germany 2024-02-01 ISO', 'FR France 2024-01-01 ISO', 'GB Britain 2024-01-01 ISO']);
    assert.deepEqual(await contents('ref_country_bare', "code || ' ' || name"), ['DE Germany', 'FR France', 'GB Britain']);
    const columns = await wh().rows(`SELECT column_name FROM information_schema.columns WHERE table_name = 'ref_country_bare' AND table_schema = $1 ORDER BY ordinal_position`, [wh().schema]);
    assert.deepEqual(columns.map((c) => c.column_name), ['code', 'name']);
  });

  test('several source models: valid SQL with UNION and a DV505 warning', async () => {
    await stageBatch([country('GB', 'Britain', '2024-01-01'), country('FR', 'France', '2024-01-01')]);
    await runModel(wh(), 'stg_countries_web', 'stage', stage('WEB'));
    const run = await runModel(wh(), 'ref_country_multi', 'ref_table', { ...REF, source_model: ['stg_countries', 'stg_countries_web'] });
    assert.deepEqual(run.ctx.diagnostics.map((d) => [d.code, d.severity]), [['DV505', 'warning']]);
    assert.equal(run.rows, 4, 'the rows of both sources; they differ in record source');
    const single = await runModel(wh(), 'ref_country_single', 'ref_table', { ...REF, source_model: ['stg_countries'] });
    assert.deepEqual(single.ctx.diagnostics, [], 'a one-element list is one source');
  });

  test('a key of several columns: valid SQL and a DV510 warning (AutomateDV writes the list itself into its NOT NULL filter)', async () => {
    await wh().exec(`
      CREATE TABLE raw_regions (code text, region text, name text, loaded_at timestamp);
      INSERT INTO raw_regions VALUES ('GB', 'EU', 'Britain', '2024-01-01'), ('GB', 'EU', 'Britain', '2024-01-01'), ('GB', 'NA', 'Guernsey?', '2024-01-01'),
        ('FR', NULL, 'France', '2024-01-01'), (NULL, 'EU', 'Nowhere', '2024-01-01');
    `);
    const args = { src_pk: ['CODE', 'REGION'], src_extra_columns: 'NAME', src_ldts: 'LOADED_AT', source_model: 'raw_regions' };
    const first = await runModel(wh(), 'ref_region', 'ref_table', args);
    assert.deepEqual(first.ctx.diagnostics.map((d) => [d.code, d.severity]), [['DV510', 'warning']]);
    assert.equal(first.rows, 2, 'a NULL in any key column drops the row; duplicates collapse');
    await wh().exec(`INSERT INTO raw_regions VALUES ('GB', 'EU', 'Great Britain', '2024-02-01'), ('FR', 'EU', 'France', '2024-02-01')`);
    assert.equal((await runModel(wh(), 'ref_region', 'ref_table', args)).rows, 1, 'only (FR, EU) is new; (GB, EU) exists');
    assert.deepEqual(await contents('ref_region', "code || ' ' || region || ' ' || name || ' ' || loaded_at::date"), [
      'FR EU France 2024-02-01',
      'GB EU Britain 2024-01-01',
      'GB NA Guernsey? 2024-01-01',
    ]);
    const single = await runModel(wh(), 'ref_region_single', 'ref_table', { ...args, src_pk: 'CODE' });
    assert.deepEqual(single.ctx.diagnostics, [], 'one key column renders as AutomateDV writes it');
  });
});
