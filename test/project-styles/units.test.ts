// The pieces behind breadth, without a database: positional binding by the pinned AutomateDV version, dbt's runtime
// context (dbt.*, run_query, statement blocks, adapter.dispatch), generic tests read from yml and compiled to SQL, and
// seed CSVs planned for loading.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { bindArguments } from '../../server/src/compile/automate-dv';
import { CompileError } from '../../server/src/compile/context';
import { discoverGenericTests, selectGenericTests, thresholdHit } from '../../server/src/dbt/generic-tests';
import { planSeed } from '../../server/src/dbt/seed';
import { ProjectSession } from '../../server/src/engine/session';
import { parseModel, vaultCall } from '../../server/src/model/parse';

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-breadth-unit-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function session(dir: string): ProjectSession {
  return new ProjectSession(dir, { env: { HOME: tmpdir() }, homeDir: tmpdir(), targetName: 'embedded' });
}

const HUB_0_7 = `{%- set src_pk = "BIKE_PK" -%}{%- set src_nk = "bike_code" -%}{%- set src_ldts = "LOAD_DATE" -%}
{%- set src_source = "RECORD_SOURCE" -%}{%- set source_model = "v_stg_rentals" -%}
{{ dbtvault.hub(src_pk, src_nk, src_ldts, src_source, source_model) }}`;

test('positional hub(src_pk, src_nk, src_ldts, src_source, source_model) binds by the pinned version', () => {
  const old = vaultCall(parseModel(HUB_0_7, { automateDvVersion: '0.7.3' }));
  assert.equal(old?.params.get('source_model')?.value?.kind, 'string');
  assert.deepEqual(parseModel(HUB_0_7, { automateDvVersion: '0.7.3' }).diagnostics, []);
  const modern = parseModel(HUB_0_7);
  assert.deepEqual(modern.diagnostics.map((d) => d.code), ['DV201'], 'AutomateDV 0.9+ puts src_extra_columns third, as dbt would bind it');
  const bound = bindArguments('hub', ['PK', 'NK', 'LDTS', 'SRC', 'stg'], new Map(), { version: '0.8.2' });
  assert.equal(bound.get('source_model'), 'stg');
  assert.throws(() => bindArguments('hub', ['PK', 'NK', 'LDTS', 'SRC', 'stg'], new Map(), { version: '0.9.0' }), (e) => e instanceof CompileError && e.code === 'DV201');
});

test('a project pinning dbtvault 0.7 binds its positional calls (its only error: no PostgreSQL hub); the same call under 0.11 is a real error', async () => {
  const files = {
    'dbt_project.yml': 'name: p\nversion: "1"\nconfig-version: 2\n',
    'models/v_stg_rentals.sql': "select 1 as \"BIKE_PK\", 'b' as bike_code, now() as \"LOAD_DATE\", 'x' as \"RECORD_SOURCE\"\n",
    'models/hub_bike.sql': HUB_0_7,
  };
  const legacy = session(project({ ...files, 'packages.yml': 'packages:\n  - package: Datavault-UK/dbtvault\n    version: 0.7.3\n' }));
  const hub = legacy.node('hub_bike');
  assert.ok(hub);
  // dbtvault 0.7.3's hub is Snowflake SQL (QUALIFY): dbt-postgres fails on it, and that is the one error, not the binding.
  const legacyErrors = legacy.diagnosticsFor(hub).filter((d) => d.severity === 'error');
  assert.deepEqual(legacyErrors.map((d) => d.code), ['DV200']);
  assert.match(legacyErrors[0]?.message ?? '', /dbtvault 0\.7\.3 has no PostgreSQL version of hub/);
  const modern = session(project({ ...files, 'packages.yml': 'packages:\n  - package: Datavault-UK/automate_dv\n    version: 0.11.5\n' }));
  assert.deepEqual(modern.diagnosticsFor(modern.node('hub_bike') as NonNullable<typeof hub>).filter((d) => d.severity === 'error').map((d) => d.code), ['DV201']);
});

