// Splits a template into text, comments, raw blocks and tags, and tags into tokens, the way Jinja2's lexer does:
// whitespace control (`{%-`, `-%}`), one trailing newline dropped, strings lexed inside tags so `'%}'` is text.
// Offsets always refer to the original text; bad input yields diagnostics (DV001 unterminated, DV002 bad character).
import { diagnostic, type Diagnostic } from '../base/diagnostic';
import type { Span } from '../base/text';

export type TokenType = 'name' | 'string' | 'int' | 'float' | 'op';

export interface Token {
  type: TokenType;
  /** Source text of the token; for strings the decoded value. */
  value: string;
  span: Span;
  /** Strings: the span between the quotes. */
  contentSpan?: Span;
  /** Numbers: the numeric value. */
  num?: number;
}

export interface DataChunk {
  kind: 'data';
  span: Span;
  value: string;
}
export interface CommentChunk {
  kind: 'comment';
  span: Span;
}
export interface RawChunk {
  kind: 'raw';
  span: Span;
  contentSpan: Span;
  value: string;
}
export interface TagChunk {
  kind: 'tag';
  tag: 'block' | 'variable';
  span: Span;
  /** `{%`/`{{` with its whitespace-control sign. */
  openSpan: Span;
  /** Where the tokens end: the start of the closing delimiter, or the recovery point of an unterminated tag. */
  innerEnd: number;
  tokens: Token[];
  terminated: boolean;
  /** The lexer already reported a problem inside this tag, so the parser's follow-on complaints are noise. */
  hasLexError: boolean;
}
export type Chunk = DataChunk | CommentChunk | RawChunk | TagChunk;

export interface LexResult {
  chunks: Chunk[];
  diagnostics: Diagnostic[];
}

// Python's str.isspace() set, which Jinja's `\s` and rstrip() use.
const WS = '\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const LEADING_WS = new RegExp(`^[${WS}]+`);
const IS_WS = new RegExp(`[${WS}]`);

/**
 * `value` without its trailing whitespace. A loop from the end: the regex `[…]+$` tries a match at every whitespace
 * run of the chunk, and model files are mostly indentation.
 */
function trimTrailingWs(value: string): string {
  let end = value.length;
  while (end > 0 && isPyWhitespace(value[end - 1] as string)) end--;
  return end === value.length ? value : value.slice(0, end);
}

const OPERATORS = ['//', '**', '==', '!=', '>=', '<=', '+', '-', '/', '*', '%', '~', '[', ']', '(', ')', '{', '}', '>', '<', '=', '.', ':', '|', ',', ';'];
const TWO_CHAR_OPERATORS = new Set(OPERATORS.filter((o) => o.length === 2));
const ONE_CHAR_OPERATORS = new Set(OPERATORS.filter((o) => o.length === 1));
const CLOSERS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/**
 * The operator at `pos` (two-character ones first, as OPERATORS lists them). A two-character operator's second
 * character is always `/`, `*` or `=`, so most positions need no two-character string at all.
 */
function operatorAt(text: string, pos: number): string | undefined {
  const next = text.charCodeAt(pos + 1);
  if (next === 47 || next === 42 || next === 61) {
    const two = text.slice(pos, pos + 2);
    if (TWO_CHAR_OPERATORS.has(two)) return two;
  }
  const one = text[pos];
  return one !== undefined && ONE_CHAR_OPERATORS.has(one) ? one : undefined;
}

const FLOAT_RE = /(?:\d+_)*\d+(?:(?:\.(?:\d+_)*\d+)?[eE][+-]?(?:\d+_)*\d+|\.(?:\d+_)*\d+)/y;
const INT_RE = /0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|0[xX](?:_?[\da-fA-F])+|[1-9](?:_?\d)*|0(?:_?0)*/y;
const ASCII_NAME_RE = /[A-Za-z_][A-Za-z0-9_]*/y;
const NAME_RE = /[\p{L}_][\p{L}\p{N}_]*/uy;
const RAW_BEGIN_RE = /\{%[-+]?\s*raw\s*(-?)%\}/y;
const RAW_END_RE = /\{%([-+]?)\s*endraw\s*([-+]?)%\}/g;

export function isPyWhitespace(ch: string): boolean {
  // ASCII first without the regex: the lexer asks for every character between tokens.
  const c = ch.charCodeAt(0);
  if (c < 128) return c === 32 || (c >= 9 && c <= 13) || (c >= 28 && c <= 31);
  return IS_WS.test(ch);
}

