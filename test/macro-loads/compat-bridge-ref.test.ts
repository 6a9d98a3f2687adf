// bridge and ref_table under each emulated AutomateDV version (spec §0, §5.6): the same rows under 0.11.5, 0.11.0 and
// dbtvault 0.9.5, with the hash bytes of the version (raw digest from 0.9.7, the uppercase hex text before), the
// notices for macros a version lacks, and a model written with the `dbtvault.` namespace loading the same rows.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Relation } from '../../server/src/base/relation';
import type { AutomateDvCompat } from '../../server/src/compile/context';
import { compileModel } from '../../server/src/compile/model';
import { parseTemplate } from '../../server/src/jinja';
import { compatForVersion } from '../../server/src/project/packages';
import { compositeMd5, md5Hex } from '../compile/pglite-loader';
import { asciiHex, forEachWarehouse, hex, loadBatch, runModel, type TestWarehouse } from './warehouses';

const VERSIONS: [string, AutomateDvCompat][] = [
  ['v0115', compatForVersion('0.11.5')],
  ['v0110', compatForVersion('0.11.0')],
  // dbtvault 0.9.5's own bridge is Snowflake SQL that PostgreSQL rejects (one-argument TO_DATE), and its eff_sat fails
  // on incremental runs: as a fork adapted for PostgreSQL they load with 0.9.5's hashes (the notices are information).
  ['v095', { ...compatForVersion('0.9.5'), fork: true }],
];
const OPEN = '9999-12-31 23:59:59.999';
const STAGE = {
  source_model: 'raw_cb',
  derived_columns: { RECORD_SOURCE: '!ERP', LOAD_DATE: 'loaded_at', EFFECTIVE_FROM: 'loaded_at' },
  hashed_columns: { CUSTOMER_HK: 'customer_id', ORDER_HK: 'order_id', CUSTOMER_ORDER_HK: ['customer_id', 'order_id'] },
};
const row = (customer_id: number, order_id: number, end_date: string, loaded_at: string) => ({ customer_id, order_id, start_date: '2024-01-01', end_date, loaded_at });
const BATCHES = [
  [row(1, 10, OPEN, '2024-01-01'), row(2, 20, OPEN, '2024-01-01')],
  [row(1, 10, '2024-01-05 00:00:00', '2024-01-05'), row(3, 30, OPEN, '2024-01-05')],
];

const bridgeArgs = (v: string) => ({
  src_pk: 'CUSTOMER_HK',
  as_of_dates_table: 'aod_cb',
  bridge_walk: {
    CUSTOMER_ORDER: {
      bridge_link_pk: 'LINK_CUSTOMER_ORDER_PK',
      bridge_end_date: 'EFF_SAT_CUSTOMER_ORDER_ENDDATE',
      bridge_load_date: 'EFF_SAT_CUSTOMER_ORDER_LOADDATE',
      link_table: `link_cb_${v}`,
      link_pk: 'CUSTOMER_ORDER_HK',
      link_fk1: 'CUSTOMER_HK',
      link_fk2: 'ORDER_HK',
      eff_sat_table: `eff_cb_${v}`,
      eff_sat_pk: 'CUSTOMER_ORDER_HK',
      eff_sat_end_date: 'END_DATE',
      eff_sat_load_date: 'LOAD_DATE',
    },
  },
  stage_tables_ldts: { [`stg_cb_${v}`]: 'LOAD_DATE' },
  src_ldts: 'LOAD_DATE',
  source_model: `hub_cb_${v}`,
});
const refArgs = (v: string) => ({ src_pk: 'CUSTOMER_HK', src_extra_columns: ['CUSTOMER_ID'], src_ldts: 'LOAD_DATE', src_source: 'RECORD_SOURCE', source_model: `stg_cb_${v}` });

