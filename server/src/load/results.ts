// `<project>/target/run_results.json` after a load, shaped like dbt's (results with unique_id, status, timing,
// execution_time, adapter_response.rows_affected) plus the target and run_started_at of the invocation.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadSummary } from './model';

export interface RunResultsContext {
  /** Target name, e.g. `embedded` or `prod`. */
  target: string;
  /** The invocation's run_started_at, ISO 8601 in UTC. */
  runStartedAt: string;
  /** dbt project name, for unique ids `model.<project>.<name>`. */
  projectName?: string;
  /** Extra settings worth keeping (select, exclude, full_refresh). */
  args?: Record<string, unknown>;
}

export interface RunResultsFile {
  metadata: { generated_at: string; run_started_at: string; target: string; generator: 'dvs' };
  elapsed_time: number;
  cancelled: boolean;
  args: Record<string, unknown>;
  results: Array<{
    unique_id: string;
    name: string;
    relation_name: string;
    materialized: string;
    status: string;
    incremental: boolean;
    rows_affected: number | null;
    execution_time: number;
    timing: Array<{ name: 'execute'; started_at: string; completed_at: string }>;
    adapter_response: { rows_affected?: number };
    message: string | null;
    /** The statements the load ran when they differ from the compiled SQL (high-water marks, staging); not dbt's. */
    executed_sql?: string[];
  }>;
}

/** The run_results document for a load (pure; writeRunResults stores it). */
export function runResultsDocument(summary: LoadSummary, context: RunResultsContext): RunResultsFile {
  const project = context.projectName ?? 'project';
  return {
    metadata: { generated_at: summary.completedAt, run_started_at: context.runStartedAt, target: context.target, generator: 'dvs' },
    elapsed_time: summary.ms / 1000,
    cancelled: summary.cancelled,
    args: context.args ?? {},
    results: summary.results.map((r) => ({
      unique_id: `model.${project}.${r.model}`,
      name: r.model,
      relation_name: r.relation,
      materialized: r.materialized,
      status: r.status,
      incremental: r.incremental,
      rows_affected: r.rows,
      execution_time: r.ms / 1000,
      timing: [{ name: 'execute' as const, started_at: r.startedAt, completed_at: r.completedAt }],
      adapter_response: r.rows === null ? {} : { rows_affected: r.rows },
      message: r.message ?? null,
      ...(r.executedSql ? { executed_sql: r.executedSql } : {}),
    })),
  };
}

/** Writes `<project>/target/run_results.json` (atomically) and returns its path. */
export function writeRunResults(projectDir: string, summary: LoadSummary, context: RunResultsContext): string {
  const dir = join(projectDir, 'target');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'run_results.json');
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(runResultsDocument(summary, context), null, 2) + '\n');
  renameSync(temp, path);
  return path;
}
