// False errors found on public dbtvault/AutomateDV projects, each reproduced by a small dbt project of our own under
// test/fixtures/regressions/<what broke>/. `dvs check` on each must report no error where dbt with the pinned package
// would not fail, and exactly the findings its expected.json lists (an error only beside the case where dbt fails
// too), each once and saying what it must say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ProjectSession } from '../../server/src/engine/session';
import { checkProject } from '../support/check-project';

const ROOT = join(__dirname, '..', 'fixtures', 'regressions');

interface Finding {
  file: string;
  line: number;
  severity: string;
  code: string;
  /** Text the message must contain. */
  says: string;
}

interface Expectation {
  /** What dvs got wrong and what dbt with the pinned package does instead. */
  broke: string;
  findings: Finding[];
}

// Folders without expected.json belong to other regression tests (they assert their own way).
for (const name of readdirSync(ROOT).sort().filter((n) => existsSync(join(ROOT, n, 'expected.json')))) {
  const dir = join(ROOT, name);
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expectation;
  test(`regression ${name}: no false error (${expected.broke})`, async () => {
    const { code, doc, stderr } = await checkProject(dir);
    // An error is only right where dbt fails too: the fixture lists it (and says why in the model file).
    const listed = new Set(expected.findings.filter((f) => f.severity === 'error').map((f) => `${f.file}:${f.line} ${f.code}`));
    const errors = doc.diagnostics.filter((d) => d.severity === 'error' && !listed.has(`${d.file}:${d.line} ${d.code}`));
    assert.deepEqual(errors, [], `false errors:\n${errors.map((e) => `${e.file}:${e.line} ${e.code} ${e.message}`).join('\n')}`);
    assert.equal(code, listed.size > 0 ? 1 : 0, stderr);
    const got = doc.diagnostics.map((d) => `${d.file}:${d.line} ${d.severity} ${d.code}`);
    assert.deepEqual(got, expected.findings.map((f) => `${f.file}:${f.line} ${f.severity} ${f.code}`), JSON.stringify(doc.diagnostics, null, 1));
    doc.diagnostics.forEach((d, i) => {
      const f = expected.findings[i] as Finding;
      assert.ok(d.message.includes(f.says), `${d.file}:${d.line} ${d.code}: "${d.message}" should say "${f.says}"`);
    });
  });
}

test('regression column-mappings: a mapping whose alias is its source column compiles as that column', async () => {
  const dir = join(ROOT, 'column-mappings');
  const session = new ProjectSession(dir, { env: { HOME: tmpdir() }, homeDir: tmpdir() });
  const node = session.node('hub_order');
  assert.ok(node);
  const mapped = session.compile(node, { formatSql: false });
  assert.deepEqual(mapped.diagnostics.filter((d) => d.severity === 'error'), []);
  const plain = session.compile(node, {
    formatSql: false,
    text: "{{ automate_dv.hub(src_pk='ORDER_HK', src_nk='order_id', src_ldts='LOAD_DATETIME', src_source='RECORD_SOURCE', source_model='stg_orders') }}",
  });
  assert.equal(mapped.rawSql.replace(/\s+/g, ' ').trim(), plain.rawSql.replace(/\s+/g, ' ').trim());
});
