// Vault rule fixtures (CONVENTIONS.md §7): test/rules/fixtures/<CODE>-<rule>/ holds cases. A case is the model under
// test `<case>.sql` plus the other models of its little project as `<case>.<model name>.sql`; every file's
// diagnostics (parser + all rules) must match its `{# ^ DVxxx #}` markers. `fires-*` cases must show a code of the
// folder's name, `clean-*` cases must not. The raw tables come from fixtures/catalog.json (or `<case>.catalog.json`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runVaultRules, VAULT_RULES } from '../../server/src/rules';
import { expectedKeys, markerKeys, readMarkers } from '../support/markers';
import { fixtureProject, readCatalog } from '../support/fixture-project';

const root = join(__dirname, 'fixtures');
const folders = readdirSync(root).filter((f) => /^DV\d{3}-/.test(f)).sort();

for (const folder of folders) {
  const codes: string[] = folder.match(/DV\d{3}/g) ?? [];
  const dir = join(root, folder);
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql'));
  const cases = files.filter((f) => f.split('.').length === 2).map((f) => f.slice(0, -4));
  for (const name of cases) {
    test(`${folder}/${name}`, () => {
      const models = new Map<string, string>([[name, readFileSync(join(dir, `${name}.sql`), 'utf8')]]);
      for (const f of files) {
        const parts = f.split('.');
        if (parts.length === 3 && parts[0] === name) models.set(parts[1] as string, readFileSync(join(dir, f), 'utf8'));
      }
      const own = join(dir, `${name}.catalog.json`);
      const project = fixtureProject(models, readCatalog(existsSync(own) ? own : join(root, 'catalog.json')));
      let sawCode = false;
      for (const [model, text] of models) {
        const parsed = project.parsedModel(model);
        assert.ok(parsed);
        const found = [
          ...parsed.diagnostics,
          ...runVaultRules({ modelName: model, parsed, project, onRuleError: (rule, e) => assert.fail(`${rule.id} threw: ${String(e)}`) }),
        ];
        for (const d of found) assert.ok(d.span && d.span.start >= 0 && d.span.end <= text.length && d.span.start <= d.span.end, `${d.code} span in ${model}`);
        assert.deepEqual(markerKeys(text, found), expectedKeys(text), `${model}: ${JSON.stringify(found.map((d) => [d.code, d.message]), null, 1)}`);
        if (readMarkers(text).some((m) => codes.includes(m.code))) sawCode = true;
      }
      if (name.startsWith('fires-')) assert.ok(sawCode, `a fires- case must expect ${codes.join(' or ')}`);
      else assert.ok(name.startsWith('clean-'), 'case names start with fires- or clean-');
      if (name.startsWith('clean-')) assert.equal(sawCode, false, `a clean- case must not expect ${codes.join(' or ')}`);
    });
  }
}

test('every rule has a fixture folder with a case that fires and one that does not', () => {
  for (const rule of VAULT_RULES) {
    const folder = folders.find((f) => (f.match(/DV\d{3}/g) ?? ([] as string[])).includes(rule.id));
    assert.ok(folder, `no fixture folder for ${rule.id}`);
    const names = readdirSync(join(root, folder));
    assert.ok(names.some((n) => n.startsWith('fires-')), `${rule.id}: no fires- case`);
    assert.ok(names.some((n) => n.startsWith('clean-')), `${rule.id}: no clean- case`);
  }
});
