// Parses one dbt model file into what the rest of the tool needs to know statically: its AutomateDV macro call(s)
// with every parameter bound to its metadata value (through `{% set %}` variables and yaml_metadata/fromyaml lookups),
// its ref()/source()/config() calls, and diagnostics. Every name and value keeps its span. Bad input gives
// diagnostics, never an exception; a file we cannot fully follow is still a plain model.
import type { Diagnostic } from '../base/diagnostic';
import { diagnostic } from '../base/diagnostic';
import type { Span } from '../base/text';
import { MACRO_SIGNATURES, failsOnlyIncrementallyWhenUndefined, isReleasedHelperMacro, isVaultMacroName, rendersWithoutWhenUndefined, signatureFor, skipsRequiredCheck, type MacroSignature, type VaultMacroName } from '../compile/automate-dv/signatures';
import type { CallExpr, Expression, SetBlockNode, Statement, Template } from '../jinja/ast';
import { parseTemplate } from '../jinja/parser';
import type { MetaEntry, MetaValue } from './meta';
import { isPyWhitespace, normalizeNewlines } from '../jinja/lexer';
import { OffsetMap, readYamlMetadata, type TextPiece, type YamlMetaResult } from './yaml-meta';

export const MACRO_NAMESPACES = ['automate_dv', 'dbtvault'] as const;

/** How a parameter got its value: written inline, through a `{% set %}` variable, or through a YAML key. */
export type ValueOrigin =
  | { kind: 'inline' }
  | { kind: 'variable'; name: string; span: Span }
  | { kind: 'yaml'; block: string; key: string; keySpan: Span };

export interface BoundParam {
  name: string;
  /** The argument as written in the call (`src_pk=src_pk`, or the positional expression). */
  argSpan: Span;
  value: MetaValue | undefined;
  origin: ValueOrigin;
  /** Why the value is Jinja Undefined when it renders (a missing YAML key, a name never set), if it is. */
  undefinedBecause?: string;
  /** The expression that is undefined. */
  undefinedSpan?: Span;
}

export interface MacroCallInfo {
  namespace: string;
  macro: string;
  signature: MacroSignature | undefined;
  span: Span;
  nameSpan: Span;
  /** Between the parentheses. */
  argsSpan: Span;
  params: Map<string, BoundParam>;
}

export interface RefCall {
  name: string;
  package?: string;
  /** `v=` / `version=` of a versioned model. */
  version?: string;
  span: Span;
  nameSpan: Span;
}

export interface SourceCall {
  source: string;
  table: string;
  span: Span;
  sourceSpan: Span;
  tableSpan: Span;
}

export interface YamlBlock {
  name: string;
  /** The body between `{% set name %}` and `{% endset %}`. */
  bodySpan: Span;
  result: YamlMetaResult;
  /** Set once its problems are in the model's diagnostics (a block read by several fromyaml calls reports once). */
  reported?: boolean;
}

export interface ParsedModel {
  text: string;
  template: Template;
  diagnostics: Diagnostic[];
  /** The AutomateDV macro calls (usually one). */
  calls: MacroCallInfo[];
  refs: RefCall[];
  sources: SourceCall[];
  /** Values given to `{{ config(...) }}` in the file. */
  config: Map<string, MetaValue>;
  /** Top-level `{% set name = … %}` values. */
  variables: Map<string, { span: Span; value: MetaValue }>;
  yamlBlocks: YamlBlock[];
}

interface Scope {
  text: string;
  variables: Map<string, { span: Span; value: MetaValue; origin: ValueOrigin }>;
  blocks: Map<string, YamlBlock>;
  /** Names bound to fromyaml(<block>). */
  yamlDicts: Map<string, YamlBlock>;
  version: string | undefined;
  otherMacros: ParseOptions['otherAutomateDvMacros'];
}

export interface ParseOptions {
  /** The AutomateDV/dbtvault version the project pins: positional arguments bind by its signature (default 0.11). */
  automateDvVersion?: string;
  /**
   * Macros the project's AutomateDV has beyond the ones dvs knows: those an installed copy defines, or 'any' for a fork
   * (git or local) that is not installed. Calls to them are not DV204; the compiler says what it could not expand.
   */
  otherAutomateDvMacros?: ReadonlySet<string> | 'any';
}

