// The compiler renders the AutomateDV templates from server/src/compile/automate-dv/template-texts.ts, a module that
// scripts/template-texts.mjs generates from templates/automate-dv/. This test keeps the two from drifting apart: the
// folder is the source of truth, so the module must hold every template, byte for byte, and nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEMPLATE_TEXTS } from '../../server/src/compile/automate-dv/template-texts';
import { macroTemplate } from '../../server/src/compile/automate-dv/templates';

const folder = join(__dirname, '..', '..', 'templates', 'automate-dv');
const REGENERATE = 'templates/automate-dv/ changed: run `node scripts/template-texts.mjs` to regenerate template-texts.ts';

test('template-texts.ts holds exactly the templates of templates/automate-dv/', () => {
  const files = readdirSync(folder).filter((f) => f.endsWith('.sql')).map((f) => f.slice(0, -'.sql'.length)).sort();
  assert.ok(files.length > 0, 'templates/automate-dv/ has templates');
  assert.deepEqual(Object.keys(TEMPLATE_TEXTS).sort(), files, REGENERATE);
});

test('every compiled-in template equals its file byte for byte', () => {
  for (const name of Object.keys(TEMPLATE_TEXTS)) {
    const bytes = readFileSync(join(folder, `${name}.sql`));
    assert.ok(Buffer.from(TEMPLATE_TEXTS[name]!, 'utf8').equals(bytes), `${name}.sql: ${REGENERATE}`);
    assert.equal(macroTemplate(name), TEMPLATE_TEXTS[name]);
  }
});

test('an unknown template name fails with a message that says how to add it', () => {
  assert.throws(() => macroTemplate('no_such_macro'), /templates\/automate-dv\/no_such_macro\.sql.*template-texts\.mjs/);
  assert.throws(() => macroTemplate('toString'), /templates\/automate-dv\/toString\.sql/);
});
