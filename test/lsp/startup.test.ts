// The language server's start-up over stdio: the open model's findings come first, before the rest of the project is
// read, and leave out only what needs the whole project (a satellite whose key no hub or link has, DV404, shows once
// every model is read); model names are offered in full at once; the embedded database runs in a worker thread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileUri, LspClient, type Notification, type PublishedDiagnostic } from '../reliability/lsp-client';

const SAMPLE = join(__dirname, '..', '..', 'sample-project');

function positionOf(text: string, needle: string, plus: number): { line: number; character: number } {
  const offset = text.indexOf(needle) + plus;
  const before = text.slice(0, offset);
  return { line: before.split('\n').length - 1, character: offset - (before.lastIndexOf('\n') + 1) };
}

test('start-up: the open model is published first without the whole-project rules, then in full once every model is read', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-lsp-startup-'));
  cpSync(SAMPLE, dir, { recursive: true, filter: (src) => !/[/\\](\.dvs|target|dbt_packages|superset)$/.test(src) });
  const orphanFile = join(dir, 'models', 'dds', 'sat_orphan.sql');
  const orphanText = readFileSync(join(dir, 'models', 'dds', 'sat_users.sql'), 'utf8').replace("src_pk: 'USER_HK'", "src_pk: 'ORPHAN_HK'");
  writeFileSync(orphanFile, orphanText);
  const modelCount = ['stg', 'dds', 'mart'].reduce((n, f) => n + readdirSync(join(dir, 'models', f)).filter((x) => x.endsWith('.sql')).length, 0);
  const client = new LspClient({ root: dir, env: { DVS_TARGET: 'embedded' } });
  try {
    await client.initialize();
    const uri = fileUri(orphanFile);
    client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'jinja-sql', version: 1, text: orphanText } });
    // Asked at once: every model of the project is offered, read or not.
    const names = await client.request<{ label: string }[] | { items: { label: string }[] }>('textDocument/completion', {
      textDocument: { uri },
      position: positionOf(orphanText, "source_model: 'stg_users'", 16),
    });
    const labels = (Array.isArray(names) ? names : names.items).map((i) => i.label);
    for (const name of ['stg_users', 'stg_products', 'stg_purchases']) assert.ok(labels.includes(name), `${name} offered: ${labels.join(', ')}`);

    const isPublish = (n: Notification) => n.method === 'textDocument/publishDiagnostics';
    const first = await client.waitFor((n) => isPublish(n) && (n.params as { uri: string }).uri === uri, { past: true, timeoutMs: 120_000, what: 'the open model published' });
    const publishedBefore = client.notifications.filter((n) => isPublish(n) && n.at <= first.at).map((n) => (n.params as { uri: string }).uri);
    assert.deepEqual(publishedBefore, [uri], 'the open model is the first file published');
    const early = (first.params as { diagnostics: PublishedDiagnostic[] }).diagnostics;
    assert.ok(!early.some((d) => d.code === 'DV404'), 'DV404 needs every hub and link: not published before they are read');

    // The full check publishes every model once the project is read; the open model's findings then include DV404.
    await client.waitUntil(() => new Set(client.notifications.filter((n) => isPublish(n) && n.at > first.at).map((n) => (n.params as { uri: string }).uri)).size >= modelCount, {
      timeoutMs: 120_000,
      what: 'every model published after the open one',
    });
    const full = client.diagnosticsOf(uri) ?? [];
    const dv404 = full.filter((d) => d.code === 'DV404');
    assert.equal(dv404.length, 1, JSON.stringify(full));
    assert.match(dv404[0]?.message ?? '', /ORPHAN_HK/);
    // Everything published early is still there: the early findings are a part of the full ones, none withdrawn.
    const key = (d: PublishedDiagnostic) => JSON.stringify([d.code, d.message, d.range]);
    const fullKeys = new Set(full.map(key));
    for (const d of early) assert.ok(fullKeys.has(key(d)), `early finding kept: ${key(d)}`);
  } finally {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('start-up: the whole-project check shows its progress, which ends once every model is checked; the database thread runs at a lower priority', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-lsp-progress-'));
  cpSync(SAMPLE, dir, { recursive: true, filter: (src) => !/[/\\](\.dvs|target|dbt_packages|superset)$/.test(src) });
  const modelFiles = ['stg', 'dds', 'mart'].flatMap((f) => readdirSync(join(dir, 'models', f)).filter((x) => x.endsWith('.sql')).map((x) => fileUri(join(dir, 'models', f, x))));
  const client = new LspClient({ root: dir, env: { DVS_TARGET: 'embedded' } });
  try {
    await client.initialize();
    const uri = modelFiles[0]!;
    client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'jinja-sql', version: 1, text: readFileSync(new URL(uri), 'utf8') } });
    const progress = (n: Notification) => n.method === '$/progress' ? (n.params as { token: unknown; value: { kind: string; title?: string; message?: string } }) : undefined;
    const begin = await client.waitFor((n) => progress(n)?.value.kind === 'begin' && progress(n)?.value.title === 'Data Vault: checking models', { past: true, timeoutMs: 120_000, what: 'the check progress begun' });
    const token = progress(begin)!.token;
    assert.ok(client.serverRequests.some((r) => r.method === 'window/workDoneProgress/create' && (r.params as { token: unknown }).token === token), 'the token was created with the client first');
    const end = await client.waitFor((n) => progress(n)?.token === token && progress(n)?.value.kind === 'end', { past: true, timeoutMs: 120_000, what: 'the check progress ended' });
    const publishedBy = new Set(client.notifications.filter((n) => n.method === 'textDocument/publishDiagnostics' && n.at <= end.at).map((n) => (n.params as { uri: string }).uri));
    for (const f of modelFiles) assert.ok(publishedBy.has(f), `${f} checked before the progress ended`);

    // The embedded database's worker thread yields the CPU to the thread that answers the editor (Linux: per-thread nice).
    if (process.platform === 'linux' && client.pid) {
      await client.waitFor((n) => n.method === 'dvs/status' && (n.params as { connected?: boolean }).connected === true, { past: true, timeoutMs: 120_000, what: 'the database open' });
      const niceOf = (task: string) => Number(readFileSync(`/proc/${client.pid}/task/${task}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[16]);
      const tasks = readdirSync(`/proc/${client.pid}/task`);
      assert.equal(niceOf(String(client.pid)), 0, 'the main thread keeps its priority');
      assert.ok(tasks.some((t) => niceOf(t) === 10), `a thread runs at nice 10: ${tasks.map((t) => `${t}:${niceOf(t)}`).join(' ')}`);
    }
  } finally {
    await client.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
