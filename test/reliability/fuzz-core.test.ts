// Fuzzing of the core with fast-check: mutated and random model files and YAML blocks go through the model parser,
// the project session (diagnostics, first-load and incremental compile), the vault rules and the whole-project check.
// Nothing may throw, and every span a finding or a parsed name carries must lie inside its document. Seeded and
// bounded; `npm run fuzz` runs the same properties longer with a fresh seed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseModel } from '../../server/src/model/parse';
import { ProjectSession } from '../../server/src/engine/session';
import { checkProject } from '../../server/src/engine/check';
import { runVaultRules } from '../../server/src/rules';
import { ruleProjectOfSession } from '../../server/src/engine/rule-project';
import { collectSpans, fuzzSettings, modelCorpus, modelText, REPO, runParameters, spanInside, yamlModel } from './fuzz-input';

let root = '';
let session: ProjectSession;
let modelNames: string[] = [];
const corpus = modelCorpus();

before(() => {
  root = mkdtempSync(join(tmpdir(), 'dvs-fuzz-core-'));
  cpSync(join(REPO, 'sample-project'), root, { recursive: true, filter: (src) => !src.includes('/.dvs') && !src.includes('/target') });
  session = new ProjectSession(root, { env: {}, targetName: 'embedded', runStartedAt: new Date('2024-06-23T12:00:00Z') });
  modelNames = session.models().map((m) => m.name);
  assert.ok(modelNames.length >= 10, 'the sample project has its models');
});

after(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

function describe(text: string): string {
  return JSON.stringify(text.length > 400 ? text.slice(0, 400) + '…' : text);
}

function assertSpans(what: string, spans: ({ start: number; end: number } | undefined)[], text: string): void {
  for (const s of spans) assert.ok(spanInside(s, text.length), `${what}: span ${JSON.stringify(s)} outside a text of ${text.length} characters ${describe(text)}`);
}

test(`the model parser never throws and keeps every span inside the text (seed ${fuzzSettings().seed})`, () => {
  fc.assert(
    fc.property(modelText(corpus), (text) => {
      const parsed = parseModel(text);
      assert.equal(parsed.text, text);
      assertSpans('diagnostic', parsed.diagnostics.map((d) => d.span), text);
      for (const d of parsed.diagnostics) assert.match(d.code, /^DV\d{3}$/);
      assertSpans('parsed model', collectSpans({ calls: parsed.calls, refs: parsed.refs, sources: parsed.sources, variables: parsed.variables, yamlBlocks: parsed.yamlBlocks }), text);
    }),
    runParameters(1500),
  );
});

test('YAML metadata blocks of random shape parse to diagnostics, never exceptions', () => {
  fc.assert(
    fc.property(yamlModel, (text) => {
      const parsed = parseModel(text);
      assertSpans('diagnostic', parsed.diagnostics.map((d) => d.span), text);
      assertSpans('yaml block', collectSpans(parsed.yamlBlocks), text);
    }),
    runParameters(800),
  );
});

test('an edited model gets diagnostics, compiles (first load and incremental) and passes the rules without an exception', () => {
  const ruleErrors: string[] = [];
  fc.assert(
    fc.property(fc.constantFrom(...modelNames), modelText(corpus), fc.boolean(), (name, text, incremental) => {
      const node = session.node(name);
      assert.ok(node, name);
      session.updateFile(node.file, text);
      try {
        const edited = session.node(name) ?? node;
        const diagnostics = session.diagnosticsFor(edited, text);
        assertSpans('diagnostic', diagnostics.map((d) => d.span), text);
        for (const d of diagnostics) assert.ok(['error', 'warning', 'information'].includes(d.severity), JSON.stringify(d));
        const compiled = session.compile(edited, { text, incremental, formatSql: true });
        assert.equal(typeof compiled.sql, 'string');
        assertSpans('compile diagnostic', compiled.diagnostics.map((d) => d.span), text);
        const ruleFindings = runVaultRules({
          modelName: edited.name,
          parsed: session.parse(text),
          project: ruleProjectOfSession(session, { connected: false }),
          onRuleError: (rule, error) => ruleErrors.push(`${rule.id}: ${String(error)} on ${describe(text)}`),
        });
        assertSpans('rule finding', ruleFindings.map((d) => d.span), text);
        assert.deepEqual(ruleErrors, [], 'a vault rule threw');
      } finally {
        session.closeFile(node.file);
      }
    }),
    runParameters(500),
  );
});

test('checking the whole project with one file edited never throws and keeps spans inside each file', () => {
  fc.assert(
    fc.property(fc.constantFrom(...modelNames), modelText(corpus), (name, text) => {
      const node = session.node(name);
      assert.ok(node, name);
      session.updateFile(node.file, text);
      try {
        const result = checkProject(session);
        assert.ok(result.models >= 1);
        for (const file of result.files) assertSpans(`check of ${file.file}`, file.diagnostics.map((d) => d.span), file.text);
      } finally {
        session.closeFile(node.file);
      }
    }),
    runParameters(60),
  );
});

test('after the fuzzing the untouched project checks as before', () => {
  const result = checkProject(session);
  const errors = result.files.flatMap((f) => f.diagnostics.filter((d) => d.severity === 'error').map((d) => `${f.file}: ${d.code} ${d.message}`));
  assert.deepEqual(errors, []);
  assert.equal(result.models, modelNames.length);
});
