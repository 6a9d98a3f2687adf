// Binding AutomateDV macro calls to their 0.11.x signatures: positional order, keywords, and the errors dbt raises.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompileError } from '../../server/src/compile/context';
import { bindArguments, MACRO_SIGNATURES, missingRequiredParameters } from '../../server/src/compile/automate-dv/signatures';
import { readStageConfig } from '../../server/src/compile/automate-dv/stage-config';
import { fromJs } from '../../server/src/jinja/values';
import { kwargs } from './context-fixture';

function failsWith(code: string, message?: RegExp) {
  return (e: unknown) => e instanceof CompileError && e.code === code && (!message || message.test(e.message));
}

test('every macro of spec §1.3 has a signature in 0.11.x positional order', () => {
  const order = (m: keyof typeof MACRO_SIGNATURES) => MACRO_SIGNATURES[m].params.map((p) => p.name).join(',');
  assert.equal(order('stage'), 'include_source_columns,source_model,hashed_columns,derived_columns,null_columns,ranked_columns');
  assert.equal(order('hub'), 'src_pk,src_nk,src_extra_columns,src_ldts,src_source,source_model');
  assert.equal(order('link'), 'src_pk,src_fk,src_extra_columns,src_ldts,src_source,source_model');
  assert.equal(order('sat'), 'src_pk,src_hashdiff,src_payload,src_extra_columns,src_eff,src_ldts,src_source,source_model');
  assert.equal(order('eff_sat'), 'src_pk,src_dfk,src_sfk,src_extra_columns,src_start_date,src_end_date,src_eff,src_ldts,src_source,source_model');
  assert.equal(order('ma_sat'), 'src_pk,src_cdk,src_hashdiff,src_payload,src_extra_columns,src_eff,src_ldts,src_source,source_model');
  assert.equal(order('t_link'), order('nh_link'));
  assert.equal(order('nh_link'), 'src_pk,src_fk,src_payload,src_extra_columns,src_eff,src_ldts,src_source,source_model');
  assert.equal(order('xts'), 'src_pk,src_satellite,src_extra_columns,src_ldts,src_source,source_model');
  assert.equal(order('pit'), 'src_pk,src_extra_columns,as_of_dates_table,satellites,stage_tables_ldts,src_ldts,source_model');
  assert.equal(order('bridge'), 'src_pk,src_extra_columns,as_of_dates_table,bridge_walk,stage_tables_ldts,src_ldts,source_model');
  assert.equal(order('ref_table'), 'src_pk,src_extra_columns,src_ldts,src_source,source_model');
  const requiredOf = (m: keyof typeof MACRO_SIGNATURES) => MACRO_SIGNATURES[m].params.filter((p) => p.required).map((p) => p.name);
  assert.deepEqual(requiredOf('sat'), ['src_pk', 'src_hashdiff', 'src_payload', 'src_ldts', 'src_source', 'source_model']);
  assert.deepEqual(requiredOf('ref_table'), ['src_pk', 'source_model']);
  assert.ok(MACRO_SIGNATURES.hub.params.every((p) => p.name === 'src_extra_columns' || p.required));
});

test('positional arguments bind in signature order: the README hub call puts src_ldts into src_extra_columns', () => {
  const bound = bindArguments('hub', ['HK', 'NK', 'LDTS', 'SRC', 'stg'].map(fromJs), new Map(), { skipRequiredCheck: true });
  assert.equal(bound.get('src_extra_columns'), 'LDTS');
  assert.equal(bound.get('src_ldts'), 'SRC');
  assert.deepEqual(missingRequiredParameters('hub', bound), ['source_model']);
});

test('a missing or none required parameter gives AutomateDV\'s message naming this relation (DV201)', () => {
  assert.throws(
    () => bindArguments('hub', [], kwargs({ src_pk: 'HK', src_nk: null, src_ldts: 'L', source_model: 'stg' }), { where: '"dvs"."public"."hub_x"' }),
    failsWith('DV201', /^Required parameter\(s\) missing or none in '"dvs"\."public"\."hub_x"': src_nk, src_source$/),
  );
});

test('too many positionals is DV205, an unknown keyword DV203, a doubled argument DV205', () => {
  assert.throws(() => bindArguments('ref_table', ['a', 'b', 'c', 'd', 'e', 'f'].map(fromJs), new Map()), failsWith('DV205'));
  assert.throws(() => bindArguments('hub', [], kwargs({ src_hk: 'X' })), failsWith('DV203', /no parameter 'src_hk'/));
  assert.throws(() => bindArguments('hub', [fromJs('A')], kwargs({ src_pk: 'B' }), { skipRequiredCheck: true }), failsWith('DV205'));
});

test('a stage without source_model fails with the staging error, not the generic one', () => {
  const bound = bindArguments('stage', [fromJs(true)], new Map());
  assert.throws(() => readStageConfig(bound, () => undefined), failsWith('DV201', /^Staging error: Missing source_model configuration/));
});

test('an unquoted YAML number as a derived column is the as_constant error (DV202)', () => {
  const bound = bindArguments('stage', [], kwargs({ source_model: 'raw', derived_columns: { NUM: 1 } }));
  assert.throws(() => readStageConfig(bound, () => undefined), failsWith('DV202', /Invalid columns_str object provided/));
});

test('wrong parameter types name the parameter, what came and what is expected (DV202)', () => {
  const bound = bindArguments('stage', [], kwargs({ source_model: 'raw', hashed_columns: ['HK'] }));
  assert.throws(() => readStageConfig(bound, () => undefined), failsWith('DV202', /'hashed_columns' must be a dict.*got a list/));
  const ranked = bindArguments('stage', [], kwargs({ source_model: 'raw', ranked_columns: { R: { partition_by: 'a', order_by: 'b', dense_rank: 'yes' } } }));
  assert.throws(() => readStageConfig(ranked, () => undefined), failsWith('DV202', /dense_rank.*true or false/));
});
