// Raw-column completion in a stage of the sample project when the connected database has no raw tables yet (nothing
// loaded): the columns sources.yml declares are offered with their types and say where they are declared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProjectSession } from '../../server/src/engine/session';
import { completionItems } from '../../server/src/features/completion';
import { featureProjectOfSession } from '../../server/src/features/session-view';
import { createVaultIndex } from '../../server/src/rules';

const SAMPLE = join(__dirname, '..', '..', 'sample-project');

function completeAt(session: ProjectSession, connected: boolean, model: string, text: string, needle: string, delta: number) {
  const project = featureProjectOfSession(session, () => ({ target: 'embedded', connected }));
  const parsed = session.parse(text);
  const at = text.indexOf(needle);
  assert.ok(at >= 0, `${needle} not in ${model}`);
  return completionItems({ project, index: createVaultIndex(project), modelName: model, parsed, offset: at + delta });
}

test('connected to a database without the raw table: a derived column value offers the declared columns', () => {
  const session = new ProjectSession(SAMPLE, { targetName: 'embedded', env: {} });
  // Connected and introspected, but nothing loaded yet: the raw schema is empty.
  session.setSchemaSnapshot({ introspectedAt: '2026-01-01T00:00:00.000Z', schemas: [] });
  const text = readFileSync(join(SAMPLE, 'models', 'stg', 'stg_users.sql'), 'utf8');
  const items = completeAt(session, true, 'stg_users', text, "USER_ID: '", "USER_ID: '".length);
  const id = items.find((i) => i.label.toLowerCase() === 'id');
  assert.ok(id, `id not offered: ${items.map((i) => i.label).join(', ')}`);
  assert.equal(id.detail, 'bigint · raw.users (declared in models/sources.yml; not in the database)');
  const extracted = items.find((i) => i.label.toLowerCase() === '_airbyte_extracted_at');
  assert.match(extracted?.detail ?? '', /^timestamp with time zone · raw\.users \(declared in models\/sources\.yml/);
});

test('without any database knowledge the declared columns say only where they are declared', () => {
  const session = new ProjectSession(SAMPLE, { targetName: 'embedded', env: {} });
  session.setSchemaSnapshot(undefined);
  const text = readFileSync(join(SAMPLE, 'models', 'stg', 'stg_users.sql'), 'utf8');
  const items = completeAt(session, false, 'stg_users', text, "USER_ID: '", "USER_ID: '".length);
  assert.equal(items.find((i) => i.label.toLowerCase() === 'id')?.detail, 'bigint · raw.users (declared in models/sources.yml)');
});
