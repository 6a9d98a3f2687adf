// Reads and edits `.env` files (KEY=VALUE lines) without disturbing what the user wrote: comments, blank lines,
// order, `export` prefixes and quoting of untouched lines survive an update.

export interface DotenvEntry {
  key: string;
  value: string;
  /** Zero-based line number. */
  line: number;
}

/** A line the parser could not read; the rest of the file is still parsed. */
export interface DotenvProblem {
  line: number;
  message: string;
}

export interface ParsedDotenv {
  /** Every assignment in file order; when a key repeats, `values` keeps the last one, as a shell would. */
  entries: DotenvEntry[];
  values: Map<string, string>;
  problems: DotenvProblem[];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.]*$/;

interface ParsedLine {
  key: string;
  value: string;
  /** Text before the value: optional `export `, the key, `=` and the spaces around it. */
  head: string;
  /** Text after the value: spaces and an optional `# comment`. */
  tail: string;
}

type LineResult = { kind: 'blank' } | { kind: 'assignment'; parsed: ParsedLine } | { kind: 'problem'; message: string };

function parseLine(raw: string): LineResult {
  const trimmed = raw.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return { kind: 'blank' };
  const match = /^(\s*(?:export\s+)?)([^=\s]+)(\s*=\s*)(.*)$/.exec(raw);
  // Messages never quote the line: a malformed line may well hold a password.
  if (!match) return { kind: 'problem', message: 'not a NAME=value assignment; fix it or comment it out with #' };
  const [, lead = '', key = '', eq = '', rest = ''] = match;
  if (!KEY.test(key)) return { kind: 'problem', message: 'the name before = is not a valid variable name (letters, digits and _, not starting with a digit)' };
  const head = lead + key + eq;
  const quote = rest[0];
  if (quote === "'" || quote === '"') {
    let value = '';
    let i = 1;
    let closed = false;
    for (; i < rest.length; i++) {
      const ch = rest[i] as string;
      if (ch === quote) {
        closed = true;
        break;
      }
      if (quote === '"' && ch === '\\' && i + 1 < rest.length) {
        const next = rest[i + 1] as string;
        const escaped = next === 'n' ? '\n' : next === 'r' ? '\r' : next === 't' ? '\t' : next === '"' || next === '\\' ? next : undefined;
        if (escaped !== undefined) {
          value += escaped;
          i++;
          continue;
        }
      }
      value += ch;
    }
    if (!closed) return { kind: 'problem', message: `the value of ${key} opens a ${quote} quote that is not closed on the same line` };
    const tail = rest.slice(i + 1);
    if (tail.trim() !== '' && !tail.trim().startsWith('#')) {
      return { kind: 'problem', message: `unexpected text after the quoted value of ${key}; put comments after a #` };
    }
    return { kind: 'assignment', parsed: { key, value, head, tail } };
  }
  // Unquoted: a # preceded by whitespace starts a comment; a # inside a word (a#b) is part of the value.
  const comment = /\s+#/.exec(rest);
  const valuePart = comment ? rest.slice(0, comment.index) : rest;
  const value = valuePart.trim();
  const tail = rest.slice(valuePart.trimEnd().length);
  return { kind: 'assignment', parsed: { key, value, head, tail } };
}

export function parseDotenv(text: string): ParsedDotenv {
  const entries: DotenvEntry[] = [];
  const values = new Map<string, string>();
  const problems: DotenvProblem[] = [];
  text.split(/\r?\n/).forEach((raw, line) => {
    const result = parseLine(raw);
    if (result.kind === 'assignment') {
      entries.push({ key: result.parsed.key, value: result.parsed.value, line });
      values.set(result.parsed.key, result.parsed.value);
    } else if (result.kind === 'problem') {
      problems.push({ line, message: `.env line ${line + 1}: ${result.message}` });
    }
  });
  return { entries, values, problems };
}

/**
 * Quotes a value only when it needs it: bare when it is plain, single quotes when it has spaces or shell
 * characters, double quotes (with \\ \" \n escapes) when it contains a single quote or a line break.
 */
export function formatDotenvValue(value: string): string {
  if (/^[A-Za-z0-9_./:@%+,=-]*$/.test(value)) return value;
  if (!value.includes("'") && !/[\r\n]/.test(value)) return `'${value}'`;
  const escaped = value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
  return `"${escaped}"`;
}

/**
 * Sets (string) or removes (null) variables in a .env text. Existing assignments are rewritten in place, keeping
 * their `export` prefix and trailing comment; new ones are appended after a comment line naming who added them.
 * `text` undefined means the file does not exist yet.
 */
export function updateDotenv(text: string | undefined, updates: Record<string, string | null>, header?: string): string {
  const source = text ?? '';
  const eol = source.includes('\r\n') ? '\r\n' : '\n';
  const lines = source === '' ? [] : source.split(/\r?\n/);
  // A final newline shows up as one empty last element; keep it aside so appended lines come before it.
  const endsWithNewline = lines.length > 0 && lines[lines.length - 1] === '';
  if (endsWithNewline) lines.pop();
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of lines) {
    const result = parseLine(raw);
    if (result.kind !== 'assignment' || !(result.parsed.key in updates)) {
      out.push(raw);
      continue;
    }
    const { key, head, tail } = result.parsed;
    seen.add(key);
    const next = updates[key];
    if (next === null || next === undefined) continue;
    out.push(head + formatDotenvValue(next) + tail);
  }
  const added = Object.entries(updates).filter(([key, value]) => value !== null && !seen.has(key));
  if (added.length) {
    if (out.length && out[out.length - 1]?.trim() !== '') out.push('');
    if (header) out.push(`# ${header}`);
    for (const [key, value] of added) out.push(`${key}=${formatDotenvValue(value as string)}`);
  }
  return out.length ? out.join(eol) + eol : '';
}
