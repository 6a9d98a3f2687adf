// dvs.runTests: dbt's generic tests declared in the yml files, run one at a time on the target with progress, and their
// failures as diagnostics (DV110) on the line of each test's yml entry. The failures of every test are kept between
// runs, so a run of some tests replaces only theirs and a test that passes again clears its own.
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic } from 'vscode-languageserver';
import { SourceText, type Range, type Span } from '../base/text';
import { discoverGenericTests, runGenericTest, selectGenericTests, type GenericTestResult } from '../dbt/generic-tests';
import type { ProjectSession } from '../engine/session';
import type { RunTestsArgs, RunTestsResult, TestRunResult } from '../protocol';
import type { SqlSession } from '../warehouse/warehouse';
import { pathToUri } from './uris';

export interface TestProgress {
  test: string;
  /** 1-based position in the run and the number of tests selected. */
  index: number;
  total: number;
}

/** The latest failure of each test, by test, with the yml file it is shown in. */
export type TestFailures = Map<string, { uri: string; diagnostic: LspDiagnostic }>;

/** A file whose test diagnostics changed, with all of them (empty to clear the file). */
export interface TestDiagnosticsOfFile {
  uri: string;
  diagnostics: LspDiagnostic[];
}

export async function runTests(
  session: ProjectSession,
  wh: SqlSession,
  args: RunTestsArgs,
  target: string,
  onProgress: (p: TestProgress) => void,
  signal: AbortSignal,
): Promise<RunTestsResult> {
  const started = Date.now();
  const tests = selectGenericTests(session, discoverGenericTests(session), { select: args.select ?? [], exclude: args.exclude ?? [] });
  const results: TestRunResult[] = [];
  let cancelled = false;
  for (const [i, test] of tests.entries()) {
    if (signal.aborted) {
      cancelled = true;
      break;
    }
    onProgress({ test: test.name, index: i + 1, total: tests.length });
    results.push(toProtocol(session, await runGenericTest(wh, test)));
  }
  return { target, tests: results, cancelled, ms: Date.now() - started };
}

/** The range of a test's entry on its first line: the place the editor underlines. */
function entryLine(text: string | undefined, span: Span): Range {
  if (text === undefined) return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  const lineEnd = text.indexOf('\n', span.start);
  const end = Math.min(span.end, lineEnd < 0 ? text.length : lineEnd);
  return new SourceText(text).rangeOf({ start: span.start, end: Math.max(span.start, end) });
}

function toProtocol(session: ProjectSession, r: GenericTestResult): TestRunResult {
  const out: TestRunResult = {
    name: r.test.name,
    test: r.test.testName,
    attachedTo: r.test.attachedTo,
    status: r.status,
    failures: r.failures,
    uri: pathToUri(r.test.file),
    range: entryLine(session.project.files.readFile(r.test.file), r.test.span),
    ms: r.ms,
  };
  if (r.test.column !== undefined) out.column = r.test.column;
  if (r.message) out.message = r.message;
  return out;
}

function describeTest(t: TestRunResult): string {
  const on = t.column !== undefined ? `${t.column} of ${t.attachedTo}` : t.attachedTo;
  return `${t.test} on ${on} (${t.name})`;
}

/** The diagnostic of a test that failed, warned or could not run; undefined when it passed or was not run. */
export function testFailureDiagnostic(t: TestRunResult): LspDiagnostic | undefined {
  let message: string;
  switch (t.status) {
    case 'fail':
    case 'warn': {
      const rows = t.failures === null ? '' : `${t.failures} failing row${t.failures === 1 ? '' : 's'}`;
      message =
        `dbt test ${describeTest(t)} ${t.status === 'fail' ? 'failed' : 'warned'}: ${rows}${t.message ? ` (${t.message})` : ''}. ` +
        `Fix the data or the test, then run the tests again (dvs test --select ${t.name}).`;
      break;
    }
    case 'error':
      message = `dbt test ${describeTest(t)} could not run: ${t.message ?? 'the query failed'}`;
      break;
    default:
      return undefined;
  }
  // DV110 is a warning (codes.ts): the model compiles and loads; its data breaks an expectation.
  return { range: t.range, severity: DiagnosticSeverity.Warning, code: 'DV110', source: 'dvs', message };
}

/**
 * Records a run in the failures kept so far: the tests that ran lose their old diagnostic and keep a new one if they
 * did not pass. Returns every file whose diagnostics changed, with all the diagnostics it now has.
 */
export function recordTestRun(failures: TestFailures, results: readonly TestRunResult[]): TestDiagnosticsOfFile[] {
  const touched = new Set<string>();
  for (const t of results) {
    // By name, not line: the test may have moved since the last run.
    const key = `${t.uri}#${t.name}`;
    const previous = failures.get(key);
    if (previous) {
      touched.add(previous.uri);
      failures.delete(key);
    }
    const diagnostic = testFailureDiagnostic(t);
    if (diagnostic) {
      failures.set(key, { uri: t.uri, diagnostic });
      touched.add(t.uri);
    }
  }
  return [...touched].sort().map((uri) => ({
    uri,
    diagnostics: [...failures.values()].filter((f) => f.uri === uri).map((f) => f.diagnostic).sort((a, b) => a.range.start.line - b.range.start.line),
  }));
}
