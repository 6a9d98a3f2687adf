// A row-level audit of hub, link, sat and nh_link/t_link against spec §6.1, §6.2, §6.3, §6.3.1, §6.6 and quirks 5, 7
// and 12, on PostgreSQL (PGlite), over several batches. The "stage" tables are plain tables with readable BYTEA keys
// (the ASCII bytes of 'K1', 'A', ...) so the scenarios do not depend on the stage or on hashing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PGlite } from '@electric-sql/pglite';
import { parseModel } from '../../server/src/model/parse';
import { compileModel, loadBatch, runModel, startWarehouse, type ModelOptions } from '../compile/pglite-loader';

let db: PGlite;

before(async () => {
  db = await startWarehouse();
  await db.exec(`
    CREATE TABLE stg_a (hk bytea, nk text, ldts timestamp, src text);
    CREATE TABLE stg_b (hk bytea, nk text, ldts timestamp, src text);
    CREATE TABLE stg_la (lk bytea, fk1 bytea, fk2 bytea, ldts timestamp, src text);
    CREATE TABLE stg_lb (lk bytea, fk1 bytea, fk2 bytea, ldts timestamp, src text);
    CREATE TABLE stg_s (hk bytea, hd bytea, name text, score integer, eff timestamp, ldts timestamp, src text);
    CREATE TABLE stg_g (src character varying(5), name text, ldts date, hd bytea, score integer, hk bytea, other text);
    CREATE TABLE stg_t (tk bytea, fk1 bytea, fk2 bytea, amount integer, ldts timestamp, src text);
  `);
});

after(async () => {
  await db.close();
});

/** The ASCII bytes of a short label, as a BYTEA key or hashdiff. */
const b = (label: string | null): Uint8Array | null => (label === null ? null : new TextEncoder().encode(label));
const day = (d: number): string => `2024-01-${String(d + 1).padStart(2, '0')} 00:00:00`;

/** Rows of a table as arrays of text (BYTEA shown as its ASCII text), sorted. */
async function rows(table: string, columns: string[]): Promise<string[][]> {
  const bytesToText = (c: string) => `COALESCE(convert_from(${c}, 'UTF8'), '∅')`;
  const types = await db.query<{ column_name: string; data_type: string }>(
    `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1`,
    [table],
  );
  const bytea = new Set(types.rows.filter((r) => r.data_type === 'bytea').map((r) => r.column_name));
  const select = columns.map((c) => (bytea.has(c) ? bytesToText(c) : `COALESCE(${c}::text, '∅')`)).join(', ');
  const result = await db.query<Record<string, string>>(`SELECT ${select} FROM "${table}"`, [], { rowMode: 'array' } as never);
  return (result.rows as unknown as string[][]).map((r) => r.map(String)).sort((x, y) => x.join('|').localeCompare(y.join('|')));
}

async function columnsOf(table: string): Promise<string[]> {
  const r = await db.query<{ column_name: string }>(
    'SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position',
    [table],
  );
  return r.rows.map((x) => x.column_name);
}

// ---------------------------------------------------------------------------------------------------------------- hub

const HUB = { src_pk: 'HK', src_nk: 'NK', src_ldts: 'LDTS', src_source: 'SRC' };
const h = (hk: string | null, nk: string, d: number, src: string) => ({ hk: b(hk), nk, ldts: day(d), src });

test('§6.1 single-source hub: NULL keys dropped, the earliest row per key, later batches add only new keys', async () => {
  await loadBatch(db, 'stg_a', [h('K1', 'n1-late', 3, 'S'), h('K1', 'n1-early', 1, 'S'), h(null, 'none', 1, 'S'), h('K2', 'n2', 2, 'S')]);
  assert.equal(await runModel(db, 'hub_one', 'hub', { ...HUB, source_model: 'stg_a' }), 2);
  assert.deepEqual(await columnsOf('hub_one'), ['hk', 'nk', 'ldts', 'src']);
  // K1 arrives earlier than stored: existing keys are never updated; K3 is new.
  await loadBatch(db, 'stg_a', [h('K1', 'n1-earlier', 0, 'S'), h('K3', 'n3-b', 5, 'S'), h('K3', 'n3-a', 4, 'S')]);
  assert.equal(await runModel(db, 'hub_one', 'hub', { ...HUB, source_model: 'stg_a' }), 1);
  assert.deepEqual(await rows('hub_one', ['hk', 'nk', 'ldts', 'src']), [
    ['K1', 'n1-early', day(1), 'S'],
    ['K2', 'n2', day(2), 'S'],
    ['K3', 'n3-a', day(4), 'S'],
  ]);
  // The same batch again: nothing.
  assert.equal(await runModel(db, 'hub_one', 'hub', { ...HUB, source_model: 'stg_a' }), 0);
});

