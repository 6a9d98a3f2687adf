// What the cursor is on in a model file, worked out from the text itself so it also works while the user is half way
// through typing (an unclosed string, a dangling comma): a metadata value or key of a macro parameter (in a yaml
// block, a `{% set %}` literal or the call itself), a ref()/source() argument, a macro name, or a parameter name.
import type { Span } from '../base/text';
import { MACRO_SIGNATURES, isVaultMacroName, type VaultMacroName } from '../compile/automate-dv/signatures';
import type { ParsedModel } from '../model/parse';

export type CursorContext =
  | {
      kind: 'metadata';
      macro: VaultMacroName | undefined;
      /** The macro parameter the value belongs to; undefined at the top level of a yaml block (choosing a key). */
      param: string | undefined;
      /** Dict keys from the parameter's value down to the cursor (list items add nothing). */
      path: string[];
      /** At a dict key (or a yaml key) rather than a value. */
      atKey: boolean;
      /** Inside a quoted string, with its quote. */
      quote: '"' | "'" | undefined;
      /** YAML text (plain scalars need no quotes) or a Jinja literal. */
      syntax: 'yaml' | 'jinja';
      /** Keys already present beside the cursor (to leave them out of key completion). */
      siblings: string[];
      prefix: string;
      replace: Span;
    }
  | { kind: 'ref'; prefix: string; replace: Span }
  | { kind: 'source-name'; prefix: string; replace: Span }
  | { kind: 'source-table'; source: string; prefix: string; replace: Span }
  | { kind: 'macro-name'; namespace: string; prefix: string; replace: Span }
  | { kind: 'macro-param'; macro: VaultMacroName; used: string[]; prefix: string; replace: Span };

const WORD = /[A-Za-z0-9_$.!\-]/;
const NAME_CHAR = /[A-Za-z0-9_$]/;

/** The end of the word (name characters) that starts before `offset`, so completing mid-word replaces all of it. */
function wordEnd(text: string, offset: number, quote?: string): number {
  let end = offset;
  const ok = quote ? (c: string) => c !== quote && c !== '\n' && c !== '\\' : (c: string) => NAME_CHAR.test(c);
  while (end < text.length && ok(text[end] as string)) end++;
  return end;
}

