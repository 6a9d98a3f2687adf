// Which AutomateDV behaviour to reproduce. The project reads it from packages.yml (or the installed package); the
// compiler and the dbt context render by it. The per-release differences themselves are rows of automate-dv-versions.ts.

/** Which AutomateDV behaviour to reproduce (docs/automate-dv.md lists the release differences). */
export interface AutomateDvCompat {
  /** The emulated version, e.g. "0.11.5". */
  version: string;
  /** Satellite change detection: 0.11.1+ (single LAG with default), 0.10.0–0.11.0 (first_record_in_set), ≤0.9.7. */
  satLogic: 'lag-default' | 'first-record' | 'latest-only';
  /** ≤0.9.6 hashes are the uppercase hex text cast to BYTEA; 0.9.7+ are DECODE(MD5(..),'hex'). */
  hashing: 'binary' | 'upper-hex-text';
  /**
   * The package comes from a git repository other than Datavault-UK's, or from a local folder: it may be patched
   * (a dbtvault 0.7 fork adapted for PostgreSQL exists), so what the pinned release would fail on is only information.
   */
  fork?: boolean;
}

export const DEFAULT_COMPAT: AutomateDvCompat = { version: '0.11.5', satLogic: 'lag-default', hashing: 'binary' };
