// AutomateDV's `!constant` syntax (spec §3): "!TEXT" becomes the SQL literal 'TEXT', anything else is copied verbatim
// as an SQL expression. AutomateDV does not escape quotes, so a quote in a constant breaks its SQL; we double it
// (giving the value the user meant) and warn.
import { CompileError } from '../context';
import type { Diagnostic } from '../../base/diagnostic';
import type { JValue } from '../../jinja/values';

export type Reporter = (d: Omit<Diagnostic, 'span'>) => void;

export function isConstant(text: string): boolean {
  return text.startsWith('!');
}

/**
 * AutomateDV's is_expression on a value after the `!constant` step: a quoted literal, a call (both parentheses) or a
 * cast (`::`). The hash leaves such a value unescaped where it escapes a plain column name.
 */
export function isExpression(text: string): boolean {
  const sql = isConstant(text) ? `'${text.slice(1)}'` : text;
  return (sql.length >= 1 && sql.startsWith("'") && sql.endsWith("'")) || (sql.includes('(') && sql.includes(')')) || sql.includes('::');
}

/** The SQL for one metadata value: a quoted literal for `!X`, otherwise the text itself. */
export function asConstant(value: JValue | undefined, report: Reporter, where = 'a derived or hashed column'): string {
  if (typeof value !== 'string' || value === '') {
    throw new CompileError(
      `Invalid columns_str object provided. Must be a string and not null. (${where} got ${describeScalar(value)}; ` +
        `quote it in YAML, e.g. '1' for the SQL number 1 or '!1' for the text '1')`,
      'DV202',
    );
  }
  if (!isConstant(value)) return value;
  const text = value.slice(1);
  if (text.includes("'")) {
    report({
      code: 'DV502',
      severity: 'warning',
      message:
        `The constant ${value} contains a quote. AutomateDV copies it unescaped and emits broken SQL ('${text}'); ` +
        'this compiler doubles the quote instead. Remove the quote to stay compatible with dbt.',
    });
  }
  return "'" + text.replace(/'/g, "''") + "'";
}

function describeScalar(v: JValue | undefined): string {
  if (v === undefined || v === null) return 'none';
  if (typeof v === 'string') return 'an empty string';
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'boolean') return `the boolean ${v ? 'true' : 'false'}`;
  return 'a non-string value';
}
