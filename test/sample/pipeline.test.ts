// The sample project end to end, on PGlite and on a PostgreSQL server: three syncs with a load after each, then the
// vault's invariants and the marts checked with independent SQL over the raw tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { runCli } from '../../server/src/cli/main';
import type { CliIo } from '../../server/src/cli/io';
import { openPglite } from '../../server/src/warehouse/pglite';
import type { SqlSession } from '../../server/src/warehouse/warehouse';

const SAMPLE = join(__dirname, '..', '..', 'sample-project');

function io(cwd: string, env: Record<string, string>): CliIo & { stdout: string; stderr: string } {
  const c = { stdout: '', stderr: '', cwd, env: { HOME: tmpdir(), ...env }, isTTY: false, out: (t: string) => void (c.stdout += t), err: (t: string) => void (c.stderr += t) };
  return c;
}

async function dvs(argv: string[], cwd: string, env: Record<string, string>): Promise<string> {
  const c = io(cwd, env);
  const code = await runCli(argv, c);
  assert.equal(code, 0, `dvs ${argv.join(' ')} failed:\n${c.stderr}`);
  return c.stdout;
}

async function runPipeline(project: string, target: string, env: Record<string, string>, extra: string[] = []): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await dvs(['generate-raw', '--project', project, '--target', target, '--users', '300', ...extra], project, env);
    const out = await dvs(['load', '--project', project, '--target', target, '--format', 'json', ...extra], project, env);
    const doc = JSON.parse(out) as { models: { name: string; status: string }[] };
    assert.ok(doc.models.length >= 17);
    assert.deepEqual(doc.models.filter((m) => m.status !== 'success'), []);
  }
}

const md5 = (s: string) => '\\x' + createHash('md5').update(s).digest('hex');

async function assertVaultInvariants(db: SqlSession): Promise<void> {
  const one = async (sql: string) => (await db.query(sql)).rows;
  // Hub keys equal the spec's hash of the business key: MD5 of UPPER(TRIM(text)).
  for (const [hub, key, nk] of [['hub_users', 'user_hk', 'user_id'], ['hub_products', 'product_hk', 'product_id']] as const) {
    const rows = await one(`select ${key} as hk, ${nk} as nk from dds.${hub}`);
    assert.ok(rows.length > 0, `${hub} is empty`);
    for (const r of rows) assert.equal(r.hk, md5(String(r.nk).trim().toUpperCase()), `${hub} key of ${r.nk}`);
    const dup = await one(`select ${key} from dds.${hub} group by ${key} having count(*) > 1`);
    assert.deepEqual(dup, [], `${hub} has duplicate keys`);
  }
  const linkDup = await one(`select purchase_hk from dds.link_purchases group by purchase_hk having count(*) > 1`);
  assert.deepEqual(linkDup, []);
  // The link key is the hash of user id, product id and purchase id (a list key: placeholders and '||').
  const links = await one(`select l.purchase_hk, u.user_id, p.product_id, l.purchase_id from dds.link_purchases l
    join dds.hub_users u on u.user_hk = l.user_hk join dds.hub_products p on p.product_hk = l.product_hk`);
  const linkCount = await one(`select count(*) as n from dds.link_purchases`);
  assert.equal(String(links.length), String(linkCount[0]?.n), 'every link row has its hub keys in the hubs');
  for (const r of links.slice(0, 200)) assert.equal(r.purchase_hk, md5(`${r.user_id}||${r.product_id}||${r.purchase_id}`));
  // No two consecutive satellite rows of a key carry the same hashdiff.
  for (const [sat, key, hd] of [['sat_users', 'user_hk', 'user_hashdiff'], ['sat_products', 'product_hk', 'product_hashdiff'], ['sat_purchases', 'purchase_hk', 'purchase_hashdiff']] as const) {
    const repeats = await one(`select ${key} from (select ${key}, ${hd} as hd, lag(${hd}) over (partition by ${key} order by load_date) as prev from dds.${sat}) x where hd = prev`);
    assert.deepEqual(repeats, [], `${sat} repeats a hashdiff`);
  }
}

