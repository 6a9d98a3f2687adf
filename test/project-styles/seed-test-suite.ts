// `dvs seed` and `dvs test` end to end through the CLI (in-process runCli) on a copy of a breadth fixture, run once on
// embedded PGlite and once on the PostgreSQL server: tables typed and filled like dbt seed, re-runs replace the data,
// generic tests give a per-test result with its yml line, and runGenericTests serves the editor.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../server/src/cli/main';
import type { CliIo } from '../../server/src/cli/io';
import { runGenericTests } from '../../server/src/dbt/generic-tests';
import { ProjectSession } from '../../server/src/engine/session';
import type { Warehouse } from '../../server/src/warehouse/warehouse';

const FIXTURES = join(__dirname, '..', 'fixtures', 'projects');

export interface SuiteTarget {
  /** Flags that pick the target (`--target embedded`, `--target ci`). */
  targetArgs: string[];
  /** The target name as `--target` takes it. */
  targetName: string;
  /** Extra environment for the CLI (a password variable). */
  env: Record<string, string>;
  /** Makes a copied project point at this target (writes profiles.yml for servers). */
  prepare(projectDir: string, profileName: string): void;
  /** Opens the target's database for assertions; the caller closes it. */
  open(projectDir: string): Promise<Warehouse>;
  close(): Promise<void>;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function copyFixture(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `dvs-${name}-`));
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

