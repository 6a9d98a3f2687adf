// Writes a large synthetic dbt + AutomateDV project for benchmarks and stress tests: one raw table per stage, and
// hubs, links, satellites and marts over them (2,000 models over 500 raw tables × 50 columns by default).
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { quoteIdent } from '../server/src/base/relation';
import type { IntrospectedSchema, IntrospectedTable, SchemaSnapshot } from '../server/src/warehouse/introspect';
import { writeSchemaCache } from '../server/src/warehouse/introspect';
import type { SqlSession } from '../server/src/warehouse/warehouse';

export interface LargeProjectOptions {
  /** Raw tables, one stage each. Default 500. */
  tables?: number;
  /** Columns per raw table (at least 8). Default 50. */
  columnsPerTable?: number;
  /** Models in all (stages included). Default 2,000. */
  models?: number;
}

export interface LargeProjectLayout {
  dir: string;
  tables: number;
  columnsPerTable: number;
  counts: { stages: number; hubs: number; links: number; sats: number; marts: number; total: number };
  /** Model names by kind, in generation order. */
  names: { stages: string[]; hubs: string[]; links: string[]; sats: string[]; marts: string[] };
  /** The raw tables with their columns, as an introspection of the embedded database would list them. */
  rawSchema: IntrospectedSchema;
}

export const PROJECT_NAME = 'large_vault';

/** Four fixed columns, then attributes cycling through these types. */
const ATTRIBUTE_TYPES = ['character varying', 'bigint', 'numeric(18,2)', 'timestamp with time zone', 'boolean', 'date'] as const;

const pad = (i: number) => String(i + 1).padStart(4, '0');
export const rawTableName = (i: number) => `t${pad(i)}`;
const key = (i: number) => `T${pad(i)}`;
const attr = (j: number) => `a${String(j + 1).padStart(2, '0')}`;

/** The raw table columns: Airbyte's id and extraction time, the business id, a reference to the next table, attributes. */
export function rawColumns(columnsPerTable: number): { name: string; dataType: string }[] {
  const cols = [
    { name: '_airbyte_raw_id', dataType: 'character varying' },
    { name: '_airbyte_extracted_at', dataType: 'timestamp with time zone' },
    { name: 'id', dataType: 'bigint' },
    { name: 'ref_id', dataType: 'bigint' },
  ];
  for (let j = 0; cols.length < columnsPerTable; j++) cols.push({ name: attr(j), dataType: ATTRIBUTE_TYPES[j % ATTRIBUTE_TYPES.length] as string });
  return cols;
}

/** How many models of each kind: one stage per table, the rest split 30% hubs, 1/6 links, 40% sats, the rest marts. */
export function modelCounts(tables: number, models: number): LargeProjectLayout['counts'] {
  const rest = Math.max(0, models - tables);
  const hubs = Math.min(tables, Math.round(rest * 0.3));
  const links = Math.min(Math.max(0, hubs - 1), Math.round(rest / 6));
  const sats = Math.min(hubs * 2, Math.round(rest * 0.4));
  const marts = Math.min(hubs, Math.max(0, rest - hubs - links - sats));
  return { stages: tables, hubs, links, sats, marts, total: tables + hubs + links + sats + marts };
}

function stageModel(i: number, tables: number, attributes: number, yamlStyle: boolean): string {
  const next = (i + 1) % tables;
  const half = Math.max(1, Math.floor(Math.min(40, attributes) / 2));
  const payloadA = Array.from({ length: half }, (_, j) => attr(j).toUpperCase());
  const payloadB = Array.from({ length: Math.min(half, attributes - half) }, (_, j) => attr(half + j).toUpperCase());
  if (yamlStyle) {
    const list = (cols: string[]) => cols.map((c) => `      - '${c}'`).join('\n');
    return `{#- Stage of raw table ${rawTableName(i)} (YAML metadata style). -#}
{%- set yaml_metadata -%}
source_model:
  raw: '${rawTableName(i)}'
derived_columns:
  RECORD_SOURCE: '!RAW.${rawTableName(i).toUpperCase()}'
  LOAD_DATE: "_airbyte_extracted_at AT TIME ZONE 'UTC'"
  ${key(i)}_ID: 'id'
  ${key(next)}_ID: 'ref_id'
hashed_columns:
  ${key(i)}_HK: '${key(i)}_ID'
  ${key(next)}_HK: '${key(next)}_ID'
  L${pad(i)}_HK:
    - '${key(i)}_ID'
    - '${key(next)}_ID'
  ${key(i)}_HASHDIFF:
    is_hashdiff: true
    columns:
${list(payloadA)}
  ${key(i)}_HASHDIFF_B:
    is_hashdiff: true
    columns:
${list(payloadB.length ? payloadB : payloadA)}
{%- endset -%}

{% set metadata_dict = fromyaml(yaml_metadata) %}

{{ automate_dv.stage(include_source_columns=true,
                     source_model=metadata_dict['source_model'],
                     derived_columns=metadata_dict['derived_columns'],
                     null_columns=none,
                     hashed_columns=metadata_dict['hashed_columns'],
                     ranked_columns=none) }}
`;
  }
  const quoted = (cols: string[]) => cols.map((c) => `"${c}"`).join(', ');
  return `{#- Stage of raw table ${rawTableName(i)} (variables style). -#}
{%- set source_model = {"raw": "${rawTableName(i)}"} -%}
{%- set derived_columns = {
    "RECORD_SOURCE": "!RAW.${rawTableName(i).toUpperCase()}",
    "LOAD_DATE": "_airbyte_extracted_at AT TIME ZONE 'UTC'",
    "${key(i)}_ID": "id",
    "${key(next)}_ID": "ref_id"
} -%}
{%- set hashed_columns = {
    "${key(i)}_HK": "${key(i)}_ID",
    "${key(next)}_HK": "${key(next)}_ID",
    "L${pad(i)}_HK": ["${key(i)}_ID", "${key(next)}_ID"],
    "${key(i)}_HASHDIFF": {"is_hashdiff": true, "columns": [${quoted(payloadA)}]},
    "${key(i)}_HASHDIFF_B": {"is_hashdiff": true, "columns": [${quoted(payloadB.length ? payloadB : payloadA)}]}
} -%}

{{ automate_dv.stage(include_source_columns=true, source_model=source_model, derived_columns=derived_columns,
                     null_columns=none, hashed_columns=hashed_columns, ranked_columns=none) }}
`;
}

