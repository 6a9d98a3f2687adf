// A small orders vault (one raw table; three hubs, a link and a satellite) whose raw rows are made by generate_series
// in SQL, so a million rows take seconds. Used by the fault and secrets tests and by the load benchmark.
import { quoteIdent, quoteLiteral } from '../../server/src/base/relation';
import type { SqlSession } from '../../server/src/warehouse/warehouse';
import { BARE_SCHEMA_MACRO, writeProject } from './project-files';

export interface ServerTargetSpec {
  host: string;
  port: number;
  user: string;
  dbname: string;
  /** The environment variable profiles.yml reads the password from. */
  passwordEnvVar: string;
}

/** The vault models, in build order. */
export const VAULT_MODELS = ['stg_orders', 'hub_order', 'hub_customer', 'hub_product', 'link_order', 'sat_order'] as const;

export interface OrdersProjectOptions {
  /** Adds a profiles.yml whose default target `server` points at a PostgreSQL server, the password read from an
   *  environment variable; without it the project has no profile (embedded). */
  server?: ServerTargetSpec;
  /** The satellite's apply_source_filter (AutomateDV's default is false). */
  sourceFilter?: boolean;
  /** Declares raw.orders' loaded_at_field and turns on dvs_high_water_mark for the vault models. */
  highWaterMark?: boolean;
  /** Declares dbt-postgres `indexes` on the hub and link keys and on the satellite's key and load date. */
  indexes?: boolean;
}

export function writeOrdersProject(dir: string, options: OrdersProjectOptions = {}): void {
  const server = options.server;
  const indexed = indexedFor(options);
  const files: Record<string, string> = {
    'dbt_project.yml': `name: orders_vault
version: '1.0.0'
config-version: 2
profile: orders_vault
models:
  orders_vault:
    stg:
      +schema: stg
      +materialized: view
    dds:
      +schema: dds
      +materialized: incremental
${options.highWaterMark ? '      +dvs_high_water_mark: true\n' : ''}`,
    'macros/generate_schema_name.sql': BARE_SCHEMA_MACRO,
    'models/sources.yml': `version: 2
sources:
  - name: raw
    schema: raw
${options.highWaterMark ? '    loaded_at_field: _airbyte_extracted_at\n' : ''}    tables:
      - name: orders
        columns:
          - {name: _airbyte_raw_id, data_type: character varying}
          - {name: _airbyte_extracted_at, data_type: timestamp with time zone}
          - {name: id, data_type: bigint}
          - {name: customer_id, data_type: bigint}
          - {name: product_id, data_type: bigint}
          - {name: amount, data_type: 'numeric(18,2)'}
          - {name: status, data_type: character varying}
          - {name: created_at, data_type: timestamp with time zone}
`,
    'models/stg/stg_orders.sql': `{%- set yaml_metadata -%}
source_model:
  raw: 'orders'
derived_columns:
  RECORD_SOURCE: '!RAW.ORDERS'
  LOAD_DATE: "_airbyte_extracted_at AT TIME ZONE 'UTC'"
  ORDER_ID: 'id'
  CREATED_AT_UTC: "created_at AT TIME ZONE 'UTC'"
hashed_columns:
  ORDER_HK: 'ORDER_ID'
  CUSTOMER_HK: 'CUSTOMER_ID'
  PRODUCT_HK: 'PRODUCT_ID'
  ORDER_LINK_HK:
    - 'ORDER_ID'
    - 'CUSTOMER_ID'
    - 'PRODUCT_ID'
  ORDER_HASHDIFF:
    is_hashdiff: true
    columns:
      - 'AMOUNT'
      - 'STATUS'
      - 'CREATED_AT_UTC'
{%- endset -%}
{% set metadata_dict = fromyaml(yaml_metadata) %}
{{ automate_dv.stage(include_source_columns=true, source_model=metadata_dict['source_model'],
                     derived_columns=metadata_dict['derived_columns'], null_columns=none,
                     hashed_columns=metadata_dict['hashed_columns'], ranked_columns=none) }}
`,
    'models/dds/hub_order.sql': indexed('ORDER_HK') + hub('ORDER'),
    'models/dds/hub_customer.sql': indexed('CUSTOMER_HK') + hub('CUSTOMER'),
    'models/dds/hub_product.sql': indexed('PRODUCT_HK') + hub('PRODUCT'),
    'models/dds/link_order.sql': `${indexed('ORDER_LINK_HK')}{{ automate_dv.link(src_pk="ORDER_LINK_HK", src_fk=["ORDER_HK", "CUSTOMER_HK", "PRODUCT_HK"],
                    src_ldts="LOAD_DATE", src_source="RECORD_SOURCE", source_model="stg_orders") }}
`,
    'models/dds/sat_order.sql': `{{ config(apply_source_filter=${options.sourceFilter ? 'true' : 'false'}${options.indexes ? ", indexes=[{'columns': ['ORDER_HK', 'LOAD_DATE']}]" : ''}) }}
{{ automate_dv.sat(src_pk="ORDER_HK", src_hashdiff="ORDER_HASHDIFF", src_payload=["AMOUNT", "STATUS", "CREATED_AT_UTC"],
                   src_ldts="LOAD_DATE", src_source="RECORD_SOURCE", source_model="stg_orders") }}
`,
  };
  if (server) {
    files['profiles.yml'] = `orders_vault:
  target: server
  outputs:
    server:
      type: postgres
      host: ${server.host}
      port: ${server.port}
      user: ${server.user}
      password: "{{ env_var('${server.passwordEnvVar}') }}"
      dbname: ${server.dbname}
      schema: public
      threads: 1
      sslmode: disable
      connect_timeout: 10
`;
  }
  writeProject(dir, files);
}

