// Benchmark part `lsp`: the language server over stdio on the large project — cold start to first diagnostics,
// completion and diagnostics-after-edit latency (p50/p95 over many requests), dvs/compiledSql latency, peak memory.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileUri, LspClient, now, percentile, type Notification } from '../test/reliability/lsp-client';
import type { Figure, PartResult } from './figures';
import { largeSizes, prepareLargeProject } from './project';

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

export async function benchLsp(quick: boolean): Promise<PartResult> {
  const sizes = largeSizes(quick);
  const { layout } = await prepareLargeProject(sizes);
  const dir = layout.dir;
  const requests = quick ? 200 : 1000;
  const figures: Figure[] = [];
  const notes: string[] = [];
  const satFile = join(dir, 'models', 'dds', 'sat_t0001.sql');
  const satUri = fileUri(satFile);
  const satText = readFileSync(satFile, 'utf8');
  const total = layout.counts.total;

  const t0 = now();
  const client = new LspClient({ root: dir, env: { DVS_TARGET: 'embedded' } });
  try {
    await client.initialize();
    figures.push({ name: 'cold start → initialize answered', value: now() - t0, unit: 'ms' });
    client.notify('textDocument/didOpen', { textDocument: { uri: satUri, languageId: 'jinja-sql', version: 1, text: satText } });
    // A completion typed at once, while the server still indexes and checks the project.
    const opened = now();
    const coldCompletion = client
      .request('textDocument/completion', { textDocument: { uri: satUri }, position: lineAndColumn(satText, "- 'A01'", 4) })
      .then(() => now() - opened);
    const isPublish = (uri?: string) => (n: Notification) => n.method === 'textDocument/publishDiagnostics' && (uri === undefined || (n.params as { uri: string }).uri === uri);
    const first = await client.waitFor(isPublish(), { past: true, timeoutMs: 600_000, what: 'first diagnostics' });
    figures.push({ name: 'cold start → first diagnostics (any model)', value: first.at - t0, unit: 'ms' });
    const own = await client.waitFor(isPublish(satUri), { past: true, timeoutMs: 600_000, what: 'diagnostics of the opened model' });
    figures.push({ name: 'cold start → diagnostics of the opened model', value: own.at - t0, unit: 'ms' });
    const status = await client.waitFor((n) => n.method === 'dvs/status' && ((n.params as { connected?: boolean }).connected === true || !!(n.params as { problem?: string }).problem), {
      past: true,
      timeoutMs: 600_000,
      what: 'the raw schema introspection',
    });
    figures.push({ name: 'cold start → raw schema introspected (status connected)', value: status.at - t0, unit: 'ms' });
    figures.push({ name: 'first completion, asked as the model opens', value: await coldCompletion, unit: 'ms', note: 'waits for indexing, the first check and up to 2 s of introspection' });
    // The introspection re-checks every model; wait until all of them were published again, then the server is idle.
    const after = status.at;
    const publishedSince = () => new Set(client.notifications.filter((n) => n.at >= after && isPublish()(n)).map((n) => (n.params as { uri: string }).uri)).size;
    await client.waitUntil(() => publishedSince() >= total, { timeoutMs: 600_000, what: 'the re-check after introspection' });
    const settled = now();
    figures.push({ name: `cold start → all ${total} models checked against the live schema`, value: settled - t0, unit: 'ms' });
    const errors = client.notifications.filter((n) => n.at >= after && isPublish()(n)).flatMap((n) => (n.params as { diagnostics: { severity?: number }[] }).diagnostics);
    notes.push(`after introspection: ${errors.filter((d) => d.severity === 1).length} errors, ${errors.filter((d) => d.severity === 2).length} warnings published`);

    // Completion: a payload column (from the stage's columns) and a model name (source_model).
    const payloadPos = lineAndColumn(satText, "- 'A01'", 4);
    const modelPos = lineAndColumn(satText, "source_model: 'stg_t0001'", 16);
    const completion: number[] = [];
    let items = 0;
    for (let i = 0; i < requests; i++) {
      const position = i % 2 === 0 ? payloadPos : modelPos;
      const start = now();
      const result = await client.request<unknown[] | { items: unknown[] }>('textDocument/completion', { textDocument: { uri: satUri }, position });
      completion.push(now() - start);
      if (i < 2) items += Array.isArray(result) ? result.length : result?.items?.length ?? 0;
    }
    figures.push(...latencyFigures('completion', completion, `payload column and model name, ${items} items in the first two`));

    // Diagnostics after an edit: a payload column typo made and undone, each change waited for until published.
    const edited = satText.replace("- 'A01'", "- 'A01X'");
    const afterEdit: number[] = [];
    let version = 1;
    let typoFlagged = false;
    for (let i = 0; i < requests; i++) {
      const text = i % 2 === 0 ? edited : satText;
      const published = client.waitFor(isPublish(satUri), { timeoutMs: 120_000, what: 'diagnostics after an edit' });
      const start = now();
      client.notify('textDocument/didChange', { textDocument: { uri: satUri, version: ++version }, contentChanges: [{ text }] });
      const n = await published;
      afterEdit.push(n.at - start);
      if (i === 0) typoFlagged = (n.params as { diagnostics: { message: string }[] }).diagnostics.some((d) => d.message.includes('A01X'));
    }
    figures.push(...latencyFigures('diagnostics after an edit', afterEdit, typoFlagged ? 'the typo is flagged' : 'the typo was NOT flagged'));

    // Compiled SQL of a stage, a hub, a link, a satellite and a mart, in turn.
    const models = [layout.names.stages[0], layout.names.hubs[1], layout.names.links[2], layout.names.sats[3], layout.names.marts[4]].filter((m): m is string => !!m);
    const folder = (name: string) => (name.startsWith('stg_') ? 'stg' : name.startsWith('mart_') ? 'mart' : 'dds');
    const compiled: number[] = [];
    const compiledRequests = quick ? 50 : 200;
    for (let i = 0; i < compiledRequests; i++) {
      const name = models[i % models.length] as string;
      const start = now();
      const r = await client.request<{ sql: string }>('dvs/compiledSql', { uri: fileUri(join(dir, 'models', folder(name), `${name}.sql`)) });
      compiled.push(now() - start);
      if (!r.sql) notes.push(`dvs/compiledSql gave no SQL for ${name}`);
    }
    figures.push(...latencyFigures('dvs/compiledSql', compiled, 'stage, hub, link, satellite, mart in turn; formatted'));
    const memory = client.peakMemoryMiB();
    if (memory !== undefined) figures.push({ name: 'server peak memory (VmHWM)', value: memory, unit: 'MiB', note: 'PGlite runs inside the server' });
  } finally {
    await client.stop();
  }
  if (client.stderr.trim()) notes.push(`server stderr: ${client.stderr.trim().split('\n').slice(0, 3).join(' | ')}`);
  const c = layout.counts;
  return {
    part: 'lsp',
    title: 'Language server over stdio',
    date: new Date().toISOString(),
    quick,
    setup: `dist/server.js on the large project (${c.total} models, ${layout.tables} raw tables × ${layout.columnsPerTable} columns, target embedded); one model open (sat_t0001.sql).`,
    figures,
    notes,
  };
}
