// Language-server benchmark on the sample project: cold index time, then completion and diagnostics latency (p50/p95
// over 1,000 requests each), measured through `dist/server.js --stdio` with a real JSON-RPC client, plus the same
// work in-process without the protocol. Prints figures; asserts nothing. Build first: `node scripts/build.mjs`.
// Run: node --import tsx bench/lsp.ts [--requests N]
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SourceText } from '../server/src/base/text';
import { checkModel } from '../server/src/engine/check';
import { ProjectSession } from '../server/src/engine/session';
import { completionItems } from '../server/src/features/completion';
import { featureProjectOfSession } from '../server/src/features/session-view';
import { createVaultIndex } from '../server/src/rules';
import { LspClient, type PublishedDiagnostics } from '../test/lsp/lsp-client';

const requestsFlag = process.argv.indexOf('--requests');
const REQUESTS = requestsFlag > 0 ? Number(process.argv[requestsFlag + 1]) : 1000;
const SAMPLE = join(__dirname, '..', 'sample-project');
const SAT = 'models/dds/sat_users.sql';

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function report(label: string, samples: number[]): void {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / Math.max(1, s.length);
  console.log(`${label.padEnd(44)} n=${String(s.length).padStart(5)}  p50 ${percentile(s, 50).toFixed(2).padStart(7)} ms  p95 ${percentile(s, 95).toFixed(2).padStart(7)} ms  mean ${mean.toFixed(2).padStart(7)} ms`);
}

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

async function overLsp(root: string): Promise<void> {
  const uriOf = (rel: string) => pathToFileURL(join(root, rel)).href;
  const models = new ProjectSession(root).models().map((m) => pathToFileURL(m.file).href);
  const start = process.hrtime.bigint();
  const client = LspClient.start('stdio', {}, { target: 'embedded', preview: { formatSql: true, runStartedAt: '' } });
  try {
    await client.initialize(root);
    await Promise.all(models.map((u) => client.waitFor((n) => n.method === 'textDocument/publishDiagnostics' && (n.params as PublishedDiagnostics).uri === u, u)));
    console.log(`cold index over LSP (spawn → every model's diagnostics published): ${ms(start).toFixed(0)} ms for ${models.length} models`);
    await client.waitFor((n) => n.method === 'dvs/status' && (n.params as { connected: boolean }).connected, 'connected');
    console.log(`embedded target connected and introspected after ${ms(start).toFixed(0)} ms`);
    await client.request('workspace/executeCommand', { command: 'dvs.generateRaw', arguments: [{ count: 50, seed: 7 }] });

    const uri = uriOf(SAT);
    const text = readFileSync(join(root, SAT), 'utf8');
    await client.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'jinja-sql', version: 1, text } });
    const position = new SourceText(text).positionAt(text.indexOf("  - 'TITLE'") + 7);
    const completion: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const t = process.hrtime.bigint();
      await client.request('textDocument/completion', { textDocument: { uri }, position });
      completion.push(ms(t));
    }
    report('completion (src_payload of sat_users), LSP', completion);

    // Each edit flips one payload column between EMAIL and EMIAL; the time is until the file's diagnostics arrive.
    const at = new SourceText(text).positionAt(text.indexOf("  - 'EMAIL'") + 5);
    const range = { start: at, end: { line: at.line, character: at.character + 5 } };
    const diagnostics: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const published = client.nextDiagnostics(uri);
      const t = process.hrtime.bigint();
      await client.notify('textDocument/didChange', { textDocument: { uri, version: i + 2 }, contentChanges: [{ range, text: i % 2 === 0 ? 'EMIAL' : 'EMAIL' }] });
      await published;
      diagnostics.push(ms(t));
    }
    report('diagnostics after a keystroke (sat_users), LSP', diagnostics);
  } finally {
    await client.stop();
  }
}

function inProcess(root: string): void {
  const start = process.hrtime.bigint();
  const session = new ProjectSession(root);
  const project = featureProjectOfSession(session, () => ({ target: 'embedded', connected: false }));
  let index = createVaultIndex(project);
  for (const node of session.models()) checkModel(session, node, { project, index });
  console.log(`cold index in-process (open project, parse, compile and check every model): ${ms(start).toFixed(1)} ms`);

  const file = join(root, SAT);
  const text = readFileSync(file, 'utf8');
  const node = session.nodeByPath(file);
  if (!node) throw new Error('sat_users is not in the sample project');
  const offset = text.indexOf("  - 'TITLE'") + 7;
  const completion: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const t = process.hrtime.bigint();
    completionItems({ project, index, modelName: node.name, parsed: session.parsed(node), offset });
    completion.push(ms(t));
  }
  report('completion, in-process', completion);
  const check: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const edited = text.replace("'EMAIL'", i % 2 === 0 ? "'EMIAL'" : "'EMAIL'");
    const t = process.hrtime.bigint();
    session.updateFile(file, edited);
    index = createVaultIndex(project);
    checkModel(session, node, { project, index }, edited);
    check.push(ms(t));
  }
  report('re-check of one edited model, in-process', check);
}

async function main(): Promise<void> {
  const root = join(mkdtempSync(join(tmpdir(), 'dvs-bench-')), 'sample');
  cpSync(SAMPLE, root, { recursive: true, filter: (src) => !src.includes('/.dvs') && !src.includes('/target/') });
  try {
    console.log(`Data Vault Studio language server on the sample project (${REQUESTS} requests per figure)`);
    inProcess(root);
    await overLsp(root);
  } finally {
    rmSync(join(root, '..'), { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