export function defineSeedAndTestSuite(kind: string, open: () => Promise<SuiteTarget>): void {
  describe(`dvs seed and dvs test on ${kind}`, () => {
    let target: SuiteTarget;
    const nursery = copyFixture('breadth-properties');
    const bikes = copyFixture('breadth-legacy');

    const cli = async (dir: string, argv: string[]): Promise<Run> => {
      const run = { code: 0, stdout: '', stderr: '' };
      const io: CliIo = {
        cwd: dir,
        env: { HOME: tmpdir(), PATH: process.env.PATH, ...target.env },
        isTTY: false,
        out: (t) => void (run.stdout += t),
        err: (t) => void (run.stderr += t),
      };
      run.code = await runCli([...argv, '--project', dir], io);
      return run;
    };
    const query = async (dir: string, sql: string): Promise<Record<string, unknown>[]> => {
      const wh = await target.open(dir);
      try {
        return (await wh.query(sql)).rows;
      } finally {
        await wh.close();
      }
    };

    before(async () => {
      target = await open();
      target.prepare(nursery, 'nursery');
      target.prepare(bikes, 'bike_rental');
    });
    after(async () => {
      await target?.close();
    });

    test('a write command without a resolvable default target stops with exit 2 and the --target hint', async () => {
      const dir = copyFixture('breadth-legacy');
      const run = await cli(dir, ['seed']);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /--target embedded/);
    });

    test('dvs seed creates typed tables in the seed schema with quoted columns and NULL for empty fields', async () => {
      const run = await cli(nursery, ['seed', ...target.targetArgs]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, '', 'progress goes to stderr');
      assert.match(run.stderr, /1\/3 OK +orders +seed 5 rows, table created/);
      assert.match(run.stderr, /3\/3 OK +supplier_contacts +seed 3 rows, table created/);
      const types = await query(
        nursery,
        `select table_name, column_name, data_type, numeric_precision, numeric_scale from information_schema.columns
          where table_schema = 'analytics_raw' order by table_name, ordinal_position`,
      );
      const shown = types.map((r) => `${String(r.table_name)}.${String(r.column_name)}:${String(r.data_type)}${r.data_type === 'numeric' ? `(${String(r.numeric_precision)},${String(r.numeric_scale)})` : ''}`);
      assert.deepEqual(shown, [
        'orders.order_id:integer',
        'orders.plant_id:integer',
        'orders.quantity:integer',
        'orders.status:text',
        'orders.ordered_at:timestamp without time zone',
        'plants.plant_id:integer',
        'plants.plant_name:text',
        'plants.family:text',
        'plants.price:numeric(10,2)',
        'plants.stock:integer',
        'supplier_contacts.Supplier Name:text',
        'supplier_contacts.Contact Email:text',
        'supplier_contacts.Since:date',
      ]);
      const suppliers = await query(nursery, `select "Supplier Name" as name, "Contact Email" as email, "Since"::text as since from "analytics_raw"."supplier_contacts" order by 1`);
      assert.deepEqual(suppliers, [
        { name: 'Fern & Frond', email: 'hello@fernfrond.example', since: '2021-09-15' },
        { name: 'Green Roots', email: 'orders@greenroots.example', since: '2019-04-01' },
        { name: 'Olive Grove Co', email: null, since: '2016-01-20' },
      ]);
      const price = await query(nursery, `select price::text as price from "analytics_raw"."plants" where plant_id = 1`);
      assert.deepEqual(price, [{ price: '6.50' }]);
    });

    test('pre-1.0 seeds in data/: quote_columns false, quoted commas, column_types, empty numbers as NULL', async () => {
      const run = await cli(bikes, ['seed', ...target.targetArgs, '--format', 'json']);
      assert.equal(run.code, 0, run.stderr);
      const doc = JSON.parse(run.stdout) as { seeds: { name: string; relation: string; status: string; rows: number }[] };
      assert.deepEqual(
        doc.seeds.map((s) => [s.name, s.status, s.rows]),
        [
          ['rentals', 'success', 4],
          ['stations', 'success', 3],
        ],
      );
      assert.match(doc.seeds[0]?.relation ?? '', /"public_seed_data"\."rentals"$/);
      const rows = await query(bikes, `select rental_id::text as id, pg_typeof(rental_id)::text as t, minutes, started_at::text as started from public_seed_data.rentals order by rental_id`);
      assert.deepEqual(rows[3], { id: '4', t: 'bigint', minutes: null, started: '2020-02-29 18:05:00' });
      const stations = await query(bikes, `select station_name, is_active::text as active, opened_on::text as opened from public_seed_data.stations where station_code = 'ST-03'`);
      assert.deepEqual(stations, [{ station_name: 'Market Square, West', active: 'false', opened: '2017-03-20' }]);
    });

    test('a re-run replaces the data (truncate and insert); changed columns need --full-refresh; --select picks seeds', async () => {
      writeFileSync(join(nursery, 'seeds', 'plants.csv'), 'plant_id,plant_name,family,price,stock\n1,Lavender,Lamiaceae,7.00,35\n2,Rosemary,Lamiaceae,5.00,25\n3,Fern,Polypodiaceae,12.00,8\n4,Olive tree,Oleaceae,45.00,3\n5,Sage,Lamiaceae,4.50,12\n');
      const again = await cli(nursery, ['seed', ...target.targetArgs, '--select', 'plants']);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /1\/1 OK +plants +seed 5 rows \(/, 'truncated and refilled, not created');
      assert.deepEqual(await query(nursery, `select count(*)::int as n, sum(price)::text as total from "analytics_raw"."plants"`), [{ n: '5', total: '73.50' }]);

      writeFileSync(join(nursery, 'seeds', 'orders.csv'), readFileSync(join(nursery, 'seeds', 'orders.csv'), 'utf8').replace('ordered_at', 'ordered_on'));
      const changed = await cli(nursery, ['seed', ...target.targetArgs, '--select', 'orders', 'supplier_contacts']);
      assert.equal(changed.code, 1, 'a failed seed is exit 1');
      assert.match(changed.stderr, /ERROR orders[\s\S]*--full-refresh/);
      assert.match(changed.stderr, /OK +supplier_contacts/, 'the other seed still loads');
      const refreshed = await cli(nursery, ['seed', ...target.targetArgs, '--select', 'orders', '--full-refresh']);
      assert.equal(refreshed.code, 0, refreshed.stderr);
      assert.deepEqual(await query(nursery, `select column_name from information_schema.columns where table_schema = 'analytics_raw' and table_name = 'orders' and column_name like 'ordered%'`), [{ column_name: 'ordered_on' }]);
      writeFileSync(join(nursery, 'seeds', 'orders.csv'), readFileSync(join(nursery, 'seeds', 'orders.csv'), 'utf8').replace('ordered_on', 'ordered_at'));
      assert.equal((await cli(nursery, ['seed', ...target.targetArgs, '--select', 'orders', '--full-refresh'])).code, 0);
    });

    test('a ragged CSV fails that seed with the line to fix and leaves its table as it was', async () => {
      const dir = copyFixture('breadth-legacy');
      target.prepare(dir, 'bike_rental');
      writeFileSync(join(dir, 'data', 'stations.csv'), 'station_code,station_name\nST-09,Pier,extra\n');
      const run = await cli(dir, ['seed', ...target.targetArgs, '--select', 'stations']);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /data\/stations\.csv line 2 has 3 fields but the header has 2/);
    });

    test('dvs test runs the generic tests with a result and yml line each; warn severity does not fail the run', async () => {
      const load = await cli(nursery, ['load', ...target.targetArgs, '--exclude', 'season_months']);
      assert.equal(load.code, 0, load.stderr);
      const run = await cli(nursery, ['test', ...target.targetArgs, '--format', 'json']);
      assert.equal(run.code, 0, run.stderr);
      const doc = JSON.parse(run.stdout) as { tests: { name: string; status: string; failures: number | null; file: string; line: number; message?: string }[] };
      const byName = new Map(doc.tests.map((t) => [t.name, t]));
      assert.equal(byName.get('relationships_stg_orders_plant_id__plant_id__ref_stg_plants_')?.status, 'pass');
      assert.equal(byName.get('unique_supplier_contacts_Supplier_Name')?.status, 'pass');
      assert.equal(byName.get('source_not_null_shop_shop_orders_order_id')?.status, 'pass');
      const status = byName.get('accepted_values_stg_orders_status__placed__shipped');
      assert.deepEqual([status?.status, status?.failures, status?.file, status?.line], ['warn', 1, 'models/staging/staging.yml', 29]);
      assert.equal(byName.get('garden_utils_expression_is_true_plant_sales')?.status, 'skipped');
      const lines = readFileSync(join(nursery, 'models', 'staging', 'staging.yml'), 'utf8').split('\n');
      for (const t of doc.tests.filter((x) => x.file === 'models/staging/staging.yml')) {
        const testWord = t.name.startsWith('accepted_values') ? 'accepted_values' : t.name.startsWith('relationships') ? 'relationships' : t.name.startsWith('unique') ? 'unique' : 'not_null';
        assert.match(lines[t.line - 1] ?? '', new RegExp(`- ${testWord}`), `${t.name} points at its yml entry`);
      }
      assert.equal(doc.tests.filter((t) => t.status === 'pass').length, 19);
      assert.deepEqual([byName.get('is_positive_fct_orders_amount')?.status, byName.get('is_positive_fct_orders_amount')?.line], ['pass', 15], 'a custom generic test from tests/generic runs');
    });

    test('failing rows fail the test with their count and exit 1; selection by model, source, test name and exclude', async () => {
      const wh = await target.open(nursery);
      try {
        await wh.exec(`insert into "analytics_marts"."dim_plants_v1" values (1, 'Lavender again'); insert into "analytics_reporting"."fct_orders" (order_id, quantity, amount) values (100, 3, null), (101, 0, null)`);
      } finally {
        await wh.close();
      }
      const run = await cli(nursery, ['test', ...target.targetArgs, '--select', 'fct_orders dim_plants_v1']);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stdout, /FAIL +unique_fct_orders_order_id +models\/marts\/marts\.yml:8 2 failing rows/);
      assert.match(run.stdout, /FAIL +not_null_fct_orders_amount +models\/marts\/marts\.yml:12 1 failing row\n/, 'where: quantity > 0 leaves out the row with quantity 0');
      assert.match(run.stdout, /FAIL +unique_dim_plants_v1_plant_id +models\/marts\/marts\.yml:22 1 failing row/);
      assert.doesNotMatch(run.stdout, /dim_plants_v2|stg_orders/);
      assert.match(run.stdout, /PASS +is_positive_fct_orders_amount +models\/marts\/marts\.yml:15\n/);
      const lines = run.stdout.trim().split('\n');
      assert.equal(lines.length, 5, run.stdout);

      const sources = await cli(nursery, ['test', ...target.targetArgs, '--select', 'source:shop', '--format', 'json']);
      assert.deepEqual((JSON.parse(sources.stdout) as { tests: { name: string }[] }).tests.map((t) => t.name), ['source_not_null_shop_shop_orders_order_id']);
      const plants = await cli(nursery, ['test', ...target.targetArgs, '--select', 'stg_plants', '--exclude', 'test_name:accepted_values', '--format', 'json']);
      assert.deepEqual(
        (JSON.parse(plants.stdout) as { tests: { name: string }[] }).tests.map((t) => t.name).sort(),
        ['not_null_stg_plants_plant_id', 'relationships_stg_orders_plant_id__plant_id__ref_stg_plants_', 'unique_stg_plants_plant_id'],
        'a relationships test reading stg_plants is selected with it',
      );
    });

    test('runGenericTests gives the editor each result with its file and span; an unbuilt model is an error with a hint', async () => {
      const session = new ProjectSession(nursery, { env: { HOME: tmpdir(), ...target.env }, homeDir: tmpdir(), targetName: target.targetName });
      const wh = await target.open(nursery);
      try {
        const results = await runGenericTests(session, wh, { select: ['fct_orders'] });
        const failed = results.filter((r) => r.status === 'fail');
        assert.deepEqual(failed.map((r) => [r.test.name, r.failures]), [
          ['unique_fct_orders_order_id', 2],
          ['not_null_fct_orders_amount', 1],
        ]);
        const text = readFileSync(failed[0]?.test.file ?? '', 'utf8');
        assert.equal(text.slice(failed[0]?.test.span.start, failed[0]?.test.span.end), 'unique');
        await wh.exec(`drop table "analytics_reporting"."fct_orders" cascade`);
        const missing = await runGenericTests(session, wh, { select: ['test_name:not_null'], exclude: ['source:*', 'stg_plants', 'stg_orders', 'orders', 'supplier_contacts'] });
        assert.deepEqual(missing.map((r) => [r.test.name, r.status]), [
          ['not_null_fct_orders_order_id', 'error'],
          ['not_null_fct_orders_amount', 'error'],
        ]);
        assert.match(missing[0]?.message ?? '', /does not exist[\s\S]*dvs load/);
      } finally {
        await wh.close();
      }
    });
  });
}