test('§6.1 multi-source hub: earliest ldts across sources wins; an ldts tie goes to the alphabetically first source', async () => {
  await loadBatch(db, 'stg_a', [h('K1', 'a1', 2, 'ZETA'), h('K2', 'a2', 1, 'ZETA'), h('K2', 'a2-late', 9, 'ZETA'), h(null, 'x', 0, 'ZETA')]);
  await loadBatch(db, 'stg_b', [h('K1', 'b1', 3, 'ALPHA'), h('K2', 'b2', 1, 'ALPHA'), h('K4', 'b4', 4, 'ALPHA')]);
  const hub = { ...HUB, source_model: ['stg_a', 'stg_b'] };
  assert.equal(await runModel(db, 'hub_multi', 'hub', hub), 3);
  assert.deepEqual(await rows('hub_multi', ['hk', 'nk', 'ldts', 'src']), [
    ['K1', 'a1', day(2), 'ZETA'],
    ['K2', 'b2', day(1), 'ALPHA'],
    ['K4', 'b4', day(4), 'ALPHA'],
  ]);
  await loadBatch(db, 'stg_a', [h('K5', 'a5', 7, 'ZETA'), h('K4', 'a4', 0, 'ZETA')]);
  await loadBatch(db, 'stg_b', [h('K5', 'b5', 7, 'ALPHA')]);
  assert.equal(await runModel(db, 'hub_multi', 'hub', hub), 1);
  assert.deepEqual((await rows('hub_multi', ['hk', 'nk', 'src'])).slice(-1), [['K5', 'b5', 'ALPHA']]);
});

// --------------------------------------------------------------------------------------------------------------- link

const LINK = { src_pk: 'LK', src_fk: ['FK1', 'FK2'], src_ldts: 'LDTS', src_source: 'SRC' };
const l = (lk: string | null, fk1: string | null, fk2: string | null, d: number, src: string) => ({ lk: b(lk), fk1: b(fk1), fk2: b(fk2), ldts: day(d), src });

test('§6.2/quirk 5 links: NULL foreign keys filtered before ranking with one source, after ranking with several', async () => {
  await loadBatch(db, 'stg_la', [
    l('L1', null, 'F2', 1, 'ZETA'), // the earliest L1 row has a NULL FK
    l('L1', 'F1', 'F2', 2, 'ZETA'),
    l('L2', 'F1', 'F3', 1, 'ZETA'),
    l(null, 'F1', 'F3', 0, 'ZETA'),
  ]);
  await loadBatch(db, 'stg_lb', [l('L2', 'F1', 'F3', 1, 'ALPHA'), l('L3', 'F9', null, 1, 'ALPHA')]);
  assert.equal(await runModel(db, 'link_one', 'link', { ...LINK, source_model: 'stg_la' }), 2);
  assert.deepEqual(await rows('link_one', ['lk', 'fk1', 'fk2', 'ldts', 'src']), [
    ['L1', 'F1', 'F2', day(2), 'ZETA'],
    ['L2', 'F1', 'F3', day(1), 'ZETA'],
  ]);
  assert.deepEqual(await columnsOf('link_one'), ['lk', 'fk1', 'fk2', 'ldts', 'src']);

  const multi = { ...LINK, source_model: ['stg_la', 'stg_lb'] };
  assert.equal(await runModel(db, 'link_multi', 'link', multi), 1);
  assert.deepEqual(await rows('link_multi', ['lk', 'src']), [['L2', 'ALPHA']], 'L1 ranks its NULL-FK row first and vanishes; L3 has a NULL FK');

  await loadBatch(db, 'stg_la', [l('L1', 'F1', 'F2', 5, 'ZETA'), l('L2', 'F1', 'F3', 0, 'ZETA')]);
  await loadBatch(db, 'stg_lb', []);
  assert.equal(await runModel(db, 'link_multi', 'link', multi), 1, 'L1 now ranks a full row; L2 already exists');
  assert.equal(await runModel(db, 'link_one', 'link', { ...LINK, source_model: 'stg_la' }), 0);
});

