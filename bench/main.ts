// `npm run bench [-- project|lsp|loads …] [--quick]`: runs the selected benchmark parts (all by default), prints each
// part's figures as a table and records them in bench/results.md. Figures only; nothing here passes or fails on time.
import { benchLoads } from './loads';
import { benchLsp } from './lsp-large';
import { benchProject } from './project';
import { machine, printPart, recordPart } from './figures';
import { testServer, withClient } from '../test/reliability/pg-server';

const PARTS = ['project', 'lsp', 'loads'] as const;
type Part = (typeof PARTS)[number];

async function serverForLoads(): Promise<{ url: string | undefined; stop(): void }> {
  const given = process.env.DVS_BENCH_PG_URL;
  if (given) return { url: given, stop: () => undefined };
  try {
    return await testServer();
  } catch (error) {
    process.stderr.write(`bench: no PostgreSQL server for the loads part (${error instanceof Error ? error.message : String(error)})\n`);
    return { url: undefined, stop: () => undefined };
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const unknown = args.filter((a) => a !== '--quick' && !(PARTS as readonly string[]).includes(a));
  if (unknown.length) {
    process.stderr.write(`bench: unknown argument(s) ${unknown.join(', ')}. Usage: npm run bench -- [${PARTS.join('|')} …] [--quick]\n`);
    return 2;
  }
  const selected: Part[] = PARTS.filter((p) => args.includes(p));
  const parts = selected.length ? selected : [...PARTS];
  for (const part of parts) {
    process.stderr.write(`bench: running ${part}${quick ? ' (quick)' : ''}…\n`);
    if (part === 'project') {
      const result = await benchProject(quick);
      printPart(result);
      recordPart(result, machine());
    } else if (part === 'lsp') {
      const result = await benchLsp(quick);
      printPart(result);
      recordPart(result, machine());
    } else {
      const server = await serverForLoads();
      try {
        const version = server.url ? await withClient(server.url, async (c) => String((await c.query('show server_version')).rows[0]?.server_version ?? '')) : undefined;
        const result = await benchLoads({ quick, serverUrl: server.url, ...(version ? { postgresVersion: version } : {}) });
        printPart(result);
        recordPart(result, machine(version));
      } finally {
        server.stop();
      }
    }
  }
  process.stderr.write('bench: figures written to bench/results.md\n');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
