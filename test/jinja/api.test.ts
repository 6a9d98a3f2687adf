// The engine's public API: renderTemplate for our own templates, spans on every node of the syntax tree,
// literalValue for static analysis, and how host callables, undefined names and runaway loops end up as diagnostics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Span } from '../../server/src/base/text';
import { CompileError } from '../../server/src/compile/context';
import { literalValue, parseTemplate, render, renderTemplate, type CallExpr, type Expression, type OutputNode, type SetNode } from '../../server/src/jinja/index';
import { UNDEFINED, callable, fromJs, isCallable, type JValue } from '../../server/src/jinja/values';

const at = (text: string, span: Span | undefined): string => (span ? text.slice(span.start, span.end) : '<no span>');

test('renderTemplate renders with plain JS variables', () => {
  const sql = renderTemplate(
    'SELECT\n{%- for c in columns %}\n    {{ c.name }}{% if c.alias %} AS {{ c.alias }}{% endif %}{{ "," if not loop.last }}\n{%- endfor %}\nFROM {{ source }}\n',
    { columns: [{ name: 'a' }, { name: 'b', alias: 'B' }], source: '"raw"."t"' },
  );
  assert.equal(sql, 'SELECT\n    a,\n    b AS B\nFROM "raw"."t"');
});

test('renderTemplate throws with the code and line of a broken template', () => {
  assert.throws(() => renderTemplate('a\n{% if x %}b', {}), /DV003 at line 2, column 1: '\{% if %\}' is not closed/);
  assert.throws(() => renderTemplate('a\n\n  {{ x.y }}', {}), /DV011 at line 3, column 6: 'x' is undefined/);
});

test('every expression and statement carries a span, and names and values have their own', () => {
  const text = [
    '{%- set source_model = ["stg_web", "stg_shop"] -%}',
    '{%- set cfg = {"source_column": "X", "alias": "Y"} -%}',
    '{{ automate_dv.hub(src_pk="ORDER_HK", src_nk=src_nk, source_model=source_model) }}',
    '{% for k, v in cfg.items() if v is not none %}{{ k ~ v | lower }}{% endfor %}',
    '{% macro m(a, b=1) %}{{ a[1:2] }}{% endmacro %}',
  ].join('\n');
  const { template, diagnostics } = parseTemplate(text);
  assert.deepEqual(diagnostics, []);

  const set = template.body[0] as SetNode;
  assert.equal(at(text, set.span), '{%- set source_model = ["stg_web", "stg_shop"] -%}');
  assert.equal(at(text, set.target.span), 'source_model');
  assert.equal(set.value.kind, 'List');
  if (set.value.kind === 'List') {
    assert.deepEqual(set.value.items.map((i) => at(text, i.span)), ['"stg_web"', '"stg_shop"']);
    const first = set.value.items[0] as Expression;
    assert.equal(first.kind === 'Const' ? at(text, first.contentSpan) : '', 'stg_web');
  }

  const dictSet = template.body[1] as SetNode;
  assert.equal(dictSet.value.kind, 'Dict');
  if (dictSet.value.kind === 'Dict') {
    assert.deepEqual(dictSet.value.items.map((i) => [at(text, i.key.span), at(text, i.value.span), at(text, i.span)]), [
      ['"source_column"', '"X"', '"source_column": "X"'],
      ['"alias"', '"Y"', '"alias": "Y"'],
    ]);
  }

  const output = template.body.find((n): n is OutputNode => n.kind === 'Output') as OutputNode;
  const call = output.expr as CallExpr;
  assert.equal(call.kind, 'Call');
  assert.equal(at(text, call.callee.span), 'automate_dv.hub');
  assert.equal(call.callee.kind === 'Getattr' ? at(text, call.callee.attrSpan) : '', 'hub');
  assert.deepEqual(call.kwargs.map((k) => [k.name, at(text, k.nameSpan), at(text, k.value.span)]), [
    ['src_pk', 'src_pk', '"ORDER_HK"'],
    ['src_nk', 'src_nk', 'src_nk'],
    ['source_model', 'source_model', 'source_model'],
  ]);

  // Every node in the tree, however deep, has a span inside the text.
  let count = 0;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const n = node as { kind?: string; span?: Span };
    if (typeof n.kind === 'string') {
      count++;
      assert.ok(n.span && n.span.start >= 0 && n.span.start <= n.span.end && n.span.end <= text.length, `${n.kind} has a span`);
    }
    for (const [k, v] of Object.entries(node)) if (k !== 'span') visit(v);
  };
  visit(template);
  assert.ok(count > 40, `visited ${count} nodes`);
});

