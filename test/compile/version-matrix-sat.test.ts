// The version matrix rows of sat, ghost records, pit and ma_sat (server/src/base/automate-dv-versions.ts): for each row
// and each version band the SQL fragment dvs renders, and on PGlite the rows and key bytes where the bands differ.
// Also the shape of the whole matrix: every row's bands in release order, none overlapping.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { AUTOMATE_DV_VERSIONS, behaviourAt, compareVersionText, type VersionBand } from '../../server/src/base/automate-dv-versions';
import { compileMacro } from '../../server/src/compile/automate-dv';
import { CompileError } from '../../server/src/compile/context';
import { compatForVersion } from '../../server/src/project/packages';
import { ProjectSession } from '../../server/src/engine/session';
import { fixtureContext, kwargs, type FixtureOptions } from './context-fixture';
import { hex, loadBatch, runModel, startWarehouse } from './pglite-loader';

// ── the matrix itself ─────────────────────────────────────────────────────────────────────────────────────────────

test('every row of the matrix has its bands in release order, none overlapping, each from ≤ until', () => {
  for (const [name, row] of Object.entries(AUTOMATE_DV_VERSIONS)) {
    const bands = row.bands as readonly VersionBand<unknown>[];
    assert.ok(bands.length > 0, `${name}: no band`);
    bands.forEach((band, i) => {
      if (band.from !== undefined && band.until !== undefined) {
        assert.ok(compareVersionText(band.from, band.until) <= 0, `${name}: band ${i} runs backwards (${band.from} > ${band.until})`);
      }
      if (i > 0) assert.ok(band.from !== undefined, `${name}: band ${i} has no lower bound, so it overlaps band ${i - 1}`);
      if (i < bands.length - 1) assert.ok(band.until !== undefined, `${name}: band ${i} has no upper bound, so it overlaps band ${i + 1}`);
      const next = bands[i + 1];
      if (next) {
        assert.ok(compareVersionText(band.until!, next.from!) < 0, `${name}: band ${i} (until ${band.until}) overlaps band ${i + 1} (from ${next.from})`);
      }
      assert.ok(band.renders.trim() !== '', `${name}: band ${i} says nothing of what is rendered`);
    });
  }
});

test('the overlap check fails on overlapping or unordered bands (it can fail)', () => {
  const ordered = (bands: { from?: string; until?: string }[]) =>
    bands.every((b, i) => i === bands.length - 1 || (b.until !== undefined && bands[i + 1]!.from !== undefined && compareVersionText(b.until, bands[i + 1]!.from!) < 0));
  assert.equal(ordered([{ until: '0.10.1' }, { from: '0.10.2' }]), true);
  assert.equal(ordered([{ until: '0.10.2' }, { from: '0.10.2' }]), false);
  assert.equal(ordered([{ from: '0.11.0' }, { until: '0.10.2' }]), false);
});

// ── helpers ───────────────────────────────────────────────────────────────────────────────────────────────────────

const SAT = { src_pk: 'HK', src_hashdiff: 'HD', src_payload: ['P'], src_ldts: 'LDTS', src_source: 'SRC', source_model: 'stg' };
const CATALOG = {
  stg: [
    { name: 'hk', dataType: 'bytea' },
    { name: 'hd', dataType: 'bytea' },
    { name: 'p', dataType: 'text' },
    { name: 'eff', dataType: 'timestamp without time zone' },
    { name: 'ldts', dataType: 'timestamp without time zone' },
    { name: 'src', dataType: 'character varying(20)' },
  ],
};

function compileAt(version: string, macro: string, args: Record<string, unknown>, options: FixtureOptions = {}) {
  const ctx = fixtureContext({ catalog: CATALOG, ...options, compat: compatForVersion(version) });
  const sql = compileMacro(macro, [], kwargs(args), ctx);
  return { sql, codes: ctx.diagnostics.map((d) => d.code), ctx };
}

/** The text of one CTE of a compiled model, from `name AS (` to the next top-level CTE or the final select. */
function cte(sql: string, name: string): string {
  const start = sql.indexOf(`${name} AS (`);
  assert.ok(start >= 0, `no ${name} CTE in:\n${sql}`);
  const rest = sql.slice(start + name.length);
  const end = rest.search(/\n\),?\n/);
  return rest.slice(0, end < 0 ? undefined : end);
}

