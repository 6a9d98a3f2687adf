// The whole-project check on a worker thread (features/background-check.ts), over stdio: it publishes what the check
// on the server's own thread publishes, model for model; an edit made while it runs is not overwritten by the worker's
// older findings; and when the worker cannot run, the server checks every model itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBackgroundCheck } from '../../server/src/features/background-check';
import { fileUri, LspClient, type Notification, type PublishedDiagnostic } from '../reliability/lsp-client';

const SAMPLE = join(__dirname, '..', '..', 'sample-project');
const DIST = join(__dirname, '..', '..', 'dist');

/** A copy of the sample project with findings to publish: a satellite whose key no hub has, a stage typo. */
function project(): { dir: string; models: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-lsp-bg-'));
  cpSync(SAMPLE, dir, { recursive: true, filter: (src) => !/[/\\](\.dvs|target|dbt_packages|superset)$/.test(src) });
  const sat = readFileSync(join(dir, 'models', 'dds', 'sat_users.sql'), 'utf8');
  writeFileSync(join(dir, 'models', 'dds', 'sat_orphan.sql'), sat.replace("src_pk: 'USER_HK'", "src_pk: 'ORPHAN_HK'"));
  const models = ['stg', 'dds', 'mart'].flatMap((f) => readdirSync(join(dir, 'models', f)).filter((x) => x.endsWith('.sql')).map((x) => join(dir, 'models', f, x)));
  return { dir, models };
}

const progressOf = (n: Notification) => (n.method === '$/progress' ? (n.params as { token: unknown; value: { kind: string; title?: string } }) : undefined);

/** Waits until a whole-project check has begun and ended after the schema was read (or found unreadable). */
async function checked(client: LspClient): Promise<void> {
  const status = await client.waitFor((n) => n.method === 'dvs/status' && ((n.params as { connected?: boolean }).connected === true || !!(n.params as { problem?: string }).problem), { past: true, timeoutMs: 120_000, what: 'the schema read' });
  const tokens = new Set<unknown>();
  await client.waitUntil(() => {
    for (const n of client.notifications) {
      const p = progressOf(n);
      if (p?.value.kind === 'begin' && p.value.title === 'Data Vault: checking models') tokens.add(p.token);
    }
    return client.notifications.some((n) => n.at >= status.at && progressOf(n)?.value.kind === 'end' && tokens.has(progressOf(n)!.token));
  }, { timeoutMs: 120_000, what: 'the check after the schema was read' });
}

function lastOfEach(client: LspClient, uris: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const key = (d: PublishedDiagnostic) => JSON.stringify([d.code, d.severity, d.message, d.range]);
  for (const uri of uris) out[uri] = (client.diagnosticsOf(uri) ?? []).map(key).sort();
  return out;
}

test('the worker publishes exactly what the check on the server thread publishes', { timeout: 300_000 }, async () => {
  const { dir, models } = project();
  const uris = models.map(fileUri);
  const results: Record<string, Record<string, string[]>> = {};
  try {
    for (const mode of ['main', 'worker'] as const) {
      const client = new LspClient({ root: dir, env: { DVS_TARGET: 'embedded', DVS_BACKGROUND_CHECK: mode } });
      try {
        await client.initialize();
        const open = models[0]!;
        client.notify('textDocument/didOpen', { textDocument: { uri: fileUri(open), languageId: 'jinja-sql', version: 1, text: readFileSync(open, 'utf8') } });
        await checked(client);
        results[mode] = lastOfEach(client, uris);
        assert.equal(client.stderr.includes('background check'), false, client.stderr);
      } finally {
        await client.stop();
      }
    }
    assert.deepEqual(results.worker, results.main);
    const orphan = Object.entries(results.worker!).find(([uri]) => uri.endsWith('sat_orphan.sql'))?.[1] ?? [];
    assert.ok(orphan.some((d) => d.includes('DV404')), `the project has findings to compare: ${orphan.join(' ')}`);
    for (const uri of uris) assert.ok(results.worker![uri] !== undefined, uri);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a model edited while the worker runs keeps the findings of its edited text', { timeout: 300_000 }, async () => {
  const { dir, models } = project();
  const hub = models.find((m) => m.endsWith('hub_users.sql'))!;
  const typo = readFileSync(hub, 'utf8').replace('set src_nk = "USER_ID"', 'set src_nk = "USER_IDX"');
  assert.notEqual(typo, readFileSync(hub, 'utf8'), 'the hub has the business key the test edits');
  const client = new LspClient({ root: dir, env: { DVS_TARGET: 'embedded', DVS_BACKGROUND_CHECK: 'worker' } });
  try {
    await client.initialize();
    // Opened as soon as a check runs: the worker read the hub from disk, without the typo.
    await client.waitFor((n) => progressOf(n)?.value.kind === 'begin', { past: true, timeoutMs: 120_000, what: 'a check begun' });
    client.notify('textDocument/didOpen', { textDocument: { uri: fileUri(hub), languageId: 'jinja-sql', version: 1, text: typo } });
    await checked(client);
    const last = client.diagnosticsOf(fileUri(hub)) ?? [];
    assert.ok(last.some((d) => d.message.includes('USER_IDX')), `the typo stays flagged: ${JSON.stringify(last)}`);
  } finally {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without its worker script the server checks every model on its own thread and says why', { timeout: 300_000 }, async () => {
  const { dir, models } = project();
  const dist = mkdtempSync(join(tmpdir(), 'dvs-dist-'));
  cpSync(DIST, dist, { recursive: true, filter: (src) => !src.endsWith('background-check-worker.js') && !src.endsWith('.vsix') });
  const client = new LspClient({ root: dir, env: { DVS_TARGET: 'embedded', DVS_BACKGROUND_CHECK: 'worker' }, serverJs: join(dist, 'server.js') });
  try {
    await client.initialize();
    await checked(client);
    for (const m of models) assert.ok(client.diagnosticsOf(fileUri(m)) !== undefined, `${m} published`);
    assert.match(client.stderr + JSON.stringify(client.notifications.filter((n) => n.method === 'window/logMessage')), /background check .* failed, checking on the server's thread instead/);
  } finally {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(dist, { recursive: true, force: true });
  }
});

test('startBackgroundCheck reports a worker that cannot start as failed, once', async () => {
  const calls: string[] = [];
  await new Promise<void>((resolve) => {
    startBackgroundCheck({ root: tmpdir(), settings: {} as never, connected: false, overrides: [], skip: [] }, {
      batch: () => calls.push('batch'),
      done: () => calls.push('done'),
      failed: (reason) => {
        calls.push(`failed: ${reason}`);
        setTimeout(resolve, 50);
      },
    }, join(tmpdir(), 'no-such-worker.js'));
  });
  assert.equal(calls.length, 1, calls.join(' | '));
  assert.match(calls[0]!, /^failed: .*no-such-worker/);
});