// ---------------------------------------------------------------------------------------------------------- nh_link

const NH = { src_pk: 'TK', src_fk: ['FK1', 'FK2'], src_payload: ['AMOUNT'], src_eff: 'LDTS', src_ldts: 'LDTS', src_source: 'SRC', source_model: 'stg_t' };
const t = (tk: string | null, fk1: string | null, fk2: string | null, amount: number, d: number) => ({ tk: b(tk), fk1: b(fk1), fk2: b(fk2), amount, ldts: day(d), src: 'S' });

test('§6.6 nh_link and t_link: every key required, exact duplicates collapse, differing rows of one key all kept, then only new keys', async () => {
  const batch1 = [t('T1', 'A', 'B', 1, 1), t('T1', 'A', 'B', 1, 1), t('T1', 'A', 'B', 2, 1), t('T2', null, 'B', 3, 1), t(null, 'A', 'B', 4, 1), t('T3', 'A', 'C', 5, 2)];
  await loadBatch(db, 'stg_t', batch1);
  for (const macro of ['nh_link', 't_link']) {
    assert.equal(await runModel(db, `tx_${macro}`, macro, NH), 3, macro);
    assert.deepEqual(await columnsOf(`tx_${macro}`), ['tk', 'fk1', 'fk2', 'amount', 'ldts', 'src']);
  }
  await loadBatch(db, 'stg_t', [t('T1', 'A', 'B', 9, 5), t('T4', 'A', 'D', 6, 5), t('T4', 'A', 'D', 6, 5)]);
  for (const macro of ['nh_link', 't_link']) {
    assert.equal(await runModel(db, `tx_${macro}`, macro, NH), 1, macro);
    assert.deepEqual(await rows(`tx_${macro}`, ['tk', 'amount']), [['T1', '1'], ['T1', '2'], ['T3', '5'], ['T4', '6']]);
  }
});

test('§6.6 nh_link whose src_eff is its src_ldts: AutomateDV lists the column twice (PostgreSQL rejects it); dvs lists it once and warns', async () => {
  await loadBatch(db, 'stg_t', [t('T1', 'A', 'B', 1, 1)]);
  const { sql, ctx } = await compileModel(db, 'tx_dup', 'nh_link', NH);
  assert.match(sql, /SELECT TK, FK1, FK2, AMOUNT, LDTS, SRC\n/);
  assert.deepEqual(ctx.diagnostics.map((d) => [d.code, d.severity]), [['DV511', 'warning']]);
  assert.match(ctx.diagnostics[0]!.message, /LDTS/);
  const distinct = await compileModel(db, 'tx_dup', 'nh_link', { ...NH, src_eff: 'AMOUNT', src_payload: ['SRC'] });
  assert.deepEqual(distinct.ctx.diagnostics.map((d) => d.code), ['DV511'], 'SRC as payload and record source');
  const clean = await compileModel(db, 'tx_dup', 'nh_link', { ...NH, src_payload: null, src_eff: 'AMOUNT' });
  assert.deepEqual(clean.ctx.diagnostics, []);
});