/** A config() with a unique index on the key, when the project declares indexes. */
function indexedFor(options: OrdersProjectOptions): (key: string) => string {
  return (key) => (options.indexes ? `{{ config(indexes=[{'columns': ['${key}'], 'unique': true}]) }}\n` : '');
}

function hub(entity: string): string {
  return `{{ automate_dv.hub(src_pk="${entity}_HK", src_nk="${entity}_ID", src_ldts="LOAD_DATE",
                   src_source="RECORD_SOURCE", source_model="stg_orders") }}
`;
}

export interface RawBatch {
  /** First and last order id of new orders. */
  from: number;
  to: number;
  /** `_airbyte_extracted_at` of the batch (ISO 8601). */
  extractedAt: string;
  customers: number;
  products: number;
  /** Orders re-sent with a changed status (ids 1…changed), as a later sync would. */
  changed?: number;
}

/** Creates schema raw and table raw.orders when missing. */
export async function createRawOrders(session: SqlSession): Promise<void> {
  await session.exec(`create schema if not exists raw;
create table if not exists raw.orders (_airbyte_raw_id varchar not null, _airbyte_extracted_at timestamptz not null,
  id bigint, customer_id bigint, product_id bigint, amount numeric(18,2), status varchar, created_at timestamptz)`);
}

/** The INSERT that writes a batch of raw orders, computed by the database (generate_series), not row by row. */
export function rawOrdersInsert(batch: RawBatch, table = 'raw.orders'): string {
  const at = quoteLiteral(batch.extractedAt);
  const row = (g: string, status: string) =>
    `md5(${at} || '-' || ${g})::uuid::varchar, ${at}::timestamptz, ${g}::bigint, (${g} % ${batch.customers}) + 1, (${g} % ${batch.products}) + 1,
     ((${g}::bigint * 7919) % 100000) / 100.0, ${status}, timestamptz '2023-01-01 00:00:00+00' + ${g} * interval '1 minute'`;
  const target = table.split('.').map(quoteIdent).join('.');
  const parts = [`insert into ${target} select ${row('g', `(array['new','paid','shipped','returned'])[(g % 4) + 1]`)} from generate_series(${batch.from}, ${batch.to}) g`];
  if (batch.changed) parts.push(`insert into ${target} select ${row('g', `'changed'`)} from generate_series(1, ${batch.changed}) g`);
  return parts.join(';\n');
}

/** Row counts the vault must hold after loading every batch so far: distinct keys, and satellite versions. */
export async function expectedVaultCounts(session: SqlSession): Promise<Record<string, number>> {
  const r = await session.query(`select
    count(distinct id)::int as hub_order, count(distinct customer_id)::int as hub_customer, count(distinct product_id)::int as hub_product,
    count(distinct (id, customer_id, product_id))::int as link_order,
    (select count(*)::int from (select distinct id, amount, status, created_at from raw.orders) v) as sat_order
    from raw.orders`);
  const row = r.rows[0] ?? {};
  return Object.fromEntries(['hub_order', 'hub_customer', 'hub_product', 'link_order', 'sat_order'].map((k) => [k, Number(row[k])]));
}

/** Row counts the vault tables hold now (a missing table counts -1). */
export async function vaultCounts(session: SqlSession): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of ['hub_order', 'hub_customer', 'hub_product', 'link_order', 'sat_order']) {
    const exists = await session.query(`select to_regclass($1) is not null as present`, [`dds.${name}`]);
    const present = exists.rows[0]?.present;
    if (present !== true && present !== 't') {
      out[name] = -1;
      continue;
    }
    const r = await session.query(`select count(*)::int as n from dds.${quoteIdent(name)}`);
    out[name] = Number(r.rows[0]?.n);
  }
  return out;
}

/** Duplicate keys in the hubs and link, and duplicate (key, hashdiff, load date) rows in the satellite: all must be 0. */
export async function vaultDuplicates(session: SqlSession): Promise<number> {
  const r = await session.query(`select
    (select count(*) - count(distinct order_hk) from dds.hub_order) +
    (select count(*) - count(distinct customer_hk) from dds.hub_customer) +
    (select count(*) - count(distinct product_hk) from dds.hub_product) +
    (select count(*) - count(distinct order_link_hk) from dds.link_order) +
    (select count(*) - count(distinct (order_hk, order_hashdiff, load_date)) from dds.sat_order) as n`);
  return Number(r.rows[0]?.n);
}
