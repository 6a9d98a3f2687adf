// The version matrix rows that make the emulation write the SQL text each AutomateDV release writes, found by
// `dvs check --verify-emulation` against the released macros: the hash's CONCAT in 0.9.1–0.10.2, the sat's
// latest_records alias, join order and columns, first_record_in_set's asc_rank, the eff_sat and bridge subquery
// names, and a {source_column, alias} load date written `x AS alias` in the sat's final select. Each band's fragment
// is asserted here; where the text differs but the rows must not, PGlite loads both bands and compares the bytes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PGlite } from '@electric-sql/pglite';
import { AUTOMATE_DV_VERSIONS, behaviourAt } from '../../server/src/base/automate-dv-versions';
import { compileMacro } from '../../server/src/compile/automate-dv';
import { compatForVersion } from '../../server/src/project/packages';
import { fixtureContext, kwargs, type FixtureOptions } from './context-fixture';
import { hex, loadBatch, runModel, startWarehouse } from './pglite-loader';

const CATALOG = {
  stg: ['hk', 'hd', 'p', 'ldts', 'src'],
  stg_link: ['link_hk', 'a_hk', 'b_hk', 'start_date', 'end_date', 'eff', 'ldts', 'src'],
  raw: ['id', 'a', 'b', 'loaded_at'],
};

function compileAt(version: string, macro: string, args: Record<string, unknown>, options: FixtureOptions = {}): string {
  const ctx = fixtureContext({ catalog: CATALOG, ...options, compat: compatForVersion(version) });
  return compileMacro(macro, [], kwargs(args), ctx);
}

/** Whitespace folded to single spaces, so a fragment can be matched across the template's line breaks. */
const flat = (sql: string): string => sql.replace(/\s+/g, ' ');

// ── hashes: CONCAT in 0.9.1–0.10.2 ────────────────────────────────────────────────────────────────────────────────

const HASH_STAGE = {
  source_model: 'raw',
  hashed_columns: { AB_HK: ['a', 'b'], AB_HASHDIFF: { is_hashdiff: true, columns: ['b', 'a'] } },
};