/** Jinja2 normalises every line break to `\n` before rendering. */
export function normalizeNewlines(s: string): string {
  return s.includes('\r') ? s.replace(/\r\n?/g, '\n') : s;
}

/** Length of the template Jinja2 lexes: without one trailing line break (keep_trailing_newline is off in dbt). */
function lexedLength(text: string): number {
  if (text.endsWith('\r\n')) return text.length - 2;
  if (text.endsWith('\n') || text.endsWith('\r')) return text.length - 1;
  return text.length;
}

export function lexTemplate(text: string): LexResult {
  const end = lexedLength(text);
  const chunks: Chunk[] = [];
  const diagnostics: Diagnostic[] = [];
  // Whether the previous construct ended with `-%}` and so eats the whitespace that follows it.
  let stripNext = false;
  let pos = 0;

  const pushData = (start: number, stop: number, stripAfter: boolean): void => {
    let value = text.slice(start, stop);
    if (stripNext) value = value.replace(LEADING_WS, '');
    if (stripAfter) value = trimTrailingWs(value);
    stripNext = false;
    if (start < stop) chunks.push({ kind: 'data', span: { start, end: stop }, value: normalizeNewlines(value) });
  };

  while (pos < end) {
    const open = findOpener(text, pos, end);
    const signAt = open + 2;
    const sign = open < end ? text[signAt] : undefined;
    const stripBefore = sign === '-';
    pushData(pos, Math.min(open, end), stripBefore);
    if (open >= end) {
      pos = end;
      break;
    }
    const kind = text[open + 1];

    if (kind === '#') {
      const close = text.indexOf('#}', signAt + (sign === '-' || sign === '+' ? 1 : 0));
      if (close < 0 || close + 2 > end) {
        diagnostics.push(diagnostic('DV001', 'error', "Unterminated comment: '{#' has no matching '#}'. Close the comment with '#}'.", { start: open, end: open + 2 }));
        chunks.push({ kind: 'comment', span: { start: open, end } });
        pos = end;
        break;
      }
      chunks.push({ kind: 'comment', span: { start: open, end: close + 2 } });
      stripNext = text[close - 1] === '-' && close - 1 >= signAt + (sign === '-' || sign === '+' ? 1 : 0);
      pos = close + 2;
      continue;
    }

    if (kind === '%') {
      RAW_BEGIN_RE.lastIndex = open;
      const rawBegin = RAW_BEGIN_RE.exec(text);
      if (rawBegin && rawBegin.index === open && open + rawBegin[0].length <= end) {
        const contentStart = open + rawBegin[0].length;
        RAW_END_RE.lastIndex = contentStart;
        const rawEnd = RAW_END_RE.exec(text);
        if (!rawEnd || rawEnd.index + rawEnd[0].length > end) {
          diagnostics.push(diagnostic('DV001', 'error', "Unterminated raw block: '{% raw %}' has no matching '{% endraw %}'.", { start: open, end: contentStart }));
          chunks.push({ kind: 'raw', span: { start: open, end }, contentSpan: { start: contentStart, end }, value: normalizeNewlines(text.slice(contentStart, end)) });
          pos = end;
          break;
        }
        let value = text.slice(contentStart, rawEnd.index);
        if (rawBegin[1] === '-') value = value.replace(LEADING_WS, '');
        if (rawEnd[1] === '-') value = trimTrailingWs(value);
        chunks.push({
          kind: 'raw',
          span: { start: open, end: rawEnd.index + rawEnd[0].length },
          contentSpan: { start: contentStart, end: rawEnd.index },
          value: normalizeNewlines(value),
        });
        stripNext = rawEnd[2] === '-';
        pos = rawEnd.index + rawEnd[0].length;
        continue;
      }
    }

    const tag = lexTag(text, open, end, kind === '%' ? 'block' : 'variable', diagnostics);
    chunks.push(tag.chunk);
    stripNext = tag.stripAfter;
    pos = tag.next;
  }
  if (pos < end) pushData(pos, end, false);
  return { chunks, diagnostics };
}

function findOpener(text: string, from: number, end: number): number {
  let i = text.indexOf('{', from);
  while (i >= 0 && i + 1 < end) {
    const c = text[i + 1];
    if (c === '{' || c === '%' || c === '#') return i;
    i = text.indexOf('{', i + 1);
  }
  return end;
}

