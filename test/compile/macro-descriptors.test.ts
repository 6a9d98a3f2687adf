// The AutomateDV macro descriptor table (server/src/base/automate-dv-macros.ts) is the one place a macro is described:
// these tests fail when a macro is added somewhere else (the compiler registry, the version matrix, the grammar)
// without being described there, or described without what the rest of the code reads from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AUTOMATE_DV_MACROS,
  VAULT_MACRO_NAMES,
  firstVersionOf,
  isVaultMacroName,
  macroDescriptor,
  macrosOfFamily,
  type VaultMacroName,
} from '../../server/src/base/automate-dv-macros';
import { AUTOMATE_DV_VERSIONS } from '../../server/src/base/automate-dv-versions';
import { MACRO_COMPILERS } from '../../server/src/compile/automate-dv/registry';
import { MACRO_SIGNATURES, isReleasedHelperMacro } from '../../server/src/compile/automate-dv/signatures';
import { compileMacro } from '../../server/src/compile/automate-dv';
import { fixtureContext, kwargs } from './context-fixture';

const root = join(__dirname, '..', '..');
const sorted = (names: Iterable<string>): string[] => [...new Set(names)].sort();

test('every macro the compiler registry knows has a descriptor, and every descriptor a compiler', () => {
  assert.deepEqual(sorted(Object.keys(MACRO_COMPILERS)), sorted(VAULT_MACRO_NAMES));
  for (const name of VAULT_MACRO_NAMES) assert.equal(typeof MACRO_COMPILERS[name], 'function', name);
});

test('the signatures are the descriptors’ parameters, and only described names are vault macros', () => {
  assert.deepEqual(sorted(Object.keys(MACRO_SIGNATURES)), sorted(VAULT_MACRO_NAMES));
  for (const name of VAULT_MACRO_NAMES) {
    assert.equal(MACRO_SIGNATURES[name].params, AUTOMATE_DV_MACROS[name].params, name);
    assert.equal(MACRO_SIGNATURES[name].description, AUTOMATE_DV_MACROS[name].description, name);
  }
  assert.equal(isVaultMacroName('hub'), true);
  assert.equal(isVaultMacroName('prefix'), false);
  assert.equal(isVaultMacroName('toString'), false);
  // AutomateDV's other macros (helpers a model may call) are listed apart; a macro that builds a model is never one.
  assert.deepEqual(VAULT_MACRO_NAMES.filter(isReleasedHelperMacro), []);
});

test('every macro the version matrix names is described, and its full list is the described macros', () => {
  const named = new Set<string>();
  const addLists = (row: { bands: readonly { value: readonly string[] }[]; otherwise: readonly string[] }): void => {
    for (const band of row.bands) for (const m of band.value) named.add(m);
    for (const m of row.otherwise) named.add(m);
  };
  addLists(AUTOMATE_DV_VERSIONS.snowflakeMacrosRunningOnPostgres);
  addLists(AUTOMATE_DV_VERSIONS.postgresTableMacros);
  for (const band of AUTOMATE_DV_VERSIONS.defaultTableSqlOnPostgres.bands) for (const m of Object.keys(band.value)) named.add(m);
  assert.deepEqual([...named].filter((m) => !isVaultMacroName(m)), [], 'described in base/automate-dv-macros.ts');
  // From 0.9.0 on every macro is a PostgreSQL macro; the row's `otherwise` lists them all.
  assert.deepEqual(sorted(AUTOMATE_DV_VERSIONS.snowflakeMacrosRunningOnPostgres.otherwise), sorted(VAULT_MACRO_NAMES));
});

test('every descriptor names the version-matrix row of its first PostgreSQL release, and the row has it', () => {
  const first = Object.fromEntries(VAULT_MACRO_NAMES.map((m) => [m, firstVersionOf(m, 'postgres')]));
  // Checked at the release tags: postgres__ macros from dbtvault 0.9.0 (hub, link, sat; t_link's and xts' default
  // SQL runs), the rest of the table macros at 0.9.7, ref_table at 0.10.0, nh_link at 0.11.5.
  assert.deepEqual(first, {
    stage: '0.9.0',
    hub: '0.9.0',
    link: '0.9.0',
    sat: '0.9.0',
    eff_sat: '0.9.7',
    ma_sat: '0.9.7',
    t_link: '0.9.0',
    nh_link: '0.11.5',
    xts: '0.9.0',
    pit: '0.9.7',
    bridge: '0.9.7',
    ref_table: '0.10.0',
  });
  // A table macro in the postgresTableMacros row must say so, or the version-gap notices would skip it.
  const tableRow = new Set(AUTOMATE_DV_VERSIONS.postgresTableMacros.otherwise);
  for (const m of VAULT_MACRO_NAMES) {
    assert.equal(macroDescriptor(m).firstVersion.postgres === 'postgresTableMacros', tableRow.has(m), m);
  }
});

