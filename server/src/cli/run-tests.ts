// `dvs test`: runs dbt's generic tests declared in the property files (unique, not_null, accepted_values,
// relationships) against the target, one result per test with its yml file and line; exit 1 when a test fails.
import { relative } from 'node:path';
import { discoverGenericTests, runGenericTest, selectGenericTests, type GenericTestResult } from '../dbt/generic-tests';
import { formatFlag, selectorWords, type ParsedArgs } from './args';
import type { CliIo } from './io';
import { openSession } from './session';
import { openTargetWarehouse } from './warehouse';

export async function runTestCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const format = formatFlag(args, ['text', 'json'], 'text');
  const session = openSession(args, io, 'read');
  const tests = selectGenericTests(session, discoverGenericTests(session), { select: selectorWords(args, 'select'), exclude: selectorWords(args, 'exclude') });
  if (tests.length === 0) {
    io.err('dvs: no generic tests selected (declare them under tests: or data_tests: in a properties .yml).\n');
    if (format === 'json') io.out(JSON.stringify({ tests: [] }) + '\n');
    return 0;
  }
  const wh = await openTargetWarehouse(session, io);
  const results: GenericTestResult[] = [];
  try {
    const width = Math.min(70, Math.max(...tests.map((t) => t.name.length)));
    for (const [i, test] of tests.entries()) {
      const result = await runGenericTest(wh, test);
      results.push(result);
      if (format === 'text') io.out(resultLine(result, i + 1, tests.length, width, session.root));
    }
  } finally {
    await wh.close();
  }
  const count = (s: GenericTestResult['status']) => results.filter((r) => r.status === s).length;
  io.err(`dvs: ${results.length} tests: ${count('pass')} passed, ${count('fail')} failed, ${count('warn')} warned, ${count('error')} errored, ${count('skipped')} not run\n`);
  if (format === 'json') {
    io.out(
      JSON.stringify(
        {
          tests: results.map((r) => ({
            name: r.test.name,
            test: r.test.testName,
            attachedTo: r.test.attachedTo,
            ...(r.test.column !== undefined ? { column: r.test.column } : {}),
            status: r.status,
            failures: r.failures,
            file: relative(session.root, r.test.file).split('\\').join('/'),
            line: r.test.line,
            ...(r.message ? { message: r.message } : {}),
          })),
        },
        null,
        2,
      ) + '\n',
    );
  }
  return count('fail') > 0 || count('error') > 0 ? 1 : 0;
}

function resultLine(r: GenericTestResult, index: number, total: number, width: number, root: string): string {
  const counter = `${String(index).padStart(String(total).length)}/${total}`;
  const label = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', error: 'ERROR', skipped: 'SKIP' }[r.status].padEnd(5);
  const where = `${relative(root, r.test.file).split('\\').join('/')}:${r.test.line}`;
  const failures = r.failures !== null && r.failures > 0 ? ` ${r.failures} failing row${r.failures === 1 ? '' : 's'}` : '';
  const message = r.message && r.status !== 'fail' && r.status !== 'warn' ? `\n      ${r.message}` : '';
  return `${counter} ${label} ${r.test.name.padEnd(width)} ${where}${failures}${message}\n`;
}
