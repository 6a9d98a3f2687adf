import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifySchemaMacro, findMacros, macroOverrideNotices, schemaNamingFrom } from '../../server/src/project/schema-naming';

// Each case is a macro file whose first comment says `expect: <kind>; <custom>@<target schema>[@<target name>]=<schema>; …`
// (`none` for no custom schema).
const casesDir = join(__dirname, 'cases', 'generate_schema_name');

for (const name of readdirSync(casesDir).filter((f) => f.endsWith('.sql')).sort()) {
  test(`generate_schema_name case ${name}`, () => {
    const text = readFileSync(join(casesDir, name), 'utf8');
    const header = /expect:\s*([^#]*?)\s*-?#\}/.exec(text)?.[1];
    assert.ok(header, 'the case states its expectation');
    const [kind, ...probes] = header.split(';').map((s) => s.trim());
    const macros = new Map(findMacros(text, name).map((m) => [m.name, m]));
    const macro = macros.get('generate_schema_name');
    assert.ok(macro);
    assert.equal(classifySchemaMacro(macro.body), kind);
    const naming = schemaNamingFrom(macros);
    assert.equal(naming.kind, kind);
    for (const probe of probes) {
      const [call, expected] = probe.split('=');
      const [custom, targetSchema, targetName] = (call ?? '').split('@');
      const target = new Map([['name', targetName ?? 'dev']]);
      assert.equal(naming.schemaFor(custom === 'none' ? undefined : custom, targetSchema ?? '', { target }), expected, probe);
    }
  });
}

test('without an override dbt default naming applies', () => {
  const naming = schemaNamingFrom(new Map());
  assert.equal(naming.kind, 'default');
  assert.equal(naming.schemaFor('dds', 'public'), 'public_dds');
  assert.equal(naming.schemaFor(' dds ', 'public'), 'public_dds');
  assert.equal(naming.schemaFor(undefined, 'public'), 'public');
});

test('findMacros finds several macros with their name spans', () => {
  const text = '{% macro a(x) %}A{% endmacro %}\n{%- macro generate_alias_name(custom_alias_name=none, node=none) -%}B{%- endmacro -%}';
  const macros = findMacros(text, 'm.sql');
  assert.deepEqual(macros.map((m) => [m.name, m.params, m.body]), [
    ['a', ['x'], 'A'],
    ['generate_alias_name', ['custom_alias_name', 'node'], 'B'],
  ]);
  const span = macros[1]?.nameSpan;
  assert.ok(span);
  assert.equal(text.slice(span.start, span.end), 'generate_alias_name');
});

test('unusual alias or database overrides are reported as not emulated; the usual ones are not', () => {
  const usual = findMacros(
    `{% macro generate_alias_name(custom_alias_name=none, node=none) -%}
      {%- if custom_alias_name -%}{{ custom_alias_name | trim }}
      {%- elif node.version -%}{{ return(node.name ~ "_v" ~ (node.version | replace(".", "_"))) }}
      {%- else -%}{{ node.name }}{%- endif -%}
    {%- endmacro %}
    {% macro generate_database_name(custom_database_name=none, node=none) -%}
      {%- set default_database = target.database -%}
      {%- if custom_database_name is none -%}{{ default_database }}{%- else -%}{{ custom_database_name | trim }}{%- endif -%}
    {%- endmacro %}`,
    '/p/macros/naming.sql',
  );
  assert.deepEqual(macroOverrideNotices(new Map(usual.map((m) => [m.name, m])), '/p'), []);
  const unusual = findMacros(
    `{% macro generate_alias_name(custom_alias_name=none, node=none) -%}{{ node.config.schema }}__{{ node.name }}{%- endmacro %}`,
    '/p/macros/alias.sql',
  );
  const notices = macroOverrideNotices(new Map(unusual.map((m) => [m.name, m])), '/p');
  assert.equal(notices.length, 1);
  assert.match(notices[0]?.message ?? '', /generate_alias_name is overridden in macros\/alias\.sql and is not emulated/);
});
