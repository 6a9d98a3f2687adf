// The AutomateDV version matrix: every behaviour that changes across releases of AutomateDV (and of dbtvault, its
// name before 0.9.6) is one row here, with the version bands it holds for and what is rendered in each band. The
// compiler, the rules and the package reader ask this table instead of comparing versions themselves, so a newcomer
// finds every version-dependent fact in one place, and each row has a test per band (test/compile/version-matrix*).
//
// Each fact was checked against the macros at the release tag it names (`git show vX.Y.Z:macros/...` in AutomateDV's
// repository). Versions are inclusive at both ends; a band without `until` holds for every later release, one
// without `from` for every earlier one.

/** One version band of a behaviour: from `from` to `until`, both inclusive. */
export interface VersionBand<T> {
  from?: string;
  until?: string;
  value: T;
  /** What AutomateDV renders in this band, in a few words (shown in docs and test names). */
  renders: string;
}

/** One row of the matrix. */
export interface VersionBehaviour<T> {
  /** What changes, in a sentence. */
  behaviour: string;
  /** Bands in release order; they must not overlap. A version inside no band gets `otherwise`. */
  bands: readonly VersionBand<T>[];
  otherwise: T;
}

/** "v0.9.6", "0.11.0", "1.2" → [major, minor, patch]; undefined when the text holds no version. */
export function parseVersionTriple(text: string): [number, number, number] | undefined {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

/** Compares dotted versions; missing parts count as 0. Negative when a < b. */
export function compareVersionText(a: string, b: string): number {
  const x = parseVersionTriple(a) ?? [0, 0, 0];
  const y = parseVersionTriple(b) ?? [0, 0, 0];
  for (let i = 0; i < 3; i++) {
    const d = x[i]! - y[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

export function inBand(version: string, band: { from?: string; until?: string }): boolean {
  if (band.from !== undefined && compareVersionText(version, band.from) < 0) return false;
  if (band.until !== undefined && compareVersionText(version, band.until) > 0) return false;
  return true;
}

/** The value a behaviour has at `version`. */
export function behaviourAt<T>(row: VersionBehaviour<T>, version: string): T {
  for (const band of row.bands) if (inBand(version, band)) return band.value;
  return row.otherwise;
}

/**
 * The matrix. Add a row when a release changes what a macro renders on PostgreSQL; give it a test per band.
 * Rows are grouped by macro; keep each group together.
 */
export const AUTOMATE_DV_VERSIONS = {
  // ── hashing ─────────────────────────────────────────────────────────────────────────────────────────────────────
  hashEncoding: {
    behaviour: 'How a hash is stored: the text of the uppercase hex digest cast to BYTEA, or the raw digest bytes.',
    bands: [
      { until: '0.9.6', value: 'upper-hex-text', renders: 'CAST(UPPER(MD5(x)) AS BYTEA)' },
      { from: '0.9.7', value: 'binary', renders: "DECODE(MD5(x), 'hex')" },
    ],
    otherwise: 'binary',
  } satisfies VersionBehaviour<'upper-hex-text' | 'binary'>,

  // ── sat ─────────────────────────────────────────────────────────────────────────────────────────────────────────
  satLogic: {
    behaviour: "The satellite's change detection on PostgreSQL.",
    bands: [
      { until: '0.9.7', value: 'latest-only', renders: 'SELECT DISTINCT every staged row not equal to the latest' },
      { from: '0.10.0', until: '0.11.0', value: 'first-record', renders: 'first_record_in_set + latest_records' },
      { from: '0.11.1', value: 'lag-default', renders: 'one LAG with a default' },
    ],
    otherwise: 'lag-default',
  } satisfies VersionBehaviour<'latest-only' | 'first-record' | 'lag-default'>,

  // ── ghost records ───────────────────────────────────────────────────────────────────────────────────────────────
  ghostSystemRecordValue: {
    behaviour: "The ghost record's record source when var system_record_value is not set.",
    bands: [
      { until: '0.9.5', value: 'DBTVAULT_SYSTEM', renders: "'DBTVAULT_SYSTEM'" },
      { from: '0.9.6', value: 'AUTOMATE_DV_SYSTEM', renders: "'AUTOMATE_DV_SYSTEM'" },
    ],
    otherwise: 'AUTOMATE_DV_SYSTEM',
  } satisfies VersionBehaviour<string>,
} as const;

export type AutomateDvBehaviourName = keyof typeof AUTOMATE_DV_VERSIONS;
