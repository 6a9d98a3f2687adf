// §6.4/§7 end to end: is_auto_end_dating reaches eff_sat from each place a dbt project can set it (the model's
// config(), a properties yml `meta:`, a dbt_project.yml folder config), through `dvs load` on the embedded target,
// batch after batch. Without it the same batches close nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runCli } from '../../server/src/cli/main';
import type { CliIo } from '../../server/src/cli/io';

function capture(cwd: string): CliIo & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', cwd, env: { HOME: tmpdir() }, isTTY: false, out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}

const EFF_CALL = `{{ automate_dv.eff_sat(src_pk="LINK_HK", src_dfk="ORDER_HK", src_sfk="CUSTOMER_HK", src_start_date="START_DATE",
                       src_end_date="END_DATE", src_eff="EFFECTIVE_FROM", src_ldts="LOAD_DATE", src_source="RECORD_SOURCE",
                       source_model="stg_links") }}
`;

const FILES: Record<string, string> = {
  'dbt_project.yml': `name: effcfg
version: '1.0.0'
config-version: 2
profile: effcfg
model-paths: ["models"]
models:
  effcfg:
    stg:
      +schema: stg
      +materialized: view
    dds:
      +schema: dds
      +materialized: incremental
      auto_folder:
        +is_auto_end_dating: true
`,
  'macros/generate_schema_name.sql': `{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
`,
  'models/sources.yml': `version: 2
sources:
  - name: raw
    schema: raw
    tables:
      - name: links
        columns:
          - { name: order_id, data_type: integer }
          - { name: customer_id, data_type: integer }
          - { name: start_at, data_type: timestamp without time zone }
          - { name: end_at, data_type: timestamp without time zone }
          - { name: eff_at, data_type: timestamp without time zone }
          - { name: loaded_at, data_type: timestamp without time zone }
`,
  'models/stg/stg_links.sql': `{{ automate_dv.stage(include_source_columns=true, source_model={'raw': 'links'},
    derived_columns={'RECORD_SOURCE': '!ERP', 'LOAD_DATE': 'loaded_at', 'START_DATE': 'start_at', 'END_DATE': 'end_at', 'EFFECTIVE_FROM': 'eff_at'},
    hashed_columns={'LINK_HK': ['order_id', 'customer_id'], 'ORDER_HK': 'order_id', 'CUSTOMER_HK': 'customer_id'}) }}
`,
  'models/dds/eff_manual.sql': EFF_CALL,
  'models/dds/eff_auto_config.sql': `{{ config(is_auto_end_dating=true) }}\n${EFF_CALL}`,
  'models/dds/eff_auto_meta.sql': EFF_CALL,
  'models/dds/schema.yml': `version: 2
models:
  - name: eff_auto_meta
    meta:
      is_auto_end_dating: true
`,
  'models/dds/auto_folder/eff_auto_folder.sql': EFF_CALL,
};

const OPEN = "'9999-12-31 23:59:59.999'";

test('is_auto_end_dating from config(), yml meta and a folder config closes the moved relationship; without it nothing is closed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-effcfg-'));
  for (const [path, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const sql = async (statement: string): Promise<Record<string, string>[]> => {
    const io = capture(dir);
    assert.equal(await runCli(['query', '--target', 'embedded', statement], io), 0, io.stderr);
    return JSON.parse(io.stdout) as Record<string, string>[];
  };
  const load = async (): Promise<Record<string, number | null>> => {
    const io = capture(dir);
    assert.equal(await runCli(['load', '--target', 'embedded', '--format', 'json'], io), 0, io.stderr + io.stdout);
    const summary = JSON.parse(io.stdout) as { models: { name: string; rows: number | null }[] };
    return Object.fromEntries(summary.models.filter((m) => m.name.startsWith('eff_')).map((m) => [m.name, m.rows]));
  };

  await sql(`create schema raw; create table raw.links (order_id integer, customer_id integer, start_at timestamp, end_at timestamp, eff_at timestamp, loaded_at timestamp);
    insert into raw.links values (1, 10, '2024-01-01', ${OPEN}, '2024-01-01', '2024-01-01'); select 1 as ok`);
  assert.deepEqual(await load(), { eff_manual: 1, eff_auto_config: 1, eff_auto_meta: 1, eff_auto_folder: 1 });

  // Order 1 moves to customer 11.
  await sql(`truncate raw.links; insert into raw.links values (1, 11, '2024-01-02', ${OPEN}, '2024-01-02', '2024-01-02'); select 1 as ok`);
  assert.deepEqual(await load(), { eff_manual: 1, eff_auto_config: 2, eff_auto_meta: 2, eff_auto_folder: 2 });
  assert.deepEqual(await load(), { eff_manual: 0, eff_auto_config: 0, eff_auto_meta: 0, eff_auto_folder: 0 }, 'the same batch again');

  for (const table of ['eff_auto_config', 'eff_auto_meta', 'eff_auto_folder']) {
    const rows = await sql(`select customer_hk = decode(md5('10'), 'hex') as c10, start_date::text as s, end_date::text as e, load_date::text as l
      from dds.${table} order by load_date, c10`);
    assert.deepEqual(
      rows.map((r) => [String(r.c10), r.s, r.e, r.l]),
      [
        ['true', '2024-01-01 00:00:00', '9999-12-31 23:59:59.999', '2024-01-01 00:00:00'],
        ['false', '2024-01-02 00:00:00', '9999-12-31 23:59:59.999', '2024-01-02 00:00:00'],
        ['true', '2024-01-01 00:00:00', '2024-01-02 00:00:00', '2024-01-02 00:00:00'],
      ],
      table,
    );
  }
});
