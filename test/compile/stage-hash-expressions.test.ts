// Hashed entries that are SQL expressions (a cast, a call, an operator) rather than column names. From 0.9.1 on,
// AutomateDV quotes a hashed entry only when it is a derived name marked for escaping, so an expression is written
// into the standardising CAST exactly as the YAML gives it; 0.9.0's PostgreSQL hash leaves an entry with a call
// (parentheses), a `::` cast or a quoted literal as it is and passes anything else through its escaping, which with
// the default (empty) PostgreSQL escape characters only trims it. These tests pin the exact fragment per version band
// and run the stage on PGlite, checking the key bytes against hashes computed here.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PGlite } from '@electric-sql/pglite';
import { AUTOMATE_DV_VERSIONS, behaviourAt } from '../../server/src/base/automate-dv-versions';
import { compileMacro } from '../../server/src/compile/automate-dv';
import { fixtureContext, kwargs } from './context-fixture';
import { hex, loadBatch, md5Hex, runModel, startWarehouse } from './pglite-loader';

const HASHED = {
  CUSTOMER_HK: 'CAST(customer_id AS TEXT)',
  NAME_HK: ['UPPER(customer_name)', 'customer_id'],
  CUSTOMER_HASHDIFF: { is_hashdiff: true, columns: ["customer_name || '-' || status", 'amount::NUMERIC(10,2)', 'status'] },
};

const STAGE = { source_model: 'raw_customers', hashed_columns: HASHED };

/** What the version's dbt project would be compiled with: its hash encoding follows the version. */
function compat(version: string) {
  return { version, hashing: behaviourAt(AUTOMATE_DV_VERSIONS.hashEncoding, version) };
}

function stageSql(version: string, vars: Record<string, unknown> = {}, codes: string[] = []): string {
  const ctx = fixtureContext({ catalog: { raw_customers: ['customer_id', 'customer_name', 'status', 'amount'] }, compat: compat(version), vars });
  const sql = compileMacro('stage', [], kwargs(STAGE), ctx);
  assert.deepEqual(ctx.diagnostics.map((d) => d.code), codes, version);
  return sql;
}

/** STD(x) as every band writes it around one hashed entry. */
const std = (x: string): string => `NULLIF(UPPER(TRIM(CAST(${x} AS VARCHAR))), '')`;

test('every band from 0.9.0 writes each expression into the standardising CAST as written, unquoted', () => {
  for (const version of ['0.9.0', '0.9.1', '0.9.5', '0.9.6', '0.9.7', '0.10.2', '0.11.0', '0.11.5']) {
    const sql = stageSql(version);
    assert.ok(sql.includes(`${std('CAST(customer_id AS TEXT)')}`), `${version}: single-entry cast`);
    assert.ok(sql.includes(`COALESCE(${std('UPPER(customer_name)')}, '^^')`), `${version}: call in a list`);
    assert.ok(sql.includes(`COALESCE(${std('amount::NUMERIC(10,2)')}, '^^')`), `${version}: :: cast in a hashdiff`);
    assert.ok(sql.includes(`COALESCE(${std("customer_name || '-' || status")}, '^^')`), `${version}: operators in a hashdiff`);
    assert.doesNotMatch(sql, /"(CAST|UPPER|amount|customer_name \|\|)/, `${version}: no expression is quoted`);
  }
});

test('0.11.5: the exact hash expressions, the hashdiff sorted by its lower-cased entries', () => {
  const sql = stageSql('0.11.5');
  assert.ok(sql.includes(`DECODE(MD5(${std('CAST(customer_id AS TEXT)')}), 'hex') AS CUSTOMER_HK`), sql);
  assert.ok(
    sql.includes(
      `DECODE(MD5(NULLIF(CONCAT_WS('||', COALESCE(${std('UPPER(customer_name)')}, '^^'), COALESCE(${std('customer_id')}, '^^')), '^^||^^')), 'hex') AS NAME_HK`,
    ),
    sql,
  );
  assert.ok(
    sql.includes(
      `DECODE(MD5(CONCAT_WS('||', COALESCE(${std('amount::NUMERIC(10,2)')}, '^^'), COALESCE(${std("customer_name || '-' || status")}, '^^'), ` +
        `COALESCE(${std('status')}, '^^'))), 'hex') AS CUSTOMER_HASHDIFF`,
    ),
    sql,
  );
});

test('0.9.6 and before: the upper-case hex text of the digest around the same expressions', () => {
  const sql = stageSql('0.9.6');
  assert.ok(sql.includes(`CAST(UPPER(MD5(${std('CAST(customer_id AS TEXT)')})) AS BYTEA) AS CUSTOMER_HK`), sql);
});

test('0.9.0 with escape characters set quotes an entry without a call or a cast, as its escaping does (dbt fails there)', () => {
  // The lower-case source names quoted upper-cased fail the view already, which DV513 reports.
  const sql = stageSql('0.9.0', { escape_char_left: '"', escape_char_right: '"' }, ['DV513']);
  assert.ok(sql.includes(std('CAST(customer_id AS TEXT)')), 'a call stays as written');
  assert.ok(sql.includes(std('amount::NUMERIC(10,2)')), 'a :: cast stays as written');
  assert.ok(sql.includes(std(`"customer_name || '-' || status"`)), 'an operator expression is quoted as one name');
});

let db: PGlite;

before(async () => {
  db = await startWarehouse();
  await db.exec('CREATE TABLE raw_customers (customer_id integer, customer_name text, status text, amount numeric)');
  await loadBatch(db, 'raw_customers', [
    { customer_id: 1, customer_name: 'Ann', status: 'open', amount: 12.5 },
    { customer_id: 2, customer_name: 'Bob', status: null, amount: 7 },
  ]);
});

after(async () => {
  await db.close();
});

for (const version of ['0.9.0', '0.9.6', '0.10.2', '0.11.5']) {
  test(`${version} on PGlite: the expressions run over the source columns and hash what they compute`, async () => {
    await runModel(db, `stg_expr_${version.replace(/\./g, '_')}`, 'stage', STAGE, { compat: compat(version) });
    const rows = (await db.query<Record<string, unknown>>(`SELECT * FROM "stg_expr_${version.replace(/\./g, '_')}" ORDER BY customer_id`)).rows;
    const key = (text: string): string =>
      compat(version).hashing === 'binary' ? md5Hex(text) : Buffer.from(md5Hex(text).toUpperCase(), 'utf8').toString('hex');
    const [ann, bob] = rows as [Record<string, unknown>, Record<string, unknown>];
    assert.equal(hex(ann['customer_hk']), key('1'));
    assert.equal(hex(ann['name_hk']), key('ANN||1'));
    // Sorted: "amount::numeric(10,2)" < "customer_name || '-' || status" < "status".
    assert.equal(hex(ann['customer_hashdiff']), key('12.50||ANN-OPEN||OPEN'));
    // A NULL status makes the concatenation NULL, which the placeholder stands for, as for a NULL column.
    assert.equal(hex(bob['customer_hashdiff']), key('7.00||^^||^^'));
  });
}
