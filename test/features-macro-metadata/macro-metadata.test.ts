// Language features for the advanced AutomateDV macros (eff_sat, ma_sat, xts, pit, bridge, ref_table), data-driven
// (CONVENTIONS.md §7). Every case reads one small shared project, fixtures/project/*.sql over fixtures/catalog.json
// (stages, hubs, links, satellites, effectivity satellites of customers and orders); a case adds one model:
//   completion/<case>.sql  with a `$0` cursor, and <case>.json: the first labels, labels offered (with detail or
//                          inserted text) and labels not offered;
//   hover/<case>.sql       with a `$0` cursor, and <case>.json: texts the hover contains, or `none`;
//   diagnostics/<case>.sql with `{# ^ DVxxx #}` markers: the parser's and the vault rules' findings, exactly; an
//                          optional <case>.json lists texts that some message must contain (`contains`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CompletionItem, Hover } from 'vscode-languageserver';
import { completionItems } from '../../server/src/features/completion';
import { definitionAt } from '../../server/src/features/definition';
import { hoverAt } from '../../server/src/features/hover';
import { createVaultIndex, runVaultRules } from '../../server/src/rules';
import { expectedKeys, markerKeys, readCursor } from '../support/markers';
import { featureFixtureProject, readCatalog } from '../support/fixture-project';

const root = join(__dirname, 'fixtures');
const catalog = readCatalog(join(root, 'catalog.json'));
const shared = new Map<string, string>();
for (const f of readdirSync(join(root, 'project')).filter((f) => f.endsWith('.sql'))) shared.set(f.slice(0, -4), readFileSync(join(root, 'project', f), 'utf8'));

interface Expected {
  first?: string[];
  includes?: { label: string; detail?: string; insert?: string }[];
  excludes?: string[];
  contains?: string[];
  none?: boolean;
  /** hover cases may also name the model go to definition reaches from the same place. */
  definition?: string;
}

function projectWith(name: string, text: string) {
  const project = featureFixtureProject(new Map([...shared, [name, text]]), catalog);
  const parsed = project.parsedModel(name);
  assert.ok(parsed);
  return { project, parsed, index: createVaultIndex(project) };
}

function sorted(items: CompletionItem[]): CompletionItem[] {
  return [...items].sort((a, b) => (a.sortText ?? a.label).localeCompare(b.sortText ?? b.label));
}

function casesOf(folder: string): string[] {
  return readdirSync(join(root, folder))
    .filter((f) => f.endsWith('.sql'))
    .map((f) => f.slice(0, -4))
    .sort();
}

test('the shared project itself has no findings', () => {
  const project = featureFixtureProject(shared, catalog);
  const index = createVaultIndex(project);
  for (const [name] of shared) {
    const parsed = project.parsedModel(name);
    assert.ok(parsed);
    const found = [...parsed.diagnostics, ...runVaultRules({ modelName: name, parsed, project, index, onRuleError: (rule, e) => assert.fail(`${rule.id} threw: ${String(e)}`) })];
    assert.deepEqual(found.map((d) => `${d.code} ${d.message}`), [], name);
  }
});

for (const name of casesOf('completion')) {
  test(`completion/${name}`, () => {
    const { text, offset } = readCursor(readFileSync(join(root, 'completion', `${name}.sql`), 'utf8'));
    const expected = JSON.parse(readFileSync(join(root, 'completion', `${name}.json`), 'utf8')) as Expected;
    const { project, parsed, index } = projectWith(name, text);
    const items = sorted(completionItems({ project, index, modelName: name, parsed, offset }));
    const labels = items.map((i) => i.label);
    if (expected.first) assert.deepEqual(labels.slice(0, expected.first.length), expected.first, labels.join(', '));
    for (const inc of expected.includes ?? []) {
      const item = items.find((i) => i.label === inc.label);
      assert.ok(item, `${inc.label} not offered: ${labels.join(', ')}`);
      if (inc.detail !== undefined) assert.equal(item.detail, inc.detail);
      if (inc.insert !== undefined) assert.equal(item.textEdit && 'newText' in item.textEdit ? item.textEdit.newText : undefined, inc.insert);
    }
    for (const ex of expected.excludes ?? []) assert.ok(!labels.includes(ex), `${ex} must not be offered: ${labels.join(', ')}`);
  });
}

for (const name of casesOf('hover')) {
  test(`hover/${name}`, () => {
    const { text, offset } = readCursor(readFileSync(join(root, 'hover', `${name}.sql`), 'utf8'));
    const expected = JSON.parse(readFileSync(join(root, 'hover', `${name}.json`), 'utf8')) as Expected;
    const { project, parsed, index } = projectWith(name, text);
    const input = { project, index, modelName: name, parsed, offset };
    const hover: Hover | null = hoverAt(input);
    if (expected.none) assert.equal(hover, null);
    else {
      const value = hover && typeof hover.contents === 'object' && 'value' in hover.contents ? hover.contents.value : '';
      for (const c of expected.contains ?? []) assert.ok(value.includes(c), `hover lacks ${JSON.stringify(c)}:\n${value}`);
    }
    if (expected.definition !== undefined) {
      const targets = definitionAt(input).map((l) => decodeURIComponent(new URL(l.uri).pathname).replace('/fixture/models/', '').replace(/\.sql$/, ''));
      assert.deepEqual(targets, [expected.definition]);
    }
  });
}

for (const name of casesOf('diagnostics')) {
  test(`diagnostics/${name}`, () => {
    const text = readFileSync(join(root, 'diagnostics', `${name}.sql`), 'utf8');
    const { project, parsed, index } = projectWith(name, text);
    const found = [...parsed.diagnostics, ...runVaultRules({ modelName: name, parsed, project, index, onRuleError: (rule, e) => assert.fail(`${rule.id} threw: ${String(e)}`) })];
    for (const d of found) assert.ok(d.span && d.span.start >= 0 && d.span.end <= text.length && d.span.start <= d.span.end, `${d.code} span`);
    assert.deepEqual(markerKeys(text, found), expectedKeys(text), JSON.stringify(found.map((d) => [d.code, d.message]), null, 1));
    const messages = join(root, 'diagnostics', `${name}.json`);
    const expected = existsSync(messages) ? (JSON.parse(readFileSync(messages, 'utf8')) as Expected) : {};
    for (const c of expected.contains ?? []) assert.ok(found.some((d) => d.message.includes(c)), `no message contains ${JSON.stringify(c)}: ${found.map((d) => d.message).join(' | ')}`);
  });
}
