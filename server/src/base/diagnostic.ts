// The one diagnostic shape of the core. Parsers, the compiler and the vault rules return these as values;
// the LSP layer and the CLI convert them. Codes and severities follow CONTRACTS.md (DV0xx syntax … DV9xx unknown).
import type { Span } from './text';
import { cappedSeverity, type Severity } from './codes';

export type { Severity };

/** A text edit offered as a quick fix, in offsets of the same file. */
export interface TextFix {
  title: string;
  span: Span;
  newText: string;
}

export interface Diagnostic {
  code: string;
  severity: Severity;
  message: string;
  /** Where in the file; absent when the finding has no better place than the start of the file. */
  span?: Span;
  fixes?: TextFix[];
}

/**
 * Makes a finding. Its severity never exceeds the one the catalogue (codes.ts) gives its code, so a code listed as a
 * warning or as information cannot surface as an error from any path that reports it.
 */
export function diagnostic(code: string, severity: Severity, message: string, span?: Span, fixes?: TextFix[]): Diagnostic {
  const d: Diagnostic = { code, severity: cappedSeverity(code, severity), message };
  if (span) d.span = span;
  if (fixes && fixes.length) d.fixes = fixes;
  return d;
}

/** Edit distance counting a swap of two neighbours as one edit (EMIAL → EMAIL), case-insensitive as PostgreSQL folds names. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d: number[][] = [];
  for (let i = 0; i <= s.length; i++) {
    const row = new Array<number>(t.length + 1).fill(0);
    row[0] = i;
    d.push(row);
  }
  const at = (i: number, j: number): number => d[i]?.[j] ?? 0;
  for (let j = 0; j <= t.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= s.length; i++) {
    const row = d[i] as number[];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      row[j] = best;
    }
  }
  return at(s.length, t.length);
}

/** The closest candidate within a small edit distance, or undefined. */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const limit = Math.max(1, Math.floor(name.length / 3));
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestDistance && d <= limit) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}
