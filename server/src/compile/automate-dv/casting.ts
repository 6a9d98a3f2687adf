// PostgreSQL forms of AutomateDV's casting helpers (spec §3): dates compared through TO_DATE with its 'YYY-MM-DD'
// format, datetime literals through to_char, and binary literals that are the ASCII bytes of their text.

/** cast_date on a column: `TO_DATE(x::VARCHAR, 'YYY-MM-DD')` (three Ys, as AutomateDV writes it). */
export function castDateColumn(expression: string): string {
  return `TO_DATE(${expression}::VARCHAR, 'YYY-MM-DD')`;
}

/** cast_date on a string literal. */
export function castDateLiteral(literal: string): string {
  return `TO_DATE(${sqlString(literal)}, 'YYY-MM-DD')`;
}

/** cast_datetime on a string literal: `to_char(timestamp '<x>', 'YYYY-MM-DD HH24:MI:SS.MS')::timestamp`. */
export function castDatetimeLiteral(literal: string): string {
  return `to_char(timestamp ${sqlString(literal)}, 'YYYY-MM-DD HH24:MI:SS.MS')::timestamp`;
}

/** cast_binary with quote=true: `CAST('<text>' AS BYTEA)`, i.e. the ASCII bytes of the text, not its hex value. */
export function castBinaryLiteral(text: string): string {
  return `CAST(${sqlString(text)} AS BYTEA)`;
}

function sqlString(text: string): string {
  return "'" + text.replace(/'/g, "''") + "'";
}