function hubModel(i: number): string {
  return `{#- Hub of ${rawTableName(i)}'s business id. -#}
{%- set source_model = "stg_${rawTableName(i)}" -%}
{%- set src_pk = "${key(i)}_HK" -%}
{%- set src_nk = "${key(i)}_ID" -%}
{%- set src_ldts = "LOAD_DATE" -%}
{%- set src_source = "RECORD_SOURCE" -%}

{{ automate_dv.hub(src_pk=src_pk, src_nk=src_nk, src_ldts=src_ldts,
                   src_source=src_source, source_model=source_model) }}
`;
}

function linkModel(i: number, tables: number): string {
  const next = (i + 1) % tables;
  return `{#- Link between ${rawTableName(i)} and ${rawTableName(next)}. -#}
{%- set source_model = "stg_${rawTableName(i)}" -%}
{%- set src_pk = "L${pad(i)}_HK" -%}
{%- set src_fk = ["${key(i)}_HK", "${key(next)}_HK"] -%}
{%- set src_ldts = "LOAD_DATE" -%}
{%- set src_source = "RECORD_SOURCE" -%}

{{ automate_dv.link(src_pk=src_pk, src_fk=src_fk, src_ldts=src_ldts,
                    src_source=src_source, source_model=source_model) }}
`;
}

function satModel(i: number, attributes: number, second: boolean): string {
  const half = Math.max(1, Math.floor(Math.min(40, attributes) / 2));
  const from = second && attributes - half > 0 ? half : 0;
  const count = second && attributes - half > 0 ? Math.min(half, attributes - half) : half;
  const payload = Array.from({ length: count }, (_, j) => `  - '${attr(from + j).toUpperCase()}'`).join('\n');
  return `{#- Attributes of ${rawTableName(i)}${second ? ' (second group)' : ''}. -#}
{{ config(apply_source_filter=true) }}

{%- set yaml_metadata -%}
source_model: 'stg_${rawTableName(i)}'
src_pk: '${key(i)}_HK'
src_hashdiff: '${key(i)}_HASHDIFF${second ? '_B' : ''}'
src_payload:
${payload}
src_ldts: 'LOAD_DATE'
src_source: 'RECORD_SOURCE'
{%- endset -%}

{% set metadata_dict = fromyaml(yaml_metadata) %}

{{ automate_dv.sat(src_pk=metadata_dict['src_pk'],
                   src_hashdiff=metadata_dict['src_hashdiff'],
                   src_payload=metadata_dict['src_payload'],
                   src_ldts=metadata_dict['src_ldts'],
                   src_source=metadata_dict['src_source'],
                   source_model=metadata_dict['source_model']) }}
`;
}

function martModel(i: number): string {
  const k = key(i).toLowerCase();
  return `-- Latest attributes of each ${rawTableName(i)} entity with how often they changed.
with latest as (
    select distinct on (s.${k}_hk) s.${k}_hk, s.a01, s.a02, s.load_date
    from {{ ref('sat_${rawTableName(i)}') }} as s
    order by s.${k}_hk, s.load_date desc
)
select
    h.${k}_id,
    l.a01,
    l.a02,
    (select count(*) from {{ ref('sat_${rawTableName(i)}') }} as c where c.${k}_hk = h.${k}_hk) as versions
from {{ ref('hub_${rawTableName(i)}') }} as h
join latest as l on l.${k}_hk = h.${k}_hk
`;
}

/**
 * Writes the project into `dir` (emptied first, except an embedded database already in `.dvs/pglite`) and the raw
 * schema into its schema cache for target `embedded`.
 */
