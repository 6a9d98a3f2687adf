// The project index is updated by difference (an edit swaps one file's nodes and findings; the graph is rebuilt only
// when refs, sources or config change). Property: after any sequence of edits, renames, creations and deletions, a
// session that followed them gives exactly the findings of a fresh session over the same files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { checkProject, type CheckResult } from '../../server/src/engine/check';
import { ProjectSession } from '../../server/src/engine/session';

const SAMPLE = join(__dirname, '..', '..', 'sample-project');

function copyProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-incremental-'));
  cpSync(SAMPLE, dir, { recursive: true, filter: (src) => !/[/\\](\.dvs|target|dbt_packages|superset)$/.test(src) });
  return dir;
}

function modelFiles(dir: string): string[] {
  const out: string[] = [];
  for (const folder of ['stg', 'dds', 'mart']) {
    const d = join(dir, 'models', folder);
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d)) if (f.endsWith('.sql')) out.push(join(d, f));
  }
  return out.sort();
}

/** The findings in a comparable form: per file, sorted, with code, severity, message, span and fixes. */
function findings(result: CheckResult): string[] {
  return result.files
    .map((f) => `${f.file}\n${f.diagnostics.map((d) => JSON.stringify([d.code, d.severity, d.message, d.span, d.fixes])).sort().join('\n')}`)
    .sort();
}

// Edits of a model's text: some keep its refs, sources and config (spans move, columns change), others change them.
const EDITS: ((text: string) => string)[] = [
  (t) => `\n\n${t}`, // every span moves
  (t) => t.replace(/'([A-Z_]+)'/, "'$1X'"), // a column typo
  (t) => t.replace(/source_model: '([a-z_]+)'/, "source_model: '$1z'"), // an unknown model
  (t) => `{{ config(materialized='table') }}\n${t}`, // config changes
  (t) => `{{ config(enabled=false) }}\n${t}`, // disabled: readers get DV101
  (t) => `${t}\n-- {{ ref('hub_users') }}\n`, // a new ref
  (t) => `${t}\n-- {{ ref('no_such_model') }}\n`, // a ref to nothing, with a span after the edit
  (t) => t.replace(/\{\{ config\([^)]*\) \}\}\n/, ''), // config removed again
  (t) => t.replace('\n\n', '\n'), // spans move back
];

type Op = { kind: 'edit'; file: number; edit: number } | { kind: 'rename'; file: number } | { kind: 'create'; file: number } | { kind: 'delete'; file: number };

// Mostly the first few files, so one file is often edited several times (a shape change, then a span move).
const fileArb = fc.oneof({ weight: 3, arbitrary: fc.nat(1) }, { weight: 1, arbitrary: fc.nat(40) });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('edit' as const), file: fileArb, edit: fc.nat(EDITS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rename' as const), file: fileArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('create' as const), file: fileArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), file: fileArb }) },
);

const OPTIONS = { targetName: 'embedded', env: {}, runStartedAt: new Date('2024-01-01T00:00:00Z') };

test('any sequence of edits, renames, creations and deletions gives the findings of a fresh check', () => {
  let counter = 0;
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 1, maxLength: 10 }), (ops) => {
      const dir = copyProject();
      try {
        const session = new ProjectSession(dir, OPTIONS);
        session.setSchemaSnapshot(undefined);
        checkProject(session);
        for (const op of ops) {
          const files = modelFiles(dir);
          const file = files[op.file % files.length] as string;
          const text = readFileSync(file, 'utf8');
          if (op.kind === 'edit') {
            const next = (EDITS[op.edit] as (t: string) => string)(text);
            writeFileSync(file, next);
            session.updateFile(file, next);
          } else if (op.kind === 'delete') {
            rmSync(file);
            session.closeFile(file);
          } else {
            const target = join(dir, 'models', 'stg', `new_model_${++counter}.sql`);
            writeFileSync(target, text);
            session.updateFile(target, text);
            if (op.kind === 'rename') {
              rmSync(file);
              session.closeFile(file);
            }
          }
          // Findings are asked for after every step, so each edit meets a derived state already built.
          checkProject(session);
        }
        const fresh = new ProjectSession(dir, OPTIONS);
        fresh.setSchemaSnapshot(undefined);
        assert.deepEqual(findings(checkProject(session)), findings(checkProject(fresh)));
        assert.deepEqual(
          session.project.topologicalOrder(),
          fresh.project.topologicalOrder(),
          'the build order follows the edits',
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }),
    {
      numRuns: 30,
      // Besides the random sequences: a ref to nothing, then an edit that only moves spans, in one file.
      examples: [[[{ kind: 'edit', file: 0, edit: 6 }, { kind: 'edit', file: 0, edit: 0 }]]],
    },
  );
});

test('an edit that keeps refs, sources and config moves the project findings with the text', () => {
  const dir = copyProject();
  try {
    const session = new ProjectSession(dir, OPTIONS);
    const file = join(dir, 'models', 'mart', 'mart_returns.sql');
    const withRef = `${readFileSync(file, 'utf8')}\n-- {{ ref('no_such_model') }}\n`;
    session.updateFile(file, withRef);
    const first = session.project.diagnosticsFor(file).find((d) => d.code === 'DV101');
    assert.ok(first?.span, 'the unknown ref is reported');
    const graph = session.project.graph();
    session.updateFile(file, `\n\n${withRef}`);
    const moved = session.project.diagnosticsFor(file).find((d) => d.code === 'DV101');
    assert.deepEqual(moved?.span, { start: first.span.start + 2, end: first.span.end + 2 });
    assert.equal(session.project.graph(), graph, 'the graph was kept: no ref, source or config changed');
    session.updateFile(file, `{{ config(materialized='table') }}\n${withRef}`);
    assert.notEqual(session.project.graph(), graph, 'a config change rebuilds the graph');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