/** The bridge as a model file calling `<namespace>.bridge(...)`, compiled the way the project compiler does. */
function bridgeModelSql(namespace: string, v: string, compat: AutomateDvCompat, wh: TestWarehouse, incremental: boolean): { sql: string; codes: string[] } {
  const a = bridgeArgs(v);
  const step = a.bridge_walk.CUSTOMER_ORDER;
  const text = `{%- set yaml_metadata -%}
source_model: ${a.source_model}
src_pk: CUSTOMER_HK
src_ldts: LOAD_DATE
as_of_dates_table: aod_cb
bridge_walk:
  CUSTOMER_ORDER:
${Object.entries(step).map(([k, val]) => `    ${k}: ${val}`).join('\n')}
stage_tables_ldts:
  stg_cb_${v}: LOAD_DATE
{%- endset -%}
{%- set m = fromyaml(yaml_metadata) -%}
{{ ${namespace}.bridge(src_pk=m['src_pk'], as_of_dates_table=m['as_of_dates_table'], bridge_walk=m['bridge_walk'],
    stage_tables_ldts=m['stage_tables_ldts'], src_ldts=m['src_ldts'], source_model=m['source_model']) }}`;
  const parsed = parseTemplate(text);
  assert.deepEqual(parsed.diagnostics, []);
  const model = `bridge_ns_dbtvault_${v}`;
  const result = compileModel({
    modelName: model,
    template: parsed.template,
    self: new Relation(wh.database, wh.schema, model),
    materialized: 'bridge_incremental',
    configOf: () => null,
    resolveRef: (name) => new Relation(wh.database, wh.schema, name),
    resolveSource: () => undefined,
    varValue: () => undefined,
    envValue: () => undefined,
    target: { name: 'dev', schema: wh.schema, dbname: wh.database },
    catalog: () => undefined,
    projectMacros: [],
    incremental,
    runStartedAt: new Date('2024-01-01T00:00:00Z'),
    compat,
    formatSql: false,
  });
  return { sql: result.rawSql, codes: result.diagnostics.map((d) => d.code) };
}

