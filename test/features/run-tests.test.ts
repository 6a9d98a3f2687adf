// The failures of dvs.runTests as the editor keeps them between runs (features/run-tests.ts): a failing, warning or
// erroring test becomes DV110 on its yml entry; a later run replaces only the tests it ran, and a test that passes
// again clears its file. Plain data in, LSP diagnostics out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestRunResult } from '../../server/src/protocol';
import { recordTestRun, testFailureDiagnostic, type TestFailures } from '../../server/src/features/run-tests';

const YML = 'file:///p/models/orders.yml';
const OTHER = 'file:///p/models/customers.yml';

function result(name: string, status: TestRunResult['status'], line: number, uri = YML, extra: Partial<TestRunResult> = {}): TestRunResult {
  return {
    name,
    test: name.split('_')[0] as string,
    attachedTo: 'orders',
    column: 'order_id',
    status,
    failures: status === 'fail' || status === 'warn' ? 2 : status === 'pass' ? 0 : null,
    uri,
    range: { start: { line, character: 10 }, end: { line, character: 18 } },
    ms: 1,
    ...extra,
  };
}

test('a failing test is a DV110 warning on its entry naming the test, the rows and the threshold', () => {
  const d = testFailureDiagnostic(result('unique_orders_order_id', 'fail', 9, YML, { message: 'Got 2 results, configured to fail if != 0' }));
  assert.ok(d);
  assert.equal(d.code, 'DV110');
  assert.equal(d.severity, 2);
  assert.deepEqual(d.range, { start: { line: 9, character: 10 }, end: { line: 9, character: 18 } });
  assert.equal(
    d.message,
    'dbt test unique on order_id of orders (unique_orders_order_id) failed: 2 failing rows (Got 2 results, configured to fail if != 0). ' +
      'Fix the data or the test, then run the tests again (dvs test --select unique_orders_order_id).',
  );
  assert.match(String(testFailureDiagnostic(result('not_null_orders_order_id', 'warn', 8))?.message), /warned: 2 failing rows/);
  assert.match(String(testFailureDiagnostic(result('unique_orders_order_id', 'error', 9, YML, { message: 'relation "orders" does not exist' }))?.message), /could not run: relation "orders" does not exist/);
  assert.equal(testFailureDiagnostic(result('unique_orders_order_id', 'pass', 9)), undefined);
  assert.equal(testFailureDiagnostic(result('unique_orders_order_id', 'skipped', 9)), undefined);
});

test('runs replace the failures of the tests they ran and clear files whose tests pass', () => {
  const failures: TestFailures = new Map();
  const first = recordTestRun(failures, [result('not_null_orders_order_id', 'pass', 8), result('unique_orders_order_id', 'fail', 9), result('unique_customers_id', 'fail', 4, OTHER)]);
  assert.deepEqual(
    first.map((f) => [f.uri, f.diagnostics.map((d) => d.range.start.line)]),
    [
      [OTHER, [4]],
      [YML, [9]],
    ],
  );
  // Only the orders tests run again, and the unique test now passes: orders.yml clears, customers.yml is untouched.
  const second = recordTestRun(failures, [result('not_null_orders_order_id', 'pass', 8), result('unique_orders_order_id', 'pass', 9)]);
  assert.deepEqual(second, [{ uri: YML, diagnostics: [] }]);
  assert.equal(failures.size, 1);
  // A test that moved to another line while failing keeps a single diagnostic, at its new line.
  recordTestRun(failures, [result('unique_customers_id', 'fail', 6, OTHER)]);
  const moved = recordTestRun(failures, [result('unique_customers_id', 'fail', 7, OTHER)]);
  assert.deepEqual(moved.map((f) => [f.uri, f.diagnostics.map((d) => d.range.start.line)]), [[OTHER, [7]]]);
  // Nothing ran, nothing changed.
  assert.deepEqual(recordTestRun(failures, []), []);
});
