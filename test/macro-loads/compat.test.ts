// One project loaded under the AutomateDV version each packages file pins (spec §0, §5.6): 0.11.5 by default, 0.11.0
// from a lock file, dbtvault 0.9.5 from packages.yml. hub, sat, eff_sat, ma_sat, xts and pit hold the same rows in
// every version; only the hash bytes differ: ≤0.9.6 stores the uppercase hex text, later versions the raw digest, and
// pit's ghost key is 16 ASCII zeros up to 0.10.2, as long as a hex digest from 0.11.0.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AutomateDvCompat } from '../../server/src/compile/context';
import { readPackages } from '../../server/src/project/packages';
import type { FileSystem } from '../../server/src/project/file-system';
import { md5Hex } from '../compile/pglite-loader';
import { asciiHex, forEachWarehouse, hex, loadBatch, runModel, type Row, type TestWarehouse } from './warehouses';

function pinned(files: Record<string, string>): AutomateDvCompat {
  const fs: FileSystem = {
    readFile: (path) => files[path.replace(/^\/project\//, '')],
    listFiles: () => [],
    exists: (path) => path.replace(/^\/project\//, '') in files,
  };
  return readPackages('/project', 'dbt_packages', fs).compat;
}

const VERSIONS: [string, AutomateDvCompat][] = [
  ['v0115', pinned({})],
  ['v0110', pinned({ 'package-lock.yml': 'packages:\n  - package: Datavault-UK/automate_dv\n    version: 0.11.0\n' })],
  // dbtvault 0.9.5 itself renders Snowflake SQL for eff_sat and ma_sat that fails on their incremental runs (and a
  // bridge that always fails): as a fork adapted for PostgreSQL those load, with 0.9.5's hashes, and the notices
  // below are information instead of errors.
  ['v095', { ...pinned({ 'packages.yml': 'packages:\n  - package: Datavault-UK/dbtvault\n    version: 0.9.5\n' }), fork: true }],
];

const OPEN = '9999-12-31 23:59:59.999';
const STAGE = {
  source_model: 'raw_compat',
  derived_columns: { RECORD_SOURCE: '!CRM', LOAD_DATE: 'loaded_at', EFFECTIVE_FROM: 'loaded_at', SAT_NAME: '!SAT_CUSTOMER' },
  hashed_columns: {
    CUSTOMER_HK: 'customer_id',
    ORDER_HK: 'order_id',
    CUSTOMER_ORDER_HK: ['customer_id', 'order_id'],
    CUSTOMER_HASHDIFF: { is_hashdiff: true, columns: ['name'] },
    PHONE_HASHDIFF: { is_hashdiff: true, columns: ['phone'] },
  },
};
const HUB = { src_pk: 'CUSTOMER_HK', src_nk: 'CUSTOMER_ID', src_ldts: 'LOAD_DATE', src_source: 'RECORD_SOURCE', source_model: 'stg_compat' };
const SAT = { src_pk: 'CUSTOMER_HK', src_hashdiff: 'CUSTOMER_HASHDIFF', src_payload: ['NAME'], src_ldts: 'LOAD_DATE', src_source: 'RECORD_SOURCE', source_model: 'stg_compat' };
const EFF_SAT = {
  src_pk: 'CUSTOMER_ORDER_HK',
  src_dfk: 'ORDER_HK',
  src_sfk: 'CUSTOMER_HK',
  src_start_date: 'START_DATE',
  src_end_date: 'END_DATE',
  src_eff: 'EFFECTIVE_FROM',
  src_ldts: 'LOAD_DATE',
  src_source: 'RECORD_SOURCE',
  source_model: 'stg_compat',
};
const MA_SAT = { src_pk: 'CUSTOMER_HK', src_cdk: ['PHONE'], src_hashdiff: 'PHONE_HASHDIFF', src_payload: [], src_ldts: 'LOAD_DATE', src_source: 'RECORD_SOURCE', source_model: 'stg_compat' };
const XTS = {
  src_pk: 'CUSTOMER_HK',
  src_satellite: { SAT_CUSTOMER: { sat_name: { SATELLITE_NAME: 'SAT_NAME' }, hashdiff: { HASHDIFF: 'CUSTOMER_HASHDIFF' } } },
  src_ldts: 'LOAD_DATE',
  src_source: 'RECORD_SOURCE',
  source_model: 'stg_compat',
};
const pit = (version: string) => ({
  src_pk: 'CUSTOMER_HK',
  as_of_dates_table: 'as_of_dates',
  satellites: { [`sat_${version}`]: { pk: { PK: 'CUSTOMER_HK' }, ldts: { LDTS: 'LOAD_DATE' } } },
  stage_tables_ldts: { stg_compat: 'LOAD_DATE' },
  src_ldts: 'LOAD_DATE',
  source_model: `hub_${version}`,
});

const row = (customer_id: number, order_id: number | null, name: string, phone: string, end_date: string, loaded_at: string) => ({
  customer_id,
  order_id,
  name,
  phone,
  start_date: '2024-01-01',
  end_date,
  loaded_at,
});
const BATCHES = [
  [row(1, 10, 'Ann', '111', OPEN, '2024-01-01'), row(1, 10, 'Ann', '112', OPEN, '2024-01-01'), row(2, 20, 'Bob', '222', OPEN, '2024-01-01')],
  [row(1, 10, 'Ann2', '111', '2024-01-05 00:00:00', '2024-01-05'), row(3, null, 'Cat', '333', OPEN, '2024-01-05'), row(2, 20, 'Bob', '222', OPEN, '2024-01-05')],
];
const TABLES = ['hub', 'sat', 'eff', 'ma', 'xts', 'pit'];

forEachWarehouse('compat', (wh: () => TestWarehouse) => {
  const diagnostics = new Map<string, string[]>();

  before(async () => {
    await wh().exec(`
      CREATE TABLE raw_compat (customer_id integer, order_id integer, name text, phone text, start_date timestamp, end_date timestamp, loaded_at timestamp);
      CREATE TABLE as_of_dates (as_of_date timestamp);
      INSERT INTO as_of_dates VALUES ('2023-12-31'), ('2024-01-03'), ('2024-02-01');
    `);
    for (const batch of BATCHES) {
      await loadBatch(wh(), 'raw_compat', batch);
      for (const [version, compat] of VERSIONS) {
        // The stage hashes, so it is compiled under each version too; the tables read their version's stage.
        const stageModel = `stg_compat_${version}`;
        await runModel(wh(), stageModel, 'stage', STAGE, { compat });
        const at = <T extends { source_model: string }>(args: T) => ({ ...args, source_model: stageModel });
        const codes: string[] = [];
        const run = async (table: string, macro: string, args: Record<string, unknown>) => {
          const result = await runModel(wh(), `${table}_${version}`, macro, args, { compat });
          codes.push(...result.ctx.diagnostics.map((d) => `${macro}:${d.code}`));
        };
        await run('hub', 'hub', at(HUB));
        await run('sat', 'sat', at(SAT));
        await run('eff', 'eff_sat', at(EFF_SAT));
        await run('ma', 'ma_sat', at(MA_SAT));
        await run('xts', 'xts', at(XTS));
        await run('pit', 'pit', { ...pit(version), stage_tables_ldts: { [stageModel]: 'LOAD_DATE' } });
        diagnostics.set(version, codes);
      }
    }
  });

  /** A table's rows with every hash written as the lowercase hex digest (or 'ghost'), sorted, for comparison. */
  async function normalised(table: string, compat: AutomateDvCompat): Promise<string[]> {
    const rows: Row[] = await wh().rows(`SELECT * FROM "${table}"`);
    return rows
      .map((r) =>
        JSON.stringify(
          Object.values(r).map((v) => {
            if (v === null || !v.startsWith('\\x')) return v;
            const bytes = Buffer.from(hex(v)!, 'hex');
            if (/^(30)+$/.test(bytes.toString('hex'))) return 'ghost';
            if (compat.hashing === 'binary') {
              assert.equal(bytes.length, 16, `${table}: a 0.9.7+ hash is the 16-byte digest`);
              return bytes.toString('hex');
            }
            const text = bytes.toString('ascii');
            assert.match(text, /^[0-9A-F]{32}$/, `${table}: a ≤0.9.6 hash is the uppercase hex text`);
            return text.toLowerCase();
          }),
        ),
      )
      .sort();
  }

  test('each pinned version is emulated: 0.11.5 by default, 0.11.0 from the lock file, 0.9.5 from packages.yml', () => {
    assert.deepEqual(
      VERSIONS.map(([, c]) => [c.version, c.satLogic, c.hashing]),
      [
        ['0.11.5', 'lag-default', 'binary'],
        ['0.11.0', 'first-record', 'binary'],
        ['0.9.5', 'latest-only', 'upper-hex-text'],
      ],
    );
  });

  test('the hash bytes are those of the version: raw digest from 0.9.7, uppercase hex text before', async () => {
    const key = async (version: string) => hex((await wh().rows(`SELECT customer_hk FROM "hub_${version}" WHERE customer_id = 1`))[0]!.customer_hk);
    assert.equal(await key('v0115'), md5Hex('1'));
    assert.equal(await key('v0110'), md5Hex('1'));
    assert.equal(await key('v095'), asciiHex(md5Hex('1').toUpperCase()));
    const ghost = async (version: string) =>
      (await wh().rows(`SELECT DISTINCT sat_${version}_pk AS k FROM "pit_${version}" WHERE as_of_date = '2023-12-31'`)).map((g) => hex(g.k));
    assert.deepEqual(await ghost('v095'), ['30'.repeat(16)], 'the PIT ghost key is 16 ASCII zeros up to 0.10.2');
    assert.deepEqual(await ghost('v0110'), ['30'.repeat(32)], "0.11.0 writes CAST(repeat('0', 32) AS BYTEA)");
    assert.deepEqual(await ghost('v0115'), ['30'.repeat(32)], '0.11.3+ write the 32 zeros as a literal');
  });

  for (const table of TABLES) {
    test(`${table}: the same rows under every version once hashes are compared as digests`, async () => {
      const [reference, ...others] = await Promise.all(VERSIONS.map(([version, compat]) => normalised(`${table}_${version}`, compat)));
      assert.ok(reference!.length > 0);
      for (const [i, rows] of others.entries()) assert.deepEqual(rows, reference, `${table}_${VERSIONS[i + 1]![0]} differs from 0.11.5`);
    });
  }

  test('before 0.9.7 eff_sat, ma_sat and pit had no PostgreSQL template (warned); pit is deprecated from 0.11.0', () => {
    const pitCodes = (version: string) => diagnostics.get(version)!.filter((c) => c.startsWith('pit:') || c.endsWith('DV200'));
    assert.deepEqual(pitCodes('v0115'), ['pit:DV508']);
    assert.deepEqual(pitCodes('v0110'), ['pit:DV508']);
    assert.deepEqual(pitCodes('v095'), ['eff_sat:DV200', 'ma_sat:DV200', 'pit:DV200']);
  });
});