forEachWarehouse('compat-bridge-ref', (wh: () => TestWarehouse) => {
  const codes = new Map<string, string[]>();

  before(async () => {
    await wh().exec(`
      CREATE TABLE raw_cb (customer_id integer, order_id integer, start_date timestamp, end_date timestamp, loaded_at timestamp);
      CREATE TABLE aod_cb (as_of_date timestamp);
      INSERT INTO aod_cb VALUES ('2023-12-31'), ('2024-01-03'), ('2024-01-06');
    `);
    for (const batch of BATCHES) {
      await loadBatch(wh(), 'raw_cb', batch);
      for (const [v, compat] of VERSIONS) {
        const stg = `stg_cb_${v}`;
        await runModel(wh(), stg, 'stage', STAGE, { compat });
        const list: string[] = [];
        const run = async (model: string, macro: string, args: Record<string, unknown>) => {
          const r = await runModel(wh(), model, macro, args, { compat });
          list.push(...r.ctx.diagnostics.map((d) => `${macro}:${d.code}`));
        };
        await run(`hub_cb_${v}`, 'hub', { src_pk: 'CUSTOMER_HK', src_nk: 'CUSTOMER_ID', src_ldts: 'LOAD_DATE', src_source: 'RECORD_SOURCE', source_model: stg });
        await run(`link_cb_${v}`, 'link', { src_pk: 'CUSTOMER_ORDER_HK', src_fk: ['CUSTOMER_HK', 'ORDER_HK'], src_ldts: 'LOAD_DATE', src_source: 'RECORD_SOURCE', source_model: stg });
        await run(`eff_cb_${v}`, 'eff_sat', {
          src_pk: 'CUSTOMER_ORDER_HK',
          src_dfk: 'ORDER_HK',
          src_sfk: 'CUSTOMER_HK',
          src_start_date: 'START_DATE',
          src_end_date: 'END_DATE',
          src_eff: 'EFFECTIVE_FROM',
          src_ldts: 'LOAD_DATE',
          src_source: 'RECORD_SOURCE',
          source_model: stg,
        });
        await run(`bridge_cb_${v}`, 'bridge', bridgeArgs(v));
        await run(`ref_cb_${v}`, 'ref_table', refArgs(v));
        // The same bridge from a model file in the dbtvault namespace, loaded like bridge_incremental does.
        const ns = `bridge_ns_dbtvault_${v}`;
        const exists = (await wh().rows(`SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2`, [wh().schema, ns])).length > 0;
        const compiled = bridgeModelSql('dbtvault', v, compat, wh(), exists);
        assert.equal(compiled.sql, bridgeModelSql('automate_dv', v, compat, wh(), exists).sql, 'both namespaces compile to the same SQL');
        if (exists) await wh().exec(`CREATE TEMP TABLE ns_tmp AS (${compiled.sql}); TRUNCATE "${ns}"; INSERT INTO "${ns}" SELECT * FROM ns_tmp; DROP TABLE ns_tmp`);
        else await wh().exec(`CREATE TABLE "${ns}" AS (${compiled.sql})`);
        list.push(...compiled.codes.map((c) => `dbtvault.bridge:${c}`));
        codes.set(v, list);
      }
    }
  });

  /** Each key as 'c1', 'c1-o10' etc., checking its bytes are the version's. */
  function keyName(value: string | null | undefined, compat: AutomateDvCompat): string {
    const h = hex(value)!;
    const names = new Map<string, string>();
    for (const c of [1, 2, 3]) names.set(md5Hex(String(c)), `c${c}`);
    for (const [c, o] of [[1, 10], [2, 20], [3, 30]] as const) names.set(compositeMd5([c, o])!, `c${c}-o${o}`);
    const digest = compat.hashing === 'binary' ? h : Buffer.from(h, 'hex').toString('ascii').toLowerCase();
    if (compat.hashing === 'upper-hex-text') assert.equal(h, asciiHex(digest.toUpperCase()), 'a ≤0.9.6 key is the uppercase hex text');
    else assert.equal(h.length, 32, 'a 0.9.7+ key is the 16-byte digest');
    return names.get(digest) ?? `?${h}`;
  }

  async function bridgeRows(table: string, compat: AutomateDvCompat): Promise<string[]> {
    const rows = await wh().rows(`SELECT customer_hk::text AS c, as_of_date::text AS d, link_customer_order_pk::text AS l FROM "${table}"`);
    return rows.map((r) => `${keyName(r.c, compat)} ${r.d!.slice(0, 10)} ${keyName(r.l, compat)}`).sort();
  }

  for (const [v, compat] of VERSIONS) {
    test(`bridge and ref_table under ${compat.version}: the rows and hash bytes of that version`, async () => {
      const bridge = [
        'c1 2024-01-03 c1-o10',
        // c1's order closed on the 5th; c3 arrived on the 5th.
        'c2 2024-01-03 c2-o20',
        'c2 2024-01-06 c2-o20',
        'c3 2024-01-06 c3-o30',
      ];
      assert.deepEqual(await bridgeRows(`bridge_cb_${v}`, compat), bridge);
      assert.deepEqual(await bridgeRows(`bridge_ns_dbtvault_${v}`, compat), bridge, 'the dbtvault namespace loads the same rows');
      const ref = await wh().rows(`SELECT customer_hk::text AS k, customer_id::text AS id, load_date::date::text AS d, record_source AS s FROM "ref_cb_${v}"`);
      assert.deepEqual(ref.map((r) => `${keyName(r.k, compat)} ${r.id} ${r.d} ${r.s}`).sort(), [
        'c1 1 2024-01-01 ERP',
        'c2 2 2024-01-01 ERP',
        'c3 3 2024-01-05 ERP',
      ]);
    });
  }

  test('the notices: bridge deprecated from 0.11.0; before 0.9.7 no PostgreSQL bridge, before 0.10.0 no ref_table', () => {
    const of = (v: string) => [...new Set(codes.get(v)!.filter((c) => /^(bridge|ref_table|dbtvault\.bridge):/.test(c)))];
    assert.deepEqual(of('v0115'), ['bridge:DV508', 'dbtvault.bridge:DV508']);
    assert.deepEqual(of('v0110'), ['bridge:DV508', 'dbtvault.bridge:DV508']);
    assert.deepEqual(of('v095'), ['bridge:DV200', 'ref_table:DV200', 'dbtvault.bridge:DV200']);
  });
});