function compileError(fn: () => unknown): CompileError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CompileError) return e;
    throw e;
  }
  assert.fail('expected a CompileError');
}

// ── sat: SQL per band ─────────────────────────────────────────────────────────────────────────────────────────────

test('satLogic: 0.9.7 is 0.9.6 (latest-only, SELECT DISTINCT), first_record_in_set in 0.10.0–0.11.0, one LAG from 0.11.1', () => {
  for (const version of ['0.9.6', '0.9.7']) {
    assert.equal(compatForVersion(version).satLogic, 'latest-only', version);
    const { sql } = compileAt(version, 'sat', SAT, { incremental: true });
    assert.ok(sql.includes('SELECT DISTINCT stage.HK, stage.HD, stage.P, stage.LDTS, stage.SRC\n    FROM source_data AS stage'), version);
    assert.ok(!sql.includes('first_record_in_set'), version);
  }
  for (const version of ['0.10.0', '0.10.2', '0.11.0']) {
    assert.equal(compatForVersion(version).satLogic, 'first-record', version);
    assert.ok(compileAt(version, 'sat', SAT).sql.includes('first_record_in_set AS ('), version);
  }
  for (const version of ['0.11.1', '0.11.5']) {
    assert.equal(compatForVersion(version).satLogic, 'lag-default', version);
    const { sql } = compileAt(version, 'sat', { ...SAT, src_eff: 'EFF' });
    assert.ok(sql.includes("LAG(sd.HD, 1, CAST('FFFFFFFF' AS BYTEA)) OVER ("), version);
  }
});

test('satLatestRecordsRank: latest_records takes RANK() up to 0.10.1, ROW_NUMBER() from 0.10.2', () => {
  const fragment = (fn: string) => `${fn} OVER (\n                PARTITION BY current_records.HK\n                ORDER BY current_records.LDTS DESC\n            ) AS rank`;
  for (const version of ['0.9.6', '0.9.7', '0.10.0', '0.10.1']) {
    assert.equal(behaviourAt(AUTOMATE_DV_VERSIONS.satLatestRecordsRank, version), 'RANK', version);
    const latest = cte(compileAt(version, 'sat', SAT, { incremental: true }).sql, 'latest_records');
    assert.ok(latest.includes(fragment('RANK()')), `${version}:\n${latest}`);
  }
  for (const version of ['0.10.2', '0.11.0', '0.11.1', '0.11.5']) {
    assert.equal(behaviourAt(AUTOMATE_DV_VERSIONS.satLatestRecordsRank, version), 'ROW_NUMBER', version);
    const latest = cte(compileAt(version, 'sat', { ...SAT, src_eff: 'EFF' }, { incremental: true }).sql, 'latest_records');
    assert.ok(latest.includes(fragment('ROW_NUMBER()')), `${version}:\n${latest}`);
    assert.ok(!latest.includes('RANK()'), version);
  }
});

test('satFirstRecordRank: first_record_in_set takes RANK() in 0.10.0–0.10.1, ROW_NUMBER() in 0.10.2–0.11.0, and exists only there', () => {
  const fragment = (fn: string) => `${fn} OVER (\n                PARTITION BY sd.HK\n                ORDER BY sd.LDTS ASC\n            )`;
  for (const version of ['0.10.0', '0.10.1']) {
    assert.ok(cte(compileAt(version, 'sat', SAT).sql, 'first_record_in_set').includes(fragment('RANK()')), version);
  }
  for (const version of ['0.10.2', '0.11.0']) {
    const frin = cte(compileAt(version, 'sat', SAT).sql, 'first_record_in_set');
    assert.ok(frin.includes(fragment('ROW_NUMBER()')), version);
    assert.ok(!frin.includes('RANK()'), version);
  }
  for (const version of ['0.9.7', '0.11.1']) {
    assert.equal(behaviourAt(AUTOMATE_DV_VERSIONS.satFirstRecordRank, version), 'none', version);
    assert.ok(!compileAt(version, 'sat', { ...SAT, src_eff: 'EFF' }).sql.includes('first_record_in_set'), version);
  }
});

