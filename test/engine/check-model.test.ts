// The per-model check (parse → the session's diagnostics → vault rules → merge) is one function, engine/check.ts's
// checkModel(), which the language server, `dvs check` and the benchmark all call; a second copy would let the editor
// and the CLI drift apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { checkModel, checkProject } from '../../server/src/engine/check';
import { ruleProjectOfSession } from '../../server/src/engine/rule-project';
import { ProjectSession } from '../../server/src/engine/session';
import { createVaultIndex } from '../../server/src/rules';

const ROOT = join(__dirname, '..', '..');
const SAMPLE = join(ROOT, 'sample-project');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

test('only engine/check.ts runs the vault rules and merges findings for a model (server, CLI and bench call checkModel)', () => {
  const callers: string[] = [];
  for (const file of [...sourceFiles(join(ROOT, 'server', 'src')), ...sourceFiles(join(ROOT, 'bench'))]) {
    const rel = relative(ROOT, file).split('\\').join('/');
    if (rel.startsWith('server/src/rules/') || rel === 'server/src/engine/check.ts') continue;
    if (/\b(runVaultRules|mergeFindings)\s*\(/.test(readFileSync(file, 'utf8'))) callers.push(rel);
  }
  assert.deepEqual(callers, []);
  for (const user of ['server/src/features/project-lifecycle.ts', 'bench/lsp.ts']) assert.match(readFileSync(join(ROOT, user), 'utf8'), /\bcheckModel\(/, `${user} calls checkModel`);
});

test('checkModel gives what checkProject reports for the file, and sees an edited text', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-check-model-'));
  try {
    cpSync(SAMPLE, dir, { recursive: true, filter: (src) => !/[/\\](\.dvs|target|dbt_packages|superset)$/.test(src) });
    const session = new ProjectSession(dir);
    const node = session.models().find((n) => n.name === 'sat_users');
    assert.ok(node, 'the sample project has sat_users');
    const project = ruleProjectOfSession(session, { connected: false });
    const rules = { project, index: createVaultIndex(project) };
    const whole = checkProject(session).files.find((f) => f.file === node.file);
    assert.deepEqual(checkModel(session, node, rules), whole?.diagnostics ?? []);

    const text = session.textOf(node);
    assert.ok(text.includes("'EMAIL'"));
    const edited = checkModel(session, node, rules, text.replace("'EMAIL'", "'EMIAL'"));
    assert.ok(edited.some((d) => d.message.includes('EMIAL')), `a misspelt payload column is reported: ${JSON.stringify(edited.map((d) => d.message))}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