test("stageDerivedConcat covers hashes: a list hash is CONCAT(part, '||', part) in 0.9.1–0.10.2, CONCAT_WS in 0.9.0 and from 0.11.0", () => {
  const part = (c: string) => `COALESCE\\(NULLIF\\(UPPER\\(TRIM\\(CAST\\(${c} AS VARCHAR\\)\\)\\), ''\\), '\\^\\^'\\)`;
  for (const version of ['0.9.1', '0.9.7', '0.10.0', '0.10.2']) {
    const sql = flat(compileAt(version, 'stage', HASH_STAGE));
    assert.match(sql, new RegExp(`NULLIF\\(CONCAT\\(${part('a')}, '\\|\\|', ${part('b')}\\), '\\^\\^\\|\\|\\^\\^'\\)`), version);
    // The hashdiff sorts its columns (a before b) and has no NULLIF; ≤0.9.6 wraps it in the upper-case hex text.
    assert.match(sql, new RegExp(`MD5\\(CONCAT\\(${part('a')}, '\\|\\|', ${part('b')}\\)\\).*AS AB_HASHDIFF`), version);
    assert.doesNotMatch(sql, /CONCAT_WS/, version);
  }
  for (const version of ['0.11.0', '0.11.5']) {
    const sql = flat(compileAt(version, 'stage', HASH_STAGE));
    assert.match(sql, new RegExp(`NULLIF\\(CONCAT_WS\\('\\|\\|', ${part('a')}, ${part('b')}\\), '\\^\\^\\|\\|\\^\\^'\\)`), version);
    assert.doesNotMatch(sql, /CONCAT\(COALESCE/, version);
  }
});

let db: PGlite;
before(async () => {
  db = await startWarehouse();
  await db.exec('CREATE TABLE raw (id integer, a text, b text, loaded_at timestamp)');
  await loadBatch(db, 'raw', [
    { id: 1, a: 'x', b: 'y', loaded_at: '2024-01-01 00:00:00' },
    { id: 2, a: 'x', b: null, loaded_at: '2024-01-01 00:00:00' },
    { id: 3, a: null, b: null, loaded_at: '2024-01-01 00:00:00' },
    { id: 4, a: '', b: ' z ', loaded_at: '2024-01-01 00:00:00' },
  ]);
});
after(async () => {
  await db.close();
});

test('on PGlite the CONCAT hashes of 0.10.2 have the bytes of the CONCAT_WS hashes of 0.11.5 (every part is COALESCEd)', async () => {
  const keys = async (view: string, version: string) => {
    await runModel(db, view, 'stage', HASH_STAGE, { compat: compatForVersion(version) });
    const r = await db.query<{ ab_hk: unknown; ab_hashdiff: unknown }>(`SELECT ab_hk, ab_hashdiff FROM "${view}" ORDER BY id`);
    return r.rows.map((x) => [hex(x.ab_hk), hex(x.ab_hashdiff)]);
  };
  const old = await keys('stg_hash_0_10_2', '0.10.2');
  const now = await keys('stg_hash_0_11_5', '0.11.5');
  assert.equal(old.length, 4);
  assert.equal(old[2]![0], null, 'an all-NULL key is NULL in both');
  assert.deepEqual(old, now);
  assert.match(compileAt('0.10.2', 'stage', HASH_STAGE), /CONCAT\(/, 'the compared SQL did use CONCAT');
});

// ── sat ───────────────────────────────────────────────────────────────────────────────────────────────────────────

const SAT = { src_pk: 'HK', src_hashdiff: 'HD', src_payload: ['P'], src_ldts: 'LDTS', src_source: 'SRC', source_model: 'stg' };

/** The text of one CTE, from `name AS (` to the next top-level CTE or the final select. */
function cte(sql: string, name: string): string {
  const start = sql.indexOf(`${name} AS (`);
  assert.ok(start >= 0, `no ${name} CTE in:\n${sql}`);
  const rest = sql.slice(start + name.length);
  const end = rest.search(/\n\),?\n/);
  return flat(rest.slice(0, end < 0 ? undefined : end));
}

test('satLatestRecordsForm: ≤0.9.7 names latest_records\' subquery a and joins current_records first; from 0.10.0 b, source_records first', () => {
  for (const version of ['0.9.6', '0.9.7']) {
    assert.equal(behaviourAt(AUTOMATE_DV_VERSIONS.satLatestRecordsForm, version), 'a');
    const latest = cte(compileAt(version, 'sat', SAT, { incremental: true }), 'latest_records');
    assert.match(latest, /SELECT a\.HK, a\.HD, a\.LDTS FROM/, version);
    assert.match(latest, /ON current_records\.HK = source_records\.HK \) AS a WHERE a\.rank = 1/, version);
  }
  for (const version of ['0.10.0', '0.11.0', '0.11.5']) {
    assert.equal(behaviourAt(AUTOMATE_DV_VERSIONS.satLatestRecordsForm, version), 'b');
    const latest = cte(compileAt(version, 'sat', SAT, { incremental: true }), 'latest_records');
    assert.match(latest, /ON source_records\.HK = current_records\.HK \) AS b WHERE b\.rank = 1/, version);
  }
});

test('satLatestRecordsColumns: latest_records selects every column in 0.10.0–0.10.2 only; the window columns before and from 0.11.0', () => {
  for (const version of ['0.10.0', '0.10.2']) {
    const latest = cte(compileAt(version, 'sat', SAT, { incremental: true }), 'latest_records');
    assert.match(latest, /SELECT b\.HK, b\.HD, b\.P, b\.LDTS, b\.SRC FROM/, version);
  }
  for (const version of ['0.11.0', '0.11.2', '0.11.5']) {
    const latest = cte(compileAt(version, 'sat', SAT, { incremental: true }), 'latest_records');
    assert.match(latest, /SELECT b\.HK, b\.HD, b\.LDTS FROM/, version);
    assert.match(latest, /SELECT current_records\.HK, current_records\.HD, current_records\.LDTS,/, version);
  }
});