test('satEffOrdering: a sat without src_eff fails at 0.11.1 (as dbt does) and says how to fix it; 0.11.0 and 0.11.2 compile it', () => {
  const e = compileError(() => compileAt('0.11.1', 'sat', SAT));
  assert.equal(e.code, 'DV200');
  assert.match(e.message, /AutomateDV 0\.11\.1/);
  assert.match(e.message, /Unable to prefix columns/);
  assert.match(e.message, /Pass src_eff .* or pin AutomateDV 0\.11\.2 or later/);
  // With src_eff 0.11.1 orders by it; 0.11.2 orders by it only when given.
  assert.ok(compileAt('0.11.1', 'sat', { ...SAT, src_eff: 'EFF' }).sql.includes('ORDER BY sd.LDTS ASC, sd.EFF ASC'));
  const fixed = compileAt('0.11.2', 'sat', SAT).sql;
  assert.ok(fixed.includes('PARTITION BY sd.HK\n                ORDER BY sd.LDTS ASC\n            ) AS prev_hashdiff'), fixed);
  assert.ok(compileAt('0.11.2', 'sat', { ...SAT, src_eff: 'EFF' }).sql.includes('ORDER BY sd.LDTS ASC, sd.EFF ASC'));
  assert.ok(!compileAt('0.11.0', 'sat', SAT).sql.includes('EFF'));
  // A fork may have fixed it: information, and the SQL that loads.
  const ctx = fixtureContext({ catalog: CATALOG, compat: { ...compatForVersion('0.11.1'), fork: true } as ReturnType<typeof compatForVersion> });
  compileMacro('sat', [], kwargs(SAT), ctx);
  assert.deepEqual(ctx.diagnostics.map((d) => [d.code, d.severity]), [['DV200', 'information']]);
});

test('satLatestOnlyMatch: 0.9.0 keeps a staged row that differs from any latest row, 0.9.1+ one that equals none', () => {
  const old = compileAt('0.9.0', 'sat', SAT, { incremental: true }).sql;
  assert.ok(old.includes('LEFT JOIN latest_records\n        ON latest_records.HK = stage.HK\n    WHERE latest_records.HD != stage.HD\n        OR latest_records.HD IS NULL'), old);
  for (const version of ['0.9.1', '0.9.7']) {
    const sql = compileAt(version, 'sat', SAT, { incremental: true }).sql;
    assert.ok(sql.includes('AND latest_records.HD = stage.HD\n    WHERE latest_records.HD IS NULL'), version);
  }
});

test('satApplySourceFilter: the config is ignored up to 0.10.0, read from 0.10.1', () => {
  const config = { apply_source_filter: true };
  assert.ok(!compileAt('0.10.0', 'sat', SAT, { incremental: true, config }).sql.includes('valid_stg'));
  assert.ok(compileAt('0.10.1', 'sat', SAT, { incremental: true, config }).sql.includes('valid_stg AS ('));
});

// ── ghost records: SQL per band ───────────────────────────────────────────────────────────────────────────────────

const GHOSTS = { vars: { enable_ghost_records: true } };

test('ghostRecords: 0.9.0 has no ghost record (the var is ignored); 0.9.1 on write one', () => {
  assert.ok(!compileAt('0.9.0', 'sat', SAT, GHOSTS).sql.includes('ghost'));
  assert.ok(compileAt('0.9.1', 'sat', SAT, GHOSTS).sql.includes('ghost AS ('));
});

test('ghostListKey: a src_pk list with ghost records fails 0.9.1–0.10.2 with DV513 naming the fix; 0.11.0 writes every key', () => {
  const listKey = { ...SAT, src_pk: ['HK'] };
  for (const version of ['0.9.1', '0.9.7', '0.10.2']) {
    const e = compileError(() => compileAt(version, 'sat', listKey, GHOSTS));
    assert.equal(e.code, 'DV513', version);
    assert.match(e.message, new RegExp(`AutomateDV ${version.replace(/\./g, '\\.')} leaves a src_pk given as a list \\(HK\\)`), version);
    assert.match(e.message, /Give src_pk as one column name .* or pin AutomateDV 0\.11\.0 or later/, version);
    // Without ghost records the list is fine.
    assert.doesNotThrow(() => compileAt(version, 'sat', listKey), version);
  }
  assert.doesNotThrow(() => compileAt('0.9.0', 'sat', listKey, GHOSTS), '0.9.0 writes no ghost record at all');
  const ghost = cte(compileAt('0.11.0', 'sat', listKey, GHOSTS).sql, 'ghost');
  assert.ok(ghost.includes("CAST('00000000000000000000000000000000' AS BYTEA) AS hk"), ghost);
});

