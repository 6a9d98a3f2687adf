// Benchmark part `project`: generates the large project, creates its raw schema in the embedded database, and times
// `dvs check` and `dvs compile` over all of it as a user would run them (fresh processes), plus a warm in-process check.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkProject } from '../server/src/engine/check';
import { ProjectSession } from '../server/src/engine/session';
import { refreshSchemaCache } from '../server/src/warehouse/introspect';
import { openPglite } from '../server/src/warehouse/pglite';
import { msSince, type Figure, type PartResult } from './figures';
import { createRawSchema, writeLargeProject, type LargeProjectLayout } from './large-project';

const REPO = join(__dirname, '..');

/** Another build's dist folder to measure (DVS_BENCH_DIST), e.g. the code before a change; undefined for ours. */
export function benchDist(): string | undefined {
  return process.env.DVS_BENCH_DIST || undefined;
}

export const CLI = join(benchDist() ?? join(REPO, 'dist'), 'cli.js');
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
  /** CPU time (user + system) of the process: unlike wall time, it does not grow when other processes share the cores. */
  cpuMs: number | undefined;
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
  const cpu = /\[bench\] cpu (\d+)/.exec(r.stderr)?.[1];
  return { ms, code: r.status, stdout: r.stdout, stderr: r.stderr, maxRssMiB: kb ? Number(kb) / 1024 : undefined, cpuMs: cpu ? Number(cpu) / 1000 : undefined };
}

export async function benchProject(quick: boolean): Promise<PartResult> {
  const sizes = largeSizes(quick);
  const { layout, figures } = await prepareLargeProject(sizes);
  const dir = layout.dir;
  const notes: string[] = [];
  const loadStart = loadavg()[0]!;

  // Each figure is the median of a few fresh processes: the machine is shared, one run can be far off.
  const runs = quick ? 1 : 3;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const cacheDir = join(dir, '.dvs', 'analysis');
  const checkArgs = ['check', '--project', dir, '--target', 'embedded', '--format', 'json'];
  const cold: TimedRun[] = [];
  const warm: TimedRun[] = [];
  for (let i = 0; i < runs; i++) {
    rmSync(cacheDir, { recursive: true, force: true });
    cold.push(timedCli(checkArgs));
    warm.push(timedCli(checkArgs));
  }
  const check = cold[0] as TimedRun;
  let summary = '';
  try {
    const json = JSON.parse(check.stdout) as { models: number; diagnostics: { severity: string }[] };
    const count = (s: string) => json.diagnostics.filter((d) => d.severity === s).length;
    summary = `${json.models} models; ${count('error')} errors, ${count('warning')} warnings, ${count('information')} information`;
  } catch {
    summary = `exit ${check.code}: ${check.stderr.slice(0, 200)}`;
  }
  const sameResult = warm.every((w) => w.stdout === check.stdout) && cold.every((w) => w.stdout === check.stdout);
  figures.push({ name: '`dvs check` whole project, fresh process, cold (no analysis cache)', value: median(cold.map((r) => r.ms)), unit: 'ms', note: `median of ${runs}; ${summary}` });
  figures.push({ name: '`dvs check` whole project, fresh process, warm (second run)', value: median(warm.map((r) => r.ms)), unit: 'ms', note: `median of ${runs}; ${sameResult ? 'same findings as cold' : 'findings DIFFER from the cold run'}` });
  const cpu = (runs: TimedRun[]) => median(runs.map((r) => r.cpuMs ?? Number.NaN));
  figures.push({ name: '`dvs check` cold, CPU time (user + system)', value: cpu(cold), unit: 'ms', note: 'what the process computed, whatever the load' });
  figures.push({ name: '`dvs check` warm, CPU time (user + system)', value: cpu(warm), unit: 'ms' });
  if (check.maxRssMiB) figures.push({ name: '`dvs check` peak memory', value: check.maxRssMiB, unit: 'MiB' });

  const compiles: TimedRun[] = [];
  for (let i = 0; i < runs; i++) compiles.push(timedCli(['compile', '--project', dir, '--target', 'embedded']));
  const compile = compiles[0] as TimedRun;
  figures.push({ name: '`dvs compile` every model (fresh process)', value: median(compiles.map((r) => r.ms)), unit: 'ms', note: `median of ${runs}; ${compile.code === 0 ? 'exit 0' : `exit ${compile.code}`}` });
  figures.push({ name: '`dvs compile` every model, CPU time (user + system)', value: median(compiles.map((r) => r.cpuMs ?? Number.NaN)), unit: 'ms' });
  if (compile.maxRssMiB) figures.push({ name: '`dvs compile` peak memory', value: compile.maxRssMiB, unit: 'MiB' });

  if (!benchDist()) {
    // Warm: the same session checked a second time, as the language server re-checks after an introspection.
    const session = new ProjectSession(dir, { env: {}, targetName: 'embedded' });
    checkProject(session);
    const start = process.hrtime.bigint();
    checkProject(session);
    figures.push({ name: 'check whole project, warm session (in process)', value: msSince(start), unit: 'ms' });
  }

  notes.push(`load average (1 min) at the start ${loadStart.toFixed(1)}, at the end ${loadavg()[0]!.toFixed(1)}, on ${cpus().length} cores shared with other processes`);
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
