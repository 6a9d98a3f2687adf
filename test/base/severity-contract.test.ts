// The severity contract: a finding is never more severe than the catalogue (server/src/base/codes.ts) lists its code,
// and every code the server reports is in the catalogue. Checked three ways: the one constructor caps what it is
// given; a scan of the server's source finds every code literal in the catalogue and no object literal that pairs a
// code with a harsher severity; and `dvs check` over every fixture project of the test suite emits nothing above
// its code's catalogue severity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CODES, cappedSeverity, failsRun, moreSevere, type CodeInfo } from '../../server/src/base/codes';
import { diagnostic, type Severity } from '../../server/src/base/diagnostic';
import { checkProject } from '../support/check-project';

const ROOT = join(__dirname, '..', '..');
const CATALOGUE = CODES as Record<string, CodeInfo>;

function walk(dir: string, keep: (path: string) => boolean, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === '.git' || entry === '.dvs') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path, keep, out);
    else if (keep(path)) out.push(path);
  }
  return out;
}

test('diagnostic() caps a severity at the catalogue: a warning code reported as an error stays a warning', () => {
  assert.equal(diagnostic('DV107', 'error', 'x').severity, 'warning');
  assert.equal(diagnostic('DV901', 'error', 'x').severity, 'information');
  assert.equal(diagnostic('DV901', 'warning', 'x').severity, 'information');
  assert.equal(diagnostic('DV101', 'information', 'x').severity, 'information', 'a lower severity than the catalogue is kept');
  assert.equal(diagnostic('DV101', 'error', 'x').severity, 'error');
  assert.equal(cappedSeverity('DV405', 'error'), 'warning');
  assert.equal(failsRun({ code: 'DV107', severity: 'warning' }), true, 'a missing var still fails dvs load');
  assert.equal(failsRun({ code: 'DV405', severity: 'warning' }), false);
});

test('every DV code in the server source is in the catalogue, and no object literal pairs a code with a harsher severity', () => {
  const files = walk(join(ROOT, 'server', 'src'), (p) => p.endsWith('.ts'));
  const unknown: string[] = [];
  const harsher: string[] = [];
  for (const file of files) {
    if (file.endsWith(join('base', 'codes.ts')) || file.endsWith(join('jinja', 'errors.ts'))) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/['"`](DV\d{3})['"`]/g)) {
      if (!CATALOGUE[m[1] as string]) unknown.push(`${relative(ROOT, file)}: ${m[1]}`);
    }
    // `{ code: 'DV…', severity: '…' }` built by hand (the compiler's ctx.report and similar), in either order.
    for (const m of text.matchAll(/code:\s*'(DV\d{3})',\s*severity:\s*'(error|warning|information)'|severity:\s*'(error|warning|information)',\s*code:\s*'(DV\d{3})'/g)) {
      const code = (m[1] ?? m[4]) as string;
      const severity = (m[2] ?? m[3]) as Severity;
      const info = CATALOGUE[code];
      if (info && moreSevere(severity, info.severity)) harsher.push(`${relative(ROOT, file)}: ${code} as ${severity} (catalogue: ${info.severity})`);
    }
    for (const m of text.matchAll(/diagnostic\(\s*'(DV\d{3})',\s*'(error|warning|information)'/g)) {
      const info = CATALOGUE[m[1] as string];
      if (info && moreSevere(m[2] as Severity, info.severity)) harsher.push(`${relative(ROOT, file)}: ${m[1]} as ${m[2]} (catalogue: ${info.severity})`);
    }
  }
  assert.deepEqual(unknown, [], 'codes missing from server/src/base/codes.ts');
  assert.deepEqual(harsher, [], 'codes reported above their catalogue severity');
});

// Every dbt project among the test fixtures and the sample project (installed packages are not projects of their own).
const projects = [join(ROOT, 'sample-project'), ...walk(join(ROOT, 'test'), (p) => p.endsWith('dbt_project.yml')).map((p) => join(p, '..'))]
  .filter((dir) => existsSync(join(dir, 'dbt_project.yml')))
  .filter((dir) => !/[/\\](dbt_packages|dbt_modules)[/\\]/.test(dir))
  .sort();

test('the fixture projects exist', () => {
  assert.ok(projects.length >= 10, `found ${projects.length}`);
});

for (const dir of projects) {
  test(`dvs check on ${relative(ROOT, dir)}: no finding above its code's catalogue severity`, async () => {
    const { doc } = await checkProject(dir);
    const wrong = doc.diagnostics.filter((d) => {
      const info = CATALOGUE[d.code];
      return !info || moreSevere(d.severity as Severity, info.severity);
    });
    assert.deepEqual(
      wrong.map((d) => `${d.file}:${d.line} ${d.severity} ${d.code} (catalogue: ${CATALOGUE[d.code]?.severity ?? 'not listed'})`),
      [],
    );
  });
}