test('ghostHashdiffMapping: a {source_column, alias} hashdiff with ghost records fails 0.9.1 only', () => {
  const mapped = { ...SAT, src_hashdiff: { source_column: 'HD', alias: 'HASHDIFF' } };
  const e = compileError(() => compileAt('0.9.1', 'sat', mapped, GHOSTS));
  assert.equal(e.code, 'DV513');
  assert.match(e.message, /pin AutomateDV 0\.9\.2 or later/);
  assert.ok(cte(compileAt('0.9.2', 'sat', mapped, GHOSTS).sql, 'ghost').includes("CAST('00000000000000000000000000000000' AS BYTEA) AS hd"));
});

test("ghostSha1Zeros: under var hash 'sha1' the sat ghost key is 32 ASCII zeros up to 0.10.1, 40 from 0.10.2", () => {
  const sha1 = { vars: { enable_ghost_records: true, hash: 'sha1' } };
  const zeros = (n: number) => `CAST('${'0'.repeat(n)}' AS BYTEA) AS hk`;
  for (const [version, n] of [['0.10.1', 32], ['0.10.2', 40], ['0.11.0', 40], ['0.11.5', 40]] as const) {
    const { sql } = compileAt(version, 'sat', { ...SAT, src_eff: 'EFF' }, sha1);
    assert.ok(cte(sql, 'ghost').includes(zeros(n)), `${version}: ${n} zeros`);
  }
  const sha = compileAt('0.10.1', 'sat', SAT, { vars: { enable_ghost_records: true, hash: 'SHA' } }).sql;
  assert.ok(cte(sha, 'ghost').includes(zeros(64)), 'sha: 64 in every band');
});

test('ghostValueTyping: up to 0.10.2 a ghost value follows the column role (DV513 warning where the type clashes), from 0.11.0 its catalog type', () => {
  const catalog = { stg: [{ name: 'hk', dataType: 'text' }, { name: 'hd', dataType: 'bytea' }, { name: 'p', dataType: 'text' }, { name: 'ldts', dataType: 'text' }, { name: 'src', dataType: 'text' }] };
  const { sql, ctx } = compileAt('0.10.2', 'sat', SAT, { ...GHOSTS, catalog });
  assert.deepEqual(ctx.diagnostics.map((d) => [d.code, d.severity]), [['DV513', 'warning']]);
  assert.match(ctx.diagnostics[0]!.message, /cannot be combined with hk \(text\), ldts \(text\)/);
  assert.match(ctx.diagnostics[0]!.message, /Cast those columns in the stage .* or pin AutomateDV 0\.11\.0 or later/);
  // What 0.10.2 writes: the role's value whatever the type.
  const old = cte(sql, 'ghost');
  assert.ok(old.includes("CAST('00000000000000000000000000000000' AS BYTEA) AS hk"), old);
  assert.ok(old.includes("to_char(timestamp '1900-01-01 00:00:00', 'YYYY-MM-DD HH24:MI:SS.MS')::timestamp AS ldts"), old);
  const typed = cte(compileAt('0.11.0', 'sat', SAT, { ...GHOSTS, catalog }).sql, 'ghost');
  assert.ok(typed.includes('CAST(NULL AS text) AS hk'), typed);
  assert.ok(typed.includes('CAST(NULL AS text) AS ldts'), typed);
  // Matching types compile in both bands; a date-typed load date is a date in both.
  const dated = { stg: [...CATALOG.stg.filter((c) => c.name !== 'ldts'), { name: 'ldts', dataType: 'date' }] };
  for (const version of ['0.10.2', '0.11.0']) {
    assert.ok(cte(compileAt(version, 'sat', SAT, { ...GHOSTS, catalog: dated }).sql, 'ghost').includes("TO_DATE('1900-01-01', 'YYY-MM-DD') AS ldts"), version);
  }
});

// ── pit: SQL per band ─────────────────────────────────────────────────────────────────────────────────────────────

const PIT = {
  src_pk: 'HK',
  as_of_dates_table: 'as_of',
  satellites: { sat_a: { pk: { PK: 'HK' }, ldts: { LDTS: 'LOAD_DATE' } } },
  stage_tables_ldts: { stg_a: 'LOAD_DATE' },
  src_ldts: 'LOAD_DATE',
  source_model: 'hub',
};

