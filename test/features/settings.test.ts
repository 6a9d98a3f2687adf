// The language server's settings: pulled per resource over the defaults, cached until cleared, a failed pull gives
// the defaults; and the session options they give.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SETTINGS, SettingsCache, sessionOptionsOf } from '../../server/src/features/settings';

test('settings are pulled once per resource over the defaults, again after clear, defaults when a pull fails', async () => {
  const pulls: string[] = [];
  let fail = false;
  const cache = new SettingsCache((uri) => {
    pulls.push(uri);
    return fail ? Promise.reject(new Error('no client')) : Promise.resolve({ target: uri === 'file:///a' ? 'prod' : '' });
  });
  assert.equal((await cache.get('file:///a')).target, 'prod');
  assert.equal((await cache.get('file:///a')).preview.formatSql, true, 'the defaults fill what the client leaves out');
  await cache.get('file:///b');
  assert.deepEqual(pulls, ['file:///a', 'file:///b']);
  cache.clear();
  fail = true;
  assert.deepEqual(await cache.get('file:///a'), DEFAULT_SETTINGS);
  assert.deepEqual(pulls, ['file:///a', 'file:///b', 'file:///a']);
  assert.deepEqual(await new SettingsCache(() => undefined).get('file:///c'), DEFAULT_SETTINGS, 'a client that cannot be asked');
});

test('session options: the chosen target wins, a known version pins compat, run_started_at without zone is UTC', () => {
  const settings = { ...DEFAULT_SETTINGS, target: 'dev', automateDvVersion: '0.10.1', preview: { formatSql: true, runStartedAt: '2024-01-02 03:04:05' } };
  const options = sessionOptionsOf(settings, 'prod');
  assert.equal(options.targetName, 'prod');
  assert.equal(options.compat?.version, '0.10.1');
  assert.equal(options.runStartedAt?.toISOString(), '2024-01-02T03:04:05.000Z');
  assert.equal(sessionOptionsOf(settings).targetName, 'dev');
  const bad = sessionOptionsOf({ ...DEFAULT_SETTINGS, automateDvVersion: 'latest', preview: { formatSql: true, runStartedAt: 'yesterday' } });
  assert.deepEqual(bad, { purpose: 'read' });
});