test('§1.3 t_link in 0.11.5 no longer checks its required parameters: no src_eff compiles; nh_link and 0.11.0 t_link reject only src_eff=none', async () => {
  await loadBatch(db, 'stg_t', [t('T1', 'A', 'B', 1, 1), t('T2', 'A', 'C', 2, 1)]);
  const { src_eff: _eff, ...withoutEff } = NH;
  void _eff;
  assert.equal(await runModel(db, 'tx_no_eff', 't_link', withoutEff), 2);
  assert.deepEqual(await columnsOf('tx_no_eff'), ['tk', 'fk1', 'fk2', 'amount', 'ldts', 'src']);
  // An src_eff that is not passed is Jinja Undefined: AutomateDV's required check (nh_link, and t_link before 0.11.5)
  // rejects only none, and expand_column_list drops it, so the table is built without it.
  assert.equal(await runModel(db, 'tx_no_eff_nh', 'nh_link', withoutEff), 2);
  assert.deepEqual(await columnsOf('tx_no_eff_nh'), ['tk', 'fk1', 'fk2', 'amount', 'ldts', 'src']);
  assert.equal(await runModel(db, 'tx_no_eff_old', 't_link', withoutEff, { compat: { version: '0.11.0', satLogic: 'first-record', hashing: 'binary' } }), 2);
  // src_eff=none is what the check rejects.
  await assert.rejects(compileModel(db, 'tx_none_eff_nh', 'nh_link', { ...withoutEff, src_eff: null }), (e: Error & { code?: string }) => e.code === 'DV201' && /src_eff/.test(e.message));
  await assert.rejects(compileModel(db, 'tx_none_eff_old', 't_link', { ...withoutEff, src_eff: null }, { compat: { version: '0.11.0', satLogic: 'first-record', hashing: 'binary' } }), (e: Error & { code?: string }) => e.code === 'DV201');
  // The editor agrees with the compiler.
  const model = "{{ automate_dv.t_link(src_pk='TK', src_fk=['FK1'], src_ldts='LDTS', src_source='SRC', source_model='stg_t') }}";
  const codes = (version?: string) => parseModel(model, version ? { automateDvVersion: version } : {}).diagnostics.map((d) => d.code);
  assert.deepEqual(codes(), []);
  assert.deepEqual(codes('0.11.5'), []);
  // Where the check runs, a missing src_eff is a warning (the table is built without it); src_eff=none fails.
  assert.deepEqual(codes('0.11.0'), ['DV207']);
  assert.deepEqual(parseModel(model.replace('t_link', 'nh_link')).diagnostics.map((d) => [d.code, d.severity]), [['DV207', 'warning']]);
  const withNone = model.replace("src_ldts=", 'src_eff=none, src_ldts=');
  assert.deepEqual(parseModel(withNone, { automateDvVersion: '0.11.0' }).diagnostics.map((d) => d.code), ['DV201']);
  assert.deepEqual(parseModel(withNone.replace('t_link', 'nh_link')).diagnostics.map((d) => d.code), ['DV201']);
});

// ---------------------------------------------------------------------------------------------------------------- sat

const SAT = {
  src_pk: 'HK',
  src_hashdiff: { source_column: 'HD', alias: 'HASHDIFF' },
  src_payload: ['NAME', 'SCORE'],
  src_ldts: 'LDTS',
  src_source: 'SRC',
  source_model: 'stg_s',
};
const s = (hk: string | null, hd: string | null, d: number, eff = d) => ({ hk: b(hk), hd: b(hd), name: hd === null ? null : hd.toLowerCase(), score: d, eff: day(eff), ldts: day(d), src: 'S' });
const LAG: ModelOptions = { compat: { version: '0.11.5', satLogic: 'lag-default' } };
const FIRST: ModelOptions = { compat: { version: '0.11.0', satLogic: 'first-record' } };
const FILTER: ModelOptions = { ...LAG, config: { apply_source_filter: true } };