async function assertMartsMatchRaw(db: SqlSession): Promise<void> {
  // Monthly counts straight from the raw tables: the latest record of each purchase, times in UTC.
  const fromRaw = await db.query(`
    with latest as (
      select distinct on (id) * from raw.purchases order by id, _airbyte_extracted_at desc
    ), ev as (
      select date_trunc('month', purchased_at at time zone 'UTC') as m, 'p' as k from latest where purchased_at is not null
      union all select date_trunc('month', returned_at at time zone 'UTC'), 'r' from latest where returned_at is not null
      union all select date_trunc('month', added_to_cart_at at time zone 'UTC'), 'c' from latest where added_to_cart_at is not null
    )
    select m::date::text as month, count(*) filter (where k = 'p') as purchases, count(*) filter (where k = 'r') as returns,
           count(*) filter (where k = 'c') as added_to_cart
    from ev group by m order by m`);
  const mart = await db.query(`select month::text as month, purchases, returns, added_to_cart from mart.mart_monthly_kpis
                                where purchases + returns + added_to_cart > 0 order by month`);
  assert.deepEqual(mart.rows, fromRaw.rows);
  const current = await db.query(`select month::text as month from mart.mart_monthly_kpis where is_current_month`);
  const latestSync = await db.query(`select date_trunc('month', max(_airbyte_extracted_at) at time zone 'UTC')::date::text as month from raw.purchases`);
  assert.equal(current.rows[0]?.month, latestSync.rows[0]?.month);
}

test('sample project on the embedded database: three syncs and loads, vault invariants, marts equal raw figures', async () => {
  const project = mkdtempSync(join(tmpdir(), 'dvs-sample-'));
  cpSync(SAMPLE, project, { recursive: true, filter: (p) => !p.includes('/.dvs') && !p.includes('/target') });
  await runPipeline(project, 'embedded', {});
  // A re-run with no new sync inserts nothing into the vault.
  const again = JSON.parse(await dvs(['load', '--project', project, '--target', 'embedded', '--format', 'json', '--select', 'path:models/dds'], project, {})) as { models: { name: string; materialized: string; rows: number | null }[] };
  const vault = again.models.filter((m) => m.materialized !== 'view');
  assert.equal(vault.length, 6);
  for (const m of vault) assert.equal(m.rows, 0, `${m.name} inserted rows on an unchanged re-run`);
  const db = await openPglite(join(project, '.dvs', 'pglite'));
  try {
    await assertVaultInvariants(db);
    await assertMartsMatchRaw(db);
  } finally {
    await db.close();
  }
});

test('sample project on a PostgreSQL server: the same pipeline and invariants', async () => {
  const url = process.env.DVS_TEST_PG_URL;
  assert.ok(url, 'DVS_TEST_PG_URL is not set: run through `npm test`, which starts a PostgreSQL server');
  const admin = new Client({ connectionString: url });
  await admin.connect();
  const dbname = `dvs_sample_${process.pid}_${Date.now()}`;
  await admin.query(`create database "${dbname}"`);
  await admin.end();
  const u = new URL(url);
  const project = mkdtempSync(join(tmpdir(), 'dvs-sample-pg-'));
  cpSync(SAMPLE, project, { recursive: true, filter: (p) => !p.includes('/.dvs') && !p.includes('/target') });
  const profiles = mkdtempSync(join(tmpdir(), 'dvs-profiles-'));
  writeFileSync(join(profiles, 'profiles.yml'), `data_vault_sample:
  target: ci
  outputs:
    ci:
      type: postgres
      host: ${u.hostname}
      port: ${u.port || 5432}
      user: ${decodeURIComponent(u.username) || 'postgres'}
      password: "${decodeURIComponent(u.password)}"
      dbname: ${dbname}
      schema: public
      threads: 1
`);
  await runPipeline(project, 'ci', {}, ['--profiles-dir', profiles]);
  const client = new Client({ connectionString: `${u.protocol}//${u.username}${u.password ? ':' + u.password : ''}@${u.host}/${dbname}` });
  await client.connect();
  const session: SqlSession = {
    async query(sql: string) {
      const r = await client.query({ text: sql, types: { getTypeParser: () => (v: string) => v } });
      return { fields: r.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })), rows: r.rows as Record<string, unknown>[], rowCount: r.rowCount };
    },
    async exec(sql: string) {
      await client.query(sql);
      return undefined;
    },
  };
  try {
    await assertVaultInvariants(session);
    await assertMartsMatchRaw(session);
  } finally {
    await client.end();
  }
});
