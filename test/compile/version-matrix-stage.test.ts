// The version matrix rows of the stage, model config, vault_insert_by_period, nh_link and pre-PostgreSQL dbtvault
// (server/src/base/automate-dv-versions.ts): for each row and each version band the SQL fragment dvs renders, and on
// PGlite the rows and hash bytes where the bands differ.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PGlite } from '@electric-sql/pglite';
import { AUTOMATE_DV_VERSIONS, behaviourAt } from '../../server/src/base/automate-dv-versions';
import { compileMacro } from '../../server/src/compile/automate-dv';
import { fixtureContext, kwargs } from './context-fixture';
import { hex, loadBatch, md5Hex, runModel, startWarehouse } from './pglite-loader';

let db: PGlite;

before(async () => {
  db = await startWarehouse();
  await db.exec(`CREATE TABLE raw_orders (order_id text, line_no text, loaded_at timestamp)`);
  await loadBatch(db, 'raw_orders', [
    { order_id: 'A', line_no: '1', loaded_at: '2024-01-01 00:00:00' },
    { order_id: 'B', line_no: null, loaded_at: '2024-01-01 00:00:00' },
    { order_id: null, line_no: null, loaded_at: '2024-01-01 00:00:00' },
  ]);
});

after(async () => {
  await db.close();
});

const DERIVED_STAGE = {
  source_model: 'raw_orders',
  derived_columns: { ORDER_LINE: ['order_id', 'line_no'] },
  hashed_columns: { ORDER_LINE_HK: 'ORDER_LINE' },
};

function stageSql(version: string): string {
  const ctx = fixtureContext({ catalog: { raw_orders: ['order_id', 'line_no', 'loaded_at'] }, compat: { version } });
  return compileMacro('stage', [], kwargs(DERIVED_STAGE), ctx);
}

test('stageDerivedConcat: CONCAT_WS in 0.9.0 and from 0.11.0, CONCAT with the separator between the parts in 0.9.1–0.10.2', () => {
  const row = AUTOMATE_DV_VERSIONS.stageDerivedConcat;
  for (const version of ['0.9.0', '0.11.0', '0.11.5']) {
    assert.equal(behaviourAt(row, version), 'concat-ws', version);
    assert.match(stageSql(version), /CONCAT_WS\('\|\|',\s+order_id,\s+line_no\s+\) AS ORDER_LINE/, version);
  }
  for (const version of ['0.9.1', '0.9.6', '0.9.7', '0.10.2']) {
    assert.equal(behaviourAt(row, version), 'concat', version);
    const sql = stageSql(version);
    assert.match(sql, /CONCAT\(\s+order_id, '\|\|',\s+line_no\s+\) AS ORDER_LINE/, version);
    assert.doesNotMatch(sql, /CONCAT_WS\('\|\|',\s+order_id/, version);
  }
});

/** The stage's derived value and its hash key per order, in order_id order (NULLs last). */
async function stageRows(view: string, version: string): Promise<{ line: unknown; key: string | null }[]> {
  await runModel(db, view, 'stage', DERIVED_STAGE, { compat: { version } });
  const r = await db.query<{ order_line: unknown; order_line_hk: unknown }>(`SELECT order_line, order_line_hk FROM "${view}" ORDER BY order_id NULLS LAST`);
  return r.rows.map((x) => ({ line: x.order_line, key: hex(x.order_line_hk) }));
}

test('stageDerivedConcat on PGlite: a NULL part keeps its separator in 0.10.2 (other key bytes), an all-NULL list is a key there and NULL in 0.11.5', async () => {
  const old = await stageRows('stg_concat_0_10_2', '0.10.2');
  const now = await stageRows('stg_concat_0_11_5', '0.11.5');
  assert.deepEqual(old.map((r) => r.line), ['A||1', 'B||', '||']);
  assert.deepEqual(now.map((r) => r.line), ['A||1', 'B', '']);
  const keyOf = (text: string) => md5Hex(text.toUpperCase());
  assert.deepEqual(old.map((r) => r.key), [keyOf('A||1'), keyOf('B||'), keyOf('||')]);
  assert.deepEqual(now.map((r) => r.key), [keyOf('A||1'), keyOf('B'), null], 'CONCAT_WS of two NULLs is empty: NULLIF makes the key NULL');
});
