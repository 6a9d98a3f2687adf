// False errors found on public dbtvault/AutomateDV projects, each reproduced by a small dbt project of our own under
// test/fixtures/regressions/<what broke>/. `dvs check` on each must report no error (dbt with the pinned package
// would not fail) and exactly the warnings and information its expected.json lists, each saying what it must say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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

for (const name of readdirSync(ROOT).sort()) {
  const dir = join(ROOT, name);
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expectation;
  test(`regression ${name}: no false error (${expected.broke})`, async () => {
    const { code, doc, stderr } = await checkProject(dir);
    const errors = doc.diagnostics.filter((d) => d.severity === 'error');
    assert.deepEqual(errors, [], `false errors:\n${errors.map((e) => `${e.file}:${e.line} ${e.code} ${e.message}`).join('\n')}`);
    assert.equal(code, 0, stderr);
    const got = doc.diagnostics.map((d) => `${d.file}:${d.line} ${d.severity} ${d.code}`);
    assert.deepEqual(got, expected.findings.map((f) => `${f.file}:${f.line} ${f.severity} ${f.code}`), JSON.stringify(doc.diagnostics, null, 1));
    doc.diagnostics.forEach((d, i) => {
      const f = expected.findings[i] as Finding;
      assert.ok(d.message.includes(f.says), `${d.file}:${d.line} ${d.code}: "${d.message}" should say "${f.says}"`);
    });
  });
}
