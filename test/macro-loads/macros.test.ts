// The SQL of eff_sat, ma_sat, xts, pit, bridge and ref_table from fixtures/sql-fragments (one JSON file per case,
// with the diagnostics each must report), their parameter errors, the version notices, and the dbtvault namespace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Relation } from '../../server/src/base/relation';
import { automateDvMacros, compileMacro } from '../../server/src/compile/automate-dv';
import { CompileError, DEFAULT_COMPAT, type AutomateDvCompat, type ColumnInfo } from '../../server/src/compile/context';
import { compileModel } from '../../server/src/compile/model';
import { parseTemplate } from '../../server/src/jinja';
import { fromJs } from '../../server/src/jinja/values';
import { fixtureContext, kwargs } from '../compile/context-fixture';

interface FragmentCase {
  description: string;
  macro: string;
  args: Record<string, unknown>;
  incremental?: boolean;
  vars?: Record<string, unknown>;
  config?: Record<string, unknown>;
  compat?: Partial<AutomateDvCompat>;
  catalog?: Record<string, ColumnInfo[]>;
  contains: string[];
  notContains?: string[];
  /** The codes reported, in order; omitted means not checked. */
  diagnostics?: string[];
}

const folder = join(__dirname, 'fixtures', 'sql-fragments');
for (const file of readdirSync(folder).filter((f) => f.endsWith('.json'))) {
  const c = JSON.parse(readFileSync(join(folder, file), 'utf8')) as FragmentCase;
  test(`${c.macro} SQL (${file}): ${c.description}`, () => {
    const ctx = fixtureContext({
      incremental: c.incremental ?? false,
      ...(c.vars ? { vars: c.vars } : {}),
      ...(c.config ? { config: c.config } : {}),
      ...(c.compat ? { compat: c.compat } : {}),
      ...(c.catalog ? { catalog: c.catalog } : {}),
    });
    const sql = compileMacro(c.macro, [], kwargs(c.args), ctx);
    for (const fragment of c.contains) assert.ok(sql.includes(fragment), `expected fragment:\n${fragment}\n--- in ---\n${sql}`);
    for (const fragment of c.notContains ?? []) assert.ok(!sql.includes(fragment), `unexpected fragment:\n${fragment}\n--- in ---\n${sql}`);
    if (c.diagnostics) assert.deepEqual(ctx.diagnostics.map((d) => d.code), c.diagnostics);
  });
}

const code = (e: unknown) => (e instanceof CompileError ? e.code : `not a CompileError: ${String(e)}`);
const failsWith = (macro: string, args: Record<string, unknown>, expected: string, message: RegExp) =>
  assert.throws(
    () => compileMacro(macro, [], kwargs(args), fixtureContext()),
    (e) => code(e) === expected && message.test((e as Error).message),
  );

const PIT = {
  src_pk: 'HK',
  as_of_dates_table: 'as_of',
  satellites: { sat_a: { pk: { PK: 'HK' }, ldts: { LDTS: 'LOAD_DATE' } } },
  stage_tables_ldts: { stg: 'LOAD_DATE' },
  src_ldts: 'LOAD_DATE',
  source_model: 'hub',
};
const STEP: Record<string, string | undefined> = {
  bridge_link_pk: 'L_PK',
  bridge_end_date: 'L_END',
  bridge_load_date: 'L_LDTS',
  link_table: 'link_a',
  link_pk: 'A_HK',
  link_fk1: 'HK',
  link_fk2: 'B_HK',
  eff_sat_table: 'eff_a',
  eff_sat_pk: 'A_HK',
  eff_sat_end_date: 'END_DATE',
  eff_sat_load_date: 'LOAD_DATE',
};
const bridge = (walk: Record<string, unknown>) => {
  const { satellites: _satellites, ...common } = PIT;
  void _satellites;
  return { ...common, bridge_walk: walk };
};

