// The unknown stand-in (JUnknown): what a macro of a package that is not installed returns. Every later use of it
// renders without an error, so one unknown macro is one piece of information, never a chain of false errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTemplate, render } from '../../server/src/jinja/index';
import { CompileError } from '../../server/src/compile/context';
import { JUnknown, callable, type JValue } from '../../server/src/jinja/values';

const STAND_IN = '/* pkg.cols() not expanded */';

function run(text: string, extra: Record<string, JValue> = {}): { output: string; codes: string[] } {
  const globals = new Map<string, JValue>([
    ['unknown', new JUnknown(STAND_IN)],
    ['pkg', { kind: 'object', getAttr: () => callable('cols', () => new JUnknown(STAND_IN)), render: () => '<package pkg>' }],
    // A host function that insists on a string, as ref() does.
    ['strict', callable('strict', (args) => {
      if (typeof args[0] !== 'string') throw new CompileError('strict() needs a name', 'DV101');
      return `<${args[0]}>`;
    })],
    ...Object.entries(extra),
  ]);
  const r = render(parseTemplate(text).template, globals);
  return { output: r.output, codes: r.diagnostics.map((d) => `${d.code} ${d.severity}`) };
}

const USES: [string, string][] = [
  ['attribute, item and call', '{{ unknown.columns[0].name() }}'],
  ['a call of an attribute of a package stand-in', "{% set cols = pkg.cols(ref_name='x') %}{{ cols.rows[3]['id'] }}"],
  ['iteration (zero times) and loop else', '{% for c in unknown %}x{% else %}none{% endfor %}'],
  ['unpacking', '{% for a, b in unknown.items() %}{{ a }}{% endfor %}{% set p, q = unknown %}{{ p }}'],
  ['string conversion and concatenation', '{{ unknown ~ "," }}{{ unknown | string }}{{ "%s" % unknown }}{{ "{}".format(unknown) }}'],
  ['comparisons', '{{ unknown > 3 }} {{ 3 < unknown }} {{ unknown == "a" }} {{ "a" in unknown }} {{ unknown in "abc" }} {{ unknown in [1] }}'],
  ['arithmetic', '{{ unknown + 1 }}{{ 1 - unknown }}{{ -unknown }}{{ unknown * "x" }}'],
  ['filters on it and with it', '{{ unknown | join(",") | upper | length }}{{ ["a", "b"] | join(unknown) }}{{ unknown | map(attribute="name") | list }}{{ "x" | replace(unknown, "y") }}'],
  ['tests', '{{ unknown is defined }} {{ unknown is string }} {{ unknown is divisibleby(3) }} {{ 4 is divisibleby(unknown) }}'],
  ['truthiness', '{% if unknown %}yes{% endif %}{% if not unknown %}no{% endif %}{{ "t" if unknown else "f" }}'],
  ['as a dict key and ** arguments', '{% set d = {"a": 1} %}{{ d[unknown] }}{{ dict(**unknown) }}'],
  ['assigning into it', '{% set ns = unknown %}{% set ns.x = 1 %}{{ ns.x }}'],
  ['a host function given it', '{{ strict(unknown) }}{{ strict(name=unknown.name) }}'],
  ['a host function given it inside a list or dict', "{{ strict([unknown]) }}{{ strict(meta={'cols': {'a': [unknown]}}) }}"],
  ['a filter given a list holding it', '{{ [unknown, 1] | tojson }}{{ {"a": unknown} | tojson }}'],
  ['slicing', '{{ unknown[1:3] }}'],
  ['a project macro given it', '{% macro m(cols) %}{% for c in cols %}{{ c }}{% endfor %}{{ cols.x | lower }}{% endmacro %}{{ m(unknown) }}'],
];

for (const [what, text] of USES) {
  test(`an unknown value accepts ${what} without a diagnostic`, () => {
    const r = run(text);
    assert.deepEqual(r.codes, [], r.output);
  });
}

test('an unknown value prints its stand-in text, alone and inside lists', () => {
  assert.equal(run('{{ unknown }}').output, STAND_IN);
  assert.equal(run('{{ unknown.columns }}').output, STAND_IN);
  assert.equal(run('{{ [unknown] }}').output, `[${STAND_IN}]`);
  assert.equal(run('{{ strict(unknown) }}').output, STAND_IN, 'a host function failing on it gives it back');
  assert.equal(run('{% for c in unknown %}x{% else %}empty{% endfor %}').output, 'empty');
});

test('errors that do not come from the unknown value stay errors', () => {
  assert.deepEqual(run('{{ strict(3) }}').codes, ['DV101 error']);
  assert.deepEqual(run('{{ nothing.attr }}').codes, ['DV011 error']);
  assert.deepEqual(run('{% macro m(x) %}{{ 1 + "a" }}{% endmacro %}{{ m(unknown) }}').codes, ['DV012 error'], 'an error inside a template macro is its own');
});