test('§6.3 sat (0.11.1+): within-batch change and change-back, comparison with the latest stored row, NULL keys and hashdiffs', async () => {
  await loadBatch(db, 'stg_s', [
    s('K1', 'A', 1), s('K1', 'B', 2), s('K1', 'A', 3), // change and change back: three rows
    s('K2', 'A', 1), s('K2', 'A', 2), // no change: one row
    s('K3', null, 1), s('K3', 'C', 2), // NULL hashdiff dropped, and so is the row after it (LAG = NULL)
    s(null, 'Z', 1),
  ]);
  assert.equal(await runModel(db, 'sat_lag', 'sat', SAT, LAG), 4);
  assert.deepEqual(await columnsOf('sat_lag'), ['hk', 'hashdiff', 'name', 'score', 'ldts', 'src']);
  assert.deepEqual(await rows('sat_lag', ['hk', 'hashdiff', 'ldts']), [
    ['K1', 'A', day(1)], ['K1', 'A', day(3)], ['K1', 'B', day(2)], ['K2', 'A', day(1)],
  ]);
  await loadBatch(db, 'stg_s', [
    s('K1', 'A', 4), s('K1', 'C', 5), // the first row equals the latest stored A: only C is new
    s('K2', 'B', 4),
    s('K3', 'C', 4), // K3 is new to the satellite: its first row is always inserted
  ]);
  assert.equal(await runModel(db, 'sat_lag', 'sat', SAT, LAG), 3);
  assert.deepEqual((await rows('sat_lag', ['hk', 'hashdiff', 'ldts'])).filter((r) => r[2]! >= day(4)), [
    ['K1', 'C', day(5)], ['K2', 'B', day(4)], ['K3', 'C', day(4)],
  ]);
  // Unchanged single-row batch: nothing. A batch that starts with an older hashdiff is a change again (no source filter).
  await loadBatch(db, 'stg_s', [s('K2', 'B', 4), s('K3', 'C', 4)]);
  assert.equal(await runModel(db, 'sat_lag', 'sat', SAT, LAG), 0);
  await loadBatch(db, 'stg_s', [s('K1', 'A', 4), s('K1', 'C', 5)]);
  assert.equal(await runModel(db, 'sat_lag', 'sat', SAT, LAG), 2, 'A differs from the stored C, then C differs from A');
});

test('§6.3 sat src_eff: ties on ldts are ordered by the effective date', async () => {
  await loadBatch(db, 'stg_s', [s('K1', 'B', 1, 2), s('K1', 'A', 1, 1), s('K1', 'A', 1, 3), s('K2', 'A', 1, 1), s('K2', 'A', 1, 2)]);
  assert.equal(await runModel(db, 'sat_eff', 'sat', { ...SAT, src_eff: 'EFF' }, LAG), 4);
  assert.deepEqual(await columnsOf('sat_eff'), ['hk', 'hashdiff', 'name', 'score', 'eff', 'ldts', 'src']);
  assert.deepEqual(await rows('sat_eff', ['hk', 'hashdiff', 'eff']), [['K1', 'A', day(1)], ['K1', 'A', day(3)], ['K1', 'B', day(2)], ['K2', 'A', day(1)]]);
});

test('§6.3 apply_source_filter: rows not later than the key\'s latest stored ldts are ignored; new keys pass', async () => {
  await loadBatch(db, 'stg_s', [s('K1', 'A', 2), s('K2', 'A', 2)]);
  assert.equal(await runModel(db, 'sat_f', 'sat', SAT, FILTER), 2);
  await loadBatch(db, 'stg_s', [
    s('K1', 'B', 1), // older than stored: ignored
    s('K1', 'C', 2), // same ldts as stored: ignored (strictly later only)
    s('K1', 'A', 3), // later, equal to stored A: no change
    s('K1', 'D', 4),
    s('K2', 'B', 2),
    s('K3', 'A', 1), // new key
  ]);
  assert.equal(await runModel(db, 'sat_f', 'sat', SAT, FILTER), 2);
  assert.deepEqual(await rows('sat_f', ['hk', 'hashdiff', 'ldts']), [['K1', 'A', day(2)], ['K1', 'D', day(4)], ['K2', 'A', day(2)], ['K3', 'A', day(1)]]);
  // Re-running the batch is idempotent with the filter (every row is now not later than the stored latest).
  assert.equal(await runModel(db, 'sat_f', 'sat', SAT, FILTER), 0);
});