export function parseModel(text: string, options: ParseOptions = {}): ParsedModel {
  const { template, diagnostics } = parseTemplate(text);
  const scope: Scope = { text, variables: new Map(), blocks: new Map(), yamlDicts: new Map(), version: options.automateDvVersion, otherMacros: options.otherAutomateDvMacros };
  const model: ParsedModel = {
    text,
    template,
    diagnostics: [...diagnostics],
    calls: [],
    refs: [],
    sources: [],
    config: new Map(),
    variables: new Map(),
    yamlBlocks: [],
  };
  collectAssignments(template.body, scope, model);
  for (const [name, v] of scope.variables) model.variables.set(name, { span: v.span, value: v.value });
  for (const call of allCalls(template.body)) inspectCall(call, scope, model);
  for (const block of scope.yamlDicts.values()) reportYamlProblems(block, model);
  return model;
}

// ---------------------------------------------------------------------------------------------------------------
// Assignments: `{% set x = literal %}`, `{% set yaml_metadata %}…{% endset %}`, `{% set m = fromyaml(yaml_metadata) %}`.

function collectAssignments(body: Statement[], scope: Scope, model: ParsedModel): void {
  for (const st of body) {
    if (st.kind === 'SetBlock' && st.target.kind === 'Name') {
      const block = readBlock(st, scope.text);
      scope.blocks.set(st.target.name, block);
      model.yamlBlocks.push(block);
    } else if (st.kind === 'Set' && st.target.kind === 'Name') {
      const name = st.target.name;
      const fromYaml = fromyamlSource(st.value, scope);
      if (fromYaml) {
        scope.yamlDicts.set(name, fromYaml);
        continue;
      }
      const resolved = evalStatic(st.value, scope);
      scope.variables.set(name, {
        span: st.span,
        value: resolved.value ?? dynamic(st.value.span, 'computed at render time'),
        origin: resolved.origin.kind === 'inline' ? { kind: 'variable', name, span: st.target.span } : resolved.origin,
      });
    } else if (st.kind === 'If') {
      // Metadata set inside `{% if %}` (e.g. per target) is still metadata; the first assignment wins statically.
      for (const b of st.branches) collectAssignments(b.body, scope, model);
      if (st.elseBody) collectAssignments(st.elseBody, scope, model);
    }
  }
}

function readBlock(st: SetBlockNode, text: string): YamlBlock {
  const name = st.target.kind === 'Name' ? st.target.name : '';
  const bodyStart = st.tagSpan.end;
  const bodyEnd = st.endTagSpan ? st.endTagSpan.start : st.span.end;
  // The YAML is read as Jinja renders the body: whitespace control (`-%}`, `{%-`, `-}}` …) has already trimmed each
  // text node's value, so only the kept part of each text joins the YAML, with its file offset. Comments render to
  // nothing; other Jinja inside the body is masked (same length) so YAML sees a plain scalar there.
  const pieces: TextPiece[] = [];
  let yaml = '';
  const add = (chunk: string, fileStart: number, tag?: { end?: number; masked: boolean }): void => {
    if (!chunk) return;
    const piece: TextPiece = { at: yaml.length, fileStart, length: chunk.length };
    if (tag?.end !== undefined) piece.fileEnd = tag.end;
    if (tag?.masked) piece.masked = true;
    pieces.push(piece);
    yaml += chunk;
  };
  const render = (body: readonly Statement[]): void => {
    for (const inner of body) {
      if (inner.span.start < bodyStart || inner.span.end > bodyEnd || inner.kind === 'Comment' || inner.kind === 'Set') continue;
      if (inner.kind === 'Text') {
        const kept = keptText(text, inner.span, inner.value);
        add(text.slice(kept.start, kept.end), kept.start);
      } else if (inner.kind === 'Output' && inner.expr.kind === 'Const' && typeof inner.expr.value === 'string') {
        // A constant renders as itself (`{{- ' ' -}}` puts back the space the stripping took).
        add(inner.expr.value, inner.span.start, { end: inner.span.end, masked: false });
      } else if (inner.kind === 'If' && inner.branches[0]) {
        // The tags render nothing; statically the first branch stands for the block (as for assignments above).
        render(inner.branches[0].body);
      } else {
        const mask = text.slice(inner.span.start, inner.span.end).replace(/[^\n]/g, 'x');
        // A one-line tag is one value; a mask spanning lines keeps its line breaks, so it follows the file.
        add(mask, inner.span.start, { masked: true, ...(mask.includes('\n') ? {} : { end: inner.span.end }) });
      }
    }
  };
  render(st.body);
  const map = new OffsetMap(pieces, { start: bodyStart, end: bodyEnd });
  return { name, bodySpan: { start: bodyStart, end: bodyEnd }, result: readYamlMetadata(yaml, map) };
}

