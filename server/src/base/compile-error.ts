// The error a render raises where dbt would fail the model too. The compiler's macros, dbt's Jinja context and the
// dbt_utils emulation all throw it; the caller turns it into a diagnostic with its code.

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
