// The language server lists a project's model files at start-up and reads them in slices (deferModels), answering
// lookups by name or path on demand meanwhile. Property: whatever lookups, slices and edits come in whatever order,
// once every file is read the project gives exactly what an eager load of the same files gives; and a file's own
// project findings asked for before that already equal the eager ones (the files it depends on are read first).
// Also: the findings published before indexing ends (engine/early-check.ts) are the full check's, less the
// whole-project rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { checkModel, checkProject, type CheckResult } from '../../server/src/engine/check';
import { checkModelEarly, WHOLE_PROJECT_RULES } from '../../server/src/engine/early-check';
import { ruleProjectOfSession } from '../../server/src/engine/rule-project';
import { ProjectSession } from '../../server/src/engine/session';
import type { ProjectNode } from '../../server/src/project';
import { createVaultIndex } from '../../server/src/rules';

const SAMPLE = join(__dirname, '..', '..', 'sample-project');

/** The sample project plus models that exercise the project's own findings: a cycle, a disabled model and a ref to
 *  it, a near-miss ref, a duplicate name in another folder, and a chain of refs three deep. */
function fixtureProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-deferred-'));
  cpSync(SAMPLE, dir, { recursive: true, filter: (src) => !/[/\\](\.dvs|target|dbt_packages|superset)$/.test(src) });
  const extra = join(dir, 'models', 'extra');
  mkdirSync(join(extra, 'deep'), { recursive: true });
  const files: Record<string, string> = {
    'cyc_a.sql': "select * from {{ ref('cyc_b') }}",
    'cyc_b.sql': "select * from {{ ref('cyc_c') }}",
    'cyc_c.sql': "select * from {{ ref('cyc_a') }}",
    'off_model.sql': "{{ config(enabled=false) }}\nselect 1 as x",
    'reads_off.sql': "select * from {{ ref('off_model') }}",
    'near_miss.sql': "select * from {{ ref('stg_user') }}",
    'dup_name.sql': 'select 1 as x',
    'deep/dup_name.sql': 'select 2 as x',
    'chain_1.sql': "{{ config(materialized='table', schema='marts') }}\nselect * from {{ ref('chain_2') }}",
    'chain_2.sql': "select * from {{ ref('chain_3') }}",
    'chain_3.sql': "select * from {{ ref('stg_users') }}",
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(extra, name), text);
  return dir;
}

function modelFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.sql')) out.push(join(d, e.name));
    }
  };
  walk(join(dir, 'models'));
  return out.sort();
}

const replacer = (_k: string, v: unknown) => (v instanceof Map ? [...v] : v instanceof Set ? [...v] : v);

function nodeSummary(n: ProjectNode | undefined): string {
  if (!n) return 'none';
  return JSON.stringify(
    [n.kind, n.name, n.path, n.enabled, n.materialized, n.tags, n.relation.render(), n.fqn, n.config.values, n.dependencies.refs.map((r) => [r.name, r.span]), n.dependencies.sources],
    replacer,
  );
}

function findings(result: CheckResult): string[] {
  return result.files.map((f) => `${f.file}\n${f.diagnostics.map((d) => JSON.stringify([d.code, d.severity, d.message, d.span, d.fixes])).sort().join('\n')}`).sort();
}

function projectState(session: ProjectSession): unknown {
  const p = session.project;
  return {
    nodes: p.allNodes().map(nodeSummary),
    models: [...p.modelNames()],
    diagnostics: p.diagnostics().map((d) => JSON.stringify([d.file, d.code, d.severity, d.message, d.span, d.fixes])),
    graph: [...p.graph().parents].map(([k, v]) => [k, [...v].sort()]),
    cycles: p.cycles(),
  };
}

const EDITS: ((text: string) => string)[] = [(t) => `\n${t}`, (t) => t.replace('select', 'SELECT'), (t) => `${t}\n-- edited`];