test('filters, tests and comparison operators have spans for their names', () => {
  const text = '{{ x | default("a") | upper }}{{ y is not defined }}{{ 1 < 2 not in z }}';
  const { template } = parseTemplate(text);
  const [f, t, c] = template.body as OutputNode[];
  assert.ok(f && t && c);
  assert.equal(f.expr.kind, 'Filter');
  if (f.expr.kind === 'Filter') {
    assert.equal(at(text, f.expr.filter.nameSpan), 'upper');
    assert.equal(f.expr.value.kind === 'Filter' ? at(text, f.expr.value.filter.span) : '', 'default("a")');
  }
  assert.equal(t.expr.kind === 'Test' ? [at(text, t.expr.nameSpan), t.expr.negated].join() : '', 'defined,true');
  assert.equal(c.expr.kind === 'Compare' ? c.expr.ops.map((o) => at(text, o.opSpan)).join('|') : '', '<|not in');
});

test('literalValue gives the value of literal-only expressions', () => {
  const value = (src: string): JValue | undefined => {
    const { template } = parseTemplate(`{{ ${src} }}`);
    return literalValue((template.body[0] as OutputNode).expr);
  };
  assert.equal(value('"X"'), 'X');
  assert.equal(value('-3'), -3);
  assert.equal(value('none'), null);
  assert.deepEqual(value('["A", "B", true]'), ['A', 'B', true]);
  assert.deepEqual(value('{"source_column": "X", "alias": "Y"}'), new Map([['source_column', 'X'], ['alias', 'Y']]));
  assert.deepEqual(value('{"a": [1, {"b": none}]}'), new Map<string, JValue>([['a', [1, new Map([['b', null]])]]]));
  assert.equal(value('x'), undefined);
  assert.equal(value('["a", x]'), undefined);
  assert.equal(value('"a" ~ "b"'), undefined);
});

test('a host callable that throws stops rendering with its code at the call', () => {
  const text = 'before {{ automate_dv.hub(src_pk=none) }} after';
  const { template } = parseTemplate(text);
  const hub = callable('hub', () => {
    throw new CompileError("Required parameter(s) missing or none in 'h': src_pk", 'DV201');
  });
  const result = render(template, { automate_dv: fromJs({ hub }) });
  assert.equal(result.output, 'before ');
  assert.equal(result.diagnostics.length, 1);
  const d = result.diagnostics[0];
  assert.equal(d?.code, 'DV201');
  assert.equal(d?.severity, 'error');
  assert.match(d?.message ?? '', /Required parameter/);
  assert.equal(at(text, d?.span), 'automate_dv.hub(src_pk=none)');

  const plain = render(parseTemplate('{{ f() }}').template, { f: callable('f', () => { throw new Error('boom'); }) });
  assert.equal(plain.diagnostics[0]?.code, 'DV010');
});

test('host callables receive positional and keyword arguments as Jinja values', () => {
  const seen: unknown[] = [];
  const f = callable('f', (args, kwargs) => {
    seen.push(args, [...kwargs]);
    return 'ok';
  });
  const out = render(parseTemplate('{{ f(1, "a", [none], x={"k": true}, *[2], **{"y": 3}) }}').template, { f }).output;
  assert.equal(out, 'ok');
  assert.deepEqual(seen, [[1, 'a', [null], 2], [['x', new Map([['k', true]])], ['y', 3]]]);
});

