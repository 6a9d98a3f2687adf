// Benchmark part `lsp`: the language server over stdio on the large project — cold start to first diagnostics,
// completion latency while the start-up check runs and after it (payload column, hashed column, business key),
// model-name completion latency and size, diagnostics after an edit of a satellite and of a stage, dvs/compiledSql
// latency, peak memory. DVS_BENCH_DIST runs another build's server (to measure a before/after pair on one machine).
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileUri, LspClient, now, percentile, type Notification } from '../test/reliability/lsp-client';
import type { Figure, PartResult } from './figures';
import { benchDist, largeSizes, prepareLargeProject } from './project';

function lineAndColumn(text: string, needle: string, plus = 0): { line: number; character: number } {
  const offset = text.indexOf(needle);
  if (offset < 0) throw new Error(`'${needle}' not in the model`);
  const before = text.slice(0, offset + plus);
  const line = before.split('\n').length - 1;
  return { line, character: before.length - (before.lastIndexOf('\n') + 1) };
}

function latencyFigures(name: string, samples: number[], note?: string): Figure[] {
  return [
    { name: `${name} p50`, value: percentile(samples, 50), unit: 'ms', note: `${samples.length} requests${note ? `; ${note}` : ''}` },
    { name: `${name} p95`, value: percentile(samples, 95), unit: 'ms' },
  ];
}

type CompletionResult = unknown[] | { items: unknown[]; isIncomplete?: boolean } | null;

const itemCount = (r: CompletionResult) => (Array.isArray(r) ? r.length : (r?.items?.length ?? 0));