/** The key expression pit writes for a satellite without a row. */
function pitGhostKeyExpression(version: string, vars: Record<string, unknown> = {}): string {
  const { sql } = compileAt(version, 'pit', PIT, { vars });
  const m = /COALESCE\(DECODE\(MAX\(ENCODE\(sat_a_src\.HK, 'hex'\)\), 'hex'\),\s*(.+?)\)\s+AS sat_a_PK/s.exec(sql);
  assert.ok(m, sql);
  return m[1]!;
}

const PIT_GHOST_CASES: [version: string, vars: Record<string, unknown>, expression: string][] = [
  ['0.9.7', {}, "CAST('0000000000000000' AS BYTEA)"],
  ['0.10.2', { hash: 'SHA' }, "CAST('0000000000000000' AS BYTEA)"],
  ['0.10.2', { enable_ghost_records: true }, `CAST('${'0'.repeat(32)}' AS BYTEA)`],
  ['0.10.1', { enable_ghost_records: true, hash: 'sha1' }, `CAST('${'0'.repeat(32)}' AS BYTEA)`],
  ['0.10.2', { enable_ghost_records: true, hash: 'sha1' }, `CAST('${'0'.repeat(40)}' AS BYTEA)`],
  ['0.10.2', { enable_ghost_records: true, hash: 'SHA' }, `CAST('${'0'.repeat(64)}' AS BYTEA)`],
  ['0.11.0', {}, "CAST(repeat('0', 32) AS BYTEA)"],
  ['0.11.0', { enable_ghost_records: true }, "CAST(repeat('0', 32) AS BYTEA)"],
  ['0.11.2', { hash: 'SHA' }, "CAST(repeat('0', 64) AS BYTEA)"],
  ['0.11.2', { hash: 'sha1' }, "CAST(repeat('0', 40) AS BYTEA)"],
  ['0.11.3', {}, `CAST('${'0'.repeat(32)}' AS BYTEA)`],
  ['0.11.5', { enable_ghost_records: true, hash: 'sha' }, `CAST('${'0'.repeat(64)}' AS BYTEA)`],
  ['0.11.5', { hash: 'sha1' }, `CAST('${'0'.repeat(40)}' AS BYTEA)`],
];

test('pitGhostKey: 16 zeros (or the ghost-record key) up to 0.10.2, repeat(\'0\', N) in 0.11.0–0.11.2, an N-zero literal from 0.11.3', () => {
  for (const [version, vars, expression] of PIT_GHOST_CASES) {
    assert.equal(pitGhostKeyExpression(version, vars), expression, `${version} ${JSON.stringify(vars)}`);
  }
  assert.equal(behaviourAt(AUTOMATE_DV_VERSIONS.pitFollowsGhostRecords, '0.10.2'), true);
  assert.equal(behaviourAt(AUTOMATE_DV_VERSIONS.pitFollowsGhostRecords, '0.11.0'), false);
});

test('pitBridgeDeprecated: pit and bridge warn DV508 from 0.11.0, not before', () => {
  assert.ok(!compileAt('0.10.2', 'pit', PIT).codes.includes('DV508'));
  assert.ok(compileAt('0.11.0', 'pit', PIT).codes.includes('DV508'));
});

// ── ma_sat: SQL per band ──────────────────────────────────────────────────────────────────────────────────────────

const MA_SAT = { src_pk: 'HK', src_cdk: ['CDK'], src_hashdiff: 'HD', src_payload: ['P'], src_ldts: 'LDTS', src_source: 'SRC', source_model: 'stg' };

test('maSatColumnOrder: hashdiff second in 0.9.7–0.10.2 (SQL Server template), after the payload before and from 0.11.0', () => {
  for (const version of ['0.9.7', '0.10.2']) {
    assert.ok(compileAt(version, 'ma_sat', MA_SAT).sql.includes('SELECT DISTINCT s.HK, s.HD, s.CDK, s.P, s.LDTS, s.SRC\n'), version);
  }
  for (const version of ['0.9.6', '0.11.0', '0.11.5']) {
    assert.ok(compileAt(version, 'ma_sat', MA_SAT).sql.includes('SELECT DISTINCT s.HK, s.CDK, s.P, s.HD, s.LDTS, s.SRC\n'), version);
  }
});

