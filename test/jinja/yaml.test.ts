// fromyaml as dbt has it: PyYAML safe_load (YAML 1.1) semantics, key order kept, None on any error.
// Expected values were checked against PyYAML 6.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseYamlLikeDbt, renderTemplate } from '../../server/src/jinja/index';
import { isObject, reprValue, type JValue } from '../../server/src/jinja/values';

function plain(v: JValue): unknown {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, plain(x)]));
  if (Array.isArray(v)) return v.map(plain);
  if (isObject(v)) return `<${v.render()}>`;
  return v;
}

test('YAML 1.1 scalars resolve as PyYAML resolves them', () => {
  const r = parseYamlLikeDbt('a: yes\nb: No\nc: ON\nd: off\ne: y\nf: n\ng: 012\nh: 0x1F\ni: 1_000\nj: 1e5\nk: 1.5e+3\nl: .5\nm: -.5\nn: .inf\no: ~\np: 190:20:30\nq: 0b101\nr: True\ns: NULL\nt: \nu: "1"\nv: 1.25\n');
  assert.equal(r.error, undefined);
  assert.deepEqual(plain(r.value), {
    a: true, b: false, c: true, d: false, e: 'y', f: 'n', g: 10, h: 31, i: 1000, j: '1e5', k: '<1500.0>', l: 0.5, m: '-.5',
    n: Infinity, o: null, p: 685230, q: 5, r: true, s: null, t: null, u: '1', v: 1.25,
  });
});

test('dates and timestamps become date objects', () => {
  const r = parseYamlLikeDbt('a: 2001-12-14t21:59:43.10-05:00\nb: 2020-01-01\nc: 2001-12-14 21:59:43.10\nd: 2001-12-15T02:59:43.1Z\ne: "2020-01-01"\n');
  assert.deepEqual(plain(r.value), {
    a: '<2001-12-14 21:59:43.100000-05:00>',
    b: '<2020-01-01>',
    c: '<2001-12-14 21:59:43.100000>',
    d: '<2001-12-15 02:59:43.100000+00:00>',
    e: '2020-01-01',
  });
  assert.equal(renderTemplate("{% set m = fromyaml(y) %}{{ m.a.strftime('%z %Z') }} {{ m.b }} {{ m }}", { y: 'a: 2001-12-14t21:59:43.10-05:00\nb: 2020-01-01' }), "-0500 UTC-05:00 2020-01-01 {'a': datetime.datetime(2001, 12, 14, 21, 59, 43, 100000, tzinfo=datetime.timezone(datetime.timedelta(days=-1, seconds=68400))), 'b': datetime.date(2020, 1, 1)}");
});

test('mapping order is kept, duplicate keys keep the last value, merge keys and anchors work', () => {
  const r = parseYamlLikeDbt('zeta: 1\nalpha: 2\nmid: 3\nalpha: 4\nbase: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n');
  assert.deepEqual([...(r.value as Map<string, JValue>).keys()], ['zeta', 'alpha', 'mid', 'base', 'derived']);
  assert.deepEqual(plain(r.value), { zeta: 1, alpha: 4, mid: 3, base: { x: 1, y: 2 }, derived: { x: 1, y: 3 } });
  assert.equal(reprValue(parseYamlLikeDbt('1: a\ntrue: b\nnull: c').value), "{'1': 'a', 'True': 'b', 'None': 'c'}");
});

test('AutomateDV stage metadata parses with its structure', () => {
  const text = "source_model:\n  raw: 'orders'\nderived_columns:\n  RECORD_SOURCE: '!AIRBYTE.ORDERS'\n  LOAD_DATE: '_airbyte_extracted_at'\nhashed_columns:\n  ORDER_HK: 'order_number'\n  ORDER_CUSTOMER_HK:\n    - 'order_number'\n    - 'customer_id'\n  ORDER_HASHDIFF:\n    is_hashdiff: true\n    columns:\n      - 'status'\n";
  assert.deepEqual(plain(parseYamlLikeDbt(text).value), {
    source_model: { raw: 'orders' },
    derived_columns: { RECORD_SOURCE: '!AIRBYTE.ORDERS', LOAD_DATE: '_airbyte_extracted_at' },
    hashed_columns: { ORDER_HK: 'order_number', ORDER_CUSTOMER_HK: ['order_number', 'customer_id'], ORDER_HASHDIFF: { is_hashdiff: true, columns: ['status'] } },
  });
});

test('any YAML error gives None and says where', () => {
  const cases: [string, RegExp, number][] = [
    ['source_model: raw\nderived_columns:\n  RECORD_SOURCE: !CSV\n', /unknown tag !CSV.*quote it/, 52],
    [' a: 1\nb: 2\n', /first line is indented/, 6],
    ['a:\n\t- b\n', /Tabs/, 3],
    ['a: 1\n---\nb: 2\n', /more than one document/, 5],
    ["x: 'unterminated\n", /quote/, 17],
    ['a: =\n', /could not determine a constructor/, 3],
    ['a: [1, 2\n', /./, 0],
  ];
  for (const [text, message, offset] of cases) {
    const r = parseYamlLikeDbt(text);
    assert.equal(r.value, null, text);
    assert.ok(r.error, text);
    assert.match(r.error.message, message, text);
    if (offset) assert.equal(r.error.offset, offset, text);
    assert.ok(r.error.offset >= 0 && r.error.offset <= text.length);
  }
});

test('empty or comment-only YAML is None without an error; a scalar document is the scalar', () => {
  assert.deepEqual(parseYamlLikeDbt(''), { value: null });
  assert.deepEqual(parseYamlLikeDbt('# nothing\n'), { value: null });
  assert.deepEqual(parseYamlLikeDbt('hello'), { value: 'hello' });
  assert.deepEqual(plain(parseYamlLikeDbt('- 1\n- [2, 3]\n').value), [1, [2, 3]]);
});

test('fromyaml in a template: a block set captured and parsed, defaults, toyaml', () => {
  const template = "{%- set yaml_metadata -%}\nsource_model: raw_orders\nhashed_columns:\n  ORDER_HK: order_id\n{%- endset -%}\n{%- set md = fromyaml(yaml_metadata) -%}\n{{ md['source_model'] }} {{ md.hashed_columns.ORDER_HK }} {{ fromyaml('a: !bad', default='D') }} {{ toyaml({'b': [1, 'x'], 'a': none}) }}";
  assert.equal(renderTemplate(template, {}), "raw_orders order_id D b:\n- 1\n- x\na: null\n");
});