test("dbt's runtime context: dbt.* cross-database macros, statement blocks, unknown dispatch and macros are information", () => {
  const dir = project({
    'dbt_project.yml': 'name: ctx\nversion: "1"\nconfig-version: 2\n',
    'macros/pick.sql': "{% macro pick(x) %}{{ return(adapter.dispatch('pick', 'ctx')(x)) }}{% endmacro %}\n{% macro postgres__pick(x) %}pg_{{ x }}{% endmacro %}\n{% macro default__pick(x) %}default_{{ x }}{% endmacro %}\n",
    'models/m.sql': [
      "select {{ dbt.dateadd('day', 3, 'ordered_at') }} as due, {{ dbt.concat(['a', 'b']) }} as ab, {{ dbt.safe_cast('x', dbt.type_int()) }} as i,",
      "{{ dbt.date_trunc('month', 'ordered_at') }} as m, {{ pick('v') }} as p, {{ dbt.listagg('x') }} as l,",
      "{% call statement('maxes', fetch_result=True) %}select max(id) from t{% endcall %}",
      "{% set rows = load_result('maxes')['data'] %}{{ rows | length }} as n, {{ invocation_id | length }} as id_len,",
      "{{ adapter.dispatch('nowhere')() }} as d, {{ mystery_macro(1) }} as q,",
      "'{{ modules.datetime.date.today() }}' as today, '{{ modules.datetime.datetime.utcnow().strftime('%H:%M') }}' as hm",
    ].join('\n'),
  });
  const s = new ProjectSession(dir, { env: { HOME: tmpdir() }, homeDir: tmpdir(), targetName: 'embedded', runStartedAt: new Date('2024-06-23T12:34:00Z') });
  const compiled = s.compile(s.node('m') as NonNullable<ReturnType<ProjectSession['node']>>, { formatSql: false });
  assert.deepEqual(compiled.diagnostics.filter((d) => d.severity === 'error'), []);
  const sql = compiled.rawSql;
  assert.match(sql, /ordered_at \+ \(\(interval '1 day'\) \* \(3\)\) as due/);
  assert.match(sql, /concat\(a, b\) as ab/);
  assert.match(sql, /cast\(x as integer\) as i/);
  assert.match(sql, /date_trunc\('month', ordered_at\) as m/);
  assert.match(sql, /pg_v as p/, 'dispatch prefers postgres__ over default__');
  assert.match(sql, /0 as n, 36 as id_len/);
  assert.match(sql, /\/\* dbt\.listagg\(\) is a dbt macro that Data Vault Studio does not emulate; not expanded \*\//);
  assert.match(sql, /\/\* adapter\.dispatch\('nowhere'\)\(\) finds no implementation in the project; not expanded \*\//);
  assert.match(sql, /'2024-06-23' as today, '12:34' as hm/, 'modules.datetime follows run_started_at');
  assert.deepEqual(
    compiled.diagnostics.map((d) => `${d.code} ${d.severity}`).sort(),
    ['DV901 information', 'DV901 information', 'DV901 information', 'DV903 information'],
  );
});

const TEST_YAML = `version: 2
models:
  - name: orders
    data_tests:
      - unique:
          column_name: "order_id || '-' || line_no"
      - dbt_utils.expression_is_true:
          arguments:
            expression: "amount >= 0"
    columns:
      - name: status
        tests:
          - accepted_values:
              arguments:
                values: ['open', 'closed']
              config:
                error_if: ">1"
                warn_if: ">0"
          - not_null:
              config:
                enabled: false
      - name: customer_id
        tests:
          - name: orders_have_customers
            test_name: relationships
            to: source('crm', 'customers')
            field: id
      - name: Mixed Case
        quote: true
        tests: [not_null]
sources:
  - name: crm
    tables:
      - name: customers
        tests:
          - unique:
              column_name: id
`;

test('generic tests from yml: every declaration style, dbt names, the SQL dbt runs, thresholds and selection', () => {
  const dir = project({
    'dbt_project.yml': 'name: shop\nversion: "1"\nconfig-version: 2\n',
    'models/orders.sql': 'select 1 as order_id\n',
    'models/props.yml': TEST_YAML,
  });
  const s = session(dir);
  const tests = discoverGenericTests(s);
  assert.deepEqual(
    tests.map((t) => [t.name, t.kind ?? 'not run', t.line]),
    [
      ['unique_orders_order_id_line_no', 'unique', 5],
      ['dbt_utils_expression_is_true_orders', 'not run', 7],
      ['accepted_values_orders_status__open__closed', 'accepted_values', 13],
      ['relationships_orders_customer_id__id__source_crm_customers_', 'relationships', 24],
      ['not_null_orders_Mixed_Case', 'not_null', 30],
      ['source_unique_crm_customers_id', 'unique', 36],
    ],
  );
  const [unique, , accepted, relationships, mixed, source] = tests;
  assert.equal(
    unique?.sql,
    `select order_id || '-' || line_no as unique_field, count(*) as n_records from "postgres"."public"."orders" where order_id || '-' || line_no is not null group by order_id || '-' || line_no having count(*) > 1`,
  );
  assert.equal(
    accepted?.sql,
    `with all_values as (select "status" as value_field, count(*) as n_records from "postgres"."public"."orders" group by "status") select * from all_values where value_field not in ('open', 'closed')`,
  );
  assert.match(relationships?.sql ?? '', /parent as \(select "id" as to_field from "postgres"\."crm"\."customers"\)/);
  assert.match(mixed?.sql ?? '', /where "Mixed Case" is null/);
  assert.match(source?.sql ?? '', /from "postgres"\."crm"\."customers" where "id" is not null/);
  assert.deepEqual([accepted?.errorIf, accepted?.warnIf], ['>1', '>0']);
  assert.equal(thresholdHit('>1', 1), false);
  assert.equal(thresholdHit('>0', 1), true);
  assert.equal(thresholdHit('!= 0', 0), false);
  assert.equal(thresholdHit('>= 5', 5), true);
  assert.deepEqual(selectGenericTests(s, tests, { select: ['source:crm'] }).map((t) => t.name), ['source_unique_crm_customers_id']);
  assert.deepEqual(selectGenericTests(s, tests, { select: ['orders'], exclude: ['test_name:unique', 'test_name:dbt_utils.expression_is_true'] }).length, 3);
});

test('seed plans: types from the header and column_types, quote_columns false, ragged rows and duplicate headers', () => {
  const dir = project({
    'dbt_project.yml': 'name: s\nversion: "1"\nconfig-version: 2\nseeds:\n  s:\n    unquoted:\n      +quote_columns: false\n    typed:\n      +column_types:\n        code: varchar(3)\n',
    'seeds/typed.csv': 'code,amount,day,flag\n001,1.5,2024-01-02,true\n002,,2024-01-03,NULL\n',
    'seeds/unquoted.csv': 'Code,Name\nA,"x, y"\n',
    'seeds/ragged.csv': 'a,b\n1\n',
    'seeds/twice.csv': 'a,A,a\n1,2,3\n',
  });
  const s = session(dir);
  const plan = (name: string) => planSeed(s.node(name) as NonNullable<ReturnType<ProjectSession['node']>>, readSeed(dir, name));
  const typed = plan('typed');
  assert.deepEqual(typed.columns.map((c) => `${c.name}:${c.dataType}`), ['code:varchar(3)', 'amount:float8', 'day:date', 'flag:boolean']);
  assert.deepEqual(typed.rows, [
    ['001', '1.5', '2024-01-02', 'true'],
    ['002', null, '2024-01-03', null],
  ]);
  const unquoted = plan('unquoted');
  assert.deepEqual(unquoted.columns.map((c) => c.name), ['code', 'name']);
  assert.deepEqual(unquoted.rows, [['A', 'x, y']]);
  assert.match(plan('ragged').problem ?? '', /seeds\/ragged\.csv line 2 has 1 fields but the header has 2/);
  assert.match(plan('twice').problem ?? '', /names the column 'a' twice/);
});

function readSeed(dir: string, name: string): string {
  return readFileSync(join(dir, 'seeds', `${name}.csv`), 'utf8');
}

test('installed package macros expand, qualified or not and through dispatch; a failure inside one is information', () => {
  const dir = project({
    'dbt_project.yml': 'name: app\nversion: "1"\nconfig-version: 2\n',
    'dbt_packages/toolkit/dbt_project.yml': 'name: toolkit\nversion: "1"\nconfig-version: 2\nmacro-paths: ["lib"]\n',
    'dbt_packages/toolkit/lib/tools.sql': [
      "{% macro double(x) %}{{ return(adapter.dispatch('double', 'toolkit')(x)) }}{% endmacro %}",
      '{% macro default__double(x) %}({{ x }} * 2){% endmacro %}',
      "{% macro fragile() %}{{ api.Relation.create(identifier='t') }}{% endmacro %}",
    ].join('\n'),
    'models/m.sql': "select {{ toolkit.double('a') }} as d1, {{ double('b') }} as d2, {{ toolkit.fragile() }} as f\n",
  });
  const s = session(dir);
  const compiled = s.compile(s.node('m') as NonNullable<ReturnType<ProjectSession['node']>>, { formatSql: false });
  assert.deepEqual(compiled.diagnostics.filter((d) => d.severity === 'error'), []);
  assert.match(compiled.rawSql, /select \(a \* 2\) as d1, \(b \* 2\) as d2, \/\* toolkit\.fragile\(\) could not be expanded here/);
  const info = compiled.diagnostics.find((d) => d.code === 'DV901');
  assert.match(info?.message ?? '', /dbt expands it with the installed package/);
  const text = readFileSync(join(dir, 'models', 'm.sql'), 'utf8');
  assert.equal(text.slice(info?.span?.start, info?.span?.end), 'toolkit.fragile', 'the finding points at the call in the model');
});