test('§6.3 ≤0.11.0 sat: first_record_in_set + LAG without default; the first row is compared with the latest stored row', async () => {
  await loadBatch(db, 'stg_s', [s('K1', 'A', 1), s('K1', 'B', 2), s('K1', 'A', 3), s('K2', 'A', 1), s('K2', 'A', 2), s('K3', null, 1), s('K3', 'C', 2)]);
  assert.equal(await runModel(db, 'sat_first', 'sat', SAT, FIRST), 5, 'K3 keeps its NULL-hashdiff first record');
  assert.deepEqual(await columnsOf('sat_first'), ['hk', 'hashdiff', 'name', 'score', 'ldts', 'src']);
  assert.deepEqual(await rows('sat_first', ['hk', 'hashdiff', 'ldts']), [
    ['K1', 'A', day(1)], ['K1', 'A', day(3)], ['K1', 'B', day(2)], ['K2', 'A', day(1)], ['K3', '∅', day(1)],
  ]);
  await loadBatch(db, 'stg_s', [s('K1', 'A', 4), s('K1', 'C', 5), s('K2', 'B', 4), s('K4', 'A', 4)]);
  assert.equal(await runModel(db, 'sat_first', 'sat', SAT, FIRST), 3);
  assert.deepEqual((await rows('sat_first', ['hk', 'hashdiff', 'ldts'])).filter((r) => r[2]! >= day(4)), [
    ['K1', 'C', day(5)], ['K2', 'B', day(4)], ['K4', 'A', day(4)],
  ]);
});

// ------------------------------------------------------------------------------------------------------------- ghost

test('§6.3.1 ghost record: catalog order and types, role-based values, inserted once', async () => {
  const G = {
    src_pk: 'HK',
    src_hashdiff: { source_column: 'HD', alias: 'HASHDIFF' },
    src_payload: ['NAME'],
    src_extra_columns: ['SCORE'],
    src_ldts: 'LDTS',
    src_source: 'SRC',
    source_model: 'stg_g',
  };
  const ghosts: ModelOptions = { ...LAG, vars: { enable_ghost_records: true, system_record_value: 'SYS-LONGER-THAN-5' } };
  await loadBatch(db, 'stg_g', [{ src: 'CRM', name: 'n', ldts: '2024-01-01', hd: b('A'), score: 1, hk: b('K1'), other: 'o' }]);
  const { sql } = await compileModel(db, 'sat_g', 'sat', G, ghosts);
  assert.match(sql, /UNION\s+SELECT usr\./, 'the ghost is joined with UNION, not UNION ALL');
  assert.equal(await runModel(db, 'sat_g', 'sat', G, ghosts), 2);
  assert.deepEqual(await columnsOf('sat_g'), ['hk', 'hashdiff', 'name', 'score', 'ldts', 'src']);
  const types = await db.query<{ column_name: string; data_type: string }>(
    "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'sat_g' ORDER BY ordinal_position",
  );
  assert.deepEqual(types.rows.map((r) => r.data_type), ['bytea', 'bytea', 'text', 'integer', 'date', 'character varying']);
  const ghost = await db.query<{ hk: string; hashdiff: string; name: string | null; score: number | null; ldts: string; src: string }>(
    "SELECT encode(hk, 'hex') AS hk, encode(hashdiff, 'hex') AS hashdiff, name, score, ldts::text AS ldts, src FROM sat_g WHERE name IS NULL",
  );
  assert.deepEqual(ghost.rows, [{ hk: '30'.repeat(32), hashdiff: '30'.repeat(32), name: null, score: null, ldts: '1900-01-01', src: 'SYS-LONGER-THAN-5' }]);
  await loadBatch(db, 'stg_g', [{ src: 'CRM', name: 'm', ldts: '2024-01-02', hd: b('B'), score: 2, hk: b('K1'), other: 'o' }]);
  assert.equal(await runModel(db, 'sat_g', 'sat', G, ghosts), 1, 'the ghost already exists');
});

// ------------------------------------------------------------------------------------- apply_source_filter at scale

/** A small deterministic PRNG, so the generated batches are the same on every run. */
function prng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

