// What an AutomateDV macro needs from the world while it compiles: relations for ref()/source()/this, the catalog's
// columns (the stage's source columns, exclude_columns payloads, ghost-record types), project vars, model config,
// whether the incremental branch applies, and which AutomateDV version to emulate. The model compiler fills it;
// tests fill it by hand. Macros report warnings through `report` and fail with CompileError, as dbt would.
import type { Diagnostic } from '../base/diagnostic';
import type { Relation } from '../base/relation';
import type { JValue } from '../jinja/values';

export interface ColumnInfo {
  name: string;
  /** PostgreSQL type as format_type() prints it, e.g. `bigint`, `character varying`, `timestamp with time zone`, `numeric(38,9)`. */
  dataType: string;
}

/** Which AutomateDV behaviour to reproduce (spec §0, §5.6, §6.3). */
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

export interface MacroContext {
  /** The model being compiled. */
  readonly modelName: string;
  /** `this`: the model's own relation. */
  readonly self: Relation;
  ref(name: string): Relation;
  source(sourceName: string, tableName: string): Relation;
  /** Columns of a relation in catalog order, or undefined when they cannot be known (no database, nothing declared). */
  columnsOf(relation: Relation): ColumnInfo[] | undefined;
  /** `var(name, default)` over project vars and --vars. */
  varOf(name: string, fallback: JValue): JValue;
  /** A model config value (`config(...)`, folder config, or `meta:`), e.g. apply_source_filter, is_auto_end_dating. */
  configOf(name: string): JValue;
  /** AutomateDV's is_any_incremental(): the incremental branch applies. */
  readonly incremental: boolean;
  readonly compat: AutomateDvCompat;
  /** A warning or information finding from the macro (the caller attaches the macro call's range). */
  report(d: Omit<Diagnostic, 'span'>): void;
}

/** A compile failure that dbt would also raise; the message says what to fix. */
export class CompileError extends Error {
  constructor(
    message: string,
    readonly code: string = 'DV200',
  ) {
    super(message);
    this.name = 'CompileError';
  }
}
