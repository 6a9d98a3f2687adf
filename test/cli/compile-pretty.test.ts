// `dvs compile` writes the SQL unformatted, as `dbt compile` does; --pretty formats it with sql-formatter. Both
// select the same rows: the formatted text is the formatter's rendering of the unformatted one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { format } from 'sql-formatter';
import { runCli } from '../../server/src/cli/main';
import { captureIo, type CapturedIo } from '../support/cli-io';

const SAMPLE = join(__dirname, '..', '..', 'sample-project');

function capture(): CapturedIo {
  return captureIo(SAMPLE);
}

const args = ['compile', '--project', SAMPLE, '--target', 'embedded', '--select', 'hub_users', '--stdout', '--run-started-at', '2024-01-01T00:00:00Z'];

test('dvs compile prints unformatted SQL by default and formatted SQL with --pretty', async () => {
  const plain = capture();
  assert.equal(await runCli(args, plain), 0, plain.stderr);
  const pretty = capture();
  assert.equal(await runCli([...args, '--pretty'], pretty), 0, pretty.stderr);
  assert.match(plain.stdout, /DISTINCT\s+ON/);
  assert.notEqual(plain.stdout, pretty.stdout, 'the default output is not the formatted one');
  const formatted = format(plain.stdout.replace(/\n$/, ''), { language: 'postgresql', tabWidth: 4, keywordCase: 'preserve', linesBetweenQueries: 1 });
  assert.equal(pretty.stdout.replace(/\n$/, ''), formatted.replace(/\n$/, ''));
});