/**
 * The part of a text node's file span that Jinja renders: the lexer gives the value after whitespace control (and with
 * line breaks normalised), so the whitespace it dropped at either end is what the value lacks there.
 */
function keptText(text: string, span: Span, value: string): Span {
  if (value === '') return { start: span.start, end: span.start };
  const raw = text.slice(span.start, span.end);
  const normalised = normalizeNewlines(raw);
  let start = span.start;
  let end = span.end;
  if (!normalised.startsWith(value)) while (start < end && isPyWhitespace(text[start] as string)) start++;
  if (!normalised.endsWith(value)) while (end > start && isPyWhitespace(text[end - 1] as string)) end--;
  return { start, end };
}

function fromyamlSource(expr: Expression, scope: Scope): YamlBlock | undefined {
  if (expr.kind !== 'Call' || expr.callee.kind !== 'Name' || expr.callee.name !== 'fromyaml') return undefined;
  const arg = expr.args[0];
  if (arg?.kind === 'Name') return scope.blocks.get(arg.name);
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Static evaluation of an argument expression into metadata with spans.

interface Resolved {
  value: MetaValue | undefined;
  origin: ValueOrigin;
  /** Set when the expression is Jinja Undefined at render time, saying why. */
  undefinedBecause?: string;
  undefinedSpan?: Span;
}

function evalStatic(expr: Expression, scope: Scope): Resolved {
  const inline: ValueOrigin = { kind: 'inline' };
  switch (expr.kind) {
    case 'Const': {
      const v = expr.value;
      if (typeof v === 'string') return { value: { kind: 'string', value: v, span: expr.span, contentSpan: expr.contentSpan ?? expr.span }, origin: inline };
      if (typeof v === 'number') return { value: { kind: 'number', value: v, span: expr.span }, origin: inline };
      if (typeof v === 'boolean') return { value: { kind: 'bool', value: v, span: expr.span }, origin: inline };
      return { value: { kind: 'none', span: expr.span }, origin: inline };
    }
    case 'List':
    case 'Tuple': {
      const items = expr.items.map((i) => evalStatic(i, scope).value ?? dynamic(i.span, 'unknown'));
      return { value: { kind: 'list', items, span: expr.span }, origin: inline };
    }
    case 'Dict': {
      const entries: MetaEntry[] = [];
      for (const item of expr.items) {
        const key = item.key.kind === 'Const' && item.key.value !== null ? String(item.key.value) : undefined;
        if (key === undefined) continue;
        const keySpan = item.key.kind === 'Const' ? item.key.contentSpan ?? item.key.span : item.key.span;
        entries.push({ key, keySpan, value: evalStatic(item.value, scope).value ?? dynamic(item.value.span, 'unknown'), span: item.span });
      }
      return { value: { kind: 'dict', entries, span: expr.span }, origin: inline };
    }
    case 'Name': {
      const v = scope.variables.get(expr.name);
      if (v) return { value: v.value, origin: v.origin };
      const lower = expr.name.toLowerCase();
      if (lower === 'none') return { value: { kind: 'none', span: expr.span }, origin: inline };
      if (lower === 'true' || lower === 'false') return { value: { kind: 'bool', value: lower === 'true', span: expr.span }, origin: inline };
      if (scope.blocks.has(expr.name) || scope.yamlDicts.has(expr.name) || isKnownGlobal(expr.name)) return { value: undefined, origin: inline };
      return { value: undefined, origin: inline, undefinedBecause: `'${expr.name}' is not set in this file`, undefinedSpan: expr.span };
    }
    case 'Getitem': {
      const key = expr.index.kind === 'Const' && typeof expr.index.value === 'string' ? expr.index.value : undefined;
      const found = lookupYamlKey(expr.object, key, scope);
      if (found?.undefinedBecause !== undefined) return { ...found, undefinedSpan: expr.span };
      return found ?? { value: dynamic(expr.span, 'computed at render time'), origin: inline };
    }
    case 'Call': {
      // `metadata_dict.get('key')` / `.get('key', default)`
      if (expr.callee.kind === 'Getattr' && expr.callee.attr === 'get') {
        const arg = expr.args[0];
        const key = arg?.kind === 'Const' && typeof arg.value === 'string' ? arg.value : undefined;
        const found = lookupYamlKey(expr.callee.object, key, scope);
        const fallback = expr.args[1];
        if (found && found.undefinedBecause === undefined) return found;
        if (fallback) return evalStatic(fallback, scope);
        // A Python dict's get() gives None for a missing key (not Undefined).
        if (found) return { value: { kind: 'none', span: expr.span }, origin: found.origin };
      }
      return { value: dynamic(expr.span, 'computed at render time'), origin: inline };
    }
    default:
      return { value: dynamic(expr.span, 'computed at render time'), origin: inline };
  }
}

function lookupYamlKey(object: Expression, key: string | undefined, scope: Scope): Resolved | undefined {
  if (key === undefined) return undefined;
  // A dict literal set in the file (`{%- set metadata = {'src_pk': ...} -%}`) is read like a YAML block.
  const literal = object.kind === 'Name' ? scope.variables.get(object.name) : undefined;
  if (literal?.value.kind === 'dict') {
    const entry = literal.value.entries.find((e) => e.key === key);
    if (!entry) return { value: undefined, origin: literal.origin, undefinedBecause: `'${object.kind === 'Name' ? object.name : ''}' has no key '${key}'` };
    return { value: entry.value, origin: literal.origin };
  }
  let block: YamlBlock | undefined;
  if (object.kind === 'Name') block = scope.yamlDicts.get(object.name);
  else if (object.kind === 'Call') block = fromyamlSource(object, scope);
  if (!block) return undefined;
  const root = block.result.value;
  if (!root || root.kind !== 'dict') return { value: undefined, origin: { kind: 'inline' } };
  const entry = root.entries.find((e) => e.key === key);
  if (!entry) return { value: undefined, origin: { kind: 'yaml', block: block.name, key, keySpan: block.bodySpan }, undefinedBecause: `${block.name} has no key '${key}'` };
  return { value: entry.value, origin: { kind: 'yaml', block: block.name, key, keySpan: entry.keySpan } };
}

function dynamic(span: Span, reason: string): MetaValue {
  return { kind: 'dynamic', span, reason };
}

// ---------------------------------------------------------------------------------------------------------------
// Calls: AutomateDV macros, ref(), source(), config().

function inspectCall(call: CallExpr, scope: Scope, model: ParsedModel): void {
  const callee = call.callee;
  if (callee.kind === 'Name') {
    if (callee.name === 'ref') return recordRef(call, model);
    if (callee.name === 'source') return recordSource(call, model);
    if (callee.name === 'config') return recordConfig(call, scope, model);
    if (callee.name === 'fromyaml') {
      const block = fromyamlSource(call, scope);
      if (block) reportYamlProblems(block, model);
    }
    return;
  }
  if (callee.kind === 'Getattr' && callee.object.kind === 'Name' && (MACRO_NAMESPACES as readonly string[]).includes(callee.object.name)) {
    model.calls.push(bindMacroCall(call, callee.object.name, callee.attr, callee.attrSpan, scope, model));
  }
}

function stringArg(e: Expression | undefined): { value: string; span: Span } | undefined {
  if (e?.kind === 'Const' && typeof e.value === 'string') return { value: e.value, span: e.contentSpan ?? e.span };
  return undefined;
}

function recordRef(call: CallExpr, model: ParsedModel): void {
  const a = stringArg(call.args[0]);
  const b = stringArg(call.args[1]);
  if (!a) return;
  const ref: RefCall = b ? { name: b.value, package: a.value, span: call.span, nameSpan: b.span } : { name: a.value, span: call.span, nameSpan: a.span };
  const version = call.kwargs.find((k) => k.name === 'v' || k.name === 'version')?.value;
  if (version?.kind === 'Const' && (typeof version.value === 'string' || typeof version.value === 'number')) ref.version = String(version.value);
  model.refs.push(ref);
}

function recordSource(call: CallExpr, model: ParsedModel): void {
  const a = stringArg(call.args[0]);
  const b = stringArg(call.args[1]);
  if (a && b) model.sources.push({ source: a.value, table: b.value, span: call.span, sourceSpan: a.span, tableSpan: b.span });
}

function recordConfig(call: CallExpr, scope: Scope, model: ParsedModel): void {
  for (const kw of call.kwargs) {
    const v = evalStatic(kw.value, scope).value;
    if (v) model.config.set(kw.name, v);
  }
}

function bindMacroCall(call: CallExpr, namespace: string, macro: string, nameSpan: Span, scope: Scope, model: ParsedModel): MacroCallInfo {
  const signature: MacroSignature | undefined = isVaultMacroName(macro) ? signatureFor(macro, scope.version) : undefined;
  const argsSpan = { start: nameSpan.end + 1, end: Math.max(nameSpan.end + 1, call.span.end - 1) };
  const info: MacroCallInfo = { namespace, macro, signature, span: call.span, nameSpan, argsSpan, params: new Map() };
  if (!signature) {
    if (!isReleasedHelperMacro(macro) && !(scope.otherMacros === 'any' || scope.otherMacros?.has(macro))) {
      const known = Object.keys(MACRO_SIGNATURES).join(', ');
      model.diagnostics.push(diagnostic('DV204', 'error', `'${namespace}.${macro}' is not an AutomateDV macro. Known macros: ${known}.`, nameSpan));
    }
    return info;
  }
  call.args.forEach((arg, i) => {
    const spec = signature.params[i];
    if (!spec) {
      model.diagnostics.push(
        diagnostic('DV205', 'error', `${macro}() takes ${signature.params.length} positional arguments; this is argument ${i + 1}. Pass it by name.`, arg.span),
      );
      return;
    }
    const r = evalStatic(arg, scope);
    info.params.set(spec.name, { name: spec.name, argSpan: arg.span, value: r.value, origin: r.origin, undefinedBecause: r.undefinedBecause, undefinedSpan: r.undefinedSpan });
  });
  // `*args` / `**kwargs`: a list or dict literal set in the file binds like written arguments; anything else is known
  // only at render time, so no parameter can be called missing.
  let open = false;
  if (call.dynArgs) {
    const r = evalStatic(call.dynArgs, scope);
    if (r.value?.kind === 'list') {
      r.value.items.forEach((item, i) => {
        const spec = signature.params[call.args.length + i];
        if (spec) info.params.set(spec.name, { name: spec.name, argSpan: call.dynArgs?.span ?? item.span, value: item, origin: r.origin });
      });
    } else open = true;
  }
  if (call.dynKwargs) {
    const r = evalStatic(call.dynKwargs, scope);
    if (r.value?.kind === 'dict') {
      for (const e of r.value.entries) {
        const spec = signature.params.find((p) => p.name === e.key);
        if (spec) info.params.set(spec.name, { name: spec.name, argSpan: call.dynKwargs.span, value: e.value, origin: r.origin });
        else {
          const names = signature.params.map((p) => p.name).join(', ');
          model.diagnostics.push(diagnostic('DV203', 'error', `${macro}() has no parameter '${e.key}'. Its parameters: ${names}.`, e.keySpan));
        }
      }
    } else open = true;
  }
  for (const kw of call.kwargs) {
    const spec = signature.params.find((p) => p.name === kw.name);
    if (!spec) {
      const names = signature.params.map((p) => p.name).join(', ');
      model.diagnostics.push(diagnostic('DV203', 'error', `${macro}() has no parameter '${kw.name}'. Its parameters: ${names}.`, kw.nameSpan));
      continue;
    }
    const r = evalStatic(kw.value, scope);
    info.params.set(spec.name, { name: spec.name, argSpan: kw.span, value: r.value, origin: r.origin, undefinedBecause: r.undefinedBecause, undefinedSpan: r.undefinedSpan });
  }
  const checked = !open && !skipsRequiredCheck(macro, scope.version);
  for (const p of info.params.values()) {
    // Where only the incremental branch fails, the rules decide (they know the materialization).
    if (p.undefinedBecause !== undefined && !failsOnlyIncrementallyWhenUndefined(macro, p.name)) reportUndefined(macro, signature, p, checked, model);
  }
  const missing = checked ? signature.params.filter((p) => p.required && isMissing(info.params.get(p.name)) && !(info.params.get(p.name) === undefined && rendersWithoutWhenUndefined(macro, p.name))) : [];
  if (checked) {
    for (const p of signature.params) {
      if (p.required && !info.params.has(p.name) && rendersWithoutWhenUndefined(macro, p.name) && !failsOnlyIncrementallyWhenUndefined(macro, p.name)) {
        model.diagnostics.push(
          diagnostic('DV207', 'warning', `${macro}() is called without ${p.name}: AutomateDV's required-parameter check only rejects none, so the ${macro} is built without it. Add ${p.name}=… to the call.`, nameSpan),
        );
      }
    }
  }
  const none = missing.filter((p) => info.params.has(p.name));
  const omitted = missing.filter((p) => !info.params.has(p.name));
  const parts: string[] = [];
  if (none.length) parts.push(`Required parameter(s) missing or none in ${macro}(): ${none.map((p) => p.name).join(', ')}.`);
  // Not passed is Undefined, which AutomateDV's check lets through; the SQL it renders then lacks these columns.
  if (omitted.length) {
    parts.push(`Required parameter(s) missing in ${macro}(): ${omitted.map((p) => p.name).join(', ')}; AutomateDV renders its SQL with an empty column there, so dbt run fails.`);
  }
  if (missing.length) {
    parts.push(`Add ${missing.map((p) => `${p.name}=…`).join(', ')} to the call.`);
    model.diagnostics.push(diagnostic('DV201', 'error', parts.join(' '), nameSpan));
  }
  return info;
}

/**
 * A parameter that renders as Jinja Undefined (a missing YAML key, a name never set): AutomateDV's required-parameter
 * check only rejects none, so it is an error only where the macro then fails on it (it uses the parameter as a column
 * name); otherwise the macro renders without it, which deserves a warning for a required parameter and nothing for an
 * optional one read from a key the metadata leaves out.
 */
function reportUndefined(macro: string, signature: MacroSignature, p: BoundParam, checked: boolean, model: ParsedModel): void {
  const spec = signature.params.find((s) => s.name === p.name);
  const fails = checked && spec?.required === true && !rendersWithoutWhenUndefined(macro, p.name);
  const unsetName = p.origin.kind !== 'yaml' && !/has no key/.test(p.undefinedBecause ?? '');
  const missingKey = /has no key/.test(p.undefinedBecause ?? '');
  const fix = p.origin.kind === 'yaml' ? `Add ${p.origin.key}: … to ${p.origin.block}` : missingKey ? 'Add the key to that dict' : `Set it with {%- set … -%} above the call`;
  if (fails) {
    const code = unsetName ? 'DV206' : 'DV201';
    model.diagnostics.push(diagnostic(code, 'error', `${p.undefinedBecause}, so ${p.name} is undefined: AutomateDV's check lets that through, but ${macro}() then writes an empty column into its SQL and dbt run fails. ${fix}.`, p.undefinedSpan ?? p.argSpan));
  } else if (spec?.required === true || unsetName) {
    model.diagnostics.push(
      diagnostic('DV207', 'warning', `${p.undefinedBecause}, so ${p.name} is undefined and the ${macro} is built without it. ${fix}, or remove the argument.`, p.undefinedSpan ?? p.argSpan),
    );
  }
}


// Names dbt defines for every model: never "not set in this file".
const DBT_GLOBALS = new Set(['none', 'None', 'true', 'false', 'True', 'False', 'target', 'this', 'model', 'run_started_at', 'invocation_id', 'execute', 'flags', 'graph', 'modules', 'project_name', 'builtins']);

function isKnownGlobal(name: string): boolean {
  return DBT_GLOBALS.has(name);
}

function isMissing(p: BoundParam | undefined): boolean {
  if (!p) return true;
  const v = p.value;
  if (!v) return false; // unknown statically: do not claim it is missing (DV206 covers undefined variables)
  return v.kind === 'none';
}

function reportYamlProblems(block: YamlBlock, model: ParsedModel): void {
  if (block.reported) return;
  block.reported = true;
  for (const p of block.result.problems) {
    if (p.unquotedConstant) model.diagnostics.push(diagnostic('DV501', 'error', p.message, p.span));
    else model.diagnostics.push(diagnostic('DV020', 'error', `YAML error in ${block.name}: ${p.message}. dbt's fromyaml returns None for it.`, p.span));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Walking the tree.

// Every call in the tree, in source order, pushed into one array (nested generators cost a generator per level and
// per node, which showed in a cold check).
function allCalls(body: Statement[], out: CallExpr[] = []): CallExpr[] {
  for (const st of body) callsInStatement(st, out);
  return out;
}

function callsInStatement(st: Statement, out: CallExpr[]): void {
  switch (st.kind) {
    case 'Output':
    case 'Do':
      callsInExpr(st.expr, out);
      break;
    case 'Set':
      callsInExpr(st.value, out);
      break;
    case 'SetBlock':
    case 'FilterBlock':
    case 'Macro':
    case 'With':
      allCalls(st.body, out);
      break;
    case 'CallBlock':
      callsInExpr(st.call, out);
      allCalls(st.body, out);
      break;
    case 'If':
      for (const b of st.branches) {
        callsInExpr(b.test, out);
        allCalls(b.body, out);
      }
      if (st.elseBody) allCalls(st.elseBody, out);
      break;
    case 'For':
      callsInExpr(st.iter, out);
      allCalls(st.body, out);
      if (st.elseBody) allCalls(st.elseBody, out);
      break;
    default:
      break;
  }
}

function callsInExpr(e: Expression | undefined, out: CallExpr[]): void {
  if (!e) return;
  switch (e.kind) {
    case 'Call':
      out.push(e);
      callsInExpr(e.callee, out);
      for (const a of e.args) callsInExpr(a, out);
      for (const k of e.kwargs) callsInExpr(k.value, out);
      break;
    case 'List':
    case 'Tuple':
      for (const i of e.items) callsInExpr(i, out);
      break;
    case 'Dict':
      for (const i of e.items) {
        callsInExpr(i.key, out);
        callsInExpr(i.value, out);
      }
      break;
    case 'Getattr':
      callsInExpr(e.object, out);
      break;
    case 'Getitem':
      callsInExpr(e.object, out);
      callsInExpr(e.index, out);
      break;
    case 'Filter':
      callsInExpr(e.value, out);
      for (const a of e.filter.args) callsInExpr(a, out);
      break;
    case 'Test':
      callsInExpr(e.value, out);
      break;
    case 'Unary':
      callsInExpr(e.operand, out);
      break;
    case 'Binary':
      callsInExpr(e.left, out);
      callsInExpr(e.right, out);
      break;
    case 'Compare':
      callsInExpr(e.first, out);
      for (const o of e.ops) callsInExpr(o.expr, out);
      break;
    case 'CondExpr':
      callsInExpr(e.test, out);
      callsInExpr(e.then, out);
      callsInExpr(e.otherwise, out);
      break;
    default:
      break;
  }
}

/** The vault macro of a parsed model, if it calls one. */
export function vaultCall(model: ParsedModel): (MacroCallInfo & { macro: VaultMacroName }) | undefined {
  return model.calls.find((c): c is MacroCallInfo & { macro: VaultMacroName } => c.signature !== undefined);
}
