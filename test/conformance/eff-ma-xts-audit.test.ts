// An audit of eff_sat, ma_sat and xts against spec §6.4, §6.5, §6.7, §7 and the §8 quirks: small scenarios loaded
// batch after batch, each asserting the exact rows (and hash bytes) the spec's rules imply. The expectations are
// derived by hand from the spec's prose, not from the compiled SQL.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { compositeMd5, md5Hex } from '../compile/pglite-loader';
import { forEachWarehouse, hex, loadBatch, runModel, type ModelOptions, type Row, type TestWarehouse } from '../macro-loads/warehouses';

const OPEN = '9999-12-31 23:59:59.999';

/** Decodes a single-column MD5 hash key back to the small integer it was built from. */
function idOf(hexValue: string | null): string {
  for (let n = 0; n <= 100; n++) if (hexValue === md5Hex(String(n))) return String(n);
  return `?${hexValue}`;
}

const day = (v: string | null | undefined): string => (v === null || v === undefined ? 'NULL' : v.slice(0, 10));

async function columnsOf(wh: TestWarehouse, table: string): Promise<string[]> {
  const rows = await wh.rows(`SELECT column_name FROM information_schema.columns WHERE table_name = $1 AND table_schema = $2 ORDER BY ordinal_position`, [
    table,
    wh.schema,
  ]);
  return rows.map((r) => r.column_name!);
}

// ---------------------------------------------------------------------------------------------------------------------
// §6.4 eff_sat: a composite driving key (DK1, DK2), one secondary key (SK) and an extra column (NOTE).

const EFF_STAGE = {
  source_model: 'raw_eff',
  derived_columns: { RECORD_SOURCE: 'rs', LOAD_DATE: 'loaded_at', START_DATE: 'start_at', END_DATE: 'end_at', EFFECTIVE_FROM: 'eff_at' },
  hashed_columns: { LINK_HK: ['dk1', 'dk2', 'sk'], DK1_HK: 'dk1', DK2_HK: 'dk2', SK_HK: 'sk' },
};
const EFF_SAT = {
  src_pk: 'LINK_HK',
  src_dfk: ['DK1_HK', 'DK2_HK'],
  src_sfk: 'SK_HK',
  src_extra_columns: ['NOTE'],
  src_start_date: 'START_DATE',
  src_end_date: 'END_DATE',
  src_eff: 'EFFECTIVE_FROM',
  src_ldts: 'LOAD_DATE',
  src_source: 'RECORD_SOURCE',
  source_model: 'stg_eff',
};

interface EffInput {
  dk1: number | null;
  dk2: number | null;
  sk: number | null;
  start: string;
  end: string;
  eff: string;
  ldts: string;
  rs: string;
  note: string;
}
const e = (dk1: number | null, dk2: number | null, sk: number | null, start: string, end: string, eff: string, ldts: string, rs: string, note: string): EffInput => ({
  dk1,
  dk2,
  sk,
  start,
  end,
  eff,
  ldts,
  rs,
  note,
});
const effRaw = (x: EffInput) => ({ dk1: x.dk1, dk2: x.dk2, sk: x.sk, note: x.note, start_at: x.start, end_at: x.end, eff_at: x.eff, loaded_at: x.ldts, rs: x.rs });

/** [relationship dk1.dk2-sk, start, end ('open' or day), eff, ldts, record source, note] */
type EffRow = [string, string, string, string, string, string, string];

function effReadable(row: Row, open: string): EffRow {
  const rel = `${idOf(hex(row.dk1_hk))}.${idOf(hex(row.dk2_hk))}-${idOf(hex(row.sk_hk))}`;
  const [dk1, dk2, sk] = rel.split(/[.-]/);
  assert.equal(hex(row.link_hk), compositeMd5([dk1!, dk2!, sk!]), `the key of ${rel} is hash(dk1 || dk2 || sk)`);
  return [rel, day(row.s), row.e === open ? 'open' : day(row.e), day(row.f), day(row.l), row.record_source!, row.note!];
}

// ---------------------------------------------------------------------------------------------------------------------
// §6.5 ma_sat: two child dependent keys (CC, PHONE), payload PTYPE.