test('maSatCdkFilterLoop: a single-name src_cdk is warned about (DV512) only in 0.9.7–0.10.2, which loop over its letters', () => {
  const single = { ...MA_SAT, src_cdk: 'CDK' };
  for (const version of ['0.9.7', '0.10.2']) assert.ok(compileAt(version, 'ma_sat', single).codes.includes('DV512'), version);
  for (const version of ['0.11.0', '0.11.5']) {
    const { sql, codes } = compileAt(version, 'ma_sat', single);
    assert.ok(!codes.includes('DV512'), version);
    assert.ok(sql.includes('AND s.CDK IS NOT NULL'), version);
  }
});

test('maSatExcludedPayload: an exclude_columns payload fails ma_sat up to 0.10.1 (DV200, fix named); 0.10.2 expands it without the child keys', () => {
  const excluded = { ...MA_SAT, src_payload: { exclude_columns: true, columns: ['EFF'] } };
  const catalog = { stg: [...CATALOG.stg, { name: 'cdk', dataType: 'text' }] };
  for (const version of ['0.9.7', '0.10.1']) {
    const e = compileError(() => compileAt(version, 'ma_sat', excluded, { catalog }));
    assert.equal(e.code, 'DV200', version);
    assert.match(e.message, /List the payload columns in src_payload, or pin AutomateDV 0\.10\.2 or later/, version);
  }
  assert.ok(compileAt('0.10.2', 'ma_sat', excluded, { catalog }).sql.includes('SELECT DISTINCT s.HK, s.HD, s.CDK, s.p, s.LDTS, s.SRC\n'));
  assert.ok(compileAt('0.11.5', 'ma_sat', excluded, { catalog }).sql.includes('SELECT DISTINCT s.HK, s.CDK, s.p, s.HD, s.LDTS, s.SRC\n'));
});

test('in a project: dvs check reports the 0.10.2 ghost record of a list src_pk and the 0.11.1 sat without src_eff as errors, and neither under 0.11.2', () => {
  const project = (version: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'dvs-version-matrix-sat-'));
    const files: Record<string, string> = {
      'dbt_project.yml': 'name: p\nversion: "1"\nconfig-version: 2\nvars:\n  enable_ghost_records: true\n',
      'packages.yml': `packages:\n  - package: Datavault-UK/automate_dv\n    version: ${version}\n`,
      'models/stg_people.sql': "select 1 as person_id, 'A' as name, now() as loaded_at\n",
      'models/sat_list.sql':
        "{{ config(materialized='incremental') }}\n{{ automate_dv.sat(src_pk=['PERSON_HK'], src_hashdiff='HD', src_payload=['NAME'], src_ldts='LOAD_DATE', src_source='RECORD_SOURCE', source_model='stg_people') }}\n",
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const session = new ProjectSession(dir, { env: { HOME: tmpdir() }, homeDir: tmpdir(), targetName: 'embedded' });
    return session.diagnosticsFor(session.node('sat_list')!).filter((d) => d.severity === 'error').map((d) => d.code);
  };
  assert.deepEqual(project('0.10.2'), ['DV513']);
  assert.deepEqual(project('0.11.1'), ['DV200']);
  assert.deepEqual(project('0.11.2'), []);
});

// ── rows and bytes on PGlite ──────────────────────────────────────────────────────────────────────────────────────

let db: PGlite;

const STAGE = {
  source_model: 'raw_m',
  derived_columns: { RECORD_SOURCE: 'src', LOAD_DATE: 'loaded_at', EFFECTIVE_FROM: 'loaded_at' },
  hashed_columns: { HK: 'id', HD: { is_hashdiff: true, columns: ['name'] } },
};
const PG_SAT = { src_pk: 'HK', src_hashdiff: 'HD', src_payload: ['NAME'], src_ldts: 'LOAD_DATE', src_source: 'RECORD_SOURCE', source_model: 'stg_m' };
const r = (id: number, name: string, src: string, loaded_at: string) => ({ id, name, src, loaded_at });

async function stage(rows: Record<string, unknown>[], vars: Record<string, unknown> = {}): Promise<void> {
  await loadBatch(db, 'raw_m', rows);
  await runModel(db, 'stg_m', 'stage', STAGE, { vars });
}

before(async () => {
  db = await startWarehouse();
  await db.exec('CREATE TABLE raw_m (id integer, name text, src text, loaded_at timestamp)');
});

after(async () => {
  await db.close();
});