test('every table macro lists its output columns by its own parameters; the stage computes its own', () => {
  for (const m of VAULT_MACRO_NAMES) {
    const d = macroDescriptor(m);
    if (m === 'stage') {
      assert.equal(d.columns, null);
      continue;
    }
    assert.ok(d.columns && d.columns.length > 0, `${m} lists its columns`);
    const params = d.params.map((p) => p.name);
    for (const c of d.columns) if ('param' in c) assert.ok(params.includes(c.param), `${m}: column parameter ${c.param} is a parameter`);
    assert.deepEqual(d.columns[0], { param: 'src_pk' }, `${m}: the key comes first`);
    assert.ok(params.includes('source_model'), `${m} reads a source_model`);
  }
});

test('each parameter flag is set where the compiler can honour it', () => {
  for (const m of VAULT_MACRO_NAMES) {
    const names = new Set<string>();
    for (const p of macroDescriptor(m).params) {
      assert.ok(!names.has(p.name), `${m}.${p.name} is listed once`);
      names.add(p.name);
      // Only a required column or column list can be rendered without: an empty list or the column left out.
      if (p.rendersWithoutWhenUndefined) assert.ok(p.required && ['column', 'columns', 'payload'].includes(p.kind), `${m}.${p.name}`);
      if (p.names) assert.ok(p.kind === 'model' || p.kind === 'models', `${m}.${p.name} names a model`);
    }
  }
});

test('families and view kinds: links, satellites and hubs are the macros the rules and the graph treat as such', () => {
  assert.deepEqual(macrosOfFamily('hub'), ['hub']);
  assert.deepEqual(sorted(macrosOfFamily('link')), ['link', 'nh_link', 't_link']);
  assert.deepEqual(sorted(macrosOfFamily('satellite')), ['eff_sat', 'ma_sat', 'sat', 'xts']);
  assert.deepEqual(sorted(macrosOfFamily('query')), ['bridge', 'pit']);
  const kinds: Record<string, string> = {};
  for (const m of VAULT_MACRO_NAMES) kinds[m] = AUTOMATE_DV_MACROS[m].viewKind;
  assert.equal(kinds.nh_link, 't_link', 'the views show nh_link as the transactional link it replaces');
  assert.equal(kinds.ref_table, 'model', 'reference tables are shown with the other models');
  assert.deepEqual(sorted(VAULT_MACRO_NAMES.filter((m) => AUTOMATE_DV_MACROS[m].common)), ['hub', 'link', 'sat', 'stage']);
});

test('every parameter name is highlighted by the grammar', () => {
  const grammar = readFileSync(join(root, 'syntaxes', 'jinja-sql.tmLanguage.json'), 'utf8');
  const m = /"match":\s*"\\\\b\(([a-z_|]+)\)\\\\b",\s*"name":\s*"variable\.parameter\.automate-dv\.jinja"/.exec(grammar);
  assert.ok(m, 'the grammar has its AutomateDV parameter list');
  const highlighted = new Set(m[1]!.split('|'));
  const missing = sorted(VAULT_MACRO_NAMES.flatMap((name: VaultMacroName) => macroDescriptor(name).params.map((p) => p.name))).filter((p) => !highlighted.has(p));
  assert.deepEqual(missing, [], 'add them to variable.parameter.automate-dv.jinja in syntaxes/jinja-sql.tmLanguage.json');
});

/**
 * A small valid call of every described macro. The Record type makes the type-check (which `npm test` runs first) fail
 * for a described macro without one, so each new macro is compiled here at least once: its module, template and
 * registry line are then all in place.
 */