const MA_STAGE = {
  source_model: 'raw_ma',
  derived_columns: { RECORD_SOURCE: '!CRM', LOAD_DATE: 'loaded_at' },
  hashed_columns: { CUSTOMER_HK: 'cust', PHONE_HD: { is_hashdiff: true, columns: ['ptype', 'phone', 'cc'] } },
};
const MA_SAT = {
  src_pk: 'CUSTOMER_HK',
  src_cdk: ['CC', 'PHONE'],
  src_hashdiff: { source_column: 'PHONE_HD', alias: 'HASHDIFF' },
  src_payload: ['PTYPE'],
  src_ldts: 'LOAD_DATE',
  src_source: 'RECORD_SOURCE',
  source_model: 'stg_ma',
};
const m = (cust: number | null, cc: string | null, phone: string, ptype: string, loaded_at: string) => ({ cust, cc, phone, ptype, loaded_at });

// ---------------------------------------------------------------------------------------------------------------------
// §6.7 xts: two satellites (details: name; login: last_login), extra column TENANT.

const xtsStage = (rs: string) => ({
  source_model: 'raw_xts',
  derived_columns: { RECORD_SOURCE: `!${rs}`, LOAD_DATE: 'loaded_at', SAT_DET: '!SAT_DETAILS', SAT_LOG: '!SAT_LOGIN' },
  hashed_columns: { CUSTOMER_HK: 'cid', DET_HD: { is_hashdiff: true, columns: ['name'] }, LOG_HD: { is_hashdiff: true, columns: ['login'] } },
});
const DET = { sat_name: { SATELLITE_NAME: 'SAT_DET' }, hashdiff: { HASHDIFF: 'DET_HD' } };
const LOG = { sat_name: { SATELLITE_NAME: 'SAT_LOG' }, hashdiff: { HASHDIFF: 'LOG_HD' } };
const XTS = { src_pk: 'CUSTOMER_HK', src_satellite: { SAT_DETAILS: DET, SAT_LOGIN: LOG }, src_extra_columns: 'TENANT', src_ldts: 'LOAD_DATE', src_source: 'RECORD_SOURCE', source_model: 'stg_xts' };
const x = (cid: number | null, name: string, login: string, tenant: string, loaded_at: string) => ({ cid, name, login, tenant, loaded_at });

