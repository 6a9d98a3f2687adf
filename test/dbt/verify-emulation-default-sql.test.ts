// --verify-emulation where the pinned release's SQL fails on PostgreSQL only when it runs: before 0.9.7 dbt-postgres
// renders the default (Snowflake) bridge, which compiles and is then rejected (one-argument TO_DATE). The emulation
// renders that same SQL and reports the failure beside it, so the two agree; SQL that differs is still a difference.
// The package here is a stand-in written for this test: a dbtvault 0.9.4 whose bridge writes the shape of the default
// SQL for any walk, and a variant of it with another date format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runCli } from '../../server/src/cli/main';
import type { CliIo } from '../../server/src/cli/io';

const BRIDGE_MACRO = (dateFormat: string) => `{%- macro bridge(src_pk, src_extra_columns, as_of_dates_table, bridge_walk, stage_tables_ldts, src_ldts, source_model) -%}
WITH as_of_dates AS (
    SELECT *
    FROM {{ ref(as_of_dates_table) }}
),

new_rows AS (
    SELECT
        a.{{ src_pk }},
        b.AS_OF_DATE,
{%- for name, step in bridge_walk.items() %}
        {{ step['link_table'] }}.{{ step['link_pk'] }} AS {{ step['bridge_link_pk'] }},
        {{ step['eff_sat_table'] }}.{{ step['eff_sat_end_date'] }} AS {{ step['bridge_end_date'] }},
        {{ step['eff_sat_table'] }}.{{ step['eff_sat_load_date'] }} AS {{ step['bridge_load_date'] }}{{ ',' if not loop.last }}
{%- endfor %}
    FROM {{ ref(source_model) }} AS a
    INNER JOIN as_of_dates AS b ON (1=1)
{%- for name, step in bridge_walk.items() %}
    LEFT JOIN {{ ref(step['link_table']) }} AS {{ step['link_table'] }}
        ON a.{{ src_pk }} = {{ step['link_table'] }}.{{ src_pk }}
    INNER JOIN {{ ref(step['eff_sat_table']) }} AS {{ step['eff_sat_table'] }}
        ON {{ step['eff_sat_table'] }}.{{ step['eff_sat_pk'] }} = {{ step['link_table'] }}.{{ step['link_pk'] }}
        AND {{ step['eff_sat_table'] }}.{{ step['eff_sat_load_date'] }} <= b.AS_OF_DATE
{%- endfor %}
),

all_rows AS (
    SELECT * FROM new_rows
),

candidate_rows AS (
    SELECT * FROM (
        SELECT *, ROW_NUMBER() OVER (
            PARTITION BY AS_OF_DATE{% for name, step in bridge_walk.items() %}, {{ step['bridge_link_pk'] }}{% endfor %}
            ORDER BY {% for name, step in bridge_walk.items() %}{{ step['bridge_load_date'] }} DESC{{ ', ' if not loop.last }}{% endfor %}
        ) AS ROW_NUM
        FROM all_rows
    ) AS a
    WHERE a.ROW_NUM = 1
),

bridge AS (
    SELECT c.{{ src_pk }}, c.AS_OF_DATE{% for name, step in bridge_walk.items() %}, c.{{ step['bridge_link_pk'] }}{% endfor %}
    FROM candidate_rows AS c
{%- for name, step in bridge_walk.items() %}
    {{ 'WHERE' if loop.first else 'AND' }} TO_DATE(c.{{ step['bridge_end_date'] }}) = TO_DATE('{{ var('max_datetime', '9999-12-31 23:59:59.999999') }}', '${dateFormat}')
{%- endfor %}
)

SELECT * FROM bridge
{%- endmacro -%}
`;

const BRIDGE_MODEL = `{{ config(materialized='table') }}
{{ dbtvault.bridge(source_model='hub_customer', src_pk='CUSTOMER_HK', src_ldts='LOAD_DATETIME',
                   as_of_dates_table='as_of_dates',
                   bridge_walk={'CUSTOMER_ORDER': {
                       'bridge_link_pk': 'LINK_CUSTOMER_ORDER_HK', 'bridge_end_date': 'EFF_SAT_CUSTOMER_ORDER_ENDDATE',
                       'bridge_load_date': 'EFF_SAT_CUSTOMER_ORDER_LOADDATE', 'link_table': 'link_customer_order',
                       'link_pk': 'CUSTOMER_ORDER_HK', 'link_fk1': 'CUSTOMER_HK', 'link_fk2': 'ORDER_HK',
                       'eff_sat_table': 'eff_sat_customer_order', 'eff_sat_pk': 'CUSTOMER_ORDER_HK',
                       'eff_sat_end_date': 'END_DATE', 'eff_sat_load_date': 'LOAD_DATETIME'}},
                   stage_tables_ldts={'stg_orders': 'LOAD_DATETIME'}) }}
`;

function writeProject(dir: string, dateFormat: string): void {
  const files: Record<string, string> = {
    'dbt_project.yml': "name: 'default_sql'\nversion: '1.0.0'\nconfig-version: 2\nprofile: 'default_sql'\nmodel-paths: ['models']\n",
    'packages.yml': 'packages:\n  - package: Datavault-UK/dbtvault\n    version: 0.9.4\n',
    'dbt_packages/dbtvault/dbt_project.yml': "name: 'dbtvault'\nversion: '0.9.4'\nconfig-version: 2\n",
    'dbt_packages/dbtvault/macros/bridge.sql': BRIDGE_MACRO(dateFormat),
    'models/bridge_customer_order.sql': BRIDGE_MODEL,
  };
  // The relations the bridge reads are plain models here: only the bridge calls the package.
  for (const name of ['hub_customer', 'link_customer_order', 'eff_sat_customer_order', 'as_of_dates', 'stg_orders']) {
    files[`models/${name}.sql`] = 'SELECT 1 AS x\n';
  }
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

interface Report {
  emulation: { package: string; compared: number; differences: { model: string; diff: string[] }[] };
}

async function verify(dateFormat: string): Promise<Report> {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-default-sql-'));
  try {
    writeProject(dir, dateFormat);
    const c = { stdout: '', stderr: '' };
    const io: CliIo = { out: (t) => void (c.stdout += t), err: (t) => void (c.stderr += t), cwd: dir, env: {}, isTTY: false };
    await runCli(['check', '--verify-emulation', '--format', 'json'], io);
    return JSON.parse(c.stdout) as Report;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a 0.9.4 bridge: the package and the emulation render the same failing SQL, which is agreement', async () => {
  const report = await verify('YYY-MM-DD');
  assert.equal(report.emulation.package, 'dbtvault 0.9.4');
  assert.equal(report.emulation.compared, 1);
  assert.deepEqual(report.emulation.differences, []);
});

test('a package whose bridge writes other SQL is a difference, with the line that differs', async () => {
  const report = await verify('YYYY-MM-DD');
  assert.equal(report.emulation.differences.length, 1);
  const diff = report.emulation.differences[0]!.diff;
  assert.ok(diff.some((l) => l.startsWith('- ') && l.includes("'YYYY-MM-DD'")), diff.join('\n'));
  assert.ok(diff.some((l) => l.startsWith('+ ') && l.includes("'YYY-MM-DD'")), diff.join('\n'));
});
