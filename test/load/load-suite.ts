// The load test suite, run once against embedded PGlite and once against the PostgreSQL server: every
// materialization, incremental batches, full refresh, a failure in the middle, cancellation, locks, run_results.
// Models are hand-written SQL (a hub-like DISTINCT ON, a PIT-like cross join), not the compiler's output.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Relation } from '../../server/src/base/relation';
import type { Warehouse } from '../../server/src/warehouse/warehouse';
import { acquireLoadLock, LoadLockedError } from '../../server/src/warehouse/lock';
import { runLoad } from '../../server/src/load/run';
import { isIncrementalRun, relationExists, relationKind } from '../../server/src/load/materialize';
import { collectEphemeralCtes, inlineEphemerals } from '../../server/src/load/ephemeral';
import { writeRunResults } from '../../server/src/load/results';
import type { LoadEvent, LoadModel, LoadSummary } from '../../server/src/load/model';

export interface SuiteTarget {
  wh: Warehouse;
  /** Database name for relations. */
  database: string;
  /** A second, independent connection to the same target (another "process"), when the kind has one. */
  openAnother?: () => Promise<Warehouse>;
  close(): Promise<void>;
}

export function defineLoadSuite(kind: string, open: () => Promise<SuiteTarget>): void {
  describe(`loads on ${kind}`, () => {
    let target: SuiteTarget;
    let wh: Warehouse;
    const projectDir = mkdtempSync(join(tmpdir(), 'dvs-load-project-'));

    before(async () => {
      target = await open();
      wh = target.wh;
    });
    after(async () => {
      await target?.close();
    });

    const count = async (qualified: string) => Number((await wh.query(`select count(*) as n from ${qualified}`)).rows[0]?.n);
    const rel = (schema: string, name: string) => new Relation(target.database, schema, name);
    const model = (
      schema: string,
      name: string,
      materialized: string,
      sql: string | ((incremental: boolean) => string),
      dependsOn: string[] = [],
    ): LoadModel => ({
      name,
      relation: rel(schema, name),
      materialized,
      sql: typeof sql === 'string' ? () => sql : sql,
      dependsOn,
    });
    const byModel = (summary: LoadSummary) => new Map(summary.results.map((r) => [r.model, r]));

    test('view and table: built in dependency order, rebuilt on a re-run without doubling', async () => {
      await wh.exec(`create schema s_vt; create table s_vt.src (id int, name text); insert into s_vt.src values (1,'a'),(2,'b'),(3,'c')`);
      const models = [
        // Given dependants first on purpose: the runner orders them.
        model('s_vt', 'tbl', 'table', `select id, name from "s_vt"."stg"`, ['stg']),
        model('s_vt', 'stg', 'view', `select id, upper(name) as name from "s_vt"."src";`),
      ];
      const events: LoadEvent[] = [];
      const first = await runLoad(wh, models, { onEvent: (e) => events.push(e) });
      assert.equal(first.ok, true);
      assert.deepEqual(
        events.map((e) => `${e.type}:${e.model}:${e.index}/${e.total}`),
        ['start:stg:1/2', 'end:stg:1/2', 'start:tbl:2/2', 'end:tbl:2/2'],
      );
      const results = byModel(first);
      assert.equal(results.get('stg')?.rows, null);
      assert.equal(results.get('tbl')?.rows, 3);
      assert.equal(await relationKind(wh, rel('s_vt', 'stg')), 'view');
      assert.equal(await relationKind(wh, rel('s_vt', 'tbl')), 'table');
      assert.deepEqual((await wh.query(`select name from s_vt.tbl order by id`)).rows.map((r) => r.name), ['A', 'B', 'C']);

      await wh.exec(`insert into s_vt.src values (4,'d')`);
      const second = await runLoad(wh, models);
      assert.equal(byModel(second).get('tbl')?.rows, 4);
      assert.equal(await count('s_vt.tbl'), 4);
    });

    const hubSql = (incremental: boolean) => `
with row_rank_1 as (
  select distinct on (rr.customer_hk) rr.customer_hk, rr.customer_id, rr.load_ts, rr.record_source
  from "s_hub"."stg_customers" as rr
  where rr.customer_hk is not null
  order by rr.customer_hk, rr.load_ts
),
records_to_insert as (
  select a.customer_hk, a.customer_id, a.load_ts, a.record_source
  from row_rank_1 as a
  ${incremental ? 'left join "s_hub"."hub_customer" as d on a.customer_hk = d.customer_hk where d.customer_hk is null' : ''}
)
${
  // The incremental batch lists its columns in another order: the insert must match them by name.
  incremental ? 'select record_source, load_ts, customer_id, customer_hk from records_to_insert' : 'select * from records_to_insert'
}`;

    test('incremental hub: first load, new keys only, unchanged re-run inserts 0, full refresh rebuilds', async () => {
      await wh.exec(`create schema s_hub;
        create table s_hub.raw_customers (customer_id int, name text, load_ts timestamp);
        insert into s_hub.raw_customers values (1,'a','2024-01-01 10:00'),(2,'b','2024-01-01 10:00'),(2,'b2','2024-01-02 10:00'),(3,'c','2024-01-01 10:00'),(null,'x','2024-01-01 10:00')`);
      const models = [
        model(
          's_hub',
          'stg_customers',
          'view',
          `select decode(md5(customer_id::text), 'hex') as customer_hk, customer_id, load_ts, 'RAW' as record_source from "s_hub"."raw_customers"`,
        ),
        model('s_hub', 'hub_customer', 'incremental', hubSql, ['stg_customers']),
      ];
      const hub = rel('s_hub', 'hub_customer');
      assert.equal(await isIncrementalRun(wh, models[1] as LoadModel), false);

      const first = byModel(await runLoad(wh, models)).get('hub_customer');
      assert.equal(first?.status, 'success');
      assert.equal(first?.incremental, false);
      assert.equal(first?.rows, 3, 'three distinct non-null keys');
      assert.equal(await isIncrementalRun(wh, models[1] as LoadModel), true);
      assert.equal(await isIncrementalRun(wh, models[1] as LoadModel, true), false);

      await wh.exec(`insert into s_hub.raw_customers values (3,'c-again','2024-02-01 10:00'),(4,'d','2024-02-01 10:00'),(5,'e','2024-02-01 10:00')`);
      const second = byModel(await runLoad(wh, models)).get('hub_customer');
      assert.equal(second?.incremental, true);
      assert.equal(second?.rows, 2, 'only keys 4 and 5 are new');
      assert.equal(await count('s_hub.hub_customer'), 5);
      const rows = (await wh.query(`select customer_id, load_ts, record_source from s_hub.hub_customer order by customer_id`)).rows;
      assert.deepEqual(rows[1], { customer_id: '2', load_ts: '2024-01-01 10:00:00', record_source: 'RAW' }, 'earliest row of key 2 kept');
      assert.deepEqual(rows[4], { customer_id: '5', load_ts: '2024-02-01 10:00:00', record_source: 'RAW' }, 'columns matched by name');

      const unchanged = byModel(await runLoad(wh, models)).get('hub_customer');
      assert.equal(unchanged?.rows, 0);
      assert.equal(await count('s_hub.hub_customer'), 5);

      const refreshed = byModel(await runLoad(wh, models, { fullRefresh: true })).get('hub_customer');
      assert.equal(refreshed?.incremental, false);
      assert.equal(refreshed?.rows, 5);
      assert.equal(await count('s_hub.hub_customer'), 5);
      assert.equal(await relationExists(wh, hub), true);
    });

    test('pit_incremental and bridge_incremental: created first, then truncated and re-inserted', async () => {
      await wh.exec(`create schema s_pit;
        create table s_pit.hub (hk text); insert into s_pit.hub values ('a'),('b');
        create table s_pit.as_of (as_of_date date); insert into s_pit.as_of values ('2024-01-01'),('2024-01-02')`);
      const pitSql = `select h.hk, d.as_of_date from "s_pit"."hub" h cross join "s_pit"."as_of" d`;
      const models = [model('s_pit', 'pit_customer', 'pit_incremental', pitSql), model('s_pit', 'bridge_customer', 'bridge_incremental', pitSql)];
      const first = byModel(await runLoad(wh, models));
      assert.equal(first.get('pit_customer')?.rows, 4);
      assert.equal(first.get('bridge_customer')?.incremental, false);

      await wh.exec(`insert into s_pit.as_of values ('2024-01-03')`);
      const second = byModel(await runLoad(wh, models));
      for (const name of ['pit_customer', 'bridge_customer']) {
        assert.equal(second.get(name)?.incremental, true);
        assert.equal(second.get(name)?.rows, 6, `${name} re-inserts the whole set`);
        assert.equal(await count(`s_pit.${name}`), 6, `${name} is not doubled`);
      }
    });

    test('ephemeral: not built, inlined into its dependants as dbt CTEs', async () => {
      await wh.exec(`create schema s_eph; create table s_eph.src (id int); insert into s_eph.src values (1),(2),(3)`);
      const ephemerals = new Map([
        ['big', { sql: `select id from "s_eph"."src" where id > 1`, refs: [] as string[] }],
        ['bigger', { sql: `select id from __dbt__cte__big where id > 2`, refs: ['big'] }],
      ]);
      const ctes = collectEphemeralCtes(['bigger'], (n) => ephemerals.get(n));
      assert.deepEqual(
        ctes.map((c) => c.name),
        ['big', 'bigger'],
      );
      const counted = inlineEphemerals(`-- counts\nwith totals as (select count(*) as n from __dbt__cte__bigger)\nselect n from totals`, ctes);
      const models = [
        model('s_eph', 'big', 'ephemeral', ephemerals.get('big')?.sql ?? ''),
        model('s_eph', 'bigger', 'ephemeral', ephemerals.get('bigger')?.sql ?? '', ['big']),
        model('s_eph', 'uses_it', 'table', counted, ['bigger']),
      ];
      const events: LoadEvent[] = [];
      const summary = await runLoad(wh, models, { onEvent: (e) => events.push(e) });
      assert.deepEqual(
        summary.results.map((r) => [r.model, r.status]),
        [['uses_it', 'success']],
      );
      assert.equal(events.filter((e) => e.type === 'start').length, 1);
      assert.equal(await relationExists(wh, rel('s_eph', 'big')), false);
      assert.deepEqual((await wh.query(`select n from s_eph.uses_it`)).rows, [{ n: '1' }]);
    });

    test('a failing model rolls back completely, skips its dependants, independents run; a fixed re-run completes without doubling', async () => {
      await wh.exec(`create schema s_fail; create table s_fail.src (id int); insert into s_fail.src select generate_series(1, 5)`);
      const good = `select id from "s_fail"."src"`;
      // Fails at run time on the third row, after the old table would have been dropped and rows produced.
      const bad = `select id, 1 / (id - 3) as boom from "s_fail"."src"`;
      const models = (bSql: string, extra: LoadModel[] = []) => [
        model('s_fail', 'a', 'table', good),
        model('s_fail', 'b', 'table', bSql),
        model('s_fail', 'c', 'incremental', (inc) => `select id from "s_fail"."b"${inc ? ` where id not in (select id from "s_fail"."c")` : ''}`, ['b']),
        model('s_fail', 'd', 'view', `select count(*) as n from "s_fail"."c"`, ['c']),
        model('s_fail', 'e', 'table', `select 42 as answer`),
        ...extra,
      ];
      assert.equal((await runLoad(wh, models(good))).ok, true);
      assert.equal(await count('s_fail.c'), 5);

      const newSchemaModel: LoadModel = {
        ...model('s_fail_new', 'f', 'table', `select * from "s_fail"."no_such_table"`),
      };
      const events: LoadEvent[] = [];
      const failed = await runLoad(wh, models(bad, [newSchemaModel]), { onEvent: (e) => events.push(e) });
      const r = byModel(failed);
      assert.equal(failed.ok, false);
      assert.equal(r.get('a')?.status, 'success');
      assert.equal(r.get('b')?.status, 'error');
      assert.match(r.get('b')?.message ?? '', /division by zero/);
      assert.equal(r.get('c')?.status, 'skipped');
      assert.equal(r.get('c')?.message, 'skipped because b failed');
      assert.equal(r.get('d')?.status, 'skipped');
      assert.equal(r.get('d')?.message, 'skipped because b failed', 'a transitive dependant names the failed model');
      assert.equal(r.get('e')?.status, 'success');
      assert.equal(r.get('f')?.status, 'error');
      assert.match(r.get('f')?.message ?? '', /no_such_table/);
      const bEnd = events.find((e) => e.type === 'end' && e.model === 'b');
      assert.equal(bEnd?.type === 'end' ? bEnd.status : undefined, 'error');

      // Rollback: b is still the table of the previous run, untouched; f's schema was never created.
      assert.equal(await count('s_fail.b'), 5);
      const bColumns = (await wh.query(`select column_name from information_schema.columns where table_schema = 's_fail' and table_name = 'b'`)).rows;
      assert.deepEqual(bColumns, [{ column_name: 'id' }]);
      assert.equal((await wh.query(`select 1 from pg_namespace where nspname = 's_fail_new'`)).rows.length, 0);
      assert.equal(await count('s_fail.c'), 5);

      await wh.exec(`insert into s_fail.src values (6)`);
      const fixed = await runLoad(wh, models(good));
      assert.equal(fixed.ok, true);
      assert.equal(byModel(fixed).get('c')?.rows, 1);
      assert.equal(await count('s_fail.c'), 6, 'nothing doubled');
      assert.deepEqual((await wh.query(`select n from s_fail.d`)).rows, [{ n: '6' }]);
    });

    test('cancellation stops after the running model', async () => {
      await wh.exec(`create schema s_cancel`);
      const controller = new AbortController();
      const models = ['x1', 'x2', 'x3'].map((n) => model('s_cancel', n, 'table', `select 1 as one`));
      const summary = await runLoad(wh, models, {
        signal: controller.signal,
        onEvent: (e) => {
          if (e.type === 'start' && e.model === 'x1') controller.abort();
        },
      });
      assert.equal(summary.cancelled, true);
      assert.deepEqual(
        summary.results.map((r) => [r.model, r.status]),
        [
          ['x1', 'success'],
          ['x2', 'cancelled'],
          ['x3', 'cancelled'],
        ],
      );
      assert.equal(await relationExists(wh, rel('s_cancel', 'x1')), true);
      assert.equal(await relationExists(wh, rel('s_cancel', 'x2')), false);
    });

    test('an unsupported materialization and a dependency cycle are errors that say why', async () => {
      const summary = await runLoad(wh, [
        model('s_odd', 'by_period', 'microbatch', `select 1`),
        model('s_odd', 'after_it', 'table', `select 1`, ['by_period']),
        model('s_odd', 'p', 'table', `select 1`, ['q']),
        model('s_odd', 'q', 'table', `select 1`, ['p']),
      ]);
      const r = byModel(summary);
      assert.match(r.get('by_period')?.message ?? '', /materialization 'microbatch' is not supported/);
      assert.equal(r.get('after_it')?.message, 'skipped because by_period failed');
      assert.match(r.get('p')?.message ?? '', /dependency cycle among p, q/);
      assert.equal(r.get('q')?.status, 'error');
    });

    test('run_results.json records models, status, rows, timings, target and run_started_at', async () => {
      await wh.exec(`create schema s_results`);
      const summary = await runLoad(wh, [
        model('s_results', 'ok_model', 'table', `select generate_series(1, 3) as n`),
        model('s_results', 'bad_model', 'table', `select nope`),
      ]);
      const path = writeRunResults(projectDir, summary, { target: kind, runStartedAt: '2024-05-01T12:00:00.000000+00:00', projectName: 'shop' });
      assert.equal(path, join(projectDir, 'target', 'run_results.json'));
      const doc = JSON.parse(readFileSync(path, 'utf8')) as {
        metadata: { target: string; run_started_at: string };
        results: Array<{ unique_id: string; status: string; rows_affected: number | null; execution_time: number; timing: unknown[]; message: string | null }>;
      };
      assert.equal(doc.metadata.target, kind);
      assert.equal(doc.metadata.run_started_at, '2024-05-01T12:00:00.000000+00:00');
      assert.deepEqual(
        doc.results.map((x) => [x.unique_id, x.status, x.rows_affected]),
        [
          ['model.shop.ok_model', 'success', 3],
          ['model.shop.bad_model', 'error', null],
        ],
      );
      assert.match(doc.results[1]?.message ?? '', /nope/);
      assert.equal(doc.results[0]?.timing.length, 1);
      assert.equal(typeof doc.results[0]?.execution_time, 'number');
    });

    test('a second concurrent load is refused with a clear message, and allowed after release', async () => {
      const lock = await acquireLoadLock(wh, projectDir);
      await assert.rejects(acquireLoadLock(wh, projectDir), (e: unknown) => {
        assert.ok(e instanceof LoadLockedError);
        assert.match(e.message, /another load is already running on /);
        return true;
      });
      if (target.openAnother) {
        const other = await target.openAnother();
        try {
          await assert.rejects(acquireLoadLock(other, projectDir), LoadLockedError);
        } finally {
          await other.close();
        }
      }
      await lock.release();
      const again = await acquireLoadLock(wh, projectDir);
      await again.release();
    });

    if (kind === 'embedded') {
      test('a lock file left by a process that is gone is taken over', async () => {
        const dataDir = (wh as Partial<{ dataDir: string }>).dataDir;
        assert.ok(dataDir, 'the embedded warehouse knows its data directory');
        const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
        const deadPid = Number(gone.stdout);
        const lockFile = join(dataDir, '..', 'load.lock');
        mkdirSync(join(dataDir, '..'), { recursive: true });
        writeFileSync(lockFile, JSON.stringify({ pid: deadPid, startedAt: '2000-01-01T00:00:00Z' }));
        const lock = await acquireLoadLock(wh, projectDir);
        assert.equal(lock.holder, lockFile);
        assert.equal(JSON.parse(readFileSync(lockFile, 'utf8')).pid, process.pid);
        await lock.release();
        assert.equal(existsSync(lockFile), false);
      });
    }
  });
}