forEachWarehouse('audit', (wh: () => TestWarehouse) => {
  before(async () => {
    await wh().exec(`
      CREATE TABLE raw_eff (dk1 integer, dk2 integer, sk integer, note text, start_at timestamp, end_at timestamp, eff_at timestamp, loaded_at timestamp, rs text);
      CREATE TABLE raw_ma (cust integer, cc text, phone text, ptype text, loaded_at timestamp);
      CREATE TABLE raw_xts (cid integer, name text, login text, tenant text, loaded_at timestamp);
      CREATE TABLE raw_eff_null (link_id integer, order_id integer, customer_id integer, loaded_at timestamp);
      CREATE TABLE raw_xts_null (cid integer, name text, sat_label text, loaded_at timestamp);
    `);
  });

  async function loadEff(table: string, rows: EffInput[], options: ModelOptions = {}): Promise<number> {
    await loadBatch(wh(), 'raw_eff', rows.map(effRaw));
    await runModel(wh(), 'stg_eff', 'stage', EFF_STAGE);
    return (await runModel(wh(), table, 'eff_sat', EFF_SAT, options)).rows;
  }

  async function effContents(table: string, open = OPEN): Promise<EffRow[]> {
    const rows = await wh().rows(
      `SELECT link_hk, dk1_hk, dk2_hk, sk_hk, note, start_date::text AS s, end_date::text AS e, effective_from::text AS f, load_date::text AS l, record_source FROM "${table}"`,
    );
    return rows.map((r) => effReadable(r, open)).sort((a, b) => a[4].localeCompare(b[4]) || a[0].localeCompare(b[0]) || a[2].localeCompare(b[2]) || a[3].localeCompare(b[3]));
  }

  test('§6.4 eff_sat (end dates from the source): columns in spec order; NULL driving/secondary keys dropped; close, re-close, reopen; equal load dates', async () => {
    const L1 = '2024-01-01';
    const L2 = '2024-01-02';
    const L3 = '2024-01-03';
    assert.equal(
      await loadEff('eff_src', [
        e(1, 1, 10, L1, OPEN, L1, L1, 'ERP1', 'a'),
        e(2, 1, 20, L1, OPEN, L1, L1, 'ERP1', 'a'),
        e(3, 1, null, L1, OPEN, L1, L1, 'ERP1', 'no secondary key'),
        e(1, null, 10, L1, OPEN, L1, L1, 'ERP1', 'one driving key column NULL'),
      ]),
      2,
    );
    assert.deepEqual(await columnsOf(wh(), 'eff_src'), [
      'link_hk',
      'dk1_hk',
      'dk2_hk',
      'sk_hk',
      'note',
      'start_date',
      'end_date',
      'effective_from',
      'load_date',
      'record_source',
    ]);

    assert.equal(
      await loadEff('eff_src', [
        e(1, 1, 10, L1, L2, L2, L2, 'ERP2', 'b'), // closes the open 1.1-10
        e(2, 1, 20, L1, OPEN, L1, L2, 'ERP2', 'c'), // open and unchanged: nothing
        e(2, 1, 20, L1, L2, L2, L2, 'ERP2', 'c'), // the same key closed at the same load date: the closing row
        e(4, 1, 40, L2, OPEN, L2, L2, 'ERP2', 'd'), // a new key staged open and closed at one load date: both rows
        e(4, 1, 40, L2, L2, L2, L2, 'ERP2', 'd'),
        e(5, 1, 50, L2, L2, L2, L2, 'ERP2', 'e'), // a new key staged closed: inserted as it comes
      ]),
      5,
    );

    const third = [
      e(1, 1, 10, L3, OPEN, L3, L3, 'ERP3', 'f'), // reopens 1.1-10
      e(5, 1, 50, L2, L3, L3, L3, 'ERP3', 'g'), // 5.1-50 is closed already: not closed again
      e(2, 1, 20, L3, OPEN, L3, L3, 'ERP3', 'h'), // reopens 2.1-20
    ];
    assert.equal(await loadEff('eff_src', third), 2);
    assert.equal(await loadEff('eff_src', third), 0, 'the same batch again');

    assert.deepEqual(await effContents('eff_src'), [
      ['1.1-10', L1, 'open', L1, L1, 'ERP1', 'a'],
      ['2.1-20', L1, 'open', L1, L1, 'ERP1', 'a'],
      // Closing rows: keys and record source of the open record, dates and extra columns from the staged row.
      ['1.1-10', L1, L2, L2, L2, 'ERP1', 'b'],
      ['2.1-20', L1, L2, L2, L2, 'ERP1', 'c'],
      ['4.1-40', L2, L2, L2, L2, 'ERP2', 'd'],
      ['4.1-40', L2, 'open', L2, L2, 'ERP2', 'd'],
      ['5.1-50', L2, L2, L2, L2, 'ERP2', 'e'],
      // Reopening rows: keys of the closed record, everything else from the staged row.
      ['1.1-10', L3, 'open', L3, L3, 'ERP3', 'f'],
      ['2.1-20', L3, 'open', L3, L3, 'ERP3', 'h'],
    ]);
  });

  test('§6.4 eff_sat is_auto_end_dating: closes by the whole driving key, one closing row per staged row, start dates from eff, two open secondaries kept', async () => {
    const auto: ModelOptions = { config: { is_auto_end_dating: true } };
    const S0 = '2023-12-01';
    const [D1, D2, D3, D4, D5] = ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05'];
    assert.equal(
      await loadEff(
        'eff_auto_audit',
        [e(1, 1, 10, S0, OPEN, D1, D1, 'ERP1', 'n1'), e(2, 1, 20, S0, OPEN, D1, D1, 'ERP1', 'n2'), e(1, 2, 10, S0, OPEN, D1, D1, 'ERP1', 'n3')],
        auto,
      ),
      3,
      'the first load copies the batch, start dates as staged',
    );

    // 1.1 moves from 10 to 11. 1.2 (same DK1, other DK2) is another driving key and stays open; 3.1 takes secondary
    // key 20, which does not close 2.1-20 (only the driving key matters).
    assert.equal(await loadEff('eff_auto_audit', [e(1, 1, 11, '2023-12-25', OPEN, D2, D2, 'ERP2', 'n4'), e(3, 1, 20, '2023-12-25', OPEN, D2, D2, 'ERP2', 'n5')], auto), 3);

    // 1.1-10 is staged again alongside 1.1-11: 10 reopens, and 11 stays open because the batch has it with its end date.
    assert.equal(await loadEff('eff_auto_audit', [e(1, 1, 10, S0, OPEN, D3, D3, 'ERP3', 'n6'), e(1, 1, 11, S0, OPEN, D3, D3, 'ERP3', 'n7')], auto), 1);

    // 1.1 moves to 12, staged at two load dates in one batch: both open rows, and each staged row closes each of the
    // two open relationships of the driving key.
    const fourth = [e(1, 1, 12, S0, OPEN, D4, D4, 'ERP4', 'n8'), e(1, 1, 12, S0, OPEN, D5, D5, 'ERP4', 'n9')];
    assert.equal(await loadEff('eff_auto_audit', fourth, auto), 6);
    assert.equal(await loadEff('eff_auto_audit', fourth, auto), 0, 'the same batch again');

    assert.deepEqual(await effContents('eff_auto_audit'), [
      ['1.1-10', S0, 'open', D1, D1, 'ERP1', 'n1'],
      ['1.2-10', S0, 'open', D1, D1, 'ERP1', 'n3'],
      ['2.1-20', S0, 'open', D1, D1, 'ERP1', 'n2'],
      ['1.1-10', S0, D2, D2, D2, 'ERP1', 'n4'],
      ['1.1-11', D2, 'open', D2, D2, 'ERP2', 'n4'],
      ['3.1-20', D2, 'open', D2, D2, 'ERP2', 'n5'],
      ['1.1-10', D3, 'open', D3, D3, 'ERP3', 'n6'],
      ['1.1-10', D3, D4, D4, D4, 'ERP3', 'n8'],
      ['1.1-11', D2, D4, D4, D4, 'ERP2', 'n8'],
      ['1.1-12', D4, 'open', D4, D4, 'ERP4', 'n8'],
      ['1.1-10', D3, D5, D5, D5, 'ERP3', 'n9'],
      ['1.1-11', D2, D5, D5, D5, 'ERP2', 'n9'],
      ['1.1-12', D5, 'open', D5, D5, 'ERP4', 'n9'],
    ]);
  });

  test('§6.4 eff_sat is_auto_end_dating matches the staged end date exactly: an open record restaged with another open timestamp is closed, then reopened', async () => {
    const auto: ModelOptions = { config: { is_auto_end_dating: true } };
    const OTHER_OPEN = '9999-12-31 00:00:00'; // the max date, so "open" when compared as a date, but not equal to OPEN
    assert.equal(await loadEff('eff_exact_end', [e(1, 1, 10, '2024-01-01', OPEN, '2024-01-01', '2024-01-01', 'ERP1', 'a')], auto), 1);
    const restaged = [e(1, 1, 10, '2024-01-01', OTHER_OPEN, '2024-01-02', '2024-01-02', 'ERP2', 'b')];
    assert.equal(await loadEff('eff_exact_end', restaged, auto), 1, 'no staged row has the open record\'s exact end date: a closing row');
    assert.equal(await loadEff('eff_exact_end', restaged, auto), 1, 'now the latest record is closed and the staged one open (as a date): it reopens');
    const rows = await effContents('eff_exact_end');
    assert.deepEqual(
      rows.map((r) => (r[2] === 'open' || r[2] === OTHER_OPEN.slice(0, 10) ? [...r.slice(0, 2), 'open-ish', ...r.slice(3)] : r)),
      [
        ['1.1-10', '2024-01-01', 'open-ish', '2024-01-01', '2024-01-01', 'ERP1', 'a'],
        ['1.1-10', '2024-01-01', '2024-01-02', '2024-01-02', '2024-01-02', 'ERP1', 'b'],
        ['1.1-10', '2024-01-02', 'open-ish', '2024-01-02', '2024-01-02', 'ERP2', 'b'],
      ],
    );
  });

  test('§6.4/§7 eff_sat is_auto_end_dating reads var max_datetime: only an end date on that day counts as open', async () => {
    const END = '2999-12-31 00:00:00';
    const withVar: ModelOptions = { config: { is_auto_end_dating: true }, vars: { max_datetime: '2999-12-31 23:59:59.999' } };
    const withoutVar: ModelOptions = { config: { is_auto_end_dating: true } };
    const first = [e(1, 1, 10, '2024-01-01', END, '2024-01-01', '2024-01-01', 'ERP1', 'a')];
    const second = [e(1, 1, 11, '2024-01-02', END, '2024-01-02', '2024-01-02', 'ERP2', 'b')];
    for (const [table, options] of [
      ['eff_var', withVar],
      ['eff_novar', withoutVar],
    ] as const) {
      assert.equal(await loadEff(table, first, options), 1);
      assert.equal(await loadEff(table, second, options), table === 'eff_var' ? 2 : 1, `${table}: 1.1-10 is closed only when 2999-12-31 is the open marker`);
      assert.equal(await loadEff(table, second, options), 0, `${table}: the same batch again`);
    }
    assert.deepEqual(await effContents('eff_var', END), [
      ['1.1-10', '2024-01-01', 'open', '2024-01-01', '2024-01-01', 'ERP1', 'a'],
      ['1.1-10', '2024-01-01', '2024-01-02', '2024-01-02', '2024-01-02', 'ERP1', 'b'],
      ['1.1-11', '2024-01-02', 'open', '2024-01-02', '2024-01-02', 'ERP2', 'b'],
    ]);
  });

  test('§6.4 eff_sat filters NULL driving and secondary keys, not a NULL key: such a row is inserted, and again by every incremental run', async () => {
    const stage = {
      source_model: 'raw_eff_null',
      derived_columns: { RECORD_SOURCE: '!ERP', LOAD_DATE: 'loaded_at', START_DATE: 'loaded_at', END_DATE: `'${OPEN}'::timestamp`, EFFECTIVE_FROM: 'loaded_at' },
      // A one-column hash key has no null placeholder (quirk 2): a NULL link_id gives a NULL key.
      hashed_columns: { LINK_HK: 'link_id', ORDER_HK: 'order_id', CUSTOMER_HK: 'customer_id' },
    };
    const args = { ...EFF_SAT, src_pk: 'LINK_HK', src_dfk: 'ORDER_HK', src_sfk: 'CUSTOMER_HK', src_extra_columns: null, source_model: 'stg_eff_null' };
    const batch = [
      { link_id: 1, order_id: 1, customer_id: 10, loaded_at: '2024-01-01' },
      { link_id: null, order_id: 2, customer_id: 20, loaded_at: '2024-01-01' },
      { link_id: null, order_id: 2, customer_id: 20, loaded_at: '2024-01-01' },
    ];
    const load = async () => {
      await loadBatch(wh(), 'raw_eff_null', batch);
      await runModel(wh(), 'stg_eff_null', 'stage', stage);
      return (await runModel(wh(), 'eff_null_key', 'eff_sat', args)).rows;
    };
    assert.equal(await load(), 3, 'the first load copies the batch, both NULL-key rows included');
    assert.equal(await load(), 1, 'a NULL key never matches latest_records, so it is "new" again (once: SELECT DISTINCT)');
    assert.equal(await load(), 1);
    const rows = await wh().rows(`SELECT CASE WHEN link_hk IS NULL THEN 'no key' ELSE 'key' END AS k, COUNT(*) AS n FROM "eff_null_key" GROUP BY 1 ORDER BY 1`);
    assert.deepEqual(rows.map((r) => [r.k, r.n]), [['key', '1'], ['no key', '4']]);
  });

  async function loadMa(table: string, rows: Record<string, unknown>[], args: Record<string, unknown> = MA_SAT): Promise<number> {
    await loadBatch(wh(), 'raw_ma', rows);
    await runModel(wh(), 'stg_ma', 'stage', MA_STAGE);
    return (await runModel(wh(), table, 'ma_sat', args)).rows;
  }

  test('§6.5 ma_sat with two child keys: a changed child key, a change back, group size across load dates, the latest group by load date, NULL child keys', async () => {
    const T = 'ma_audit';
    assert.equal(await loadMa(T, [m(1, '44', 'A', 'm', '2024-01-01'), m(1, '44', 'B', 'h', '2024-01-01'), m(2, '1', 'C', 'm', '2024-01-01')]), 3);
    assert.equal(await loadMa(T, [m(1, '44', 'A', 'm', '2024-01-02'), m(1, '33', 'B', 'h', '2024-01-02'), m(2, '1', 'C', 'm', '2024-01-02')]), 2, "c1's second child key changes for one member: the whole group");
    assert.equal(await loadMa(T, [m(1, '44', 'A', 'm', '2024-01-03'), m(1, '44', 'B', 'h', '2024-01-03'), m(2, '1', 'C', 'm', '2024-01-03')]), 2, 'c1 changes back: again the whole group');
    assert.equal(
      await loadMa(T, [
        m(1, '44', 'A', 'm', '2024-01-04'),
        m(1, '44', 'B', 'h', '2024-01-04'),
        m(2, '1', 'C', 'm', '2024-01-04'),
        m(2, '1', 'D', 'm', '2024-01-05'),
        m(3, '7', 'E', 'm', '2024-01-04'),
        m(3, '7', 'E', 'm', '2024-01-05'),
      ]),
      4,
      'c1 unchanged; c2 counts two members across its load dates (both rows); c3 is new (both rows)',
    );
    assert.equal(
      await loadMa(T, [m(2, '1', 'C', 'm', '2024-01-06'), m(2, '1', 'D', 'm', '2024-01-06'), m(3, '7', 'E', 'm', '2024-01-06')]),
      2,
      "c2's latest group is the 01-05 row alone, so C+D is a size change; c3 matches its 01-05 group",
    );
    const sixth = [m(2, '1', 'D', 'm', '2024-01-07'), m(1, '44', 'A', 'm', '2024-01-07'), m(1, '44', 'B', 'h', '2024-01-07'), m(1, null, 'Z', 'm', '2024-01-07'), m(null, '1', 'Q', 'm', '2024-01-07')];
    assert.equal(await loadMa(T, sixth), 1, 'c2 shrinks to D; c1 matches once the NULL child key row is dropped; a NULL key is dropped');
    assert.equal(await loadMa(T, sixth), 0, 'the same batch again');

    const rows = await wh().rows(`SELECT customer_hk, hashdiff, cc, phone, ptype, load_date::text AS l, record_source FROM "${T}"`);
    const readable = rows
      .map((r) => {
        assert.equal(hex(r.hashdiff), compositeMd5([r.cc ?? null, r.phone ?? null, r.ptype ?? null], { hashdiff: true }), 'hashdiff = hash of cc, phone, ptype (sorted)');
        assert.equal(r.record_source, 'CRM');
        return `${day(r.l)} c${idOf(hex(r.customer_hk))} ${r.cc}/${r.phone} ${r.ptype}`;
      })
      .sort();
    assert.deepEqual(readable, [
      '2024-01-01 c1 44/A m',
      '2024-01-01 c1 44/B h',
      '2024-01-01 c2 1/C m',
      '2024-01-02 c1 33/B h',
      '2024-01-02 c1 44/A m',
      '2024-01-03 c1 44/A m',
      '2024-01-03 c1 44/B h',
      '2024-01-04 c2 1/C m',
      '2024-01-04 c3 7/E m',
      '2024-01-05 c2 1/D m',
      '2024-01-05 c3 7/E m',
      '2024-01-06 c2 1/C m',
      '2024-01-06 c2 1/D m',
      '2024-01-07 c2 1/D m',
    ]);
  });

  test('§6.5/§1.3 ma_sat src_cdk given as one string: valid SQL with the column as a one-item list, and a warning where AutomateDV (0.9.7–0.10.2) loops over its letters', async () => {
    await loadBatch(wh(), 'raw_ma', [m(1, '44', 'A', 'm', '2024-01-01')]);
    await runModel(wh(), 'stg_ma', 'stage', MA_STAGE);
    const run = await runModel(wh(), 'ma_cdk_string', 'ma_sat', { ...MA_SAT, src_cdk: 'PHONE' }, { compat: { version: '0.10.2', satLogic: 'first-record' } });
    assert.equal(run.rows, 1);
    assert.deepEqual(
      run.ctx.diagnostics.map((d) => [d.code, d.severity]),
      [['DV512', 'warning']],
    );
    // 0.11.0+ loop over the expanded column list: the single name is fine there.
    const current = await runModel(wh(), 'ma_cdk_string_0115', 'ma_sat', { ...MA_SAT, src_cdk: 'PHONE' });
    assert.equal(current.rows, 1);
    assert.deepEqual(current.ctx.diagnostics, []);
    const listed = await runModel(wh(), 'ma_cdk_list', 'ma_sat', { ...MA_SAT, src_cdk: ['PHONE'] });
    assert.deepEqual(listed.ctx.diagnostics, [], 'a one-item list is what AutomateDV expects: no warning');
  });

  async function stageXts(rows: Record<string, unknown>[], models: Record<string, string> = { stg_xts: 'CRM' }): Promise<void> {
    await loadBatch(wh(), 'raw_xts', rows);
    for (const [model, rs] of Object.entries(models)) await runModel(wh(), model, 'stage', xtsStage(rs));
  }

  async function xtsContents(table: string): Promise<string[]> {
    const rows = await wh().rows(`SELECT customer_hk, hashdiff, satellite_name, tenant, load_date::text AS l, record_source FROM "${table}"`);
    const hashdiffs = new Map(['Ann', 'Bob', 'L1', 'L2'].map((v) => [compositeMd5([v], { hashdiff: true }), v]));
    return rows.map((r) => `${day(r.l)} c${idOf(hex(r.customer_hk))} ${r.satellite_name} ${hashdiffs.get(hex(r.hashdiff)!) ?? hex(r.hashdiff)} ${r.tenant} ${r.record_source}`).sort();
  }

  test('§6.7 xts: fixed HASHDIFF/SATELLITE_NAME columns, extra columns before the load date, keys not part of the check, re-runs idempotent', async () => {
    await stageXts([x(1, 'Ann', 'L1', 'T1', '2024-01-01'), x(2, 'Ann', 'L1', 'T2', '2024-01-01'), x(null, 'Bob', 'L2', 'T9', '2024-01-01')]);
    assert.equal((await runModel(wh(), 'xts_audit', 'xts', XTS)).rows, 4, 'two keys with equal hashdiffs and load dates are both kept in one batch');
    assert.deepEqual(await columnsOf(wh(), 'xts_audit'), ['customer_hk', 'hashdiff', 'satellite_name', 'tenant', 'load_date', 'record_source']);

    const second = [x(1, 'Ann', 'L1', 'T1', '2024-01-02'), x(3, 'Ann', 'L1', 'T3', '2024-01-01'), x(2, 'Bob', 'L1', 'T2', '2024-01-02')];
    await stageXts(second);
    assert.equal((await runModel(wh(), 'xts_audit', 'xts', XTS)).rows, 4, "c3's rows repeat (hashdiff, load date, satellite) already held for c1/c2: skipped");
    await stageXts(second);
    assert.equal((await runModel(wh(), 'xts_audit', 'xts', XTS)).rows, 0, 'the same batch again');

    assert.deepEqual(await xtsContents('xts_audit'), [
      '2024-01-01 c1 SAT_DETAILS Ann T1 CRM',
      '2024-01-01 c1 SAT_LOGIN L1 T1 CRM',
      '2024-01-01 c2 SAT_DETAILS Ann T2 CRM',
      '2024-01-01 c2 SAT_LOGIN L1 T2 CRM',
      '2024-01-02 c1 SAT_DETAILS Ann T1 CRM',
      '2024-01-02 c1 SAT_LOGIN L1 T1 CRM',
      '2024-01-02 c2 SAT_DETAILS Bob T2 CRM',
      '2024-01-02 c2 SAT_LOGIN L1 T2 CRM',
    ]);
  });

  test('§6.7/quirk 9 xts: three satellites over two sat-name columns and two source models give valid SQL, one DV504 warning and every row', async () => {
    await stageXts([x(1, 'Ann', 'L1', 'T1', '2024-01-01')], { stg_xts_a: 'CRM', stg_xts_b: 'WEB' });
    const SHARED = { sat_name: { SATELLITE_NAME: 'SAT_DET' }, hashdiff: { HASHDIFF: 'LOG_HD' } };
    const args = { ...XTS, src_satellite: { SAT_DETAILS: DET, SAT_SHARED: SHARED, SAT_LOGIN: LOG }, source_model: ['stg_xts_a', 'stg_xts_b'] };
    const first = await runModel(wh(), 'xts_collide', 'xts', args);
    assert.deepEqual(
      first.ctx.diagnostics.map((d) => [d.code, d.severity]),
      [['DV504', 'warning']],
    );
    const cteNames = [...first.sql.matchAll(/^(\w+) AS \(/gm)].map((match) => match[1]);
    assert.equal(new Set(cteNames).size, cteNames.length, `CTE names are unique: ${cteNames.join(', ')}`);
    assert.equal(first.rows, 6);
    assert.equal((await runModel(wh(), 'xts_collide', 'xts', args)).rows, 0, 'the same batch again');
    assert.deepEqual(await xtsContents('xts_collide'), [
      '2024-01-01 c1 SAT_DETAILS Ann T1 CRM',
      '2024-01-01 c1 SAT_DETAILS Ann T1 WEB',
      '2024-01-01 c1 SAT_DETAILS L1 T1 CRM',
      '2024-01-01 c1 SAT_DETAILS L1 T1 WEB',
      '2024-01-01 c1 SAT_LOGIN L1 T1 CRM',
      '2024-01-01 c1 SAT_LOGIN L1 T1 WEB',
    ]);
  });
  test('§6.7 xts keeps rows whose satellite name is NULL, and inserts them again on every run (the NULL never matches the table)', async () => {
    const stage = {
      source_model: 'raw_xts_null',
      derived_columns: { RECORD_SOURCE: '!CRM', LOAD_DATE: 'loaded_at', SAT_LABEL: 'sat_label' },
      hashed_columns: { CUSTOMER_HK: 'cid', DET_HD: { is_hashdiff: true, columns: ['name'] } },
    };
    const args = { src_pk: 'CUSTOMER_HK', src_satellite: { SAT_DETAILS: { sat_name: { SATELLITE_NAME: 'SAT_LABEL' }, hashdiff: { HASHDIFF: 'DET_HD' } } }, src_ldts: 'LOAD_DATE', src_source: 'RECORD_SOURCE', source_model: 'stg_xts_null' };
    await loadBatch(wh(), 'raw_xts_null', [
      { cid: 1, name: 'Ann', sat_label: 'SAT_DETAILS', loaded_at: '2024-01-01' },
      { cid: 2, name: 'Bob', sat_label: null, loaded_at: '2024-01-01' },
    ]);
    await runModel(wh(), 'stg_xts_null', 'stage', stage);
    assert.equal((await runModel(wh(), 'xts_null_name', 'xts', args)).rows, 2);
    assert.equal((await runModel(wh(), 'xts_null_name', 'xts', args)).rows, 1, 'only the NULL-named row again');
    assert.equal((await runModel(wh(), 'xts_null_name', 'xts', args)).rows, 1);
    const rows = await wh().rows('SELECT satellite_name, COUNT(*) AS n FROM "xts_null_name" GROUP BY 1 ORDER BY 1');
    assert.deepEqual(rows.map((r) => [r.satellite_name, r.n]), [['SAT_DETAILS', '1'], [null, '3']]);
  });
});
