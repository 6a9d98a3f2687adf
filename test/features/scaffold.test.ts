// dvs/scaffold over a copy of the sample project: key names follow what the project's stages already build, a stage
// comes along only when no stage reads the raw table, and the scaffolded files check clean once written.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProjectSession } from '../../server/src/engine/session';
import { scaffold } from '../../server/src/features/scaffold';
import { featureProjectOfSession } from '../../server/src/features/session-view';
import { createVaultIndex, runVaultRules } from '../../server/src/rules';

let root: string;

before(() => {
  root = join(mkdtempSync(join(tmpdir(), 'dvs-scaffold-')), 'sample');
  cpSync(join(__dirname, '..', '..', 'sample-project'), root, { recursive: true, filter: (src) => !src.includes('/.dvs') });
  writeFileSync(
    join(root, 'models', 'reviews.yml'),
    'version: 2\nsources:\n  - name: shop\n    schema: raw\n    loaded_at_field: _airbyte_extracted_at\n    tables:\n      - name: reviews\n        columns:\n' +
      ['id bigint', 'user_id bigint', 'rating integer', 'body text', '_airbyte_extracted_at timestamp with time zone']
        .map((c) => `          - name: ${c.split(' ')[0]}\n            data_type: ${c.split(' ').slice(1).join(' ')}\n`)
        .join(''),
  );
});

after(() => rmSync(join(root, '..'), { recursive: true, force: true }));

function open() {
  const session = new ProjectSession(root, { env: {} });
  const project = featureProjectOfSession(session, () => ({ target: 'embedded', connected: false }));
  return { session, project, index: createVaultIndex(project) };
}

function findings(session: ProjectSession, name: string): string[] {
  const project = featureProjectOfSession(session, () => ({ target: 'embedded', connected: false }));
  const node = session.node(name);
  assert.ok(node, name);
  const parsed = session.parsed(node);
  return [...session.diagnosticsFor(node), ...runVaultRules({ modelName: name, parsed, project })].map((d) => `${d.code} ${d.message}`);
}

test('a hub over a staged table reuses the stage and the key it already builds', () => {
  const { session, index } = open();
  const result = scaffold(session, index, { kind: 'hub', source: { schema: 'raw', table: 'users' }, keyColumns: ['id'], name: 'hub_users_copy' }, undefined);
  assert.equal(result.files.length, 1);
  const hub = result.files[0];
  assert.ok(hub && hub.uri.endsWith('/models/dds/hub_users_copy.sql'));
  assert.equal(hub.exists, false);
  assert.match(hub.content, /set source_model = "stg_users"/);
  assert.match(hub.content, /set src_pk = "USER_HK"/);
  assert.match(hub.content, /set src_nk = "id"/);
  writeFileSync(fileURLToPath(hub.uri), hub.content);
  assert.deepEqual(findings(new ProjectSession(root, { env: {} }), 'hub_users_copy'), []);
});

test('a link takes the hub keys the stages build from its foreign key columns', () => {
  const { session, index } = open();
  const [link] = scaffold(session, index, { kind: 'link', source: { schema: 'raw', table: 'purchases' }, keyColumns: ['user_id', 'product_id'], name: 'link_purchases_copy' }, undefined).files;
  assert.match(link?.content ?? '', /set src_fk = \["USER_HK", "PRODUCT_HK"\]/);
  assert.equal(link?.exists, false);
});

test('a satellite over an unstaged table comes with its stage, and both check clean', () => {
  const { session, index } = open();
  const result = scaffold(session, index, { kind: 'sat', source: { schema: 'raw', table: 'reviews' }, keyColumns: ['id'] }, undefined);
  assert.deepEqual(result.files.map((f) => f.uri.split('/models/')[1]), ['dds/sat_reviews.sql', 'stg/stg_reviews.sql']);
  const stage = result.files[1]?.content ?? '';
  assert.match(stage, /source_model:\n {2}shop: reviews/);
  assert.match(stage, /REVIEW_HASHDIFF:\n {4}is_hashdiff: true\n {4}columns:\n {6}- 'user_id'\n {6}- 'rating'\n {6}- 'body'/);
  assert.match(result.files[0]?.content ?? '', /set src_payload = \["user_id", "rating", "body"\]/);
  for (const f of result.files) writeFileSync(fileURLToPath(f.uri), f.content);
  const reopened = new ProjectSession(root, { env: {} });
  assert.deepEqual(findings(reopened, 'stg_reviews'), []);
  assert.deepEqual(findings(reopened, 'sat_reviews'), ['DV404 REVIEW_HK is not the key of any hub or link (their keys: PRODUCT_HK, USER_HK and PURCHASE_HK); a satellite\'s key must be its parent\'s key.']);
});
