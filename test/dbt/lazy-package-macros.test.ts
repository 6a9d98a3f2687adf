// An installed package's files are lexed for their macros' names and parsed only when a macro is first used. The
// names the lexer finds must be exactly the top-level macros the parser finds, or the file must be parsed at once;
// every case here is checked against the parser itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { topLevelMacroNames } from '../../server/src/dbt/package-macros';
import { parseTemplate } from '../../server/src/jinja/parser';
import { ProjectSession } from '../../server/src/engine/session';

function parsedNames(text: string): string[] {
  return parseTemplate(text).template.body.flatMap((s) => (s.kind === 'Macro' ? [s.name] : []));
}

const READ_BY_TAGS: Record<string, string> = {
  'macros in order, with whitespace control': '{%- macro a(x) -%}{{ x }}{%- endmacro -%}\n\n{% macro b() %}b{% endmacro %}',
  'a macro defined inside another is not top-level': '{% macro outer() %}{% macro inner() %}i{% endmacro %}{{ inner() }}{% endmacro %}{% macro last() %}{% endmacro %}',
  'a macro in a comment is no macro': '{# {% macro hidden() %}{% endmacro %} #}{% macro shown() %}{% endmacro %}',
  'a macro in a raw block is text': '{% raw %}{% macro hidden() %}{% endmacro %}{% endraw %}{% macro shown() %}{% endmacro %}',
  "'%}' inside a string does not end the tag": `{% macro q(s='%}') %}{% set x = "{% macro fake() %}" %}{{ x }}{% endmacro %}`,
  'plain statements beside macros': "{% set n = 1 %}{% do [].append(1) %}{% macro m() %}{{ n }}{% endmacro %}",
  'a file without macros': 'select 1',
};

const PARSED_AT_ONCE: Record<string, string> = {
  'a macro inside an if': '{% if true %}{% macro m() %}{% endmacro %}{% endif %}',
  'a set block': '{% set x %}text{% endset %}{% macro m() %}{% endmacro %}',
  'an unterminated tag': '{% macro m() %}{{ x }{% endmacro %}',
  'an endmacro without its macro': '{% endmacro %}{% macro m() %}{% endmacro %}',
};

test('the names read from the tags are the top-level macros the parser finds', () => {
  for (const [what, text] of Object.entries(READ_BY_TAGS)) {
    assert.deepEqual(topLevelMacroNames(text), parsedNames(text), what);
  }
  assert.deepEqual(topLevelMacroNames(READ_BY_TAGS['a macro defined inside another is not top-level']!), ['outer', 'last']);
});

test('a file whose top level holds anything else is parsed at once (no names from the tags)', () => {
  for (const [what, text] of Object.entries(PARSED_AT_ONCE)) assert.equal(topLevelMacroNames(text), undefined, what);
});

test('a package of lazily parsed files renders as before: each macro, a later definition of a name winning, dispatch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-lazy-macros-'));
  try {
    const files: Record<string, string> = {
      'dbt_project.yml': "name: 'lazy_proj'\nversion: '1.0.0'\nconfig-version: 2\nprofile: 'lazy_proj'\nmodel-paths: ['models']\n",
      'dbt_packages/greet/dbt_project.yml': "name: 'greet'\nversion: '1.0.0'\nconfig-version: 2\n",
      'dbt_packages/greet/macros/a.sql': "{% macro hello(who) %}{{ adapter.dispatch('hello_impl', 'greet')(who) }}{% endmacro %}\n{% macro twice() %}one{% endmacro %}",
      'dbt_packages/greet/macros/b.sql': "{% macro default__hello_impl(who) %}'hello ' || {{ who }}{% endmacro %}\n{% macro twice() %}two{% endmacro %}",
      'dbt_packages/greet/macros/unused.sql': '{% macro never_called() %}{{ 1 + }}{% endmacro %}',
      'models/m.sql': "SELECT {{ greet.hello(\"'x'\") }} AS a, '{{ greet.twice() }}' AS b",
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const session = new ProjectSession(dir, { env: {} });
    const compiled = session.compile(session.node('m')!, { formatSql: false });
    assert.deepEqual(compiled.diagnostics.filter((d) => d.severity === 'error'), []);
    assert.equal(compiled.rawSql.trim(), "SELECT 'hello ' || 'x' AS a, 'two' AS b");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
