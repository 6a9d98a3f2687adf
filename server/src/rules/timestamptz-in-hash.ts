// DV410: PostgreSQL prints a timestamptz in the session's TimeZone, so a hash over its text changes with the TimeZone
// of whoever runs the load: the same row gets other key or hashdiff bytes. Warn where such a column is hashed.
import { diagnostic, type Diagnostic } from '../base/diagnostic';
import { CODES } from '../base/codes';
import type { Span } from '../base/text';
import { stageOf } from './context';
import type { VaultRule } from './rule';
import { isConstantName } from './vault-facts';

export function isTimestamptz(type: string | undefined): boolean {
  return !!type && /^(timestamptz|timestamp(\(\d\))? with time zone)$/i.test(type.trim());
}

export const timestamptzInHash: VaultRule = {
  id: 'DV410',
  title: CODES.DV410.title,
  check(ctx) {
    const stage = stageOf(ctx.parsed);
    if (!stage) return [];
    const out: Diagnostic[] = [];
    const warn = (column: string, hash: string, isHashdiff: boolean, span: Span) =>
      out.push(
        diagnostic(
          'DV410',
          'warning',
          `${column} is a timestamp with time zone: its text, and so the ${isHashdiff ? 'hashdiff' : 'hash key'} ${hash}, depends on the ` +
            `session TimeZone of whoever runs the load (loads under another TimeZone give other hash bytes). ` +
            `Hash a fixed-zone value instead, e.g. a derived column ${column}_UTC: "${column} AT TIME ZONE 'UTC'".`,
          span,
        ),
      );
    for (const hash of stage.hashed) {
      if (hash.form === 'exclude') {
        const source = ctx.index.stageOutput(ctx.modelName)?.source;
        const except = new Set(hash.components.map((c) => c.value.toLowerCase()));
        for (const c of source?.columns ?? []) {
          if (!except.has(c.name.toLowerCase()) && isTimestamptz(c.dataType)) warn(c.name, hash.name, hash.isHashdiff, hash.keySpan);
        }
        continue;
      }
      for (const c of hash.components) {
        if (isConstantName(c.value)) continue;
        if (isTimestamptz(ctx.index.columnType(ctx.modelName, c.value))) warn(c.value, hash.name, hash.isHashdiff, c.span);
      }
    }
    return out;
  },
};
