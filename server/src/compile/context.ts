// What an AutomateDV macro needs from the world while it compiles: relations for ref()/source()/this, the catalog's
// columns (the stage's source columns, exclude_columns payloads, ghost-record types), project vars, model config,
// whether the incremental branch applies, and which AutomateDV version to emulate. The model compiler fills it;
// tests fill it by hand. Macros report warnings through `report` and fail with CompileError, as dbt would.
import type { Diagnostic } from '../base/diagnostic';
import type { Relation } from '../base/relation';
import type { JValue } from '../jinja/values';

// The shared vocabulary lives in base/ so the rooms below compile/ can use it; compile/'s own files import it here.
export type { ColumnInfo } from '../base/columns';
export { DEFAULT_COMPAT, type AutomateDvCompat } from '../base/compat';
export { CompileError } from '../base/compile-error';
import type { ColumnInfo } from '../base/columns';
import type { AutomateDvCompat } from '../base/compat';

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