export function cursorContext(text: string, offset: number, parsed: ParsedModel): CursorContext | undefined {
  const before = text.slice(Math.max(0, offset - 300), offset);

  let m = /\bref\(\s*(['"])([^'"\n]*)$/.exec(before);
  if (m) return { kind: 'ref', prefix: m[2] as string, replace: { start: offset - (m[2] as string).length, end: wordEnd(text, offset, m[1]) } };
  m = /\bsource\(\s*(['"])([^'"\n]*)\1\s*,\s*(['"])([^'"\n]*)$/.exec(before);
  if (m) {
    const prefix = m[4] as string;
    return { kind: 'source-table', source: m[2] as string, prefix, replace: { start: offset - prefix.length, end: wordEnd(text, offset, m[3]) } };
  }
  m = /\bsource\(\s*(['"])([^'"\n]*)$/.exec(before);
  if (m) return { kind: 'source-name', prefix: m[2] as string, replace: { start: offset - (m[2] as string).length, end: wordEnd(text, offset, m[1]) } };
  m = /\b(automate_dv|dbtvault)\.(\w*)$/.exec(before);
  if (m) return { kind: 'macro-name', namespace: m[1] as string, prefix: m[2] as string, replace: { start: offset - (m[2] as string).length, end: wordEnd(text, offset) } };

  const block = parsed.yamlBlocks.find((b) => offset >= b.bodySpan.start && offset <= b.bodySpan.end);
  if (block) return yamlContext(text, offset, block.name, block.bodySpan.start, parsed);
  return jinjaContext(text, offset, parsed);
}

// ---------------------------------------------------------------------------------------------------------------
// Which macro and parameter a yaml key or `{% set %}` variable feeds.

function macroOfFile(text: string, parsed: ParsedModel): VaultMacroName | undefined {
  const call = parsed.calls.find((c) => c.signature);
  if (call && isVaultMacroName(call.macro)) return call.macro;
  const m = /\b(?:automate_dv|dbtvault)\.(\w+)\s*\(/.exec(text);
  return m && isVaultMacroName(m[1] as string) ? (m[1] as VaultMacroName) : undefined;
}

function paramOfYamlKey(parsed: ParsedModel, block: string, key: string, macro: VaultMacroName | undefined): string | undefined {
  for (const call of parsed.calls) {
    for (const p of call.params.values()) if (p.origin.kind === 'yaml' && p.origin.block === block && p.origin.key === key) return p.name;
  }
  return macro && MACRO_SIGNATURES[macro].params.some((p) => p.name === key) ? key : undefined;
}

function paramOfVariable(parsed: ParsedModel, variable: string, macro: VaultMacroName | undefined): string | undefined {
  for (const call of parsed.calls) {
    for (const p of call.params.values()) if (p.origin.kind === 'variable' && p.origin.name === variable) return p.name;
  }
  return macro && MACRO_SIGNATURES[macro].params.some((p) => p.name === variable) ? variable : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// YAML: the key path from indentation, then the flow part of the current line.

interface YamlLine {
  indent: number;
  item: boolean;
  key: string | undefined;
  /** Text after `key:` (or after `- `), for flow values. */
  rest: string;
  restStart: number;
}

function readYamlLine(line: string, lineStart: number): YamlLine {
  const indent = line.length - line.trimStart().length;
  let pos = indent;
  let item = false;
  while (line.startsWith('- ', pos) || line.slice(pos) === '-') {
    item = true;
    pos += 2;
    while (line[pos] === ' ') pos++;
  }
  const keyMatch = /^(['"]?)([^'":#\n]*?)\1\s*:(\s|$)/.exec(line.slice(pos));
  if (keyMatch) {
    const restOffset = pos + keyMatch[0].length;
    return { indent: item ? pos : indent, item, key: (keyMatch[2] as string).trim(), rest: line.slice(restOffset), restStart: lineStart + restOffset };
  }
  return { indent, item, key: undefined, rest: line.slice(pos), restStart: lineStart + pos };
}

function yamlContext(text: string, offset: number, blockName: string, bodyStart: number, parsed: ParsedModel): CursorContext | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const current = readYamlLine(text.slice(lineStart, offset), lineStart);
  // The parents: walk up the lines of the block, keeping each line less indented than the last one kept.
  const parents: string[] = [];
  const siblings: string[] = [];
  let limit = current.item ? current.indent + 1 : current.indent;
  const currentIsKeyLike = current.key !== undefined || !current.item;
  let pos = lineStart;
  while (pos > bodyStart) {
    const prevStart = text.lastIndexOf('\n', pos - 2) + 1;
    const raw = text.slice(Math.max(prevStart, bodyStart), pos - 1);
    pos = prevStart;
    if (raw.trim() === '' || raw.trimStart().startsWith('#') || raw.trimStart().startsWith('{#')) continue;
    const line = readYamlLine(raw, prevStart);
    if (line.key !== undefined && line.indent === current.indent && currentIsKeyLike && parents.length === 0 && !current.item) siblings.push(line.key);
    // `key:` followed by `- item` at the same indentation is valid YAML: the item belongs to that key.
    const parentOfItem = current.item && parents.length === 0 && line.indent === current.indent && line.key !== undefined && !line.item && line.rest.trim() === '';
    if (line.indent < limit || parentOfItem) {
      if (line.key !== undefined && (line.rest.trim() === '' || parentOfItem)) parents.unshift(line.key);
      limit = line.indent;
      if (line.indent === 0) break;
    }
    if (prevStart <= bodyStart) break;
  }
  // Keys below the cursor at the same level are taken too (a key is offered once).
  if (current.key === undefined && !current.item) {
    let next = text.indexOf('\n', offset);
    const end = parsed.yamlBlocks.find((b) => b.name === blockName)?.bodySpan.end ?? text.length;
    while (next >= 0 && next < end) {
      const lineEnd = text.indexOf('\n', next + 1);
      const raw = text.slice(next + 1, lineEnd < 0 || lineEnd > end ? end : lineEnd);
      next = lineEnd;
      if (raw.trim() === '' || raw.trimStart().startsWith('#') || raw.trimStart().startsWith('{')) continue;
      const line = readYamlLine(raw, 0);
      if (line.indent < current.indent) break;
      if (line.indent === current.indent && line.key !== undefined) siblings.push(line.key);
    }
  }
  // After the current line's own `key:`, the cursor is in that key's value.
  let atKey = !current.item;
  if (current.key !== undefined) {
    parents.push(current.key);
    atKey = false;
  }
  const flow = scanLiteral(text, current.restStart, offset, 'yaml');
  const path = [...parents, ...flow.path];
  if (flow.containers > 0) atKey = flow.atKey;
  const macro = macroOfFile(text, parsed);
  const top = path[0];
  const param = top !== undefined ? paramOfYamlKey(parsed, blockName, top, macro) : undefined;
  const quote = flow.quote;
  return {
    kind: 'metadata',
    macro,
    param,
    path: top !== undefined ? path.slice(1) : [],
    atKey: top === undefined ? true : atKey,
    quote,
    syntax: 'yaml',
    siblings: flow.containers > 0 ? flow.siblings : siblings,
    prefix: flow.prefix,
    replace: { start: flow.prefixStart, end: quote ? wordEnd(text, offset, quote) : wordEnd(text, offset) },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Jinja: `{% set x = <literal> %}` or the macro call's arguments.

function jinjaContext(text: string, offset: number, parsed: ParsedModel): CursorContext | undefined {
  const open = Math.max(text.lastIndexOf('{%', offset - 1), text.lastIndexOf('{{', offset - 1));
  if (open < 0) return undefined;
  const close = text.slice(open, offset).search(/%}|}}/);
  if (close >= 0) return undefined;
  const tag = text.slice(open, offset);
  const set = /^\{%-?\s*set\s+(\w+)\s*=/.exec(tag);
  const macro = macroOfFile(text, parsed);
  if (set) {
    const variable = set[1] as string;
    const flow = scanLiteral(text, open + set[0].length, offset, 'jinja');
    if (flow.containers === 0 && flow.quote === undefined && flow.prefix !== '') return undefined;
    return metadataFromFlow(text, offset, flow, macro, paramOfVariable(parsed, variable, macro) ?? variable);
  }
  const call = /\b(automate_dv|dbtvault)\.(\w+)\s*\(/g;
  let found: RegExpExecArray | undefined;
  for (let c = call.exec(tag); c; c = call.exec(tag)) found = c;
  if (!found || !isVaultMacroName(found[2] as string)) return undefined;
  const callMacro = found[2] as VaultMacroName;
  const argsStart = open + found.index + found[0].length;
  const flow = scanLiteral(text, argsStart, offset, 'jinja', true);
  if (flow.callDepthLeft || flow.containers === 0) return undefined;
  if (flow.containers === 1 && flow.quote === undefined && flow.atKey) {
    return { kind: 'macro-param', macro: callMacro, used: flow.siblings, prefix: flow.prefix, replace: { start: flow.prefixStart, end: wordEnd(text, offset) } };
  }
  const byPosition = flow.argIndex !== undefined ? MACRO_SIGNATURES[callMacro].params[flow.argIndex]?.name : undefined;
  return metadataFromFlow(text, offset, { ...flow, containers: flow.containers - 1 }, callMacro, flow.callKey ?? byPosition);
}

function metadataFromFlow(text: string, offset: number, flow: LiteralScan, macro: VaultMacroName | undefined, param: string | undefined): CursorContext {
  return {
    kind: 'metadata',
    macro,
    param,
    path: flow.path,
    atKey: flow.containers > 0 && flow.atKey,
    quote: flow.quote,
    syntax: 'jinja',
    siblings: flow.siblings,
    prefix: flow.prefix,
    replace: { start: flow.prefixStart, end: flow.quote ? wordEnd(text, offset, flow.quote) : wordEnd(text, offset) },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// A forgiving scanner for Jinja literals and YAML flow values up to the cursor.

interface LiteralScan {
  path: string[];
  atKey: boolean;
  quote: '"' | "'" | undefined;
  prefix: string;
  prefixStart: number;
  /** Open dicts/lists (and the call's parentheses, when scanning a call) at the cursor. */
  containers: number;
  siblings: string[];
  /** In a call: the keyword of the argument at the cursor (not part of `path`). */
  callKey?: string;
  /** In a call: the positional index of the argument at the cursor, when it has no keyword. */
  argIndex?: number;
  /** The call's parentheses closed before the cursor. */
  callDepthLeft?: boolean;
}

interface Frame {
  type: 'dict' | 'list' | 'call';
  key: string | undefined;
  expectingKey: boolean;
  keys: string[];
  args: number;
}

function scanLiteral(text: string, start: number, offset: number, syntax: 'yaml' | 'jinja', asCall = false): LiteralScan {
  const stack: Frame[] = asCall ? [{ type: 'call', key: undefined, expectingKey: true, keys: [], args: 0 }] : [];
  let quote: '"' | "'" | undefined;
  let token = '';
  let tokenStart = start;
  let lastString: string | undefined;
  let callClosed = false;
  const top = () => stack[stack.length - 1];
  for (let i = start; i < offset; i++) {
    const c = text[i] as string;
    if (quote) {
      if (c === '\\' && syntax === 'jinja') {
        token += text[i + 1] ?? '';
        i++;
      } else if (c === quote && syntax === 'yaml' && quote === "'" && text[i + 1] === "'") {
        token += "'";
        i++;
      } else if (c === quote) {
        quote = undefined;
        lastString = token;
        token = '';
        tokenStart = i + 1;
      } else token += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      token = '';
      tokenStart = i + 1;
      continue;
    }
    const frame = top();
    if (c === '{' || c === '[' || (c === '(' && syntax === 'jinja')) {
      stack.push({ type: c === '{' ? 'dict' : c === '[' ? 'list' : 'call', key: undefined, expectingKey: c === '{', keys: [], args: 0 });
      token = '';
      tokenStart = i + 1;
      lastString = undefined;
    } else if (c === '}' || c === ']' || c === ')') {
      stack.pop();
      if (stack.length === 0 && asCall) callClosed = true;
      token = '';
      tokenStart = i + 1;
      lastString = undefined;
    } else if ((c === ':' && frame?.type === 'dict') || (c === '=' && frame?.type === 'call' && text[i + 1] !== '=')) {
      frame.key = (lastString ?? token).trim();
      frame.keys.push(frame.key);
      frame.expectingKey = false;
      token = '';
      tokenStart = i + 1;
      lastString = undefined;
    } else if (c === ',') {
      if (frame) {
        frame.key = undefined;
        frame.expectingKey = frame.type !== 'list';
        frame.args++;
      }
      token = '';
      tokenStart = i + 1;
      lastString = undefined;
    } else if (/\s/.test(c)) {
      if (token !== '') lastString = token;
      token = '';
      tokenStart = i + 1;
    } else if (WORD.test(c)) {
      if (token === '') tokenStart = i;
      token += c;
    } else {
      token = '';
      tokenStart = i + 1;
    }
  }
  const path: string[] = [];
  stack.forEach((f, i) => {
    if (f.key !== undefined && !(asCall && i === 0)) path.push(f.key);
  });
  const frame = top();
  const scan: LiteralScan = {
    path,
    atKey: frame ? frame.expectingKey : false,
    quote,
    prefix: token,
    prefixStart: quote ? tokenStart : offset - token.length,
    containers: stack.length,
    siblings: frame?.keys ?? [],
  };
  const call = asCall ? stack[0] : undefined;
  if (call?.key !== undefined) scan.callKey = call.key;
  else if (call) scan.argIndex = call.args;
  if (callClosed && stack.length === 0) scan.callDepthLeft = true;
  return scan;
}

/** Inside a vault macro call's parentheses: the macro and the parameter the cursor's argument binds to. */
export function callArgumentAt(text: string, offset: number): { macro: VaultMacroName; param: string | undefined } | undefined {
  const open = text.lastIndexOf('{{', offset - 1);
  if (open < 0 || text.slice(open, offset).includes('}}')) return undefined;
  const tag = text.slice(open, offset);
  const call = /\b(automate_dv|dbtvault)\.(\w+)\s*\(/g;
  let found: RegExpExecArray | undefined;
  for (let c = call.exec(tag); c; c = call.exec(tag)) found = c;
  if (!found || !isVaultMacroName(found[2] as string)) return undefined;
  const macro = found[2] as VaultMacroName;
  const flow = scanLiteral(text, open + found.index + found[0].length, offset, 'jinja', true);
  if (flow.callDepthLeft || flow.containers === 0) return undefined;
  const param = flow.callKey ?? (flow.argIndex !== undefined ? MACRO_SIGNATURES[macro].params[flow.argIndex]?.name : undefined);
  return { macro, param };
}
