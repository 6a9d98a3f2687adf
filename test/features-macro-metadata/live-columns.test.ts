// Columns named in the nested metadata of a bridge and a PIT, checked against a model that is neither a stage nor a
// vault table (a hand-written link, a seed): the live catalog of a connected target gives DV303 warnings, the columns
// of a seed (its CSV header) give DV302 errors, and a model known only from an old cache is not checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KnownColumns } from '../../server/src/rules';
import { runVaultRules } from '../../server/src/rules';
import { fixtureProject, readCatalog } from '../support/fixture-project';

const root = join(__dirname, 'fixtures');
const shared = new Map<string, string>();
for (const f of readdirSync(join(root, 'project')).filter((f) => f.endsWith('.sql'))) shared.set(f.slice(0, -4), readFileSync(join(root, 'project', f), 'utf8'));

const BRIDGE = `{{ automate_dv.bridge(source_model="hub_customer", src_pk="CUSTOMER_HK", src_ldts="LOAD_DATE",
    as_of_dates_table="as_of_dates", stage_tables_ldts={"stg_customer_orders": "LOAD_DATE"},
    bridge_walk={"CUSTOMER_ORDER": {"bridge_link_pk": "LINK_PK", "bridge_end_date": "END_DATE", "bridge_load_date": "LOAD_DATE",
                 "link_table": "legacy_link", "link_pk": "CUSTOMER_ORDER_KEY", "link_fk1": "CUSTOMER_HK", "link_fk2": "ORDER_HK",
                 "eff_sat_table": "eff_sat_customer_order", "eff_sat_pk": "CUSTOMER_ORDER_HK", "eff_sat_end_date": "end_date",
                 "eff_sat_load_date": "LOAD_DATE"}}) }}`;

function findings(modelColumns: (name: string) => KnownColumns | undefined, connected: boolean) {
  const models = new Map([...shared, ['legacy_link', 'SELECT 1'], ['bridge_customer', BRIDGE]]);
  const project = { ...fixtureProject(models, { ...readCatalog(join(root, 'catalog.json')), connected }), modelColumns };
  const parsed = project.parsedModel('bridge_customer');
  assert.ok(parsed);
  return runVaultRules({ modelName: 'bridge_customer', parsed, project, onRuleError: (rule, e) => assert.fail(`${rule.id} threw: ${String(e)}`) }).map((d) => `${d.code} ${d.severity} ${d.message}`);
}

const legacy = (origin: KnownColumns['origin']) => (name: string): KnownColumns | undefined =>
  name === 'legacy_link' ? { origin, columns: [{ name: 'customer_order_hk', dataType: 'bytea' }, { name: 'customer_hk', dataType: 'bytea' }, { name: 'order_hk', dataType: 'bytea' }] } : undefined;

test('a live model column that is missing is a DV303 warning with the closest name', () => {
  assert.deepEqual(findings(legacy('live'), true), ['DV303 warning CUSTOMER_ORDER_KEY is not a column of legacy_link in the connected database. Did you mean CUSTOMER_ORDER_HK?']);
});

test('columns known for certain (a seed) give DV302', () => {
  assert.deepEqual(findings(legacy('static'), true), ['DV302 error CUSTOMER_ORDER_KEY is not a column of legacy_link. Did you mean CUSTOMER_ORDER_HK?']);
});

test('columns from an old cache, or live while not connected, are not checked', () => {
  assert.deepEqual(findings(legacy('cache'), true), []);
  assert.deepEqual(findings(legacy('live'), false), []);
});