export async function benchLsp(quick: boolean): Promise<PartResult> {
  const sizes = largeSizes(quick);
  const { layout } = await prepareLargeProject(sizes);
  const dir = layout.dir;
  const requests = quick ? 200 : 600;
  const edits = quick ? 60 : 200;
  const figures: Figure[] = [];
  const notes: string[] = [];
  const file = (folder: string, name: string) => join(dir, 'models', folder, `${name}.sql`);
  const docs = {
    sat: file('dds', 'sat_t0001'),
    stage: file('stg', 'stg_t0001'),
    hub: file('dds', 'hub_t0001'),
  };
  const texts = { sat: readFileSync(docs.sat, 'utf8'), stage: readFileSync(docs.stage, 'utf8'), hub: readFileSync(docs.hub, 'utf8') };
  const uris = { sat: fileUri(docs.sat), stage: fileUri(docs.stage), hub: fileUri(docs.hub) };
  const total = layout.counts.total;
  const dist = benchDist();
  const loadStart = loadavg()[0]!;

  // The three column completions the issue names: a satellite's payload column, a column inside a stage's hashdiff
  // list, and a hub's business key.
  const columnRequests = [
    { uri: uris.sat, position: lineAndColumn(texts.sat, "- 'A01'", 4), what: 'payload column' },
    { uri: uris.stage, position: lineAndColumn(texts.stage, "- 'A01'", 4), what: 'hashed column' },
    { uri: uris.hub, position: lineAndColumn(texts.hub, 'src_nk = "', 10), what: 'business key' },
  ];
  const modelNameRequest = { uri: uris.sat, position: lineAndColumn(texts.sat, "source_model: 'stg_t0001'", 16) };

  const t0 = now();
  const client = new LspClient({
    root: dir,
    env: { DVS_TARGET: 'embedded' },
    ...(dist ? { serverJs: join(dist, 'server.js') } : {}),
    completionCapabilities: { completionList: { itemDefaults: ['editRange', 'insertTextFormat'] } },
  });
  try {
    await client.initialize();
    figures.push({ name: 'cold start → initialize answered', value: now() - t0, unit: 'ms' });
    for (const k of ['sat', 'stage', 'hub'] as const) client.notify('textDocument/didOpen', { textDocument: { uri: uris[k], languageId: 'jinja-sql', version: 1, text: texts[k] } });
    // A completion typed at once, while the server still indexes and checks the project.
    const opened = now();
    const coldCompletion = client.request('textDocument/completion', { textDocument: { uri: uris.sat }, position: columnRequests[0]!.position }).then(() => now() - opened);
    const isPublish = (uri?: string) => (n: Notification) => n.method === 'textDocument/publishDiagnostics' && (uri === undefined || (n.params as { uri: string }).uri === uri);
    const first = await client.waitFor(isPublish(), { past: true, timeoutMs: 600_000, what: 'first diagnostics' });
    figures.push({ name: 'cold start → first diagnostics (any model)', value: first.at - t0, unit: 'ms' });
    const own = await client.waitFor(isPublish(uris.sat), { past: true, timeoutMs: 600_000, what: 'diagnostics of the opened model' });
    figures.push({ name: 'cold start → first diagnostics of the open model', value: own.at - t0, unit: 'ms' });
    figures.push({ name: 'first completion, asked as the model opens', value: await coldCompletion, unit: 'ms', note: 'answered once the project is indexed' });

    // Completion while the start-up check (and the re-check after introspection) still runs. The check is over when
    // the progress the server shows for it ends after the raw schema arrived (findings that did not change are not
    // published again, so counting publications would not tell).
    let statusAt: number | undefined;
    let checkedAt: number | undefined;
    const checkTokens = new Set<unknown>();
    let scanned = 0;
    const settledNow = () => {
      for (; scanned < client.notifications.length; scanned++) {
        const n = client.notifications[scanned]!;
        const p = n.params as { connected?: boolean; problem?: string; token?: unknown; value?: { kind?: string; title?: string } };
        if (n.method === 'dvs/status' && statusAt === undefined && (p.connected === true || !!p.problem)) statusAt = n.at;
        if (n.method !== '$/progress') continue;
        if (p.value?.kind === 'begin' && p.value.title?.includes('checking models')) checkTokens.add(p.token);
        if (p.value?.kind === 'end' && checkTokens.has(p.token) && statusAt !== undefined) checkedAt = n.at;
      }
      return checkedAt !== undefined;
    };
    const during: number[] = [];
    for (let i = 0; !settledNow() && i < 5000; i++) {
      const r = columnRequests[i % columnRequests.length]!;
      const start = now();
      await client.request<CompletionResult>('textDocument/completion', { textDocument: { uri: r.uri }, position: r.position });
      during.push(now() - start);
    }
    await client.waitUntil(settledNow, { timeoutMs: 600_000, what: 'the check after introspection' });
    figures.push({ name: 'cold start → raw schema introspected (status connected)', value: (statusAt ?? now()) - t0, unit: 'ms' });
    figures.push({ name: `cold start → all ${total} models checked against the live schema`, value: (checkedAt ?? now()) - t0, unit: 'ms' });
    if (during.length) {
      figures.push(...latencyFigures('completion while the start-up check runs', during, 'payload column, hashed column, business key in turn'));
      // One stall (the database opening on the server's thread, a long check) shows in the maximum, not in p95.
      figures.push({ name: 'completion while the start-up check runs, longest', value: Math.max(...during), unit: 'ms' });
    } else notes.push('the start-up check was over before the first completion could be timed');
    // The findings as they stand: the last publication of each file.
    const last = new Map<string, { severity?: number }[]>();
    for (const n of client.notifications) if (isPublish()(n)) last.set((n.params as { uri: string }).uri, (n.params as { diagnostics: { severity?: number }[] }).diagnostics);
    const published = [...last.values()].flat();
    const publications = client.notifications.filter((n) => isPublish()(n)).length;
    notes.push(`after the check: ${published.filter((d) => d.severity === 1).length} errors, ${published.filter((d) => d.severity === 2).length} warnings in the editor (last publication of each of ${last.size} files; ${publications} publications in all)`);

    // Completion after the check: the three column completions in turn.
    const after: number[] = [];
    const counts = new Map<string, number>();
    for (let i = 0; i < requests; i++) {
      const r = columnRequests[i % columnRequests.length]!;
      const start = now();
      const result = await client.request<CompletionResult>('textDocument/completion', { textDocument: { uri: r.uri }, position: r.position });
      after.push(now() - start);
      if (i < columnRequests.length) counts.set(r.what, itemCount(result));
    }
    figures.push(...latencyFigures('completion after the check', after, [...counts].map(([w, n]) => `${w} ${n} items`).join(', ')));

    // A model name (source_model:): latency and the size of the answer.
    const names: number[] = [];
    let bytes = 0;
    let nameItems = 0;
    let incomplete = false;
    for (let i = 0; i < requests / 2; i++) {
      const start = now();
      const result = await client.request<CompletionResult>('textDocument/completion', { textDocument: { uri: modelNameRequest.uri }, position: modelNameRequest.position });
      names.push(now() - start);
      if (i === 0) {
        bytes = Buffer.byteLength(JSON.stringify(result), 'utf8');
        nameItems = itemCount(result);
        incomplete = !Array.isArray(result) && result?.isIncomplete === true;
      }
    }
    figures.push(...latencyFigures('model-name completion', names, `${nameItems} items${incomplete ? ', marked incomplete' : ''}`));
    figures.push({ name: 'model-name completion size', value: bytes / 1024, unit: 'KB', note: 'JSON of the answer' });

    // Diagnostics after an edit: a typo made and undone, each change waited for until its file's diagnostics arrive.
    const editFigures = async (key: 'sat' | 'stage', label: string) => {
      const original = texts[key];
      const edited = original.replace("- 'A01'", "- 'A01X'");
      const samples: number[] = [];
      let flagged = false;
      let version = 1;
      for (let i = 0; i < edits; i++) {
        const text = i % 2 === 0 ? edited : original;
        const publishedNow = client.waitFor(isPublish(uris[key]), { timeoutMs: 120_000, what: `diagnostics after an edit of ${label}` });
        const start = now();
        client.notify('textDocument/didChange', { textDocument: { uri: uris[key], version: ++version }, contentChanges: [{ text }] });
        const n = await publishedNow;
        samples.push(n.at - start);
        if (i === 0) flagged = (n.params as { diagnostics: { message: string }[] }).diagnostics.some((d) => d.message.includes('A01X'));
      }
      figures.push(...latencyFigures(`edit of a ${label} → its diagnostics`, samples, flagged ? 'the typo is flagged' : 'the typo was NOT flagged'));
      // Let the dependants' re-check finish before the next figure.
      await new Promise((r) => setTimeout(r, 1500));
    };
    await editFigures('sat', 'satellite');
    await editFigures('stage', 'stage');

    // Compiled SQL of a stage, a hub, a link, a satellite and a mart, in turn.
    const models = [layout.names.stages[0], layout.names.hubs[1], layout.names.links[2], layout.names.sats[3], layout.names.marts[4]].filter((m): m is string => !!m);
    const folder = (name: string) => (name.startsWith('stg_') ? 'stg' : name.startsWith('mart_') ? 'mart' : 'dds');
    const compiled: number[] = [];
    const compiledRequests = quick ? 50 : 200;
    for (let i = 0; i < compiledRequests; i++) {
      const name = models[i % models.length] as string;
      const start = now();
      const r = await client.request<{ sql: string }>('dvs/compiledSql', { uri: fileUri(file(folder(name), name)) });
      compiled.push(now() - start);
      if (!r.sql) notes.push(`dvs/compiledSql gave no SQL for ${name}`);
    }
    figures.push(...latencyFigures('dvs/compiledSql', compiled, 'stage, hub, link, satellite, mart in turn; formatted'));
    const memory = client.peakMemoryMiB();
    if (memory !== undefined) figures.push({ name: 'server peak memory (VmHWM)', value: memory, unit: 'MiB', note: 'PGlite runs inside the server' });
  } finally {
    await client.stop();
  }
  notes.push(`load average (1 min) at the start ${loadStart.toFixed(1)}, at the end ${loadavg()[0]!.toFixed(1)}, on ${cpus().length} cores shared with other processes`);
  if (client.stderr.trim()) notes.push(`server stderr: ${client.stderr.trim().split('\n').slice(0, 3).join(' | ')}`);
  const c = layout.counts;
  return {
    part: 'lsp',
    title: 'Language server over stdio',
    date: new Date().toISOString(),
    quick,
    setup: `${dist ? `${dist}/server.js` : 'dist/server.js'} on the large project (${c.total} models, ${layout.tables} raw tables × ${layout.columnsPerTable} columns, target embedded); sat_t0001, stg_t0001 and hub_t0001 open.`,
    figures,
    notes,
  };
}