test('satFirstRecordRank on PGlite: two first rows at one load date (same hashdiff, other source) are both kept by 0.10.1\'s RANK, one by 0.10.2\'s ROW_NUMBER', async () => {
  await stage([r(2, 'A', 's1', '2024-01-01'), r(2, 'A', 's2', '2024-01-01')]);
  assert.equal(await runModel(db, 'sat_frin_0101', 'sat', PG_SAT, { compat: compatForVersion('0.10.1') }), 2);
  assert.equal(await runModel(db, 'sat_frin_0102', 'sat', PG_SAT, { compat: compatForVersion('0.10.2') }), 1);
  assert.equal(await runModel(db, 'sat_frin_0110', 'sat', PG_SAT, { compat: compatForVersion('0.11.0') }), 1);
});

test('satLatestRecordsRank on PGlite: a tie at the latest load date is compared whole by 0.10.1\'s RANK, one row of it by 0.10.2\'s ROW_NUMBER', async () => {
  // The table holds two rows of key 1 at its latest load date (A and B); the new batch restages A.
  await stage([r(1, 'A', 's', '2024-01-01'), r(1, 'B', 's', '2024-01-01')]);
  for (const version of ['0.10.1', '0.10.2']) {
    const table = `sat_tie_${version.replace(/\./g, '')}`;
    assert.equal(await runModel(db, table, 'sat', PG_SAT, { compat: compatForVersion('0.11.5') }), 2, 'both rows of the tie are in the table');
  }
  await stage([r(1, 'A', 's', '2024-01-02')]);
  const latest = async (version: string) => {
    const { compileModel } = await import('./pglite-loader');
    const { sql } = await compileModel(db, `sat_tie_${version.replace(/\./g, '')}`, 'sat', PG_SAT, { compat: compatForVersion(version) });
    const probe = sql.replace(/SELECT \* FROM records_to_insert\s*$/, 'SELECT hd FROM latest_records');
    return (await db.query<{ hd: Uint8Array }>(probe)).rows.map((row) => hex(row.hd));
  };
  assert.equal((await latest('0.10.1')).length, 2, '0.10.1: every row at the latest load date');
  const picked = await latest('0.10.2');
  assert.equal(picked.length, 1, '0.10.2: one row at the latest load date');
  // RANK: the restaged A equals one of the latest rows, so nothing is inserted.
  assert.equal(await runModel(db, 'sat_tie_0101', 'sat', PG_SAT, { compat: compatForVersion('0.10.1') }), 0);
  // ROW_NUMBER: A is inserted exactly when the row PostgreSQL kept is B.
  const a = hex((await db.query<{ hd: Uint8Array }>("SELECT hd FROM sat_tie_0102 WHERE name = 'A'")).rows[0]!.hd);
  assert.equal(await runModel(db, 'sat_tie_0102', 'sat', PG_SAT, { compat: compatForVersion('0.10.2') }), picked[0] === a ? 0 : 1);
});

test('satLatestOnlyMatch on PGlite: with two rows at the latest load date, a restaged one is new for 0.9.0 and not for 0.9.1', async () => {
  await stage([r(4, 'A', 's', '2024-01-01'), r(4, 'B', 's', '2024-01-01')]);
  for (const version of ['0.9.0', '0.9.1']) {
    const table = `sat_any_${version.replace(/\./g, '')}`;
    assert.equal(await runModel(db, table, 'sat', PG_SAT, { compat: compatForVersion('0.11.5') }), 2, 'both rows of the tie are in the table');
  }
  await stage([r(4, 'A', 's', '2024-01-02')]);
  assert.equal(await runModel(db, 'sat_any_090', 'sat', PG_SAT, { compat: compatForVersion('0.9.0') }), 1, '0.9.0: A differs from B');
  assert.equal(await runModel(db, 'sat_any_091', 'sat', PG_SAT, { compat: compatForVersion('0.9.1') }), 0, '0.9.1: A equals one latest row');
});

test('ghostValueTyping on PGlite: 0.10.2\'s role-typed ghost cannot be UNIONed with a text load date; 0.11.0 loads a NULL one', async () => {
  await db.exec("CREATE TABLE stg_text (hk bytea, hd bytea, p text, ldts text, src text); INSERT INTO stg_text VALUES (DECODE(MD5('1'), 'hex'), DECODE(MD5('A'), 'hex'), 'A', '2024-01-01', 'S')");
  const args = { ...SAT, source_model: 'stg_text' };
  await assert.rejects(runModel(db, 'sat_text_0102', 'sat', args, { compat: compatForVersion('0.10.2'), vars: GHOSTS.vars }), /UNION types timestamp without time zone and text cannot be matched/);
  assert.equal(await runModel(db, 'sat_text_0110', 'sat', args, { compat: compatForVersion('0.11.0'), vars: GHOSTS.vars }), 2);
  const ghost = await db.query<{ ldts: string | null }>("SELECT ldts FROM sat_text_0110 WHERE src = 'AUTOMATE_DV_SYSTEM'");
  assert.deepEqual(ghost.rows, [{ ldts: null }]);
});

