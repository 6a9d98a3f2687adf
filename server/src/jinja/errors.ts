// The diagnostic codes of the Jinja engine (DV001–DV019) and the error that carries one through rendering.
// The renderer turns a JinjaError into a diagnostic at the span of the expression that failed.
import type { Span } from '../base/text';

/** What each code means; parsers use DV001–DV005, the renderer DV010–DV019. */
export const JINJA_CODES = {
  DV001: 'Unterminated tag, comment, raw block or string.',
  DV002: 'Unexpected token or character.',
  DV003: 'Unknown statement, a block that is not closed, or an end tag without its block.',
  DV004: 'Invalid assignment target.',
  DV005: 'Invalid call arguments or macro parameters.',
  DV010: 'A called function failed (the error of the function itself when it carries a DV code).',
  DV011: 'An undefined value was used: attribute, item or call on something undefined.',
  DV012: 'Type error: an operation does not apply to the values given.',
  DV013: 'Unknown filter.',
  DV014: 'Unknown test.',
  DV015: 'Rendering stopped: step limit or recursion depth exceeded.',
  DV016: 'Wrong arguments for a macro, filter, test or built-in function.',
  DV017: 'Value error: division by zero, an impossible conversion, a missing item.',
  DV018: 'fromyaml() could not parse its text and returned none.',
  DV019: 'A construct the engine does not support at render time.',
} as const;

export type JinjaCode = keyof typeof JINJA_CODES;

/** An error raised while rendering; `span` is filled in by the renderer at the innermost expression that knows it. */
export class JinjaError extends Error {
  constructor(
    message: string,
    readonly code: string = 'DV012',
    public span?: Span,
  ) {
    super(message);
    this.name = 'JinjaError';
  }
}

export function typeError(message: string): JinjaError {
  return new JinjaError(message, 'DV012');
}
export function valueError(message: string): JinjaError {
  return new JinjaError(message, 'DV017');
}
export function argumentError(message: string): JinjaError {
  return new JinjaError(message, 'DV016');
}
