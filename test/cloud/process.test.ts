import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNodeProcess } from '../../server/src/cloud/process';

const env = { PATH: process.env.PATH ?? '' };

test('output streams per chunk with its stream, and the exit code comes back', async () => {
  const chunks: string[] = [];
  const result = await runNodeProcess(
    { command: process.execPath, args: ['-e', 'process.stdout.write("out"); process.stderr.write("err"); process.exit(3)'], cwd: __dirname, env },
    (chunk, stream) => chunks.push(`${stream}:${chunk}`),
  );
  assert.equal(result.exitCode, 3);
  assert.equal(result.stdout, 'out');
  assert.equal(result.stderr, 'err');
  assert.deepEqual(chunks.sort(), ['stderr:err', 'stdout:out']);
  assert.equal(result.notFound, false);
});

test('only the given environment reaches the child', async () => {
  const result = await runNodeProcess({ command: process.execPath, args: ['-e', 'process.stdout.write(JSON.stringify(Object.keys(process.env).sort()))'], cwd: __dirname, env: { ONLY_THIS: '1' } });
  assert.deepEqual(JSON.parse(result.stdout), ['ONLY_THIS']);
});

test('a program that is not on PATH is reported as not found', async () => {
  const result = await runNodeProcess({ command: 'dvs-no-such-program', args: [], cwd: __dirname, env: { PATH: __dirname } });
  assert.deepEqual([result.exitCode, result.notFound], [null, true]);
});

test('aborting interrupts the child', async () => {
  const abort = new AbortController();
  const result = await runNodeProcess(
    { command: process.execPath, args: ['-e', 'process.stdout.write("ready"); setInterval(() => {}, 1000)'], cwd: __dirname, env, signal: abort.signal },
    () => abort.abort(),
  );
  assert.equal(result.exitCode, null, 'killed by SIGINT');
  assert.equal(result.stdout, 'ready');
});
