// dbt selector syntax over a small vault graph: one row per case (select, exclude, expected models).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectModels, type SelectableModel } from '../../server/src/project/select';

const graph: SelectableModel[] = [
  { name: 'stg_users', path: 'models/stg/stg_users.sql', tags: ['stg'], materialized: 'view', dependsOn: [] },
  { name: 'stg_purchases', path: 'models/stg/stg_purchases.sql', tags: ['stg'], materialized: 'view', dependsOn: [] },
  { name: 'hub_user', path: 'models/dds/hubs/hub_user.sql', tags: ['vault', 'hub'], materialized: 'incremental', dependsOn: ['stg_users'] },
  { name: 'hub_product', path: 'models/dds/hubs/hub_product.sql', tags: ['vault', 'hub'], materialized: 'incremental', dependsOn: ['stg_purchases'] },
  { name: 'link_purchase', path: 'models/dds/links/link_purchase.sql', tags: ['vault'], materialized: 'incremental', dependsOn: ['stg_purchases'] },
  { name: 'sat_user', path: 'models/dds/sats/sat_user.sql', tags: ['vault'], materialized: 'incremental', dependsOn: ['stg_users', 'raw_source'] },
  { name: 'as_of_dates', path: 'models/dds/as_of_dates.sql', tags: [], materialized: 'table', dependsOn: [] },
  { name: 'pit_user', path: 'models/dds/pit_user.sql', tags: [], materialized: 'pit_incremental', dependsOn: ['hub_user', 'sat_user', 'as_of_dates'] },
  { name: 'mart_sales', path: 'models/mart/mart_sales.sql', tags: ['mart'], materialized: 'table', dependsOn: ['link_purchase', 'hub_product'] },
  { name: 'util_dates', path: 'models/util_dates.sql', tags: [], materialized: 'ephemeral', dependsOn: [], package: 'dv_utils' },
];
const all = graph.map((m) => m.name);
const but = (...names: string[]) => all.filter((n) => !names.includes(n));

const cases: Array<[select: string[], exclude: string[], expected: string[]]> = [
  [['hub_user'], [], ['hub_user']],
  [['+hub_user'], [], ['stg_users', 'hub_user']],
  [['hub_user+'], [], ['hub_user', 'pit_user']],
  [['+hub_user+'], [], ['stg_users', 'hub_user', 'pit_user']],
  [['+pit_user'], [], ['stg_users', 'hub_user', 'sat_user', 'as_of_dates', 'pit_user']],
  [['1+pit_user'], [], ['hub_user', 'sat_user', 'as_of_dates', 'pit_user']],
  [['stg_purchases+1'], [], ['stg_purchases', 'hub_product', 'link_purchase']],
  [['stg_purchases+'], [], ['stg_purchases', 'hub_product', 'link_purchase', 'mart_sales']],
  [['@hub_user'], [], ['stg_users', 'hub_user', 'sat_user', 'as_of_dates', 'pit_user']],
  [['path:models/stg'], [], ['stg_users', 'stg_purchases']],
  [['path:models/dds/hubs/hub_user.sql'], [], ['hub_user']],
  [['models/dds/hubs'], [], ['hub_user', 'hub_product']],
  [['path:models/dds/*/hub_*.sql'], [], ['hub_user', 'hub_product']],
  [['file:sat_user.sql'], [], ['sat_user']],
  [['file:sat_user'], [], ['sat_user']],
  [['tag:hub'], [], ['hub_user', 'hub_product']],
  [['tag:stg', 'tag:mart'], [], ['stg_users', 'stg_purchases', 'mart_sales']],
  [['tag:stg tag:mart'], [], ['stg_users', 'stg_purchases', 'mart_sales']],
  [['stg_users hub_user'], [], ['stg_users', 'hub_user']],
  [['config.materialized:incremental'], [], ['hub_user', 'hub_product', 'link_purchase', 'sat_user']],
  [['config.materialized:*incremental'], [], ['hub_user', 'hub_product', 'link_purchase', 'sat_user', 'pit_user']],
  [['shop.dds.*'], [], ['hub_user', 'hub_product', 'link_purchase', 'sat_user', 'as_of_dates', 'pit_user']],
  [['shop.dds.hubs'], [], ['hub_user', 'hub_product']],
  [['shop.dds.hubs.hub_user'], [], ['hub_user']],
  [['shop'], [], but('util_dates')],
  [['dv_utils.*'], [], ['util_dates']],
  [['package:dv_utils'], [], ['util_dates']],
  [['*'], [], all],
  [['hub_*'], [], ['hub_user', 'hub_product']],
  [['tag:vault,config.materialized:incremental,path:models/dds/hubs'], [], ['hub_user', 'hub_product']],
  [['+mart_sales,tag:stg'], [], ['stg_purchases']],
  [['tag:vault'], ['sat_user', 'link_purchase'], ['hub_user', 'hub_product']],
  [['tag:vault'], ['hub_user+'], ['hub_product', 'link_purchase', 'sat_user']],
  [[], ['tag:stg'], but('stg_users', 'stg_purchases')],
  [[], [], all],
  [[''], ['  '], all],
];

for (const [select, exclude, expected] of cases) {
  test(`--select ${JSON.stringify(select)} --exclude ${JSON.stringify(exclude)}`, () => {
    const result = selectModels(graph, select, exclude, { projectName: 'shop' });
    assert.deepEqual(result.selected, expected);
    assert.deepEqual(result.errors, []);
  });
}

test('a selector that matches nothing warns like dbt and selects nothing for it', () => {
  const result = selectModels(graph, ['hub_user', 'no_such_model'], [], { projectName: 'shop' });
  assert.deepEqual(result.selected, ['hub_user']);
  assert.deepEqual(result.warnings, ["The selection criterion 'no_such_model' does not match any models"]);
});

test('an unknown selector method is an error that lists the known ones', () => {
  const result = selectModels(graph, ['source:raw.users'], [], { projectName: 'shop' });
  assert.deepEqual(result.selected, []);
  assert.equal(result.errors.length, 1);
  assert.match(result.errors[0] ?? '', /unknown selector method 'source' in 'source:raw\.users' \(known: fqn, path, file, tag, config\.materialized, package\)/);
});
