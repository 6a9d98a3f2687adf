// Completion lists as the language server sends them: capped and marked incomplete when long, one default edit range
// for clients that take LSP 3.17 itemDefaults, no fields equal to their defaults; and in a stage's hashed_columns only
// the items of the list being edited are left out (a column hashed into one key may go into another).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProjectSession } from '../../server/src/engine/session';
import { completionItems, completionList, LazyDocumentation, type CompletionListOptions } from '../../server/src/features/completion';
import { featureProjectOfSession } from '../../server/src/features/session-view';
import { createVaultIndex } from '../../server/src/rules';

const SAMPLE = join(__dirname, '..', '..', 'sample-project');
const session = new ProjectSession(SAMPLE, { targetName: 'embedded', env: {} });
session.setSchemaSnapshot(undefined);

function inputAt(model: string, text: string, needle: string, delta: number) {
  const project = featureProjectOfSession(session, () => ({ target: 'embedded', connected: false }));
  const at = text.indexOf(needle);
  assert.ok(at >= 0, `${needle} not in ${model}`);
  return { project, index: createVaultIndex(project), modelName: model, parsed: session.parse(text), offset: at + delta };
}

const stageText = readFileSync(join(SAMPLE, 'models', 'stg', 'stg_users.sql'), 'utf8');

test('hashed_columns: a column of another hash key is still offered; the items of the edited list are not', () => {
  // USER_HK becomes a list of two business key parts; the cursor is in its second, empty item.
  const text = stageText.replace("  USER_HK: 'USER_ID'\n", "  USER_HK:\n    - 'USER_ID'\n    - ''\n");
  const labels = completionItems(inputAt('stg_users', text, "    - ''", 7)).map((i) => i.label);
  assert.ok(labels.includes('EMAIL'), `EMAIL (hashed into USER_HASHDIFF) must be offered: ${labels.join(', ')}`);
  assert.ok(labels.includes('NAME'), `NAME (hashed into USER_HASHDIFF) must be offered: ${labels.join(', ')}`);
  assert.ok(!labels.includes('USER_ID'), 'USER_ID is already an item of this list');
});

test('hashed_columns: in a hashdiff list its own items are left out, a hash key part is offered', () => {
  const text = stageText.replace("      - 'NAME'\n", "      - 'NAME'\n      - ''\n");
  const labels = completionItems(inputAt('stg_users', text, "      - ''", 9)).map((i) => i.label);
  assert.ok(!labels.includes('NAME'), 'NAME is already an item of this hashdiff');
  assert.ok(!labels.includes('EMAIL'), 'EMAIL is already an item of this hashdiff');
  assert.ok(labels.includes('USER_ID'), `USER_ID (hashed into USER_HK) must be offered: ${labels.join(', ')}`);
});

const satText = readFileSync(join(SAMPLE, 'models', 'dds', 'sat_users.sql'), 'utf8');
const modelNameInput = () => inputAt('sat_users', satText, "source_model: 'stg_users'", "source_model: '".length);

test('a list longer than the cap keeps the likeliest items and is marked incomplete', () => {
  const all = completionItems(modelNameInput());
  assert.ok(all.length > 3, `the sample project has more than 3 other models (${all.length})`);
  const options: CompletionListOptions = { maxItems: 3, editRangeDefault: false };
  const list = completionList(modelNameInput(), options);
  assert.equal(list.isIncomplete, true);
  assert.equal(list.items.length, 3);
  // Stages rank first for a satellite's source_model.
  const best = [...all].sort((a, b) => (a.sortText ?? '').localeCompare(b.sortText ?? '')).slice(0, 3).map((i) => i.label);
  assert.deepEqual([...list.items].map((i) => i.label).sort(), [...best].sort());
  const whole = completionList(modelNameInput(), { maxItems: 1000, editRangeDefault: false });
  assert.equal(whole.isIncomplete, false);
  assert.equal(whole.items.length, all.length);
});

test('what is typed narrows a capped list before it is cut', () => {
  const text = satText.replace("source_model: 'stg_users'", "source_model: 'hub_p'");
  const list = completionList(inputAt('sat_users', text, "source_model: 'hub_p'", "source_model: 'hub_p".length), { maxItems: 1, editRangeDefault: false });
  assert.deepEqual(
    list.items.map((i) => i.label),
    ['hub_products'],
  );
});

test('with itemDefaults.editRange the items carry no edit of their own and no fields equal to defaults', () => {
  const list = completionList(modelNameInput(), { maxItems: 1000, editRangeDefault: true });
  const range = list.itemDefaults?.editRange;
  assert.ok(range && 'start' in range, 'one edit range for the list');
  const full = completionItems(modelNameInput());
  for (const item of list.items) {
    assert.equal(item.textEdit, undefined);
    assert.equal(item.filterText, undefined, 'the filter text equals the label');
    const same = full.find((f) => f.label === item.label);
    assert.ok(same?.textEdit && 'range' in same.textEdit);
    assert.deepEqual(same.textEdit.range, range);
    // The text to insert is given only where it differs from the label.
    assert.equal(item.textEditText, same.textEdit.newText === item.label ? undefined : same.textEdit.newText);
  }
});

test('lazy documentation: items carry a key, resolving gives back exactly the documentation they would have had', () => {
  const input = () => inputAt('stg_users', stageText, "USER_HK: '", "USER_HK: '".length);
  const eager = completionList(input(), { maxItems: 1000, editRangeDefault: true });
  const documented = eager.items.filter((i) => i.documentation !== undefined);
  assert.ok(documented.length > 0, 'the column list has documentation to defer');
  const docs = new LazyDocumentation();
  const lazy = completionList(input(), { maxItems: 1000, editRangeDefault: true, lazyDocumentation: docs });
  assert.equal(lazy.items.length, eager.items.length);
  assert.ok(lazy.items.every((i) => i.documentation === undefined), 'no documentation is sent with the list');
  assert.ok(JSON.stringify(lazy).length < JSON.stringify(eager).length, 'the list is smaller');
  // Resolving an item (as the client sends it back) restores its documentation; items without any stay as they are.
  const resolved = lazy.items.map((i) => docs.resolve(JSON.parse(JSON.stringify(i))));
  assert.deepEqual(resolved.map((i) => i.documentation), eager.items.map((i) => i.documentation));
  // A key of an older list resolves to nothing once a new list was made.
  const older = lazy.items.find((i) => i.data !== undefined)!;
  completionList(input(), { maxItems: 1000, editRangeDefault: true, lazyDocumentation: docs });
  assert.equal(docs.resolve(older).documentation, undefined);
});