/** One batch: rows for 40 keys with overlapping load dates (some older than what is stored), one row per (key, ldts). */
function filterBatch(random: () => number, batch: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let k = 0; k < 40; k++) {
    if (random() < 0.3) continue;
    const used = new Set<string>();
    for (let i = 0; i < 1 + Math.floor(random() * 4); i++) {
      const ldts = random() < 0.05 ? null : day(Math.floor(random() * 6) + batch * 3);
      if (used.has(String(ldts))) continue;
      used.add(String(ldts));
      const hd = 'ABC'[Math.floor(random() * 3)]!;
      out.push({ hk: b(`K${k}`), hd: b(hd), name: hd.toLowerCase(), score: batch, eff: ldts, ldts, src: 'S' });
    }
  }
  return out;
}

/** Materializes SQL the way dbt-postgres does: CREATE TABLE AS first, then a temp table and an INSERT. */
async function materialize(table: string, sql: string, incremental: boolean): Promise<void> {
  if (!incremental) {
    await db.exec(`CREATE TABLE "${table}" AS (\n${sql}\n)`);
    return;
  }
  await db.exec(`DROP TABLE IF EXISTS "${table}__tmp"; CREATE TEMP TABLE "${table}__tmp" AS (\n${sql}\n); INSERT INTO "${table}" SELECT * FROM "${table}__tmp"`);
}

test("§6.3 apply_source_filter compares with the joined latest row (no per-row subquery) and inserts the same rows as the spec's MAX(LDTS) form", async () => {
  // The spec's SQL keeps a row when `s.LDTS > (SELECT MAX(LDTS) FROM latest_records AS sat WHERE sat.HK = s.HK)`.
  // latest_records holds the key's newest rows only (ROW_NUMBER or RANK = 1), so that MAX is the joined row's LDTS.
  const specForm = '(\n            SELECT MAX(LDTS) FROM latest_records AS sat\n            WHERE sat.HK = s.HK\n        )';
  // ≤0.9.6 satellites had no apply_source_filter (it arrived in 0.10.1), so only the two later logics apply.
  for (const [name, compat] of [['lag', LAG], ['first', FIRST]] as const) {
    const random = prng(7);
    const options: ModelOptions = { ...compat, config: { apply_source_filter: true } };
    for (let batch = 0; batch < 5; batch++) {
      await loadBatch(db, 'stg_s', filterBatch(random, batch));
      await runModel(db, `sat_scale_${name}`, 'sat', SAT, options);
      // The same model compiled under a second name, whose valid_stg is then rewritten into the spec's form.
      const { sql, ctx } = await compileModel(db, `sat_spec_${name}`, 'sat', SAT, options);
      if (!ctx.incremental) {
        await materialize(`sat_spec_${name}`, sql, false);
        continue;
      }
      assert.match(sql, /OR s\.LDTS > sat\.LDTS\n/, `${name}: valid_stg compares with the joined latest row`);
      const plan = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`);
      assert.ok(!plan.rows.some((r) => r['QUERY PLAN'].includes('SubPlan')), `${name}: no correlated subquery per staged row`);
      await materialize(`sat_spec_${name}`, sql.replace(/OR s\.LDTS > sat\.LDTS\n/, `OR s.LDTS > ${specForm}\n`), true);
      const columns = ['hk', 'hashdiff', 'name', 'score', 'ldts', 'src'];
      assert.deepEqual(await rows(`sat_scale_${name}`, columns), await rows(`sat_spec_${name}`, columns), `${name}: batch ${batch}`);
    }
    const total = await db.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM "sat_scale_${name}"`);
    assert.ok(total.rows[0]!.n > 60, `${name}: the scenario inserts rows in several batches`);
  }
});

test('§6.3 ≤0.9.6 sat: every distinct staged row whose (key, hashdiff) differs from the latest stored row; no within-batch detection', async () => {
  const LATEST: ModelOptions = { compat: { version: '0.9.6', satLogic: 'latest-only' } };
  await loadBatch(db, 'stg_s', [s('K1', 'A', 1), s('K1', 'A', 1), s('K1', 'B', 2), s('K1', 'A', 3), s('K2', null, 1)]);
  assert.equal(await runModel(db, 'sat_old', 'sat', SAT, LATEST), 4, 'the exact duplicate collapses; NULL hashdiffs are kept');
  await loadBatch(db, 'stg_s', [s('K1', 'A', 4), s('K1', 'B', 5), s('K1', 'B', 6), s('K2', null, 4)]);
  assert.equal(await runModel(db, 'sat_old', 'sat', SAT, LATEST), 3, 'A equals the latest; both Bs differ from it; the NULL never joins');
  assert.deepEqual((await rows('sat_old', ['hk', 'hashdiff', 'ldts'])).filter((r) => r[2]! >= day(4)), [
    ['K1', 'B', day(5)], ['K1', 'B', day(6)], ['K2', '∅', day(4)],
  ]);
});

