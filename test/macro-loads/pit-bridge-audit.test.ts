// A row-level audit of pit and bridge against spec §6.8/§6.9 on hand-made vault tables, so every satellite and
// effectivity row is where the scenario puts it: as-of dates before, between and after the data; the ghost key and
// date (AutomateDV 0.11.5's PostgreSQL pit writes as many ASCII zeros as the hash's hex digest, 32 or 64 for SHA,
// whatever enable_ghost_records says; test/compile/version-matrix-sat.test.ts covers the other releases); SHA keys; an as-of dates source; the
// incremental window (safe point = the earliest load date over every stage, lost and new as-of dates, backfilled keys); bridge walks over three links with end-dated relationships
// that close and re-open, and the date-only open test (quirk 8).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachWarehouse, hex, runModel, type TestWarehouse } from './warehouses';

const OPEN = '9999-12-31 23:59:59.999';
/** A key as PostgreSQL writes it from the name: the raw MD5 (or SHA-256) digest of the label. */
const key = (label: string, alg: 'md5' | 'sha256' = 'md5') => (alg === 'md5' ? `DECODE(MD5('${label}'), 'hex')` : `SHA256('${label}'::bytea)`);

forEachWarehouse('pit-bridge-audit', (wh: () => TestWarehouse) => {
  /** Labels for the hex of every key a scenario uses, so rows read as names. */
  const labels = new Map<string, string>();
  async function label(names: string[], alg: 'md5' | 'sha256' = 'md5'): Promise<void> {
    for (const n of names) {
      const r = await wh().rows(`SELECT ${key(n, alg)} AS k`);
      labels.set(hex(r[0]!.k)!, n);
    }
  }
  const name = (v: string | null | undefined): string => {
    if (v === null || v === undefined) return 'NULL';
    const h = hex(v)!;
    if (/^(30)+$/.test(h)) return `zeros${h.length / 2}`;
    return labels.get(h) ?? `?${h}`;
  };
  const day = (v: string | null | undefined) =>
    v === null || v === undefined ? 'NULL' : v === '1900-01-01 00:00:00' ? '1900' : v.replace(/ 00:00:00$/, '').replace(/:00$/, '');

  async function pitRows(table: string, sats: string[]): Promise<string[]> {
    const cols = sats.map((s) => `${s}_pk::text AS "${s}_k", ${s}_ldts::text AS "${s}_d"`).join(', ');
    const rows = await wh().rows(`SELECT customer_hk::text AS pk, as_of_date::text AS d, ${cols} FROM "${table}"`);
    return rows.map((r) => `${name(r.pk)} ${day(r.d)}: ${sats.map((s) => `${name(r[`${s}_k`])} ${day(r[`${s}_d`])}`).join(' | ')}`).sort();
  }

  async function columns(table: string): Promise<string[]> {
    const rows = await wh().rows(`SELECT column_name || ' ' || data_type AS c FROM information_schema.columns WHERE table_name = $1 AND table_schema = $2 ORDER BY ordinal_position`, [table, wh().schema]);
    return rows.map((r) => r.c!);
  }

  const PIT = {
    src_pk: 'CUSTOMER_HK',
    as_of_dates_table: 'aod',
    satellites: {
      sat_a1: { pk: { PK: 'CUSTOMER_HK' }, ldts: { LDTS: 'LOAD_DATE' } },
      sat_a2: { pk: { PK: 'CUSTOMER_HK' }, ldts: { LDTS: 'LOAD_DATE' } },
    },
    stage_tables_ldts: { stg_a1: 'LOAD_DATE', stg_a2: 'LOAD_DATE' },
    src_ldts: 'LOAD_DATE',
    source_model: 'hub_a',
  };

  before(async () => {
    await label(['K1', 'K2', 'K3', 'K4']);
    await wh().exec(`
      CREATE TABLE hub_a (customer_hk bytea, customer_id text, load_date timestamp, record_source text);
      CREATE TABLE sat_a1 (customer_hk bytea, hashdiff bytea, name text, load_date timestamp, record_source text);
      CREATE TABLE sat_a2 (customer_hk bytea, hashdiff bytea, device text, load_date timestamp, record_source text);
      CREATE TABLE stg_a1 (customer_hk bytea, load_date timestamp);
      CREATE TABLE stg_a2 (customer_hk bytea, load_date timestamp);
      CREATE TABLE aod (as_of_date timestamp);
      INSERT INTO hub_a VALUES (${key('K1')}, '1', '2024-01-02', 'CRM'), (${key('K2')}, '2', '2024-01-02', 'CRM'), (${key('K3')}, '3', '2024-01-10', 'CRM');
      INSERT INTO sat_a1 VALUES
        (${key('K1')}, NULL, 'Ann', '2024-01-02', 'CRM'), (${key('K1')}, NULL, 'Ann2', '2024-01-05', 'CRM'),
        (${key('K2')}, NULL, 'Bob', '2024-01-03', 'CRM');
      INSERT INTO sat_a2 VALUES (${key('K1')}, NULL, 'phone', '2024-01-04 10:00', 'CRM');
      INSERT INTO stg_a1 VALUES (${key('K1')}, '2024-01-02'), (${key('K3')}, '2024-01-10');
      INSERT INTO stg_a2 VALUES (${key('K1')}, '2024-01-04 10:00');
      INSERT INTO aod VALUES ('2024-01-01'), ('2024-01-03'), ('2024-01-04'), ('2024-01-05'), ('2024-02-01');
    `);
  });

  test('pit first load: before, between, equal to and after the load dates; ghosts for a key with no satellite row', async () => {
    const run = await runModel(wh(), 'pit_a', 'pit', PIT);
    assert.equal(run.rows, 15, 'three hub keys × five as-of dates');
    assert.deepEqual(await pitRows('pit_a', ['sat_a1', 'sat_a2']), [
      'K1 2024-01-01: zeros32 1900 | zeros32 1900',
      'K1 2024-01-03: K1 2024-01-02 | zeros32 1900',
      // sat_a2's row was loaded at 10:00 on the 4th: after midnight, so not yet there.
      'K1 2024-01-04: K1 2024-01-02 | zeros32 1900',
      'K1 2024-01-05: K1 2024-01-05 | K1 2024-01-04 10:00',
      'K1 2024-02-01: K1 2024-01-05 | K1 2024-01-04 10:00',
      'K2 2024-01-01: zeros32 1900 | zeros32 1900',
      'K2 2024-01-03: K2 2024-01-03 | zeros32 1900',
      'K2 2024-01-04: K2 2024-01-03 | zeros32 1900',
      'K2 2024-01-05: K2 2024-01-03 | zeros32 1900',
      'K2 2024-02-01: K2 2024-01-03 | zeros32 1900',
      // The hub is not filtered by its own load date: K3 (loaded on the 10th) has a row, all ghosts, at every date.
      'K3 2024-01-01: zeros32 1900 | zeros32 1900',
      'K3 2024-01-03: zeros32 1900 | zeros32 1900',
      'K3 2024-01-04: zeros32 1900 | zeros32 1900',
      'K3 2024-01-05: zeros32 1900 | zeros32 1900',
      'K3 2024-02-01: zeros32 1900 | zeros32 1900',
    ]);
    assert.deepEqual(await columns('pit_a'), [
      'customer_hk bytea',
      'as_of_date timestamp without time zone',
      'sat_a1_pk bytea',
      'sat_a1_ldts timestamp without time zone',
      'sat_a2_pk bytea',
      'sat_a2_ldts timestamp without time zone',
    ]);
    // enable_ghost_records: the same rows and the same key, 32 ASCII zeros (an MD5 hex digest long): 0.11.x's pit
    // never reads the var.
    await runModel(wh(), 'pit_a_ghosts', 'pit', PIT, { vars: { enable_ghost_records: true } });
    assert.deepEqual(await pitRows('pit_a_ghosts', ['sat_a1', 'sat_a2']), await pitRows('pit_a', ['sat_a1', 'sat_a2']));
    await wh().exec('DROP TABLE pit_a');
  });

  test('pit with SHA keys: 64 ASCII zeros, with or without enable_ghost_records', async () => {
    await label(['S1', 'S2'], 'sha256');
    await wh().exec(`
      CREATE TABLE hub_sha (customer_hk bytea, load_date timestamp);
      CREATE TABLE sat_sha (customer_hk bytea, load_date timestamp);
      CREATE TABLE stg_sha (load_date timestamp);
      INSERT INTO hub_sha VALUES (${key('S1', 'sha256')}, '2024-01-02'), (${key('S2', 'sha256')}, '2024-01-02');
      INSERT INTO sat_sha VALUES (${key('S1', 'sha256')}, '2024-01-02');
      INSERT INTO stg_sha VALUES ('2024-01-02');
    `);
    const args = { ...PIT, satellites: { sat_sha: PIT.satellites.sat_a1 }, stage_tables_ldts: { stg_sha: 'LOAD_DATE' }, source_model: 'hub_sha' };
    await runModel(wh(), 'pit_sha', 'pit', args, { vars: { hash: 'SHA' } });
    assert.deepEqual(await pitRows('pit_sha', ['sat_sha']), [
      'S1 2024-01-01: zeros64 1900',
      'S1 2024-01-03: S1 2024-01-02',
      'S1 2024-01-04: S1 2024-01-02',
      'S1 2024-01-05: S1 2024-01-02',
      'S1 2024-02-01: S1 2024-01-02',
      'S2 2024-01-01: zeros64 1900',
      'S2 2024-01-03: zeros64 1900',
      'S2 2024-01-04: zeros64 1900',
      'S2 2024-01-05: zeros64 1900',
      'S2 2024-02-01: zeros64 1900',
    ]);
    // enable_ghost_records changes nothing: 0.11.x's pit never reads the var.
    await runModel(wh(), 'pit_sha_ghosts', 'pit', args, { vars: { hash: 'SHA', enable_ghost_records: true } });
    const ghosts = (await pitRows('pit_sha_ghosts', ['sat_sha'])).filter((r) => r.includes('1900'));
    assert.equal(ghosts.length, 6);
    assert.ok(ghosts.every((r) => r.endsWith('zeros64 1900')), ghosts.join('\n'));
  });

  test('pit as_of_dates_table from a source: {source_name: table}', async () => {
    await wh().exec(`CREATE SCHEMA IF NOT EXISTS "calendar"; DROP TABLE IF EXISTS "calendar"."days"; CREATE TABLE "calendar"."days" (as_of_date timestamp); INSERT INTO "calendar"."days" VALUES ('2024-01-03')`);
    const run = await runModel(wh(), 'pit_src', 'pit', { ...PIT, as_of_dates_table: { calendar: 'days' } });
    assert.match(run.sql, /SELECT \* FROM "[^"]+"\."calendar"\."days"/);
    assert.deepEqual(await pitRows('pit_src', ['sat_a1', 'sat_a2']), [
      'K1 2024-01-03: K1 2024-01-02 | zeros32 1900',
      'K2 2024-01-03: K2 2024-01-03 | zeros32 1900',
      'K3 2024-01-03: zeros32 1900 | zeros32 1900',
    ]);
  });

  test('pit incremental: the safe point is the earliest load date over every stage; older dates are kept, lost dates dropped, new dates and keys filled', async () => {
    await runModel(wh(), 'pit_inc', 'pit', PIT);
    const firstLoad = await pitRows('pit_inc', ['sat_a1', 'sat_a2']);
    assert.equal(firstLoad.length, 15);

    // The next batch: stg_a1 holds 2024-01-10 onwards, stg_a2 a row from 2024-01-04 12:00 (the earliest: the safe
    // point). sat_a2 gets K2's row from that stage; K4 arrives with sat_a1's row on the 10th; K1 changes on the 10th.
    await wh().exec(`
      TRUNCATE stg_a1; TRUNCATE stg_a2;
      INSERT INTO stg_a1 VALUES (${key('K1')}, '2024-01-10'), (${key('K4')}, '2024-01-10');
      INSERT INTO stg_a2 VALUES (${key('K2')}, '2024-01-04 12:00');
      INSERT INTO hub_a VALUES (${key('K4')}, '4', '2024-01-10', 'CRM');
      INSERT INTO sat_a1 VALUES (${key('K1')}, NULL, 'Ann3', '2024-01-10', 'CRM'), (${key('K4')}, NULL, 'Dan', '2024-01-10', 'CRM');
      INSERT INTO sat_a2 VALUES (${key('K2')}, NULL, 'tablet', '2024-01-04 12:00', 'CRM');
      -- The as-of grain changes: 2024-01-03 goes, 2023-12-31 (before the safe point) and 2024-01-20 come.
      DELETE FROM aod WHERE as_of_date = '2024-01-03';
      INSERT INTO aod VALUES ('2023-12-31'), ('2024-01-20');
    `);
    const run = await runModel(wh(), 'pit_inc', 'pit', PIT);
    const expected = [
      'K1 2023-12-31: zeros32 1900 | zeros32 1900',
      'K1 2024-01-01: zeros32 1900 | zeros32 1900',
      'K1 2024-01-04: K1 2024-01-02 | zeros32 1900',
      'K1 2024-01-05: K1 2024-01-05 | K1 2024-01-04 10:00',
      'K1 2024-01-20: K1 2024-01-10 | K1 2024-01-04 10:00',
      'K1 2024-02-01: K1 2024-01-10 | K1 2024-01-04 10:00',
      'K2 2023-12-31: zeros32 1900 | zeros32 1900',
      'K2 2024-01-01: zeros32 1900 | zeros32 1900',
      'K2 2024-01-04: K2 2024-01-03 | zeros32 1900',
      // 2024-01-05 lies after the safe point (2024-01-04 12:00), so it is rebuilt and sees K2's new sat_a2 row.
      'K2 2024-01-05: K2 2024-01-03 | K2 2024-01-04 12:00',
      'K2 2024-01-20: K2 2024-01-03 | K2 2024-01-04 12:00',
      'K2 2024-02-01: K2 2024-01-03 | K2 2024-01-04 12:00',
      'K3 2023-12-31: zeros32 1900 | zeros32 1900',
      'K3 2024-01-01: zeros32 1900 | zeros32 1900',
      'K3 2024-01-04: zeros32 1900 | zeros32 1900',
      'K3 2024-01-05: zeros32 1900 | zeros32 1900',
      'K3 2024-01-20: zeros32 1900 | zeros32 1900',
      'K3 2024-02-01: zeros32 1900 | zeros32 1900',
      // K4 (hub load date after the safe point) is backfilled with ghosts for the dates before it.
      'K4 2023-12-31: zeros32 1900 | zeros32 1900',
      'K4 2024-01-01: zeros32 1900 | zeros32 1900',
      'K4 2024-01-04: zeros32 1900 | zeros32 1900',
      'K4 2024-01-05: zeros32 1900 | zeros32 1900',
      'K4 2024-01-20: K4 2024-01-10 | zeros32 1900',
      'K4 2024-02-01: K4 2024-01-10 | zeros32 1900',
    ];
    assert.equal(run.rows, expected.length, 'pit_incremental replaces the table; 2024-01-03 is gone');
    assert.deepEqual(await pitRows('pit_inc', ['sat_a1', 'sat_a2']), expected);

    // What the incremental run keeps from the old table equals a rebuild from scratch of the current data.
    await runModel(wh(), 'pit_full', 'pit', PIT);
    assert.deepEqual(await pitRows('pit_full', ['sat_a1', 'sat_a2']), expected);
  });

  test('pit incremental keeps the old rows before the safe point even where a satellite changed (AutomateDV trusts the stages)', async () => {
    // A satellite row older than every stage's load date (loaded from a stage not listed in stage_tables_ldts, say)
    // does not reach the as-of dates before the safe point: those rows come from the existing table.
    await wh().exec(`
      CREATE TABLE pit_keep AS SELECT * FROM pit_full;
      INSERT INTO sat_a2 VALUES (${key('K2')}, NULL, 'watch', '2024-01-01', 'LATE');
    `);
    await runModel(wh(), 'pit_keep', 'pit', PIT);
    const rows = await pitRows('pit_keep', ['sat_a1', 'sat_a2']);
    assert.ok(rows.includes('K2 2024-01-04: K2 2024-01-03 | zeros32 1900'), 'before the safe point (2024-01-04 12:00): kept');
    assert.ok(rows.includes('K2 2024-01-05: K2 2024-01-03 | K2 2024-01-04 12:00'), 'after it: rebuilt');
    await runModel(wh(), 'pit_rebuilt', 'pit', PIT);
    assert.ok((await pitRows('pit_rebuilt', ['sat_a1', 'sat_a2'])).includes('K2 2024-01-04: K2 2024-01-03 | K2 2024-01-01'), 'a rebuild sees the row');
    await wh().exec(`DELETE FROM sat_a2 WHERE record_source = 'LATE'`);
  });

  test('pit incremental with every stage empty: no safe point, so the table empties (as AutomateDV does) and the next run rebuilds it', async () => {
    await wh().exec(`CREATE TABLE stg_empty (load_date timestamp); CREATE TABLE pit_empty AS SELECT * FROM pit_full;`);
    const args = { ...PIT, stage_tables_ldts: { stg_empty: 'LOAD_DATE' } };
    assert.equal((await runModel(wh(), 'pit_empty', 'pit', args)).rows, 0, 'MIN over no rows is NULL: nothing is kept, backfilled or rebuilt');
    // The next run finds no old as-of dates in the (empty) table, so every date counts as new and is rebuilt.
    await runModel(wh(), 'pit_empty', 'pit', args);
    await runModel(wh(), 'pit_empty_rebuilt', 'pit', args);
    const rebuilt = await pitRows('pit_empty_rebuilt', ['sat_a1', 'sat_a2']);
    assert.equal(rebuilt.length, 24);
    assert.deepEqual(await pitRows('pit_empty', ['sat_a1', 'sat_a2']), rebuilt);
  });

  // ---------------------------------------------------------------------------------------------------------------
  // bridge: customer → order → product → supplier, each link with an effectivity satellite.

  const step = (l: string, r: string, fk1: string, fk2: string) => ({
    bridge_link_pk: `LINK_${l}${r}_PK`,
    bridge_end_date: `EFF_${l}${r}_ENDDATE`,
    bridge_load_date: `EFF_${l}${r}_LOADDATE`,
    link_table: `LINK_${l}${r}`.toLowerCase(),
    link_pk: `${l}${r}_HK`,
    link_fk1: fk1,
    link_fk2: fk2,
    eff_sat_table: `EFF_SAT_${l}${r}`.toLowerCase(),
    eff_sat_pk: `${l}${r}_HK`,
    eff_sat_end_date: 'END_DATE',
    eff_sat_load_date: 'LOAD_DATE',
  });
  const BRIDGE = {
    src_pk: 'CUSTOMER_HK',
    as_of_dates_table: 'bod',
    bridge_walk: {
      CUSTOMER_ORDER: step('C', 'O', 'CUSTOMER_HK', 'ORDER_HK'),
      ORDER_PRODUCT: step('O', 'P', 'ORDER_HK', 'PRODUCT_HK'),
      PRODUCT_SUPPLIER: step('P', 'S', 'PRODUCT_HK', 'SUPPLIER_HK'),
    },
    stage_tables_ldts: { stg_bridge: 'LOAD_DATE' },
    src_ldts: 'LOAD_DATE',
    source_model: 'hub_c',
  };

  async function bridgeRows(table: string): Promise<string[]> {
    const rows = await wh().rows(`SELECT customer_hk::text AS pk, as_of_date::text AS d, link_co_pk::text AS a, link_op_pk::text AS b, link_ps_pk::text AS c FROM "${table}"`);
    return rows.map((r) => `${name(r.pk)} ${day(r.d)}: ${name(r.a)} ${name(r.b)} ${name(r.c)}`).sort();
  }

  /** Links (key, fk1, fk2) and effectivity rows (key, end date, load date). */
  async function loadBridgeVault(links: Record<string, [string, string, string][]>, effs: Record<string, [string, string, string][]>): Promise<void> {
    const all = new Set<string>();
    for (const rows of Object.values(links)) for (const r of rows) r.forEach((n) => all.add(n));
    await label([...all]);
    for (const [table, rows] of Object.entries(links)) {
      for (const [k, a, b] of rows) await wh().exec(`INSERT INTO ${table} VALUES (${key(k)}, ${key(a)}, ${key(b)}, '2024-01-01', 'ERP')`);
    }
    for (const [table, rows] of Object.entries(effs)) {
      for (const [k, end, ldts] of rows) await wh().exec(`INSERT INTO ${table} VALUES (${key(k)}, '2024-01-01', '${end}', '${ldts}', '${ldts}', 'ERP')`);
    }
  }

  test('bridge over three links: only relationships open at each as-of date, closing and re-opening, a latest row per link key', async () => {
    await wh().exec(`
      CREATE TABLE hub_c (customer_hk bytea, customer_id text, load_date timestamp, record_source text);
      CREATE TABLE link_co (co_hk bytea, customer_hk bytea, order_hk bytea, load_date timestamp, record_source text);
      CREATE TABLE link_op (op_hk bytea, order_hk bytea, product_hk bytea, load_date timestamp, record_source text);
      CREATE TABLE link_ps (ps_hk bytea, product_hk bytea, supplier_hk bytea, load_date timestamp, record_source text);
      CREATE TABLE eff_sat_co (co_hk bytea, start_date timestamp, end_date timestamp, effective_from timestamp, load_date timestamp, record_source text);
      CREATE TABLE eff_sat_op (op_hk bytea, start_date timestamp, end_date timestamp, effective_from timestamp, load_date timestamp, record_source text);
      CREATE TABLE eff_sat_ps (ps_hk bytea, start_date timestamp, end_date timestamp, effective_from timestamp, load_date timestamp, record_source text);
      CREATE TABLE stg_bridge (load_date timestamp);
      CREATE TABLE bod (as_of_date timestamp);
      INSERT INTO stg_bridge VALUES ('2024-01-01');
      INSERT INTO bod VALUES ('2023-12-31'), ('2024-01-02'), ('2024-01-04'), ('2024-01-05'), ('2024-01-07');
    `);
    await label(['C1', 'C2', 'C3', 'C4']);
    for (const c of ['C1', 'C2', 'C3', 'C4']) await wh().exec(`INSERT INTO hub_c VALUES (${key(c)}, '${c}', '2024-01-01', 'ERP')`);
    await loadBridgeVault(
      {
        link_co: [['C1O1', 'C1', 'O1'], ['C2O2', 'C2', 'O2'], ['C3O3', 'C3', 'O3'], ['C4O4', 'C4', 'O4']],
        link_op: [['O1P1', 'O1', 'P1'], ['O2P2', 'O2', 'P2'], ['O3P3', 'O3', 'P3'], ['O4P4', 'O4', 'P4']],
        link_ps: [['P1S1', 'P1', 'S1'], ['P1S2', 'P1', 'S2'], ['P3S3', 'P3', 'S3'], ['P4S4', 'P4', 'S4']],
      },
      {
        eff_sat_co: [
          ['C1O1', OPEN, '2024-01-01'],
          ['C2O2', OPEN, '2024-01-01'],
          // C3's order closes on the 3rd and re-opens on the 6th.
          ['C3O3', OPEN, '2024-01-01'],
          ['C3O3', '2024-01-03', '2024-01-03'],
          ['C3O3', OPEN, '2024-01-06'],
          // C4's end date is the max date at midnight: still the max *date*, so open (dates compared as dates).
          ['C4O4', '9999-12-31 00:00:00', '2024-01-01'],
        ],
        eff_sat_op: [['O1P1', OPEN, '2024-01-01'], ['O2P2', OPEN, '2024-01-01'], ['O3P3', OPEN, '2024-01-01'], ['O4P4', OPEN, '2024-01-01']],
        // P1 swaps supplier S1 for S2 on the 5th; P4's supplier link has no effectivity row before the 7th.
        eff_sat_ps: [['P1S1', OPEN, '2024-01-01'], ['P1S1', '2024-01-05', '2024-01-05'], ['P1S2', OPEN, '2024-01-05'], ['P3S3', OPEN, '2024-01-01'], ['P4S4', OPEN, '2024-01-07']],
      },
    );
    const run = await runModel(wh(), 'bridge_c', 'bridge', BRIDGE);
    assert.deepEqual(await bridgeRows('bridge_c'), [
      // Nothing on 2023-12-31: no effectivity row is loaded yet.
      'C1 2024-01-02: C1O1 O1P1 P1S1',
      'C1 2024-01-04: C1O1 O1P1 P1S1',
      'C1 2024-01-05: C1O1 O1P1 P1S2',
      'C1 2024-01-07: C1O1 O1P1 P1S2',
      // C2's product has no supplier link: no complete walk, no row. C3 is closed on the 4th and 5th.
      'C3 2024-01-02: C3O3 O3P3 P3S3',
      'C3 2024-01-07: C3O3 O3P3 P3S3',
      'C4 2024-01-07: C4O4 O4P4 P4S4',
    ]);
    assert.equal(run.rows, 7);
    assert.deepEqual(await columns('bridge_c'), ['customer_hk bytea', 'as_of_date timestamp without time zone', 'link_co_pk bytea', 'link_op_pk bytea', 'link_ps_pk bytea']);
  });

  test('bridge incremental: later dates rebuilt from the walk, earlier ones kept; the same as a rebuild', async () => {
    await wh().exec(`
      TRUNCATE stg_bridge; INSERT INTO stg_bridge VALUES ('2024-01-08');
      DELETE FROM bod WHERE as_of_date = '2024-01-04';
      INSERT INTO bod VALUES ('2024-01-03'), ('2024-01-10');
    `);
    await loadBridgeVault({ link_co: [['C2O5', 'C2', 'O5']], link_op: [['O5P3', 'O5', 'P3']] }, {
      eff_sat_co: [['C1O1', '2024-01-08', '2024-01-08'], ['C2O5', OPEN, '2024-01-08']],
      eff_sat_op: [['O5P3', OPEN, '2024-01-08']],
    });
    const run = await runModel(wh(), 'bridge_c', 'bridge', BRIDGE);
    const expected = [
      'C1 2024-01-02: C1O1 O1P1 P1S1',
      'C1 2024-01-03: C1O1 O1P1 P1S1',
      'C1 2024-01-05: C1O1 O1P1 P1S2',
      'C1 2024-01-07: C1O1 O1P1 P1S2',
      // C1's order closed on the 8th; C2's new order reaches supplier S3 through product P3.
      'C2 2024-01-10: C2O5 O5P3 P3S3',
      // On the 3rd C3's latest effectivity row is the one that closes it (loaded that day).
      'C3 2024-01-02: C3O3 O3P3 P3S3',
      'C3 2024-01-07: C3O3 O3P3 P3S3',
      'C3 2024-01-10: C3O3 O3P3 P3S3',
      'C4 2024-01-07: C4O4 O4P4 P4S4',
      'C4 2024-01-10: C4O4 O4P4 P4S4',
    ];
    assert.deepEqual(await bridgeRows('bridge_c'), expected);
    assert.equal(run.rows, expected.length);
    await runModel(wh(), 'bridge_rebuilt', 'bridge', BRIDGE);
    assert.deepEqual(await bridgeRows('bridge_rebuilt'), expected);
  });

  test('bridge max_datetime var: the open marker follows it', async () => {
    // C4's whole walk is re-loaded on the 9th with end date 8888-12-31.
    await loadBridgeVault({}, { eff_sat_co: [['C4O4', '8888-12-31', '2024-01-09']], eff_sat_op: [['O4P4', '8888-12-31', '2024-01-09']], eff_sat_ps: [['P4S4', '8888-12-31', '2024-01-09']] });
    await runModel(wh(), 'bridge_max', 'bridge', BRIDGE, { vars: { max_datetime: '8888-12-31 23:59:59.999' } });
    assert.deepEqual(await bridgeRows('bridge_max'), ['C4 2024-01-10: C4O4 O4P4 P4S4']);
    await runModel(wh(), 'bridge_default_max', 'bridge', BRIDGE);
    assert.equal((await bridgeRows('bridge_default_max')).filter((r) => r.startsWith('C4 2024-01-10')).length, 0);
  });
});