interface LexedTag {
  chunk: TagChunk;
  stripAfter: boolean;
  next: number;
}

function lexTag(text: string, open: number, end: number, tag: 'block' | 'variable', diagnostics: Diagnostic[]): LexedTag {
  const closeChar = tag === 'block' ? '%' : '}';
  const opener = tag === 'block' ? '{%' : '{{';
  const sign = text[open + 2];
  let pos = open + 2 + (sign === '-' || sign === '+' ? 1 : 0);
  const openSpan = { start: open, end: pos };
  const tokens: Token[] = [];
  const brackets: Token[] = [];
  const diagnosticsBefore = diagnostics.length;

  const finish = (innerEnd: number, closeLen: number, stripAfter: boolean, terminated: boolean): LexedTag => {
    for (const b of brackets) {
      diagnostics.push(diagnostic('DV002', 'error', `Unclosed '${b.value}': add the matching '${b.value === '(' ? ')' : b.value === '[' ? ']' : '}'}'.`, b.span));
    }
    const next = innerEnd + closeLen;
    const hasLexError = !terminated || diagnostics.length > diagnosticsBefore;
    return { chunk: { kind: 'tag', tag, span: { start: open, end: next }, openSpan, innerEnd, tokens, terminated, hasLexError }, stripAfter, next };
  };

  for (;;) {
    while (pos < end && isPyWhitespace(text[pos] as string)) pos++;
    if (pos >= end) break;
    const top = brackets[brackets.length - 1];
    const canClose = !top || top.value !== '{' || tag === 'block';
    if (canClose) {
      const c0 = text[pos];
      // `+%}` only exists for blocks (it disables trim_blocks, which dbt leaves off); `+}}` is not a close.
      if ((c0 === '-' || (c0 === '+' && tag === 'block')) && text[pos + 1] === closeChar && text[pos + 2] === '}') {
        return finish(pos, 3, c0 === '-', true);
      }
      if (c0 === closeChar && text[pos + 1] === '}') return finish(pos, 2, false, true);
    }
    // Another opener inside a tag means this tag was never closed; stop here so the rest of the file still parses.
    if (text[pos] === '{' && (text[pos + 1] === '%' || text[pos + 1] === '#' || (text[pos + 1] === '{' && tag === 'block'))) break;
    const ch = text[pos] as string;

    if (ch === "'" || ch === '"') {
      const s = lexString(text, pos, end, diagnostics);
      tokens.push(s.token);
      pos = s.next;
      continue;
    }
    if (ch >= '0' && ch <= '9') {
      const prevDot = pos > 0 && text[pos - 1] === '.';
      FLOAT_RE.lastIndex = pos;
      const f = prevDot ? null : FLOAT_RE.exec(text);
      if (f && pos + f[0].length <= end) {
        tokens.push({ type: 'float', value: f[0], num: Number(f[0].replace(/_/g, '')), span: { start: pos, end: pos + f[0].length } });
        pos += f[0].length;
        continue;
      }
      INT_RE.lastIndex = pos;
      const m = INT_RE.exec(text);
      if (m) {
        tokens.push({ type: 'int', value: m[0], num: parseIntLiteral(m[0]), span: { start: pos, end: pos + m[0].length } });
        pos += m[0].length;
        continue;
      }
    }
    // Most names are plain ASCII: those are read without the Unicode regex, unless a non-ASCII character follows.
    ASCII_NAME_RE.lastIndex = pos;
    const ascii = ASCII_NAME_RE.exec(text);
    if (ascii && !(text.charCodeAt(pos + ascii[0].length) >= 128)) {
      tokens.push({ type: 'name', value: ascii[0], span: { start: pos, end: pos + ascii[0].length } });
      pos += ascii[0].length;
      continue;
    }
    NAME_RE.lastIndex = pos;
    const name = NAME_RE.exec(text);
    if (name) {
      tokens.push({ type: 'name', value: name[0], span: { start: pos, end: pos + name[0].length } });
      pos += name[0].length;
      continue;
    }
    const op = operatorAt(text, pos);
    if (op) {
      const token: Token = { type: 'op', value: op, span: { start: pos, end: pos + op.length } };
      if (op === '(' || op === '[' || op === '{') brackets.push(token);
      const opens = CLOSERS[op];
      if (opens) {
        const last = brackets[brackets.length - 1];
        if (last && last.value === opens) brackets.pop();
        else diagnostics.push(diagnostic('DV002', 'error', last ? `Unexpected '${op}': '${last.value}' is still open.` : `Unexpected '${op}': nothing to close.`, token.span));
      }
      tokens.push(token);
      pos += op.length;
      continue;
    }
    diagnostics.push(diagnostic('DV002', 'error', `Unexpected character '${ch}' inside '${opener}'.`, { start: pos, end: pos + 1 }));
    pos++;
  }
  // Unterminated: end the tag where the next tag starts (or at the end of the text).
  let innerEnd = pos;
  while (innerEnd > openSpan.end && IS_WS.test(text[innerEnd - 1] as string)) innerEnd--;
  const closing = tag === 'block' ? '%}' : '}}';
  diagnostics.push(diagnostic('DV001', 'error', `Unterminated '${opener}': add '${closing}' to close it.`, { start: open, end: openSpan.end }));
  const result = finish(innerEnd, 0, false, false);
  result.next = pos;
  result.chunk.span = { start: open, end: innerEnd };
  return result;
}