test('satFirstRecordRank: first_record_in_set names its window column asc_rank in every band that has it (0.10.0–0.11.0)', () => {
  for (const version of ['0.10.0', '0.10.1', '0.10.2', '0.11.0']) {
    const first = cte(compileAt(version, 'sat', SAT), 'first_record_in_set');
    assert.match(first, /\) AS asc_rank FROM source_data AS sd \) AS rin WHERE rin\.asc_rank = 1/, version);
    assert.doesNotMatch(first, /asc_row_number/, version);
  }
});

test('a src_ldts given as {source_column, alias} is written `x.col AS alias` in the final select, in every sat logic', () => {
  const mapped = { ...SAT, src_ldts: { source_column: 'LDTS', alias: 'LDTS' } };
  const cases: [string, RegExp][] = [
    ['0.9.7', /SELECT DISTINCT stage\.HK, stage\.HD, stage\.P, stage\.LDTS AS LDTS, stage\.SRC FROM source_data AS stage/],
    ['0.10.2', /SELECT frin\.HK, frin\.HD, frin\.P, frin\.LDTS AS LDTS, frin\.SRC FROM first_record_in_set AS frin/],
    ['0.11.0', /SELECT frin\.HK, frin\.HD, frin\.P, frin\.LDTS AS LDTS, frin\.SRC FROM first_record_in_set AS frin/],
    ['0.11.5', /SELECT usr\.HK, usr\.HD, usr\.P, usr\.LDTS AS LDTS, usr\.SRC FROM unique_source_records AS usr/],
  ];
  for (const [version, fragment] of cases) {
    const sql = flat(compileAt(version, 'sat', mapped));
    assert.match(sql, fragment, version);
    // Everywhere else the mapping reads as the column itself.
    assert.match(sql, /SELECT a\.HK, a\.HD, a\.P, a\.LDTS, a\.SRC FROM/, version);
  }
  assert.doesNotMatch(flat(compileAt('0.11.5', 'sat', SAT)), /LDTS AS LDTS/, 'a plain name has no alias');
});

// ── eff_sat and bridge ────────────────────────────────────────────────────────────────────────────────────────────

const EFF_SAT = {
  src_pk: 'LINK_HK',
  src_dfk: 'A_HK',
  src_sfk: 'B_HK',
  src_start_date: 'START_DATE',
  src_end_date: 'END_DATE',
  src_eff: 'EFF',
  src_ldts: 'LDTS',
  src_source: 'SRC',
  source_model: 'stg_link',
};

test('effSatLatestRecordsAlias: the incremental latest_records subquery is inner_rank up to 0.10.2, inner_select from 0.11.0', () => {
  for (const version of ['0.9.7', '0.10.0', '0.10.2']) {
    const latest = cte(compileAt(version, 'eff_sat', EFF_SAT, { incremental: true }), 'latest_records');
    assert.match(latest, /\) AS row_num FROM \S+ AS b \) AS inner_rank WHERE row_num = 1$/, version);
  }
  for (const version of ['0.11.0', '0.11.5']) {
    const latest = cte(compileAt(version, 'eff_sat', EFF_SAT, { incremental: true }), 'latest_records');
    assert.match(latest, /\) AS inner_select WHERE inner_select\.row_num = 1$/, version);
  }
});

const BRIDGE = {
  src_pk: 'A_HK',
  as_of_dates_table: 'as_of_dates',
  bridge_walk: {
    A_B: {
      bridge_link_pk: 'LINK_A_B_HK',
      bridge_end_date: 'EFF_SAT_A_B_ENDDATE',
      bridge_load_date: 'EFF_SAT_A_B_LOADDATE',
      link_table: 'link_a_b',
      link_pk: 'LINK_HK',
      link_fk1: 'A_HK',
      link_fk2: 'B_HK',
      eff_sat_table: 'eff_sat_a_b',
      eff_sat_pk: 'LINK_HK',
      eff_sat_end_date: 'END_DATE',
      eff_sat_load_date: 'LDTS',
    },
  },
  stage_tables_ldts: { stg_link: 'LDTS' },
  src_ldts: 'LDTS',
  source_model: 'hub_a',
};