test('undefined names render empty; using them is an error naming them', () => {
  assert.equal(render(parseTemplate('[{{ nope }}]').template, {}).output, '[]');
  const r = render(parseTemplate('{{ metadata_dict.source_model }}').template, {});
  assert.equal(r.diagnostics[0]?.code, 'DV011');
  assert.match(r.diagnostics[0]?.message ?? '', /'metadata_dict' is undefined/);
});

test('the step limit stops runaway loops and recursion with a diagnostic', () => {
  const loops = render(parseTemplate('{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}').template, {}, { maxSteps: 10000 });
  assert.equal(loops.diagnostics[0]?.code, 'DV015');
  const recursion = render(parseTemplate('{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}').template, {});
  assert.equal(recursion.diagnostics[0]?.code, 'DV015');
});

test('top-level variables and macros are returned, and macros are callables', () => {
  const result = render(parseTemplate('{% set a = [1, 2] %}{% macro greet(n) %}hi {{ n }}{% endmacro %}{% set b %}x{% endset %}').template, {});
  assert.deepEqual(result.variables.get('a'), [1, 2]);
  assert.equal(result.variables.get('b'), 'x');
  const greet = result.variables.get('greet');
  assert.ok(greet !== undefined && isCallable(greet));
  assert.equal(greet.call(['you'], new Map()), 'hi you');
});

test("dbt's return() gives a macro a value instead of text", () => {
  const out = render(parseTemplate('{% macro cols() %}{{ return(["a", "b"]) }}{% endmacro %}{{ cols() | join("+") }} {{ cols() is iterable }}').template, {}).output;
  assert.equal(out, 'a+b True');
});

test('globals may be a Map or a record, and UNDEFINED values behave as undefined', () => {
  assert.equal(render(parseTemplate('{{ a }}{{ b is defined }}').template, new Map<string, JValue>([['a', 1], ['b', UNDEFINED]])).output, '1False');
  assert.equal(render(parseTemplate('{{ a }}').template, { a: 'x' }).output, 'x');
});

test('custom filters and tests can be added per render', () => {
  const result = render(parseTemplate('{{ "a" | twice }} {{ 3 is small }}').template, {}, {
    filters: new Map([['twice', (v: JValue) => String(v) + String(v)]]),
    tests: new Map([['small', (v: JValue) => typeof v === 'number' && v < 10]]),
  });
  assert.equal(result.output, 'aa True');
});

test('unknown filters outside an if fail the whole template, as Jinja2 compiles it', () => {
  const r = render(parseTemplate('text {{ x | nosuch }}').template, {});
  assert.equal(r.output, '');
  assert.equal(r.diagnostics[0]?.code, 'DV013');
  // Inside an if that is not taken, Jinja2 only checks at run time.
  const soft = render(parseTemplate('a{% if false %}{{ x | nosuch }}{% endif %}b').template, {});
  assert.deepEqual([soft.output, soft.diagnostics], ['ab', []]);
});

test("dbt's block tags parse; snapshot and docs bodies render, test and materialization definitions do not", () => {
  const text = "{% snapshot orders_snap %}select {{ 1 }}{% endsnapshot %}|{% test not_null(model, column_name) %}select * from {{ model }}{% endtest %}|{% materialization view, adapter='postgres' %}x{% endmaterialization %}|{% docs orders %}The orders.{% enddocs %}";
  const { template, diagnostics } = parseTemplate(text);
  assert.deepEqual(diagnostics, []);
  const blocks = template.body.filter((n) => n.kind === 'NamedBlock');
  assert.deepEqual(blocks.map((b) => (b.kind === 'NamedBlock' ? [b.tag, b.name, at(text, b.nameSpan)] : [])), [
    ['snapshot', 'orders_snap', 'orders_snap'],
    ['test', 'not_null', 'not_null'],
    ['materialization', 'view', 'view'],
    ['docs', 'orders', 'orders'],
  ]);
  assert.equal(render(template, {}).output, 'select 1|||The orders.');
});
