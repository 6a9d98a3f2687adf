// Types of scripts/test-runner.mjs, so the TypeScript tests of `npm test` itself are type-checked against it.

export const NESTED_RUN_ENV: string;

export function findTestFiles(root: string, dir?: string): string[];

export function selectTestFiles(files: string[], filters: string[]): { files: string[]; error?: string };

export function tsconfigsToCheck(root: string): string[];

export function typecheck(root: string, projects: string[]): { project: string; output: string }[];

/** [count name, regex, capture group (default 1)] */
export type CountPattern = [string, RegExp, number?];

export const NODE_TEST_SUMMARY: CountPattern[];
export const CLOSING_LINE: RegExp;
export const CLOSING_LINE_SUMMARY: CountPattern[];

export function countLine(line: string, patterns: CountPattern[], counts: Record<string, number>): Record<string, number>;

export interface ChildRun {
  /** The exit code; 1 when a signal ended the command. */
  code: number;
  signal?: string | null;
  /** Every count its patterns name, 0 when the output never printed it. */
  counts: Record<string, number>;
}

export function runCounting(
  cmd: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; patterns: CountPattern[]; echo?: boolean },
): Promise<ChildRun>;

export interface Totals {
  passed: number;
  failed: number;
  skipped: number;
}

export function totalsOf(run: ChildRun): Totals;

export function closingLine(totals: Totals): string;