function parseIntLiteral(s: string): number {
  const t = s.replace(/_/g, '').toLowerCase();
  if (t.startsWith('0b')) return parseInt(t.slice(2), 2);
  if (t.startsWith('0o')) return parseInt(t.slice(2), 8);
  if (t.startsWith('0x')) return parseInt(t.slice(2), 16);
  return Number(t);
}

function lexString(text: string, start: number, end: number, diagnostics: Diagnostic[]): { token: Token; next: number } {
  const quote = text[start] as string;
  // The closing quote by indexOf; the character loop only when a backslash comes first (it may escape the quote).
  let i = text.indexOf(quote, start + 1);
  if (i < 0 || i > end) i = end;
  if (text.slice(start + 1, i).includes('\\')) {
    i = start + 1;
    while (i < end && text[i] !== quote) {
      if (text[i] === '\\') i++;
      i++;
    }
  }
  if (i >= end) {
    // Unterminated: end the string before the tag's close on the same line, else at the end of the line.
    let stop = text.indexOf('\n', start);
    if (stop < 0 || stop > end) stop = end;
    const closeAt = /(?:[-+]?(?:%\}|\}\}))/.exec(text.slice(start + 1, stop));
    if (closeAt) {
      stop = start + 1 + closeAt.index;
      while (stop > start + 1 && text[stop - 1] === ' ') stop--;
    }
    diagnostics.push(diagnostic('DV001', 'error', `Unterminated string: add the closing ${quote}.`, { start, end: start + 1 }));
    const raw = text.slice(start + 1, stop);
    return { token: { type: 'string', value: decodeStringEscapes(raw), span: { start, end: stop }, contentSpan: { start: start + 1, end: stop } }, next: stop };
  }
  const raw = text.slice(start + 1, i);
  return { token: { type: 'string', value: decodeStringEscapes(raw), span: { start, end: i + 1 }, contentSpan: { start: start + 1, end: i } }, next: i + 1 };
}

/** Python's unicode-escape decoding, as Jinja2 applies it to string literals; unknown escapes keep their backslash. */
export function decodeStringEscapes(raw: string): string {
  const s = normalizeNewlines(raw);
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c !== '\\' || i + 1 >= s.length) {
      out += c;
      continue;
    }
    const n = s[i + 1] as string;
    const simple: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': '' };
    const mapped = simple[n];
    if (mapped !== undefined) {
      out += mapped;
      i++;
      continue;
    }
    if (/[0-7]/.test(n)) {
      const m = /^[0-7]{1,3}/.exec(s.slice(i + 1)) as RegExpExecArray;
      out += String.fromCodePoint(parseInt(m[0], 8));
      i += m[0].length;
      continue;
    }
    const hexLen = n === 'x' ? 2 : n === 'u' ? 4 : n === 'U' ? 8 : 0;
    if (hexLen) {
      const hex = s.slice(i + 2, i + 2 + hexLen);
      if (hex.length === hexLen && /^[0-9a-fA-F]+$/.test(hex)) {
        const cp = parseInt(hex, 16);
        if (cp <= 0x10ffff) {
          out += String.fromCodePoint(cp);
          i += 1 + hexLen;
          continue;
        }
      }
    }
    out += c;
  }
  return out;
}
