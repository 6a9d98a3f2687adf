// The compiler finds what a model and the project's macros call (bare names, namespaces, and the first span of each
// call) with a walk that knows each node's children (compile/model.ts callsIn). It must find exactly what a walk over
// every field of every node finds, in the same order, on every model, macro, snapshot and test file of the fixtures
// and the sample project, and on hand-written templates with each kind of node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Span } from '../../server/src/base/text';
import { callsIn, type CalleeParts } from '../../server/src/compile/model';
import type { Expression, Statement } from '../../server/src/jinja/ast';
import { parseTemplate } from '../../server/src/jinja/parser';
import { repositorySqlFiles } from '../support/sql-files';

/** The reference: every object-valued field of every node that is not a span, in field order. */
function everyFieldWalk(body: readonly Statement[]): CalleeParts {
  const names = new Set<string>();
  const namespaces = new Set<string>();
  const first = new Map<string, Span>();
  const record = (key: string, span: Span) => {
    if (!first.has(key)) first.set(key, span);
  };
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const x of node) visit(x);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const kind = (node as { kind?: unknown }).kind;
    if (kind === 'Call') {
      const call = node as Extract<Expression, { kind: 'Call' }>;
      if (call.callee.kind === 'Name') {
        names.add(call.callee.name);
        record(call.callee.name, call.callee.span);
      } else if (call.callee.kind === 'Getattr' && call.callee.object.kind === 'Name') {
        namespaces.add(call.callee.object.name);
        record(`${call.callee.object.name}.${call.callee.attr}`, call.callee.span);
      }
    }
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      if (v && typeof v === 'object' && k !== 'span' && !k.endsWith('Span')) visit(v);
    }
  };
  visit(body);
  return { names: [...names], namespaces: [...namespaces], first };
}

function same(text: string, where: string): void {
  const { template } = parseTemplate(text);
  const want = everyFieldWalk(template.body);
  const got = callsIn(template.body);
  assert.deepEqual(got.names, want.names, `${where}: names`);
  assert.deepEqual(got.namespaces, want.namespaces, `${where}: namespaces`);
  assert.deepEqual([...got.first], [...want.first], `${where}: first calls`);
}

test('every .sql file of the fixtures, the sample project and the templates: the same calls in the same order', () => {
  const files = repositorySqlFiles();
  assert.ok(files.length > 300, `found ${files.length} files`);
  for (const file of files) same(readFileSync(file, 'utf8'), file);
});

test('each kind of node, with calls inside it, is walked as every field is', () => {
  const templates = [
    "{{ a(b(1), k=c(2), *d(), **e()) }}{{ ns.f(g()) }}{{ x.y.z() }}{{ h()() }}{{ 'q'.upper() }}",
    '{% if p() %}{{ q() }}{% elif r() %}{{ s() }}{% else %}{{ t() }}{% endif %}',
    '{% for i in it() if keep(i) %}{{ body(i) }}{% else %}{{ empty() }}{% endfor %}',
    '{% for a, b in pairs(x) recursive %}{{ loop(b) }}{% endfor %}',
    '{% set v = mk() %}{% set ns.attr = other() %}{% set blk | f1(a1()) | f2 %}{{ inner() }}{% endset %}',
    '{% macro m(p=dflt(), q=2) %}{{ caller() }}{{ m2() }}{% endmacro %}',
    '{% call(x) wrap(arg()) %}{{ x(inside()) }}{% endcall %}',
    '{% filter upper | replace(fr(), to()) %}{{ filtered() }}{% endfilter %}',
    '{% with a = w1(), b = w2() %}{{ a(b) }}{% endwith %}',
    '{% do side() %}{% snapshot s %}{{ snap() }}{% endsnapshot %}',
    '{{ [l1(), l2()] }}{{ (t1(), t2()) }}{{ {k1(): v1(), "k": v2()} }}{{ o[i1()][s1():s2():s3()] }}',
    '{{ x | f(a()) | g(k=b()) }}{{ y is divisibleby(d1()) }}{{ z is not sameas n() }}',
    '{{ -u() }}{{ not n1() }}{{ a1() + a2() * a3() ** a4() }}{{ c1() < c2() <= c3() }}{{ i() in j() }}{{ k() not in l() }}',
    '{{ then() if cond() else other() }}{{ only() if c() }}{{ x ~ y() }}{{ a() and b() or c() }}',
    '{{ a() if ( b(), c() ) else d() }}{{ (p()) }}{{ ref("m") }}{{ ref("m") }}{{ source("s", "t") }}',
    '{% if x %}{{ dup() }}{% endif %}{{ dup() }}{{ ns.dup() }}{% for i in r %}{{ ns.dup() }}{% endfor %}',
    '{{ broken( }}{% if %}{{ ok() }}{% endif %}{% set = 1 %}{{ after() }}',
  ];
  for (const t of templates) same(t, t);
});