test('bridgeCandidateRowsAlias: candidate_rows reads subquery a (a.ROW_NUM) up to 0.10.2, subquery (ROW_NUM) from 0.11.0', () => {
  for (const version of ['0.9.7', '0.10.2']) {
    const candidates = cte(compileAt(version, 'bridge', BRIDGE), 'candidate_rows');
    assert.match(candidates, /FROM all_rows \) AS a WHERE a\.ROW_NUM = 1$/, version);
  }
  for (const version of ['0.11.0', '0.11.5']) {
    const candidates = cte(compileAt(version, 'bridge', BRIDGE), 'candidate_rows');
    assert.match(candidates, /FROM all_rows \) AS subquery WHERE ROW_NUM = 1$/, version);
  }
});

test('eff_sat: a {source_column, alias} ldts is `x AS alias` in the first build; incremental runs fail in AutomateDV (the mapping is printed as it is)', () => {
  const mapped = { ...EFF_SAT, src_ldts: { source_column: 'LDTS', alias: 'LDTS' } };
  for (const version of ['0.9.7', '0.10.2', '0.11.5']) {
    const first = flat(compileAt(version, 'eff_sat', mapped, { config: { materialized: 'table' } }));
    assert.match(first, /i\.EFF, i\.LDTS AS LDTS, i\.SRC FROM source_data AS i/, version);
    assert.throws(
      () => compileAt(version, 'eff_sat', mapped, { incremental: true, config: { materialized: 'incremental' } }),
      (e: Error & { code?: string }) => e.code === 'DV202' && /this incremental run fails in dbt.*src_ldts \(give 'LDTS'\)/.test(e.message),
      version,
    );
    const ctx = fixtureContext({ catalog: CATALOG, config: { materialized: 'incremental' }, compat: compatForVersion(version) });
    compileMacro('eff_sat', [], kwargs(mapped), ctx);
    assert.deepEqual(ctx.diagnostics.filter((d) => d.code === 'DV202').map((d) => d.severity), ['error'], version);
    const fork = fixtureContext({ catalog: CATALOG, incremental: true, config: { materialized: 'incremental' }, compat: { ...compatForVersion(version), fork: true } });
    compileMacro('eff_sat', [], kwargs(mapped), fork);
    assert.deepEqual(fork.diagnostics.filter((d) => d.code === 'DV202').map((d) => d.severity), ['information'], version);
  }
  // Plain names: no notice.
  const ctx = fixtureContext({ catalog: CATALOG, incremental: true, config: { materialized: 'incremental' }, compat: compatForVersion('0.11.5') });
  compileMacro('eff_sat', [], kwargs(EFF_SAT), ctx);
  assert.equal(ctx.diagnostics.filter((d) => d.code === 'DV202').length, 0);
});

const MA_SAT_CALL = { src_pk: 'A_HK', src_cdk: ['PHONE'], src_hashdiff: 'HD', src_payload: ['NAME'], src_ldts: 'LDTS', src_source: 'SRC', source_model: 'stg_link' };

test('maSatCountAlias: the incremental source_data_with_count reads source_data a in 0.9.7–0.10.2, source_data AS a from 0.11.0', () => {
  for (const [version, form] of [['0.9.7', 'a'], ['0.10.2', 'a'], ['0.11.0', 'AS a'], ['0.11.5', 'AS a']] as const) {
    assert.equal(behaviourAt(AUTOMATE_DV_VERSIONS.maSatCountAlias, version), form, version);
    const counted = cte(compileAt(version, 'ma_sat', MA_SAT_CALL, { incremental: true }), 'source_data_with_count');
    assert.ok(counted.includes(`b.source_count FROM source_data ${form} INNER JOIN (`), `${version}: ${counted}`);
  }
});