type Op = { kind: 'slice' } | { kind: 'node'; pick: number } | { kind: 'path'; pick: number } | { kind: 'findings'; pick: number } | { kind: 'edit'; pick: number; edit: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.constant<Op>({ kind: 'slice' }),
  fc.record({ kind: fc.constant('node' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('path' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('findings' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('edit' as const), pick: fc.nat(), edit: fc.nat({ max: EDITS.length - 1 }) }),
);

test('a project read in slices, with lookups and edits in between, ends equal to an eager load of the same files', () => {
  const dir = fixtureProject();
  try {
    const files = modelFiles(dir);
    const names = [...new Set(files.map((f) => f.slice(f.lastIndexOf('/') + 1, -4))), 'seed_like_unknown'];
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), (ops) => {
        const eager = new ProjectSession(dir, { env: {} });
        const deferred = new ProjectSession(dir, { env: {}, deferModels: true });
        assert.equal(deferred.pendingModelCount, files.length, 'nothing is read before it is asked for');
        for (const o of ops) {
          if (o.kind === 'slice') deferred.indexPending(0);
          else if (o.kind === 'node') {
            const name = names[o.pick % names.length] as string;
            assert.equal(nodeSummary(deferred.node(name)), nodeSummary(eager.node(name)), `node('${name}')`);
          } else if (o.kind === 'path') {
            const file = files[o.pick % files.length] as string;
            assert.equal(nodeSummary(deferred.nodeByPath(file)), nodeSummary(eager.nodeByPath(file)), `nodeByPath(${file})`);
          } else if (o.kind === 'findings') {
            const file = files[o.pick % files.length] as string;
            const want = eager.project.diagnosticsFor(file);
            // "Did you mean" picks among the names read so far; every other finding is exact already.
            if (want.some((d) => d.code === 'DV101' && d.message.includes('Did you mean'))) continue;
            assert.deepEqual(JSON.stringify(deferred.project.diagnosticsFor(file)), JSON.stringify(want), `diagnosticsFor(${file})`);
          } else {
            const file = files[o.pick % files.length] as string;
            const text = (EDITS[o.edit] as (t: string) => string)(readFileSync(file, 'utf8'));
            eager.updateFile(file, text);
            deferred.updateFile(file, text);
          }
        }
        while (!deferred.indexPending(1)) {
          /* read the rest */
        }
        assert.equal(deferred.pendingModelCount, 0);
        assert.deepEqual(projectState(deferred), projectState(eager));
        assert.deepEqual(findings(checkProject(deferred)), findings(checkProject(eager)));
      }),
      { numRuns: 25 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('before indexing ends, a model\'s early findings are its full findings less the whole-project rules', () => {
  const dir = fixtureProject();
  try {
    const eager = new ProjectSession(dir, { env: {} });
    const project = ruleProjectOfSession(eager, { connected: false });
    const rules = { project, index: createVaultIndex(project) };
    let compared = 0;
    for (const node of eager.models()) {
      const full = checkModel(eager, node, rules);
      // Each model on its own fresh session, with nothing but what it needs read.
      const deferred = new ProjectSession(dir, { env: {}, deferModels: true });
      const early = deferred.nodeByPath(node.file);
      assert.ok(early, node.name);
      const earlyProject = ruleProjectOfSession(deferred, { connected: false });
      const found = checkModelEarly(deferred, early, { project: earlyProject, index: createVaultIndex(earlyProject) });
      assert.ok(deferred.pendingModelCount > 0, 'the check did not read the whole project');
      const expected = full.filter((d) => !(WHOLE_PROJECT_RULES.has(d.code) && !eager.project.diagnosticsFor(node.file).some((p) => p.code === d.code && p.message === d.message)));
      if (full.some((d) => d.code === 'DV101' && d.message.includes('Did you mean'))) continue;
      assert.deepEqual(found.map((d) => JSON.stringify([d.code, d.message, d.span])).sort(), expected.map((d) => JSON.stringify([d.code, d.message, d.span])).sort(), node.name);
      compared++;
    }
    assert.ok(compared > 20, `compared ${compared} models`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