test('§6.3.1 ghost with SHA hashing: 64 ASCII zeros; on a first load a staged row with the ghost hashdiff suppresses it', async () => {
  const G = { ...SAT, src_payload: ['NAME'], source_model: 'stg_s' };
  const sha: ModelOptions = { ...LAG, vars: { enable_ghost_records: true, hash: 'SHA' } };
  await loadBatch(db, 'stg_s', [s('K1', 'A', 1)]);
  assert.equal(await runModel(db, 'sat_gsha', 'sat', G, sha), 2);
  const ghost = await db.query<{ hk: string }>("SELECT encode(hk, 'hex') AS hk FROM sat_gsha WHERE src = 'AUTOMATE_DV_SYSTEM'");
  assert.deepEqual(ghost.rows, [{ hk: '30'.repeat(64) }]);
  await loadBatch(db, 'stg_s', [s('K1', '0'.repeat(32), 1), s('K2', 'A', 1)]);
  assert.equal(await runModel(db, 'sat_gmd5', 'sat', G, { ...LAG, vars: { enable_ghost_records: true } }), 2, 'no ghost: its hashdiff is staged');
  assert.equal(await count('sat_gmd5', "src = 'AUTOMATE_DV_SYSTEM'"), 0);
});

async function count(table: string, where: string): Promise<number> {
  return (await db.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM "${table}" WHERE ${where}`)).rows[0]!.n;
}

test('§6.3.1 ghost record source before the automate_dv rename (dbtvault ≤0.9.5) defaults to DBTVAULT_SYSTEM', async () => {
  const G = { ...SAT, src_payload: ['NAME'] };
  await loadBatch(db, 'stg_s', [s('K1', 'A', 1)]);
  for (const [table, version, expected] of [['sat_g095', '0.9.5', 'DBTVAULT_SYSTEM'], ['sat_g096', '0.9.6', 'AUTOMATE_DV_SYSTEM']] as const) {
    await runModel(db, table, 'sat', G, { compat: { version, satLogic: 'latest-only' }, vars: { enable_ghost_records: true } });
    const ghost = await db.query<{ src: string }>(`SELECT src FROM "${table}" WHERE name IS NULL`);
    assert.deepEqual(ghost.rows, [{ src: expected }], version);
  }
  await runModel(db, 'sat_g095v', 'sat', G, { compat: { version: '0.9.5', satLogic: 'latest-only' }, vars: { enable_ghost_records: true, system_record_value: 'MINE' } });
  assert.equal(await count('sat_g095v', "src = 'MINE'"), 1, 'the var still wins');
});

test('§6.3 apply_source_filter exists from AutomateDV 0.10.1 on; earlier versions ignore the config', async () => {
  await loadBatch(db, 'stg_s', [s('K1', 'A', 2)]);
  const options = (version: string): ModelOptions => ({ compat: { version, satLogic: 'first-record' }, config: { apply_source_filter: true } });
  for (const version of ['0.10.0', '0.10.1']) await runModel(db, `sat_asf_${version.replace(/\./g, '')}`, 'sat', SAT, options(version));
  await loadBatch(db, 'stg_s', [s('K1', 'B', 1)]); // older than the stored row
  assert.equal(await runModel(db, 'sat_asf_0100', 'sat', SAT, options('0.10.0')), 1, '0.10.0: no valid_stg, B differs from the latest A');
  assert.equal(await runModel(db, 'sat_asf_0101', 'sat', SAT, options('0.10.1')), 0, '0.10.1: the older row is filtered');
});
