// Benchmark figures: what each part measured, printed as a table and kept in bench/results.json, from which
// bench/results.md is written (the machine, the date and every part's latest figures).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, release, platform } from 'node:os';
import { join } from 'node:path';

export interface Figure {
  name: string;
  value: number | string;
  unit: string;
  note?: string;
}

export interface PartResult {
  part: string;
  title: string;
  date: string;
  quick: boolean;
  /** What was measured on, in one line (sizes, database). */
  setup: string;
  figures: Figure[];
  notes: string[];
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  pglite: string;
  postgres?: string;
}

interface ResultsFile {
  machine: Machine;
  parts: Record<string, PartResult>;
}

const BENCH_DIR = __dirname;
const JSON_FILE = join(BENCH_DIR, 'results.json');
const MD_FILE = join(BENCH_DIR, 'results.md');

export function machine(postgres?: string): Machine {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  let pglite = 'unknown';
  try {
    pglite = (JSON.parse(readFileSync(join(BENCH_DIR, '..', 'node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    /* not installed: say so */
  }
  return {
    cpu,
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
    pglite,
    ...(postgres ? { postgres } : {}),
  };
}

function formatValue(f: Figure): string {
  if (typeof f.value === 'string') return f.value;
  const v = Math.abs(f.value) >= 100 ? f.value.toFixed(0) : Math.abs(f.value) >= 10 ? f.value.toFixed(1) : f.value.toFixed(2);
  return f.unit ? `${v} ${f.unit}` : v;
}

/** The part as a plain-text table for the terminal. */
export function printPart(result: PartResult): void {
  const rows = result.figures.map((f) => [f.name, formatValue(f), f.note ?? '']);
  const w0 = Math.max(6, ...rows.map((r) => r[0]!.length));
  const w1 = Math.max(5, ...rows.map((r) => r[1]!.length));
  const line = (a: string, b: string, c: string) => `  ${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`.trimEnd();
  const out = [`\n${result.title}${result.quick ? ' (--quick)' : ''}`, `  ${result.setup}`, line('figure', 'value', ''), line('-'.repeat(w0), '-'.repeat(w1), '')];
  for (const r of rows) out.push(line(r[0]!, r[1]!, r[2]!));
  for (const n of result.notes) out.push(`  note: ${n}`);
  process.stdout.write(out.join('\n') + '\n');
}

/** Stores the part's figures beside the others and rewrites results.md. */
export function recordPart(result: PartResult, host: Machine): void {
  let file: ResultsFile = { machine: host, parts: {} };
  if (existsSync(JSON_FILE)) {
    try {
      file = JSON.parse(readFileSync(JSON_FILE, 'utf8')) as ResultsFile;
    } catch {
      /* a damaged file is rewritten */
    }
  }
  file.machine = { ...host, ...(host.postgres ? {} : file.machine.postgres ? { postgres: file.machine.postgres } : {}) };
  // A build measured through DVS_BENCH_DIST with DVS_BENCH_LABEL (e.g. `before`) is kept beside ours for comparison.
  const label = process.env.DVS_BENCH_DIST ? process.env.DVS_BENCH_LABEL || 'other build' : undefined;
  file.parts[label ? `${result.part}:${label}` : result.part] = label ? { ...result, title: `${result.title} (${label})` } : result;
  writeFileSync(JSON_FILE, JSON.stringify(file, null, 2) + '\n');
  writeFileSync(MD_FILE, renderMarkdown(file));
}

function renderMarkdown(file: ResultsFile): string {
  const m = file.machine;
  const order = ['project', 'lsp', 'loads'];
  const keys = Object.keys(file.parts).sort((a, b) => order.indexOf(a.split(':')[0] as string) - order.indexOf(b.split(':')[0] as string) || a.localeCompare(b));
  const parts = keys.map((k) => file.parts[k] as PartResult);
  const out = [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (`node scripts/bench.mjs`); figures, not assertions. Each section keeps the date it was',
    'last measured; run `npm run bench -- <part>` to refresh one part, `--quick` for small sizes. The machine is a shared',
    '2-core VM: the same figure varies by up to about 2× between runs, so compare ratios measured in one run.',
    '',
    '## Machine',
    '',
    `- CPU: ${m.cpu}, ${m.cores} cores; memory ${m.memoryGiB} GiB`,
    `- OS: ${m.os}; Node.js ${m.node}`,
    `- PGlite ${m.pglite}${m.postgres ? `; PostgreSQL server ${m.postgres}` : ''}`,
    '',
  ];
  for (const p of parts) {
    out.push(`## ${p.title}${p.quick ? ' (quick sizes)' : ''}`, '', `Measured ${p.date}. ${p.setup}`, '', '| Figure | Value | Note |', '| --- | ---: | --- |');
    for (const f of p.figures) out.push(`| ${f.name} | ${formatValue(f)} | ${f.note ?? ''} |`);
    if (p.notes.length) {
      out.push('');
      for (const n of p.notes) out.push(`- ${n}`);
    }
    out.push('');
  }
  // Before/after: a part measured on another build (DVS_BENCH_LABEL=before) beside the same part of this build.
  for (const key of keys) {
    const [base, label] = key.split(':');
    const ours = base ? file.parts[base] : undefined;
    const other = file.parts[key];
    if (!label || !ours || !other) continue;
    out.push(`## ${ours.title}: ${label} and after`, '', `${label}: measured ${other.date}; after: measured ${ours.date}.`, '', `| Figure | ${label} | after |`, '| --- | ---: | ---: |');
    for (const f of ours.figures) {
      const o = other.figures.find((x) => x.name === f.name);
      out.push(`| ${f.name} | ${o ? formatValue(o) : '—'} | ${formatValue(f)} |`);
    }
    for (const o of other.figures) if (!ours.figures.some((f) => f.name === o.name)) out.push(`| ${o.name} | ${formatValue(o)} | — |`);
    out.push('');
  }
  return out.join('\n');
}

/** Milliseconds since a process.hrtime.bigint() reading. */
export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}
