// Language-feature fixtures (CONVENTIONS.md §7): test/features/fixtures/<feature>/<case>.sql is a model with a `$0`
// cursor, `<case>.<model>.sql` are the other models of its little project, and `<case>.json` the expected result
// beside it. Raw tables come from test/rules/fixtures/catalog.json unless the case has `<case>.catalog.json`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CompletionItem, Hover, Location, SignatureHelp } from 'vscode-languageserver';
import { SourceText } from '../../server/src/base/text';
import { completionItems } from '../../server/src/features/completion';
import { definitionAt, referencesAt } from '../../server/src/features/definition';
import { hoverAt } from '../../server/src/features/hover';
import { signatureHelpAt } from '../../server/src/features/signature-help';
import { createVaultIndex } from '../../server/src/rules';
import { readCursor } from '../support/markers';
import { featureFixtureProject, readCaseModels, readCatalog } from '../support/fixture-project';

const root = join(__dirname, 'fixtures');
const defaultCatalog = join(__dirname, '..', 'rules', 'fixtures', 'catalog.json');

interface Expected {
  /** completion: the first labels in sort order; labels that must be (with their detail) or must not be offered. */
  first?: string[];
  includes?: { label: string; detail?: string; insert?: string }[];
  excludes?: string[];
  /** hover: texts the markdown contains; `none` when there must be no hover. */
  contains?: string[];
  none?: boolean;
  /** definition/references: the model (or `sources.yml`) and the text at the target range. */
  targets?: { file: string; text: string }[];
  /** signature help */
  label?: string;
  active?: number | null;
}

function sorted(items: CompletionItem[]): CompletionItem[] {
  return [...items].sort((a, b) => (a.sortText ?? a.label).localeCompare(b.sortText ?? b.label));
}

for (const feature of readdirSync(root).sort()) {
  const dir = join(root, feature);
  const files = readdirSync(dir);
  for (const file of files.filter((f) => f.split('.').length === 2 && f.endsWith('.sql'))) {
    const name = file.slice(0, -4);
    test(`${feature}/${name}`, () => {
      const { text, offset } = readCursor(readFileSync(join(dir, file), 'utf8'));
      const expected = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Expected;
      const own = join(dir, `${name}.catalog.json`);
      const project = featureFixtureProject(readCaseModels(dir, name, files, text), readCatalog(existsSync(own) ? own : defaultCatalog));
      const parsed = project.parsedModel(name);
      assert.ok(parsed);
      const input = { project, index: createVaultIndex(project), modelName: name, parsed, offset };
      const targetText = (l: Location) => {
        const path = decodeURIComponent(new URL(l.uri).pathname);
        const t = project.fileText(path) ?? '';
        const src = new SourceText(t);
        return { file: path.replace('/fixture/models/', '').replace(/\.sql$/, ''), text: t.slice(src.offsetAt(l.range.start), src.offsetAt(l.range.end)), line: l.range.start.line };
      };
      switch (feature) {
        case 'completion': {
          const items = sorted(completionItems(input));
          const labels = items.map((i) => i.label);
          if (expected.first) assert.deepEqual(labels.slice(0, expected.first.length), expected.first, labels.join(', '));
          for (const inc of expected.includes ?? []) {
            const item = items.find((i) => i.label === inc.label);
            assert.ok(item, `${inc.label} not offered: ${labels.join(', ')}`);
            if (inc.detail !== undefined) assert.equal(item.detail, inc.detail);
            if (inc.insert !== undefined) assert.equal(item.textEdit && 'newText' in item.textEdit ? item.textEdit.newText : undefined, inc.insert);
          }
          for (const ex of expected.excludes ?? []) assert.ok(!labels.includes(ex), `${ex} must not be offered`);
          break;
        }
        case 'hover': {
          const hover: Hover | null = hoverAt(input);
          if (expected.none) {
            assert.equal(hover, null);
            break;
          }
          const value = hover && typeof hover.contents === 'object' && 'value' in hover.contents ? hover.contents.value : '';
          for (const c of expected.contains ?? []) assert.ok(value.includes(c), `hover lacks ${JSON.stringify(c)}:\n${value}`);
          break;
        }
        case 'definition':
          assert.deepEqual(definitionAt(input).map(targetText).map(({ file, text }) => ({ file, text })), expected.targets);
          break;
        case 'references':
          assert.deepEqual(referencesAt({ ...input, includeDeclaration: false }).map(targetText).map(({ file, text }) => ({ file, text })), expected.targets);
          break;
        case 'signature-help': {
          const help: SignatureHelp | null = signatureHelpAt(text, offset);
          if (expected.none) {
            assert.equal(help, null);
            break;
          }
          assert.equal(help?.signatures[0]?.label, expected.label);
          assert.equal(help?.activeParameter, expected.active);
          break;
        }
        default:
          assert.fail(`unknown feature folder ${feature}`);
      }
    });
  }
}
