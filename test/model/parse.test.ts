import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseModel, vaultCall } from '../../server/src/model/parse';
import { metaEntry, metaStrings, metaToJValue } from '../../server/src/model/meta';
import { expectedKeys, markerKeys } from '../support/markers';

const dir = join(__dirname, 'fixtures');

for (const file of readdirSync(dir).filter((f) => f.endsWith('.sql'))) {
  test(`diagnostics of ${file} match its markers`, () => {
    const text = readFileSync(join(dir, file), 'utf8');
    const model = parseModel(text);
    assert.deepEqual(markerKeys(text, model.diagnostics), expectedKeys(text), JSON.stringify(model.diagnostics, null, 1));
  });
}

test('yaml-style hub binds every parameter to its YAML value with the span of the value', () => {
  const text = readFileSync(join(dir, 'hub-yaml-style.sql'), 'utf8');
  const call = vaultCall(parseModel(text));
  assert.ok(call);
  assert.equal(call.macro, 'hub');
  const pk = call.params.get('src_pk');
  assert.equal(metaToJValue(pk?.value), 'USER_HK');
  assert.equal(pk?.origin.kind, 'yaml');
  const [nk] = metaStrings(call.params.get('src_nk')?.value);
  assert.ok(nk);
  assert.equal(text.slice(nk.span.start, nk.span.end), 'USER_ID');
});

test('positional dbtvault call binds by the real signature order (src_extra_columns third)', () => {
  const text = readFileSync(join(dir, 'hub-positional-dbtvault.sql'), 'utf8');
  const call = vaultCall(parseModel(text));
  assert.ok(call);
  assert.equal(call.namespace, 'dbtvault');
  assert.equal(metaToJValue(call.params.get('src_nk')?.value), 'ORDER_NUMBER');
  assert.equal(metaToJValue(call.params.get('src_extra_columns')?.value), null);
  assert.deepEqual(metaToJValue(call.params.get('source_model')?.value), ['stg_web_orders', 'stg_shop_orders']);
  assert.equal(call.params.get('src_pk')?.origin.kind, 'variable');
});

test('plain SQL models record refs, sources and config', () => {
  const model = parseModel(readFileSync(join(dir, 'plain-mart.sql'), 'utf8'));
  assert.deepEqual(model.refs.map((r) => r.name), ['link_purchases', 'hub_users']);
  assert.deepEqual(model.sources.map((s) => `${s.source}.${s.table}`), ['raw.users']);
  assert.equal(metaToJValue(model.config.get('materialized')), 'table');
  assert.equal(vaultCall(model), undefined);
});

test('bad input never throws and every diagnostic lies inside the text', () => {
  const samples = ['{{', '{% set x = %}', '{%- set y -%}\n: : :\n', '{{ automate_dv.hub( }}', '{% if %}', '\u0000\u0001{#', '{{ dbtvault.sat(src_pk=[1,{2:}) }}'];
  for (const s of samples) {
    const m = parseModel(s);
    for (const d of m.diagnostics) {
      assert.ok(!d.span || (d.span.start >= 0 && d.span.end <= s.length), `${JSON.stringify(s)} → ${JSON.stringify(d)}`);
    }
  }
});

test('a yaml_metadata block is read as Jinja renders it (whitespace control applied) and its spans stay in the file', () => {
  const text = readFileSync(join(dir, 'yaml-metadata-after-whitespace-control.sql'), 'utf8');
  const call = vaultCall(parseModel(text));
  assert.ok(call);
  assert.equal(metaToJValue(call.params.get('source_model')?.value), 'raw_orders');
  const derived = call.params.get('derived_columns')?.value;
  assert.ok(derived?.kind === 'dict');
  assert.deepEqual(
    derived.entries.map((e) => [text.slice(e.keySpan.start, e.keySpan.end), metaToJValue(e.value)]),
    [
      ['RECORD_SOURCE', '!RAW_ORDERS'],
      ['LOAD_DATE', 'loaded_at'],
    ],
  );
  const [loaded] = metaStrings(derived.entries[1]?.value);
  assert.ok(loaded);
  assert.equal(text.slice(loaded.span.start, loaded.span.end), 'loaded_at');
  const [orderId] = metaStrings(metaEntry(call.params.get('hashed_columns')?.value, 'ORDER_HK')?.value);
  assert.equal(orderId && text.slice(orderId.span.start, orderId.span.end), 'ORDER_ID');
});

test('**kwargs and *args from literals set in the file bind to the parameters', () => {
  const model = parseModel(readFileSync(join(dir, 'arguments-unpacked-from-literals.sql'), 'utf8'));
  const [byDict, byList, dynamic] = model.calls;
  assert.equal(metaToJValue(byDict?.params.get('src_nk')?.value), 'order_id');
  assert.equal(metaToJValue(byList?.params.get('src_pk')?.value), 'ORDER_HK');
  assert.equal(metaToJValue(byList?.params.get('src_nk')?.value), 'order_id');
  assert.equal(dynamic?.params.size, 0);
});