const SMALL_CALLS: Readonly<Record<VaultMacroName, Record<string, unknown>>> = {
  stage: { source_model: 'raw', hashed_columns: { HK: 'ID' }, derived_columns: { SRC: '!crm' } },
  hub: { src_pk: 'HK', src_nk: 'NK', src_ldts: 'LDTS', src_source: 'SRC', source_model: 'stg' },
  link: { src_pk: 'LINK_HK', src_fk: ['A_HK', 'B_HK'], src_ldts: 'LDTS', src_source: 'SRC', source_model: 'stg' },
  sat: { src_pk: 'HK', src_hashdiff: 'HD', src_payload: ['NAME'], src_eff: 'EFF', src_ldts: 'LDTS', src_source: 'SRC', source_model: 'stg' },
  eff_sat: {
    src_pk: 'LINK_HK',
    src_dfk: 'A_HK',
    src_sfk: 'B_HK',
    src_start_date: 'START_DATE',
    src_end_date: 'END_DATE',
    src_eff: 'EFF',
    src_ldts: 'LDTS',
    src_source: 'SRC',
    source_model: 'stg',
  },
  ma_sat: { src_pk: 'HK', src_cdk: ['PHONE'], src_hashdiff: 'HD', src_payload: ['KIND'], src_ldts: 'LDTS', src_source: 'SRC', source_model: 'stg' },
  t_link: { src_pk: 'T_HK', src_fk: ['A_HK'], src_payload: ['AMOUNT'], src_eff: 'EFF', src_ldts: 'LDTS', src_source: 'SRC', source_model: 'stg' },
  nh_link: { src_pk: 'T_HK', src_fk: ['A_HK'], src_payload: ['AMOUNT'], src_eff: 'EFF', src_ldts: 'LDTS', src_source: 'SRC', source_model: 'stg' },
  xts: {
    src_pk: 'HK',
    src_satellite: { SAT_A: { sat_name: { SATELLITE_NAME: 'SAT_NAME' }, hashdiff: { HASHDIFF: 'HD' } } },
    src_ldts: 'LDTS',
    src_source: 'SRC',
    source_model: 'stg',
  },
  pit: {
    src_pk: 'HK',
    as_of_dates_table: 'as_of',
    satellites: { sat_a: { pk: { PK: 'HK' }, ldts: { LDTS: 'LDTS' } } },
    stage_tables_ldts: { stg: 'LDTS' },
    src_ldts: 'LDTS',
    source_model: 'hub',
  },
  bridge: {
    src_pk: 'A_HK',
    as_of_dates_table: 'as_of',
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
    stage_tables_ldts: { stg: 'LDTS' },
    src_ldts: 'LDTS',
    source_model: 'hub_a',
  },
  ref_table: { src_pk: 'CODE', src_extra_columns: ['LABEL'], src_ldts: 'LDTS', src_source: 'SRC', source_model: 'stg' },
};

test('every described macro compiles, and its SQL names the output columns its descriptor lists', () => {
  for (const macro of VAULT_MACRO_NAMES) {
    const ctx = fixtureContext({ catalog: { raw: ['ID', 'NAME'], stg: ['HK', 'NAME'] } });
    const call = SMALL_CALLS[macro];
    const sql = compileMacro(macro, [], kwargs(call), ctx);
    assert.match(sql, /\bSELECT\b/, macro);
    for (const column of macroDescriptor(macro).columns ?? []) {
      const names = 'fixed' in column ? [column.fixed] : [call[column.param]].flat().filter((v): v is string => typeof v === 'string');
      for (const name of names) assert.ok(sql.includes(name), `${macro}: ${name} (${'fixed' in column ? 'fixed' : column.param}) in\n${sql}`);
    }
  }
});

test('the signature table of docs/automate-dv.md §1.3 is the descriptors’ (order, and required parameters in bold)', () => {
  const doc = readFileSync(join(root, 'docs', 'automate-dv.md'), 'utf8');
  const section = doc.slice(doc.indexOf('### 1.3 Signatures'), doc.indexOf('\n### ', doc.indexOf('### 1.3 Signatures') + 1));
  const documented = new Map<string, string>();
  for (const line of section.split('\n')) {
    const m = /^\| ([a-z_, ]+) \| (\*\*|[a-z_])(.*) \|$/.exec(line);
    if (!m || m[1] === 'macro') continue;
    for (const macro of m[1]!.split(',').map((x) => x.trim())) documented.set(macro, `${m[2]}${m[3]}`);
  }
  assert.deepEqual(sorted(documented.keys()), sorted(VAULT_MACRO_NAMES), 'one row per macro');
  for (const macro of VAULT_MACRO_NAMES) {
    const expected = macroDescriptor(macro).params.map((p) => (p.required ? `**${p.name}**` : p.name)).join(', ');
    assert.equal(documented.get(macro), expected, macro);
  }
});