export function writeLargeProject(dir: string, options: LargeProjectOptions = {}): LargeProjectLayout {
  const tables = options.tables ?? 500;
  const columnsPerTable = Math.max(8, options.columnsPerTable ?? 50);
  const counts = modelCounts(tables, options.models ?? 2000);
  const attributes = columnsPerTable - 4;
  if (existsSync(dir)) for (const name of readdirSync(dir)) if (name !== '.dvs') rmSync(join(dir, name), { recursive: true, force: true });
  for (const sub of ['models/stg', 'models/dds', 'models/mart', 'macros']) mkdirSync(join(dir, sub), { recursive: true });

  writeFileSync(
    join(dir, 'dbt_project.yml'),
    `name: ${PROJECT_NAME}
version: '1.0.0'
config-version: 2
profile: ${PROJECT_NAME}
model-paths: ["models"]
macro-paths: ["macros"]
models:
  ${PROJECT_NAME}:
    stg:
      +schema: stg
      +materialized: view
    dds:
      +schema: dds
      +materialized: incremental
    mart:
      +schema: mart
      +materialized: table
`,
  );
  writeFileSync(join(dir, 'packages.yml'), 'packages:\n  - package: Datavault-UK/automate_dv\n    version: 0.11.5\n');
  writeFileSync(
    join(dir, 'macros', 'generate_schema_name.sql'),
    `{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
`,
  );
  const sourceTables = Array.from({ length: tables }, (_, i) => `      - name: ${rawTableName(i)}`).join('\n');
  writeFileSync(join(dir, 'models', 'sources.yml'), `version: 2\n\nsources:\n  - name: raw\n    schema: raw\n    tables:\n${sourceTables}\n`);

  const names: LargeProjectLayout['names'] = { stages: [], hubs: [], links: [], sats: [], marts: [] };
  for (let i = 0; i < tables; i++) {
    const name = `stg_${rawTableName(i)}`;
    writeFileSync(join(dir, 'models', 'stg', `${name}.sql`), stageModel(i, tables, attributes, i % 2 === 0));
    names.stages.push(name);
  }
  for (let i = 0; i < counts.hubs; i++) {
    const name = `hub_${rawTableName(i)}`;
    writeFileSync(join(dir, 'models', 'dds', `${name}.sql`), hubModel(i));
    names.hubs.push(name);
  }
  for (let i = 0; i < counts.links; i++) {
    const name = `link_${rawTableName(i)}`;
    writeFileSync(join(dir, 'models', 'dds', `${name}.sql`), linkModel(i, tables));
    names.links.push(name);
  }
  for (let n = 0; n < counts.sats; n++) {
    const second = n >= counts.hubs;
    const i = second ? n - counts.hubs : n;
    const name = `sat_${rawTableName(i)}${second ? '_b' : ''}`;
    writeFileSync(join(dir, 'models', 'dds', `${name}.sql`), satModel(i, attributes, second));
    names.sats.push(name);
  }
  for (let i = 0; i < counts.marts; i++) {
    const name = `mart_${rawTableName(i)}`;
    writeFileSync(join(dir, 'models', 'mart', `${name}.sql`), martModel(i));
    names.marts.push(name);
  }

  const columns = rawColumns(columnsPerTable);
  const rawTables: IntrospectedTable[] = Array.from({ length: tables }, (_, i) => ({
    name: rawTableName(i),
    kind: 'table',
    columns: columns.map((c, n) => ({ name: c.name, dataType: c.dataType, ordinal: n + 1, nullable: n > 1 })),
  }));
  const rawSchema: IntrospectedSchema = { name: 'raw', tables: rawTables };
  const snapshot: SchemaSnapshot = { introspectedAt: new Date().toISOString(), description: 'generated', schemas: [rawSchema] };
  writeSchemaCache(dir, 'embedded', snapshot);
  writeFileSync(join(dir, '.gitignore'), '.dvs/\ntarget/\n');
  return { dir, tables, columnsPerTable, counts, names, rawSchema };
}

/** CREATE TABLE statements for the raw schema (empty tables), for the embedded database. */
export function rawSchemaDdl(layout: Pick<LargeProjectLayout, 'rawSchema'>): string {
  const out = ['create schema if not exists raw;'];
  for (const table of layout.rawSchema.tables) {
    const cols = table.columns.map((c) => `${quoteIdent(c.name)} ${c.dataType}${c.nullable ? '' : ' not null'}`).join(', ');
    out.push(`create table if not exists raw.${quoteIdent(table.name)} (${cols});`);
  }
  return out.join('\n');
}

/** Creates the raw tables in a warehouse, a hundred per round trip. */
export async function createRawSchema(session: SqlSession, layout: Pick<LargeProjectLayout, 'rawSchema'>): Promise<void> {
  const statements = rawSchemaDdl(layout).split('\n');
  for (let i = 0; i < statements.length; i += 100) await session.exec(statements.slice(i, i + 100).join('\n'));
}
