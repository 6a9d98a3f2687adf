// Injection: model, schema, table and column names holding quotes, semicolons, spaces and unicode go through the
// project, the compiler, the load runner and introspection on a real PostgreSQL (PGlite in-process). They must reach
// SQL quoted and never run as SQL (a canary table survives every attempt); constants holding quotes are escaped and
// warned about (DV502), because AutomateDV itself would emit broken SQL for them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quoteIdent, quoteLiteral } from '../../server/src/base/relation';
import { ProjectSession } from '../../server/src/engine/session';
import { loadModelsFor } from '../../server/src/engine/load';
import { runLoad } from '../../server/src/load/run';
import { introspectSchemas } from '../../server/src/warehouse/introspect';
import { openPglite, type PgliteWarehouse } from '../../server/src/warehouse/pglite';
import { generateRaw } from '../../server/src/generate/generate-raw';
import { runVaultRules } from '../../server/src/rules';
import { ruleProjectOfSession } from '../../server/src/engine/rule-project';
import { BARE_SCHEMA_MACRO, writeProject } from './project-files';

const DROP = 'drop table public.canary; --';
const RAW_SCHEMA = `ra"w; ${DROP}`;
const RAW_TABLE = `cu"st omers; ${DROP} 日本`;
const STG_SCHEMA = `st"g; ${DROP} é`;
const DDS_SCHEMA = 'dd s ü';
const STAGE = `stg "cust"; drop table canary; ü`;
const HUB = `hub "customer" ü; drop table canary`;
const SAT = `sat 'customer'; ${DROP}`;
const CONSTANT = `O'Brien; ${DROP}`;
const NAMES = ["O'Hara", '"quoted"', `x'); ${DROP}`];

let wh: PgliteWarehouse;
const dirs: string[] = [];