test('ghostSha1Zeros on PGlite: the ghost row of a sha1 sat has 32 ASCII zeros at 0.10.1, 40 at 0.10.2', async () => {
  const vars = { enable_ghost_records: true, hash: 'sha1' };
  await stage([r(3, 'A', 's', '2024-01-01')], vars);
  for (const [version, n] of [['0.10.1', 32], ['0.10.2', 40]] as const) {
    const table = `sat_sha1_${version.replace(/\./g, '')}`;
    assert.equal(await runModel(db, table, 'sat', PG_SAT, { compat: compatForVersion(version), vars }), 2);
    const ghost = await db.query<{ hk: Uint8Array; hd: Uint8Array }>(`SELECT hk, hd FROM ${table} WHERE record_source = 'AUTOMATE_DV_SYSTEM'`);
    assert.equal(hex(ghost.rows[0]!.hk), '30'.repeat(n), version);
    assert.equal(hex(ghost.rows[0]!.hd), '30'.repeat(n), version);
  }
});

test('pitGhostKey on PGlite: every band\'s expression gives its bytes (repeat() runs in PostgreSQL), and a pit load writes them', async () => {
  for (const [version, vars, expression] of PIT_GHOST_CASES) {
    const n = /repeat\('0', (\d+)\)/.exec(expression)?.[1] ?? String(/'(0+)'/.exec(expression)![1]!.length);
    const bytes = (await db.query<{ k: Uint8Array }>(`SELECT ${expression} AS k`)).rows[0]!.k;
    assert.equal(hex(bytes), '30'.repeat(Number(n)), `${version} ${JSON.stringify(vars)}`);
  }
  await db.exec(`
    CREATE TABLE hub (hk bytea, load_date timestamp);
    CREATE TABLE sat_a (hk bytea, load_date timestamp);
    CREATE TABLE stg_a (load_date timestamp);
    CREATE TABLE as_of (as_of_date timestamp);
    INSERT INTO hub VALUES (DECODE(MD5('1'), 'hex'), '2024-01-02');
    INSERT INTO stg_a VALUES ('2024-01-02');
    INSERT INTO as_of VALUES ('2024-01-03');
  `);
  for (const [version, zeros] of [['0.10.2', 16], ['0.11.0', 32], ['0.11.5', 32]] as const) {
    const table = `pit_${version.replace(/\./g, '')}`;
    assert.equal(await runModel(db, table, 'pit', PIT, { compat: compatForVersion(version) }), 1);
    const row = (await db.query<{ k: Uint8Array; d: string }>(`SELECT sat_a_pk AS k, sat_a_ldts::text AS d FROM ${table}`)).rows[0]!;
    assert.equal(hex(row.k), '30'.repeat(zeros), version);
    assert.equal(row.d, '1900-01-01 00:00:00', version);
  }
});

test('maSatColumnOrder on PGlite: the table\'s columns at 0.10.2 and 0.11.5', async () => {
  await db.exec('CREATE TABLE stg_ma (hk bytea, cdk text, p text, hd bytea, ldts timestamp, src text)');
  const columns = async (table: string) =>
    (await db.query<{ c: string }>(`SELECT column_name AS c FROM information_schema.columns WHERE table_name = '${table}' ORDER BY ordinal_position`)).rows.map((x) => x.c);
  await runModel(db, 'ma_0102', 'ma_sat', { ...MA_SAT, source_model: 'stg_ma' }, { compat: compatForVersion('0.10.2') });
  await runModel(db, 'ma_0115', 'ma_sat', { ...MA_SAT, source_model: 'stg_ma' }, { compat: compatForVersion('0.11.5') });
  assert.deepEqual(await columns('ma_0102'), ['hk', 'hd', 'cdk', 'p', 'ldts', 'src']);
  assert.deepEqual(await columns('ma_0115'), ['hk', 'cdk', 'p', 'hd', 'ldts', 'src']);
});
