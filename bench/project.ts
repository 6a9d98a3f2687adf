// Benchmark part `project`: generates the large project, creates its raw schema in the embedded database, and times
// `dvs check` and `dvs compile` over all of it as a user would run them (fresh processes), plus a warm in-process check.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkProject } from '../server/src/engine/check';
import { ProjectSession } from '../server/src/engine/session';
import { refreshSchemaCache } from '../server/src/warehouse/introspect';
import { openPglite } from '../server/src/warehouse/pglite';
import { msSince, type Figure, type PartResult } from './figures';
import { createRawSchema, writeLargeProject, type LargeProjectLayout } from './large-project';

const REPO = join(__dirname, '..');
export const CLI = join(REPO, 'dist', 'cli.js');
const RSS_PRELOAD = join(__dirname, 'report-rss.cjs');

export interface LargeSizes {
  tables: number;
  columnsPerTable: number;
  models: number;
}

export function largeSizes(quick: boolean): LargeSizes {
  return quick ? { tables: 100, columnsPerTable: 50, models: 400 } : { tables: 500, columnsPerTable: 50, models: 2000 };
}

export interface PreparedProject {
  layout: LargeProjectLayout;
  figures: Figure[];
}

/** The large project in a temp folder with its raw schema in the embedded database; reused when the sizes match. */
export async function prepareLargeProject(sizes: LargeSizes): Promise<PreparedProject> {
  const dir = join(tmpdir(), 'dvs-bench', `large-${sizes.tables}x${sizes.columnsPerTable}-${sizes.models}`);
  const figures: Figure[] = [];
  let start = process.hrtime.bigint();
  const layout = writeLargeProject(dir, sizes);
  figures.push({ name: 'write the project files', value: msSince(start), unit: 'ms', note: `${layout.counts.total} models` });
  const marker = join(dir, '.dvs', 'bench-raw-schema');
  start = process.hrtime.bigint();
  const wh = await openPglite(join(dir, '.dvs', 'pglite'));
  figures.push({ name: 'open the embedded database (initdb when new)', value: msSince(start), unit: 'ms' });
  try {
    if (!existsSync(marker)) {
      start = process.hrtime.bigint();
      await createRawSchema(wh, layout);
      figures.push({ name: `create ${layout.tables} raw tables × ${layout.columnsPerTable} columns`, value: msSince(start), unit: 'ms' });
      writeFileSync(marker, `${layout.tables}x${layout.columnsPerTable}\n`);
    }
    start = process.hrtime.bigint();
    await refreshSchemaCache(wh, dir, 'embedded');
    figures.push({ name: 'introspect the raw schema into the cache', value: msSince(start), unit: 'ms' });
  } finally {
    await wh.close();
  }
  return { layout, figures };
}

interface TimedRun {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
  maxRssMiB: number | undefined;
}

/** Runs the CLI in a fresh node process and reports wall time and peak memory. */
export function timedCli(args: string[], env: Record<string, string> = {}): TimedRun {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--require', RSS_PRELOAD, CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 256 * 1024 * 1024,
  });
  const ms = msSince(start);
  const kb = /\[bench\] maxRSS (\d+)/.exec(r.stderr)?.[1];
  return { ms, code: r.status, stdout: r.stdout, stderr: r.stderr, maxRssMiB: kb ? Number(kb) / 1024 : undefined };
}

export async function benchProject(quick: boolean): Promise<PartResult> {
  const sizes = largeSizes(quick);
  const { layout, figures } = await prepareLargeProject(sizes);
  const dir = layout.dir;
  const notes: string[] = [];

  const check = timedCli(['check', '--project', dir, '--target', 'embedded', '--format', 'json']);
  let summary = '';
  try {
    const json = JSON.parse(check.stdout) as { models: number; diagnostics: { severity: string }[] };
    const count = (s: string) => json.diagnostics.filter((d) => d.severity === s).length;
    summary = `${json.models} models; ${count('error')} errors, ${count('warning')} warnings, ${count('information')} information`;
  } catch {
    summary = `exit ${check.code}: ${check.stderr.slice(0, 200)}`;
  }
  figures.push({ name: '`dvs check` whole project (fresh process)', value: check.ms, unit: 'ms', note: summary });
  if (check.maxRssMiB) figures.push({ name: '`dvs check` peak memory', value: check.maxRssMiB, unit: 'MiB' });
  figures.push({ name: '`dvs check` per model', value: check.ms / layout.counts.total, unit: 'ms' });

  const compile = timedCli(['compile', '--project', dir, '--target', 'embedded']);
  figures.push({ name: '`dvs compile` every model (fresh process)', value: compile.ms, unit: 'ms', note: compile.code === 0 ? 'exit 0' : `exit ${compile.code}` });
  if (compile.maxRssMiB) figures.push({ name: '`dvs compile` peak memory', value: compile.maxRssMiB, unit: 'MiB' });

  // Warm: the same session checked a second time, as the language server re-checks after an introspection.
  const session = new ProjectSession(dir, { env: {}, targetName: 'embedded' });
  checkProject(session);
  const start = process.hrtime.bigint();
  checkProject(session);
  figures.push({ name: 'check whole project, warm session (in process)', value: msSince(start), unit: 'ms' });

  notes.push('The warnings are DV410 (a timestamptz column inside a hashdiff): the generated stages hash every attribute type, timestamptz included, so the vault rules have real findings to report.');
  const compiledDir = join(dir, 'target', 'compiled', 'large_vault', 'models', 'dds');
  if (existsSync(join(compiledDir, 'hub_t0001.sql'))) {
    notes.push(`compiled hub_t0001.sql is ${readFileSync(join(compiledDir, 'hub_t0001.sql'), 'utf8').length} characters`);
  }
  const c = layout.counts;
  return {
    part: 'project',
    title: 'Large project: `dvs check` and `dvs compile`',
    date: new Date().toISOString(),
    quick,
    setup: `${c.total} models (${c.stages} stages, ${c.hubs} hubs, ${c.links} links, ${c.sats} satellites, ${c.marts} marts) over ${layout.tables} raw tables × ${layout.columnsPerTable} columns in the embedded database (bench/large-project.ts).`,
    figures,
    notes,
  };
}