function yamlSingle(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function jinjaSingle(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

async function canaryRows(): Promise<number> {
  const r = await wh.query('select count(*)::int as n from public.canary');
  return Number(r.rows[0]?.n);
}

async function relationKinds(): Promise<string[]> {
  const r = await wh.query(
    `select n.nspname::text || '.' || c.relname::text || ' ' || c.relkind::text as rel from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast') and c.relkind in ('r', 'v') order by 1`,
  );
  return r.rows.map((row) => String(row.rel));
}

before(async () => {
  wh = await openPglite(undefined);
  await wh.exec(`create table public.canary (id int); insert into public.canary values (1);`);
});

after(async () => {
  await wh.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function hostileProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-injection-'));
  dirs.push(dir);
  writeProject(dir, {
    'dbt_project.yml': `name: hostile
version: '1.0.0'
config-version: 2
profile: hostile
models:
  hostile:
    stg:
      +schema: ${yamlSingle(STG_SCHEMA)}
      +materialized: view
    dds:
      +schema: ${yamlSingle(DDS_SCHEMA)}
      +materialized: incremental
`,
    'macros/generate_schema_name.sql': BARE_SCHEMA_MACRO,
    'models/sources.yml': `version: 2
sources:
  - name: raw
    schema: ${yamlSingle(RAW_SCHEMA)}
    tables:
      - name: ${yamlSingle(RAW_TABLE)}
        columns:
          - name: id
            data_type: bigint
          - name: name
            data_type: character varying
`,
    [`models/stg/${STAGE}.sql`]: `{%- set yaml_metadata -%}
source_model:
  raw: ${yamlSingle(RAW_TABLE)}
derived_columns:
  RECORD_SOURCE: ${yamlSingle('!' + CONSTANT)}
  LOAD_DATE: "'2024-01-01 00:00:00'::timestamp"
  CUSTOMER_ID: 'id'
hashed_columns:
  CUSTOMER_HK: 'CUSTOMER_ID'
  CUSTOMER_HASHDIFF:
    is_hashdiff: true
    columns:
      - 'NAME'
{%- endset -%}
{% set m = fromyaml(yaml_metadata) %}
{{ automate_dv.stage(include_source_columns=true, source_model=m['source_model'], derived_columns=m['derived_columns'],
                     null_columns=none, hashed_columns=m['hashed_columns'], ranked_columns=none) }}
`,
    [`models/dds/${HUB}.sql`]: `{{ automate_dv.hub(src_pk='CUSTOMER_HK', src_nk='CUSTOMER_ID', src_ldts='LOAD_DATE',
                   src_source='RECORD_SOURCE', source_model=${jinjaSingle(STAGE)}) }}
`,
    [`models/dds/${SAT}.sql`]: `{{ automate_dv.sat(src_pk='CUSTOMER_HK', src_hashdiff='CUSTOMER_HASHDIFF', src_payload=['NAME'],
                   src_ldts='LOAD_DATE', src_source='RECORD_SOURCE', source_model=${jinjaSingle(STAGE)}) }}
`,
  });
  return dir;
}

test('hostile schema, table and model names reach SQL quoted: every relation is created under its exact name, the canary lives', async () => {
  await wh.exec(`create schema ${quoteIdent(RAW_SCHEMA)}; create table ${quoteIdent(RAW_SCHEMA)}.${quoteIdent(RAW_TABLE)} (id bigint, name varchar)`);
  for (const [i, name] of NAMES.entries()) {
    await wh.query(`insert into ${quoteIdent(RAW_SCHEMA)}.${quoteIdent(RAW_TABLE)} (id, name) values ($1, $2)`, [i + 1, name]);
  }
  const dir = hostileProject();
  const session = new ProjectSession(dir, { env: {}, targetName: 'embedded' });
  assert.deepEqual(session.models().map((m) => m.name).sort(), [HUB, SAT, STAGE].sort());

  const first = await runLoad(wh, loadModelsFor(session, session.models()));
  assert.deepEqual(first.results.map((r) => [r.model, r.status, r.message ?? '']), [[STAGE, 'success', ''], [HUB, 'success', ''], [SAT, 'success', '']].sort((a, b) => (a[0] === STAGE ? -1 : b[0] === STAGE ? 1 : 0)));
  assert.equal(await canaryRows(), 1);

  const relations = await relationKinds();
  for (const expected of [`${RAW_SCHEMA}.${RAW_TABLE} r`, `${STG_SCHEMA}.${STAGE} v`, `${DDS_SCHEMA}.${HUB} r`, `${DDS_SCHEMA}.${SAT} r`, 'public.canary r']) {
    assert.ok(relations.includes(expected), `${expected} in ${JSON.stringify(relations)}`);
  }
  assert.equal(relations.length, 5, `nothing else was created: ${JSON.stringify(relations)}`);

  const hub = await wh.query(`select customer_id::text as id, record_source from ${quoteIdent(DDS_SCHEMA)}.${quoteIdent(HUB)} order by 1`);
  assert.deepEqual(hub.rows.map((r) => [r.id, r.record_source]), [['1', CONSTANT], ['2', CONSTANT], ['3', CONSTANT]]);
  const sat = await wh.query(`select name from ${quoteIdent(DDS_SCHEMA)}.${quoteIdent(SAT)} order by customer_hk`);
  assert.deepEqual(sat.rows.map((r) => r.name).sort(), [...NAMES].sort(), 'values with quotes are stored as they are');

  // An incremental re-run over the same raw rows adds nothing and still executes nothing hostile.
  const again = await runLoad(wh, loadModelsFor(session, session.models()));
  assert.ok(again.ok, JSON.stringify(again.results));
  assert.deepEqual(again.results.filter((r) => r.materialized === 'incremental').map((r) => [r.incremental, r.rows]), [[true, 0], [true, 0]]);
  assert.equal(await canaryRows(), 1);
});

test('a constant with a quote is escaped in the compiled SQL and warned about (DV502) by the compiler and the rules', () => {
  const dir = hostileProject();
  const session = new ProjectSession(dir, { env: {}, targetName: 'embedded' });
  const stage = session.node(STAGE);
  assert.ok(stage);
  const compiled = session.compile(stage, { formatSql: false });
  assert.ok(compiled.rawSql.includes(`${quoteLiteral(CONSTANT)} AS RECORD_SOURCE`), compiled.rawSql);
  assert.ok(compiled.diagnostics.some((d) => d.code === 'DV502' && d.severity === 'warning'), JSON.stringify(compiled.diagnostics));
  const rules = runVaultRules({ modelName: STAGE, parsed: session.parsed(stage), project: ruleProjectOfSession(session, { connected: false }) });
  const dv502 = rules.filter((d) => d.code === 'DV502');
  assert.equal(dv502.length, 1, JSON.stringify(rules));
  const text = session.textOf(stage);
  const pointed = text.slice(dv502[0]?.span?.start, dv502[0]?.span?.end);
  assert.ok(pointed.startsWith('!O') && pointed.includes('Brien; drop table'), `the warning points at the constant, not at ${JSON.stringify(pointed)}`);
});

test('introspection and the raw-data generator quote hostile schema names', async () => {
  const schema = `in"tro; ${DROP} ✓`;
  await wh.exec(`create schema ${quoteIdent(schema)}; create table ${quoteIdent(schema)}.${quoteIdent('t "1"')} (${quoteIdent('co"l; x')} int)`);
  const found = await introspectSchemas(wh, [schema]);
  assert.deepEqual(found.map((s) => [s.name, s.tables.map((t) => [t.name, t.columns.map((c) => c.name)])]), [[schema, [['t "1"', ['co"l; x']]]]]);

  const rawSchema = `raw"; ${DROP}`;
  const generated = await generateRaw(wh, { users: 5, schema: rawSchema });
  assert.equal(generated.schema, rawSchema);
  const users = await wh.query(`select count(*)::int as n from ${quoteIdent(rawSchema)}."users"`);
  assert.equal(Number(users.rows[0]?.n), 5);
  assert.equal(await canaryRows(), 1);
});

test('column names from the database holding SQL never execute: the load fails or quotes them, the canary lives', async (t) => {
  const schema = 'raw_cols';
  // Names an outside party controls (Airbyte makes columns from JSON keys), each shaped to close the select list
  // of the stage and start a statement of its own if it were pasted into the SQL bare.
  const hostile = [
    `a) as x; ${DROP}`,
    `b from ${schema}.t) select 1; drop table public.canary; select (1`,
    `c", 1); drop table public.canary; --`,
    'first name',
    'naïve "x"',
  ];
  await wh.exec(`create schema ${schema}; create table ${schema}.t (id bigint, ${hostile.map((c) => `${quoteIdent(c)} text`).join(', ')})`);
  await wh.exec(`insert into ${schema}.t (id) values (1), (2)`);
  const dir = mkdtempSync(join(tmpdir(), 'dvs-injection-cols-'));
  dirs.push(dir);
  writeProject(dir, {
    'dbt_project.yml': "name: cols\nversion: '1.0.0'\nconfig-version: 2\nprofile: cols\nmodels:\n  cols:\n    +materialized: view\n",
    'models/sources.yml': `version: 2\nsources:\n  - name: raw\n    schema: ${schema}\n    tables:\n      - name: t\n`,
    'models/stg_t.sql': `{{ automate_dv.stage(include_source_columns=true, source_model={'raw': 't'},
    derived_columns={'RECORD_SOURCE': '!T', 'LOAD_DATE': "'2024-01-01'::timestamp"}, hashed_columns={'T_HK': 'id'}) }}
`,
  });
  const session = new ProjectSession(dir, { env: {}, targetName: 'embedded' });
  session.setSchemaSnapshot({ introspectedAt: new Date().toISOString(), schemas: await introspectSchemas(wh, [schema]) });
  const before = await relationKinds();
  const summary = await runLoad(wh, loadModelsFor(session, session.models()));
  const result = summary.results[0];
  assert.ok(result, 'the stage ran');
  assert.equal(await canaryRows(), 1, 'no hostile column name ran as SQL');
  const created = (await relationKinds()).filter((r) => !before.includes(r));
  t.diagnostic(`the stage over hostile column names: ${result.status}${result.message ? ` (${result.message})` : ''}`);
  if (result.status === 'success') {
    assert.deepEqual(created, ['public.stg_t v'], 'only the stage view was created');
    const cols = await wh.query(`select attname from pg_attribute where attrelid = 'public.stg_t'::regclass and attnum > 0 order by attnum`);
    for (const c of hostile) assert.ok(cols.rows.some((r) => r.attname === c), `${c} is a column of the view`);
  } else {
    assert.equal(result.status, 'error');
    assert.ok((result.message ?? '').length > 0, 'the failure is reported with PostgreSQL\'s message');
    assert.deepEqual(created, [], 'a failed model leaves nothing behind');
  }
});
