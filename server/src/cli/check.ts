// `dvs check`: every model's diagnostics (parser, project, compile, vault rules), as text or one JSON document.
import type { Diagnostic } from '../base/diagnostic';
import { flagValue, hasFlag, type ParsedArgs } from './args';
import { CliFailure, type CliIo } from './io';
import { openSession, projectRoot } from './session';
import type { ProjectSession } from '../engine/session';
import { analysisInputs, analysisKey, hasAnalysisCache, readAnalysisCache, writeAnalysisCache } from './analysis-cache';
import { analyseInParallel, analyseSlice, checkParts, mergeSlices, startCheckWorkers, type CheckAnalysis, type CheckEntry, type CheckWorkers } from './check-parallel';
import type { EmulationReport } from '../engine/verify-emulation';

export type { CheckEntry, CheckAnalysis } from './check-parallel';

export async function runCheck(args: ParsedArgs, io: CliIo): Promise<number> {
  const format = flagValue(args, 'format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new CliFailure(`--format must be text or json, not '${format}'.`);
  // --verify-emulation compares compiled SQL, which the analysis cache does not hold: it always opens the project.
  let session: ProjectSession | undefined;
  const analyse: Analyse = async (quietIo, threads, knownTexts, workers) => {
    if (threads > 1) return analyseInParallel(args, quietIo, threads, { workers, knownTexts });
    session = openSession(args, quietIo, 'read', knownTexts);
    return mergeSlices([analyseSlice(session, undefined)]);
  };
  const { models, entries } = hasFlag(args, 'verify-emulation') ? await analyse(io, 1) : await cachedAnalysis(args, io, analyse);
  let emulation: EmulationReport | undefined;
  const opened = session as ProjectSession | undefined; // assigned by analyse()
  if (hasFlag(args, 'verify-emulation') && opened) {
    // Loaded only here: it formats SQL (sql-formatter), which a plain check never needs.
    const { verifyEmulation } = await import('../engine/verify-emulation');
    emulation = verifyEmulation(opened);
    if (!emulation) {
      throw new CliFailure(`--verify-emulation needs AutomateDV installed in ${opened.project.settings.packagesInstallPath}/ (or a local: package): run dvs deps (or dbt deps) first.`);
    }
  }
  if (format === 'json') {
    io.out(JSON.stringify({ models, diagnostics: entries, ...(emulation ? { emulation } : {}) }, null, 2) + '\n');
  } else {
    for (const e of entries) io.out(`${e.file}:${e.line}:${e.column}: ${e.severity} ${e.code}: ${e.message}\n`);
    const counts = (s: Diagnostic['severity']) => entries.filter((e) => e.severity === s).length;
    io.err(`dvs: checked ${models} models: ${counts('error')} errors, ${counts('warning')} warnings, ${counts('information')} information\n`);
    if (emulation) {
      for (const d of emulation.differences) io.out(`${d.path}: ${d.model} compiles differently${d.incremental ? ' in its incremental branch' : ''} (- ${emulation.package}, + emulation)\n${d.diff.map((l) => `    ${l}`).join('\n')}\n`);
      for (const d of emulation.deliberate) io.err(`dvs: ${d.path}: ${d.model}${d.incremental ? ' (incremental)' : ''} differs only by design: ${d.deviation}\n`);
      io.err(`dvs: compared ${emulation.compared} models with the installed ${emulation.package}: ${emulation.differences.length} differ from the emulation\n`);
    }
  }
  // Each difference between the installed package and the emulation is a finding, as an error diagnostic is.
  return entries.some((e) => e.severity === 'error') || (emulation?.differences.length ?? 0) > 0 ? 1 : 0;
}

type Analyse = (io: CliIo, threads: number, knownTexts?: ReadonlyMap<string, string>, workers?: CheckWorkers) => Promise<CheckAnalysis>;

/**
 * The analysis from `<project>/.dvs/analysis/` when no input changed since it was stored (cli/analysis-cache.ts),
 * else analysed now and stored. The lines opening the project printed (the target used) are stored with it.
 */
async function cachedAnalysis(args: ParsedArgs, io: CliIo, analyse: Analyse): Promise<CheckAnalysis> {
  const root = projectRoot(args, io);
  const command = { command: args.command, flags: [...args.flags].filter(([flag]) => flag !== 'format').sort(), positionals: args.positionals, target: io.env.DVS_TARGET };
  const keyInput = { root, command, env: io.env, ...(flagValue(args, 'profiles-dir') ? { profilesDir: flagValue(args, 'profiles-dir') } : {}) };
  const inputs = analysisInputs(keyInput);
  // A cold check of a large project on many idle cores uses several threads (cli/check-parallel.ts); the .sql files
  // listed bound its models.
  const threads = checkParts(inputs.sqlFiles, io.env);
  // With no analysis stored the check is cold for certain: the workers start now, while the key reads every file,
  // since a worker needs about 0.1 s to start. The key's texts then open the project without reading it again.
  let workers = threads > 1 && !hasAnalysisCache(root, 'check') ? startCheckWorkers(args, io, threads) : undefined;
  const key = analysisKey(keyInput, inputs);
  const cached = readAnalysisCache(root, 'check', key, isCachedCheck);
  if (cached) {
    workers?.stop();
    for (const line of cached.notes) io.err(line);
    return { models: cached.models, entries: cached.entries };
  }
  const notes: string[] = [];
  const quietIo = { ...io, err: (text: string) => (notes.push(text), io.err(text)) };
  if (threads > 1) workers ??= startCheckWorkers(args, io, threads);
  const analysis = await analyse(quietIo, threads, inputs.texts, workers);
  writeAnalysisCache(root, 'check', key, { ...analysis, notes });
  return analysis;
}

function isCachedCheck(v: unknown): v is CheckAnalysis & { notes: string[] } {
  const o = v as Partial<CheckAnalysis & { notes: unknown }> | null;
  return (
    !!o &&
    typeof o.models === 'number' &&
    Array.isArray(o.notes) &&
    o.notes.every((n) => typeof n === 'string') &&
    Array.isArray(o.entries) &&
    o.entries.every(
      (e: Partial<CheckEntry> | null) =>
        !!e && typeof e.file === 'string' && typeof e.code === 'string' && typeof e.message === 'string' && typeof e.severity === 'string' && [e.line, e.column, e.endLine, e.endColumn].every((n) => typeof n === 'number'),
    )
  );
}