test('malformed metadata fails with DV202 naming the parameter and what it needs', () => {
  failsWith('xts', { src_pk: 'HK', src_satellite: { SAT: { sat_name: 'NAME_COL', hashdiff: { HASHDIFF: 'HD' } } }, src_ldts: 'L', src_source: 'S', source_model: 'stg' }, 'DV202', /src_satellite\.SAT\.sat_name' must be a one-key mapping \{SATELLITE_NAME/);
  failsWith('pit', { ...PIT, satellites: { sat_a: { pk: 'HK', ldts: { LDTS: 'LOAD_DATE' } } } }, 'DV202', /satellites\.sat_a\.pk/);
  failsWith('pit', { ...PIT, src_pk: ['A', 'B'] }, 'DV202', /single key/);
  failsWith('pit', { ...PIT, as_of_dates_table: 5 }, 'DV202', /as_of_dates_table' must be a model name, or a mapping/);
  failsWith('pit', { ...PIT, stage_tables_ldts: { stg: ['A'] } }, 'DV202', /stage_tables_ldts\.stg/);
  const { eff_sat_table: _dropped, ...withoutEffSat } = STEP;
  void _dropped;
  failsWith('bridge', bridge({ STEP: withoutEffSat }), 'DV202', /bridge_walk\.STEP' must be a mapping that also sets eff_sat_table/);
  failsWith('bridge', bridge({ ONE: STEP, TWO: { ...STEP, link_fk1: '' } }), 'DV202', /bridge_walk\.TWO' .* link_fk1/);
  failsWith('eff_sat', { src_pk: 'HK', src_dfk: 'A', src_sfk: 'B', src_start_date: 'S', src_end_date: 'E', src_ldts: 'L', src_source: 'R', source_model: 'stg' }, 'DV201', /Required parameter\(s\) missing or none in .*: src_eff/);
  failsWith('ma_sat', { src_pk: 'HK', src_cdk: 3, src_hashdiff: 'HD', src_payload: ['P'], src_ldts: 'L', src_source: 'S', source_model: 'stg' }, 'DV202', /src_cdk/);
});

test('a one-step bridge needs no link_fk1 or link_fk2; a last step needs no link_fk2', () => {
  const { link_fk1: _fk1, link_fk2: _fk2, ...firstOnly } = STEP;
  void _fk1;
  void _fk2;
  const sql = compileMacro('bridge', [], kwargs(bridge({ ONE: firstOnly })), fixtureContext());
  assert.match(sql, /ON a\.HK = link_a\.HK/);
  const two = compileMacro('bridge', [], kwargs(bridge({ ONE: STEP, TWO: { ...STEP, link_table: 'link_b', eff_sat_table: 'eff_b', link_fk1: 'B_HK', link_fk2: undefined } })), fixtureContext());
  assert.match(two, /ON link_a\.B_HK = link_b\.B_HK/);
});

test('pit and bridge: src_extra_columns is ignored with a warning, as AutomateDV does; no deprecation before 0.11.0', () => {
  const ctx = fixtureContext({ compat: { version: '0.10.1', satLogic: 'first-record' } });
  const sql = compileMacro('pit', [], kwargs({ ...PIT, src_extra_columns: ['EXTRA_COL'] }), ctx);
  assert.ok(!sql.includes('EXTRA_COL'), 'the extra column is not selected');
  assert.deepEqual(ctx.diagnostics.map((d) => [d.code, d.severity]), [['DV200', 'warning']]);
  assert.match(ctx.diagnostics[0]!.message, /src_extra_columns is not available for PITs or Bridges/);
});

test('version notices: no PostgreSQL eff_sat/ma_sat/pit/bridge before 0.9.7, no ref_table before 0.10.0', () => {
  const notices = (macro: string, args: Record<string, unknown>, version: string) => {
    const ctx = fixtureContext({ compat: { ...DEFAULT_COMPAT, version } });
    compileMacro(macro, [], kwargs(args), ctx);
    return ctx.diagnostics.filter((d) => d.code === 'DV200').map((d) => d.message);
  };
  const ref = { src_pk: 'CODE', source_model: 'seed' };
  assert.equal(notices('ref_table', ref, '0.10.0').length, 0);
  assert.match(notices('ref_table', ref, '0.9.8')[0] ?? '', /AutomateDV 0\.9\.8 has no ref_table macro.*Upgrade the pinned AutomateDV to 0\.10\.0/);
  assert.match(notices('pit', PIT, '0.9.6')[0] ?? '', /has no PostgreSQL version of pit/);
  assert.equal(notices('pit', PIT, '0.9.7').length, 0);
  const xts = { src_pk: 'HK', src_satellite: { S: { sat_name: { SATELLITE_NAME: 'N' }, hashdiff: { HASHDIFF: 'H' } } }, src_ldts: 'L', src_source: 'R', source_model: 'stg' };
  assert.equal(notices('xts', xts, '0.9.2').length, 0, "xts's default SQL runs on PostgreSQL");
});

test('every AutomateDV table macro is registered; a positional pit call binds in signature order', () => {
  const ctx = fixtureContext();
  const macros = automateDvMacros(ctx);
  assert.deepEqual(
    [...macros.keys()].sort(),
    ['bridge', 'eff_sat', 'hash', 'hub', 'link', 'ma_sat', 'nh_link', 'pit', 'ref_table', 'sat', 'stage', 't_link', 'xts'],
  );
  const positional = ['HK', null, 'as_of', PIT.satellites, PIT.stage_tables_ldts, 'LOAD_DATE', 'hub'].map(fromJs);
  const sql = macros.get('pit')!.call(positional, new Map());
  assert.equal(sql, compileMacro('pit', [], kwargs(PIT), fixtureContext()));
});

test('dbtvault.<macro> and automate_dv.<macro> compile a model to the same SQL', () => {
  const modelSql = (namespace: string) => {
    const text = `{%- set yaml_metadata -%}
src_pk: ORDER_CUSTOMER_HK
src_dfk: ORDER_HK
src_sfk: CUSTOMER_HK
src_start_date: START_DATE
src_end_date: END_DATE
src_eff: EFFECTIVE_FROM
src_ldts: LOAD_DATE
src_source: RECORD_SOURCE
source_model: stg_orders
{%- endset -%}
{%- set m = fromyaml(yaml_metadata) -%}
{{ ${namespace}.eff_sat(src_pk=m['src_pk'], src_dfk=m['src_dfk'], src_sfk=m['src_sfk'], src_start_date=m['src_start_date'],
    src_end_date=m['src_end_date'], src_eff=m['src_eff'], src_ldts=m['src_ldts'], src_source=m['src_source'], source_model=m['source_model']) }}`;
    const parsed = parseTemplate(text);
    assert.deepEqual(parsed.diagnostics, []);
    const result = compileModel({
      modelName: 'eff_sat_order_customer',
      template: parsed.template,
      self: new Relation('dvs', 'public', 'eff_sat_order_customer'),
      materialized: 'incremental',
      configOf: (key) => (key === 'is_auto_end_dating' ? true : null),
      resolveRef: (name) => new Relation('dvs', 'public', name),
      resolveSource: () => undefined,
      varValue: () => undefined,
      envValue: () => undefined,
      target: { name: 'dev', schema: 'public', dbname: 'dvs' },
      catalog: () => undefined,
      projectMacros: [],
      incremental: true,
      runStartedAt: new Date('2024-01-01T00:00:00Z'),
      compat: DEFAULT_COMPAT,
      formatSql: false,
    });
    assert.deepEqual(result.diagnostics, []);
    return result.sql;
  };
  const automateDv = modelSql('automate_dv');
  assert.match(automateDv, /INNER JOIN latest_open AS lo\n\s+ON lo\.ORDER_HK = h\.ORDER_HK/, 'is_auto_end_dating comes from the model config');
  assert.equal(modelSql('dbtvault'), automateDv);
});
