// Completion in model files: columns for macro metadata ranked by their role (hash keys for src_pk, hashdiffs for
// src_hashdiff, the hashed business key for src_nk, …), raw columns with their types inside a stage, model and
// source names, macro and parameter names, and the keys of the metadata block.
import { CompletionItemKind, InsertTextFormat, MarkupKind, type CompletionItem, type CompletionList } from 'vscode-languageserver';
import { SourceText, type Span } from '../base/text';
import { macroDescriptor } from '../base/automate-dv-macros';
import { MACRO_SIGNATURES, type ParamKind, type VaultMacroName } from '../compile/automate-dv/signatures';
import { metaEntry, metaStrings, walkMeta } from '../model/meta';
import { vaultCall, type ParsedModel } from '../model/parse';
import type { VaultIndex } from '../rules';
import { canonicalColumn } from '../rules/stage-aliases';
import { hashdiffColumn, paramColumns, sameName, stageFacts } from '../rules/vault-facts';
import { isNestedParamKind, modelNameCandidates, nestedParamCandidates, type Candidate } from './nested-parameters';
import { stageSourceColumns, type ColumnRole, type DescribedColumn } from './columns';
import { cursorContext, type CursorContext } from './cursor-context';
import { modelColumnsDescribed } from './model-columns';
import type { FeatureProject } from './project-view';

type Metadata = Extract<CursorContext, { kind: 'metadata' }>;

export interface CompletionInput {
  project: FeatureProject;
  index: VaultIndex;
  modelName: string;
  parsed: ParsedModel;
  offset: number;
}

/** Every candidate at the cursor, each with its own text edit (tests and callers that want the whole list). */
export function completionItems(input: CompletionInput): CompletionItem[] {
  return completionList(input, { maxItems: Number.POSITIVE_INFINITY, editRangeDefault: false }).items;
}

export interface CompletionListOptions {
  /** At most this many items; the list is then marked incomplete, and the client asks again as the user types. */
  maxItems: number;
  /** The client takes LSP 3.17 `itemDefaults.editRange`: one range for the list instead of one per item. */
  editRangeDefault: boolean;
  /**
   * Items carry a key (`data`) instead of their documentation, which the client asks for when it shows an item
   * (completionItem/resolve, answered from `LazyDocumentation`). About half of a column list's bytes are its
   * documentation, and the editor shows one item's at a time.
   */
  lazyDocumentation?: LazyDocumentation;
}

/**
 * The documentation of the items of the latest completion list, sent when the editor resolves one. Only the latest
 * list is kept: the editor resolves items of the list it shows, and a new list replaces the old one.
 */
export class LazyDocumentation {
  private entries: string[] = [];
  private list = 0;

  /** Starts a new list: the keys of the previous one resolve to nothing from now on. */
  startList(): void {
    this.entries = [];
    this.list++;
  }

  /** The key an item carries for this documentation. */
  keep(documentation: string): { list: number; doc: number } {
    this.entries.push(documentation);
    return { list: this.list, doc: this.entries.length - 1 };
  }

  /** The item with its documentation, when its key is of the latest list; else the item as it came. */
  resolve(item: CompletionItem): CompletionItem {
    const key = item.data as { list?: unknown; doc?: unknown } | undefined;
    if (!key || key.list !== this.list || typeof key.doc !== 'number') return item;
    const value = this.entries[key.doc];
    return value === undefined ? item : { ...item, documentation: { kind: MarkupKind.Markdown, value } };
  }
}

/** The editor's default cap: a model name list of a 2,000-model project stays a few kilobytes. */
export const MAX_COMPLETION_ITEMS = 100;

/**
 * The completion answer the language server sends: candidates matching what is typed so far, the likeliest first,
 * capped at `maxItems` (then isIncomplete), with fields equal to their defaults left out.
 */
export function completionList(input: CompletionInput, options: CompletionListOptions): CompletionList {
  const { parsed, offset } = input;
  const context = cursorContext(parsed.text, offset, parsed);
  if (!context) return { isIncomplete: false, items: [] };
  let candidates = candidatesFor(input, context).map((c, i) => ({ c, i }));
  let isIncomplete = false;
  if (candidates.length > options.maxItems) {
    // Only a capped list is filtered here: the client filters a complete one itself, fuzzily.
    const typed = context.prefix.replace(/^["']/, '').toLowerCase();
    if (typed) candidates = candidates.filter(({ c }) => isSubsequence(typed, c.label.toLowerCase()));
    if (candidates.length > options.maxItems) {
      candidates = [...candidates].sort((a, b) => a.c.rank - b.c.rank || a.i - b.i).slice(0, options.maxItems).sort((a, b) => a.i - b.i);
      isIncomplete = true;
    }
  }
  const source = new SourceText(parsed.text);
  const range = source.rangeOf(context.replace);
  const lazy = options.lazyDocumentation;
  lazy?.startList();
  const items = candidates.map(({ c, i }) => {
    const item: CompletionItem = { label: c.label, kind: c.kind, sortText: `${String(c.rank).padStart(2, '0')}_${String(i).padStart(4, '0')}` };
    const filterText = context.kind === 'metadata' && !context.quote && c.insert?.startsWith('"') ? `"${c.label}` : c.label;
    if (filterText !== c.label || !options.editRangeDefault) item.filterText = filterText;
    const newText = c.insert ?? c.label;
    if (!options.editRangeDefault) item.textEdit = { range, newText };
    else if (newText !== c.label) item.textEditText = newText;
    if (c.detail) item.detail = c.detail;
    if (c.documentation && lazy) item.data = lazy.keep(c.documentation);
    else if (c.documentation) item.documentation = { kind: MarkupKind.Markdown, value: c.documentation };
    if (c.snippet) item.insertTextFormat = InsertTextFormat.Snippet;
    return item;
  });
  const list: CompletionList = { isIncomplete, items };
  if (options.editRangeDefault) list.itemDefaults = { editRange: range };
  return list;
}

function isSubsequence(needle: string, haystack: string): boolean {
  let j = 0;
  for (let i = 0; i < haystack.length && j < needle.length; i++) if (haystack[i] === needle[j]) j++;
  return j === needle.length;
}

function candidatesFor(input: CompletionInput, context: CursorContext): Candidate[] {
  const { project } = input;
  switch (context.kind) {
    case 'ref':
      return modelCandidates(input, undefined, undefined);
    case 'source-name':
      return [...new Set([...project.sourceTables()].map((t) => t.source))].map((s) => ({ label: s, kind: CompletionItemKind.Module, detail: 'source', rank: 0 }));
    case 'source-table':
      return [...project.sourceTables()]
        .filter((t) => t.source === context.source)
        .map((t) => sourceTableCandidate(project, t.source, t.table));
    case 'macro-name':
      return (Object.keys(MACRO_SIGNATURES) as VaultMacroName[]).map((name) => ({
        label: name,
        kind: CompletionItemKind.Function,
        detail: `${context.namespace}.${name}(${MACRO_SIGNATURES[name].params.map((p) => p.name).join(', ')})`,
        documentation: MACRO_SIGNATURES[name].description,
        rank: macroDescriptor(name).common ? 0 : 1,
      }));
    case 'macro-param':
      return MACRO_SIGNATURES[context.macro].params
        .filter((p) => !context.used.includes(p.name))
        .map((p) => ({
          label: p.name,
          kind: CompletionItemKind.Property,
          detail: `${p.required ? 'required' : 'optional'} · ${p.kind}`,
          documentation: p.description,
          rank: p.required ? 0 : 1,
          insert: `${p.name}=`,
        }));
    case 'metadata':
      return metadataCandidates(input, context);
  }
}

function sourceTableCandidate(project: FeatureProject, source: string, table: string): Candidate {
  const info = project.sourceTable(source, table);
  const c: Candidate = { label: table, kind: CompletionItemKind.Struct, detail: `source ${source}${info ? ` · ${info.relation}` : ''}`, rank: 0 };
  if (info?.description) c.documentation = info.description;
  return c;
}

/** Model names; stages first when a vault macro asks for its source. */
function modelCandidates(input: CompletionInput, preferStages: boolean | undefined, quote: ((s: string) => string) | undefined): Candidate[] {
  const { project, index } = input;
  const out: Candidate[] = [];
  for (const name of project.modelNames()) {
    if (name === input.modelName) continue;
    const info = project.model(name);
    const stage = index.stage(name);
    const table = index.table(name);
    const kind = stage ? 'stage' : table ? table.macro : 'model';
    const c: Candidate = {
      label: name,
      kind: CompletionItemKind.Module,
      detail: `${kind}${info?.materialized ? ` · ${info.materialized}` : ''}`,
      rank: preferStages ? (stage ? 0 : table ? 2 : 1) : 0,
    };
    if (quote) c.insert = quote(name);
    if (info?.description) c.documentation = info.description;
    out.push(c);
  }
  for (const name of project.otherNodeNames()) out.push({ label: name, kind: CompletionItemKind.Module, detail: 'seed/snapshot', rank: 3, ...(quote ? { insert: quote(name) } : {}) });
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Metadata.

const BOOL_KEYS = new Set(['is_hashdiff', 'exclude_columns', 'escape', 'dense_rank']);

function metadataCandidates(input: CompletionInput, context: Metadata): Candidate[] {
  const { macro, param, path } = context;
  const quote = valueQuoter(context);
  if (!macro) return [];
  const signature = MACRO_SIGNATURES[macro];
  if (param === undefined) {
    // A top-level key of the yaml block: the macro's parameters.
    return signature.params
      .filter((p) => !context.siblings.includes(p.name))
      .map((p) => ({
        label: p.name,
        kind: CompletionItemKind.Property,
        detail: `${macro} · ${p.required ? 'required' : 'optional'}`,
        documentation: p.description,
        rank: p.required ? 0 : 1,
        insert: context.syntax === 'yaml' ? `${p.name}: ` : p.name,
      }));
  }
  const spec = signature.params.find((p) => p.name === param);
  if (!spec) return [];
  // The nested dicts of xts, pit and bridge have their own shapes (advanced-macros.ts).
  if (isNestedParamKind(spec.kind)) return nestedParamCandidates(input, context, spec.kind, quote);
  if (context.atKey) return keyCandidates(input, context, spec.kind);
  const last = path[path.length - 1];
  if (last && BOOL_KEYS.has(last)) return boolCandidates(context);
  if (spec.kind === 'bool') return boolCandidates(context);
  if (macro === 'stage') return stageValueCandidates(input, context, quote);
  if (spec.names === 'hub') return modelNameCandidates(input, 'hub', quote);
  if (spec.kind === 'model' || spec.kind === 'models') return modelCandidates(input, true, quote);
  return tableColumnCandidates(input, context, spec.kind, quote);
}

function valueQuoter(context: Metadata): ((s: string) => string) | undefined {
  if (context.quote) return undefined;
  if (context.syntax === 'yaml') return (s) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? s : `'${s.replace(/'/g, "''")}'`);
  return (s) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function boolCandidates(context: Metadata): Candidate[] {
  const words = context.syntax === 'yaml' ? ['true', 'false'] : ['true', 'false', 'none'];
  return words.map((w, i) => ({ label: w, kind: CompletionItemKind.Value, rank: i }));
}

function keyCandidates(input: CompletionInput, context: Metadata, kind: ParamKind): Candidate[] {
  const key = (label: string, documentation: string, rank = 0): Candidate => ({
    label,
    kind: CompletionItemKind.Property,
    documentation,
    rank,
    insert: context.syntax === 'yaml' ? `${label}: ` : context.quote ? label : `"${label}": `,
  });
  const depth = context.path.length;
  let keys: Candidate[] = [];
  switch (kind) {
    case 'hashed-columns':
      if (depth === 0) keys = hashKeyNameCandidates(input, context);
      else if (depth === 1)
        keys = [
          key('is_hashdiff', 'true: a hashdiff (columns sorted, never NULL)'),
          key('columns', 'the columns to hash'),
          key('exclude_columns', 'true: hash every source column except those listed in columns', 1),
        ];
      break;
    case 'derived-columns':
      if (depth === 0)
        keys = [
          key('RECORD_SOURCE', "where the row comes from, usually a constant: '!SYSTEM.TABLE'"),
          key('LOAD_DATE', 'when the row was loaded'),
          key('EFFECTIVE_FROM', 'when the change became effective'),
        ];
      else if (depth === 1) keys = [key('source_column', 'the column(s) or expression'), key('escape', 'true: quote the column names')];
      break;
    case 'null-columns':
      if (depth === 0) keys = [key('required', "NULLs become var('null_key_required'), default '-1'"), key('optional', "NULLs become var('null_key_optional'), default '-2'")];
      break;
    case 'ranked-columns':
      if (depth === 1)
        keys = [key('partition_by', 'column(s) to partition by'), key('order_by', "column(s) to order by, or {COLUMN: 'DESC'}"), key('dense_rank', 'true: DENSE_RANK() instead of RANK()', 1)];
      break;
    case 'model-or-source':
      if (depth === 0) keys = [...new Set([...input.project.sourceTables()].map((t) => t.source))].map((s) => ({ ...key(s, 'a source of the sources yml'), kind: CompletionItemKind.Module }));
      break;
    case 'hashdiff':
      if (depth === 0) keys = [key('source_column', 'the stage column holding the hashdiff'), key('alias', 'the name of the column in this table')];
      break;
    case 'payload':
      if (depth === 0) keys = [key('exclude_columns', 'true: every stage column except the keys, metadata and those listed'), key('columns', 'the columns to leave out')];
      break;
    default:
      break;
  }
  return keys.filter((k) => !context.siblings.includes(k.label));
}

/** Names of hash keys other stages build, to build the same key here. */
function hashKeyNameCandidates(input: CompletionInput, context: Metadata): Candidate[] {
  const out: Candidate[] = [];
  for (const [, builders] of input.index.hashBuilders()) {
    const first = builders[0];
    if (!first || builders.some((b) => b.stage === input.modelName) || context.siblings.some((s) => sameName(s, first.hash.name))) continue;
    out.push({
      label: first.hash.name,
      kind: CompletionItemKind.Field,
      detail: `hash key built in ${builders.map((b) => b.stage).join(', ')}`,
      documentation: `Built from ${first.hash.components.map((c) => c.value).join(', ')} in ${first.stage}; build it from the same business key here (DV407).`,
      rank: 0,
      insert: context.syntax === 'yaml' ? `${first.hash.name}: ` : context.quote ? first.hash.name : `"${first.hash.name}": `,
    });
  }
  return out;
}

/**
 * The case the file writes column names in. PostgreSQL folds the unquoted names AutomateDV emits, so a raw `email` is
 * written EMAIL in a file that writes its metadata upper case; completion follows the file.
 */
export function writtenCase(parsed: ParsedModel, param?: string): 'upper' | 'lower' | undefined {
  if (param !== undefined) {
    // The parameter's own values decide first; the whole file when they do not.
    const own = writtenCaseOf(parsed, param);
    if (own) return own;
  }
  return writtenCaseOf(parsed, undefined);
}

function writtenCaseOf(parsed: ParsedModel, only: string | undefined): 'upper' | 'lower' | undefined {
  let upper = 0;
  let lower = 0;
  for (const call of parsed.calls) {
    for (const p of call.params.values()) {
      if (!p.value || (only !== undefined && p.name !== only)) continue;
      for (const v of walkMeta(p.value)) {
        if (v.kind !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.value) || !/[A-Za-z]/.test(v.value)) continue;
        if (v.value === v.value.toUpperCase()) upper++;
        else if (v.value === v.value.toLowerCase()) lower++;
      }
    }
  }
  return upper > lower ? 'upper' : lower > upper ? 'lower' : undefined;
}

function inCase(name: string, style: 'upper' | 'lower' | undefined): string {
  if (!style || !/^[A-Za-z_][A-Za-z0-9_$]*$/.test(name)) return name;
  if (style === 'upper' && name === name.toLowerCase()) return name.toUpperCase();
  if (style === 'lower' && name === name.toUpperCase()) return name.toLowerCase();
  return name;
}

function columnCandidate(c: DescribedColumn, rank: number, quote: ((s: string) => string) | undefined, style?: 'upper' | 'lower'): Candidate {
  const label = inCase(c.name, style);
  const out: Candidate = {
    label,
    kind: c.role === 'hash-key' || c.role === 'hashdiff' ? CompletionItemKind.Field : CompletionItemKind.Variable,
    detail: `${c.type ? `${c.type} · ` : ''}${c.origin}`,
    documentation: c.documentation,
    rank,
  };
  if (quote) out.insert = quote(label);
  return out;
}

/**
 * Values already written in the list being edited (the parameter's value followed down `path`), so they are not
 * offered twice. Other lists of the same parameter do not count: a column hashed into one key may go into another.
 */
function writtenValues(parsed: ParsedModel, param: string, except: Span, path: readonly string[] = []): Set<string> {
  const call = vaultCall(parsed);
  let value = call?.params.get(param)?.value;
  const out = new Set<string>();
  for (const key of path) {
    // A key not parsed yet (being typed) holds no values yet.
    const entry = metaEntry(value, key);
    if (!entry) return out;
    value = entry.value;
  }
  if (!value) return out;
  for (const v of walkMeta(value)) {
    if (v.kind === 'string' && !(v.contentSpan.start <= except.start && except.start <= v.contentSpan.end)) out.add(v.value.toLowerCase());
  }
  return out;
}

function stageValueCandidates(input: CompletionInput, context: Metadata, quote: ((s: string) => string) | undefined): Candidate[] {
  const { project, index, modelName, parsed } = input;
  const param = context.param as string;
  if (param === 'source_model') {
    if (context.path.length === 1) {
      const source = context.path[0] as string;
      return [...project.sourceTables()].filter((t) => t.source === source).map((t) => ({ ...sourceTableCandidate(project, t.source, t.table), ...(quote ? { insert: quote(t.table) } : {}) }));
    }
    return modelCandidates(input, false, quote);
  }
  // The stage being edited: read it from the current text (it may not be indexed under this name yet).
  const facts = stageFacts(parsed) ?? index.stage(modelName);
  const raw = stageSourceColumns(project, index, modelName);
  const written = writtenValues(parsed, param, context.replace, context.path);
  const out: Candidate[] = [];
  const seen = new Set<string>();
  const push = (c: Candidate) => {
    if (seen.has(c.label.toLowerCase()) || written.has(c.label.toLowerCase())) return;
    seen.add(c.label.toLowerCase());
    out.push(c);
  };
  const style = writtenCase(parsed, param);
  const derived = param !== 'derived_columns' && facts ? facts.derived : [];
  // Hashdiffs list payload attributes; keys list business keys: put the likelier raw columns first.
  for (const d of derived) push({ label: d.name, kind: CompletionItemKind.Variable, detail: `derived · ${d.items.map((i) => i.value).join(', ')}`, rank: 1, ...(quote ? { insert: quote(d.name) } : {}) });
  if ((param === 'hashed_columns' || param === 'ranked_columns') && facts) {
    for (const n of facts.nulls) push({ label: n.value, kind: CompletionItemKind.Variable, detail: 'null column (NULLs replaced)', rank: 1, ...(quote ? { insert: quote(n.value) } : {}) });
  }
  if (param === 'ranked_columns' && facts) {
    for (const h of facts.hashed) push({ label: h.name, kind: CompletionItemKind.Field, detail: `bytea · ${h.isHashdiff ? 'hashdiff' : 'hash key'}`, rank: 2, ...(quote ? { insert: quote(h.name) } : {}) });
  }
  // In a hashdiff, the columns keys are built from are unlikely; loader bookkeeping columns are unlikely anywhere.
  const hashed = param === 'hashed_columns' && facts ? facts.hashed.find((h) => sameName(h.name, context.path[0] ?? '')) : undefined;
  const inHashdiff = hashed?.isHashdiff === true || context.siblings.includes('is_hashdiff');
  const keyParts = new Set((facts?.hashed ?? []).filter((h) => !h.isHashdiff).flatMap((h) => h.components.map((c) => (facts ? canonicalColumn(facts, c.value) : c.value.toLowerCase()))));
  for (const c of raw) {
    const rank = c.role === 'metadata' ? 4 : inHashdiff && keyParts.has(facts ? canonicalColumn(facts, c.name) : c.name.toLowerCase()) ? 3 : 0;
    push(columnCandidate(c, rank, quote, style));
  }
  return out;
}

/** The rank of a stage column for a table macro's column parameter: lower is likelier. */
function rankFor(
  param: string,
  kind: ParamKind,
  c: DescribedColumn,
  hints: { pkLiteral: Set<string>; pkComponents: Set<string>; hashdiffComponents: Set<string>; canonical: (name: string) => string; ownKey?: string; otherForeignKeys?: Set<string> },
): number {
  const isKey = c.role === 'hash-key';
  const isDiff = c.role === 'hashdiff';
  switch (param) {
    case 'src_pk':
      return isKey ? 0 : isDiff ? 9 : 5;
    case 'src_fk':
    case 'src_dfk':
    case 'src_sfk':
      // An effectivity satellite's driving and secondary keys differ: the one written for the other ranks lower.
      if (!isKey) return 8;
      if (hints.ownKey && sameName(hints.ownKey, c.name)) return 3;
      return hints.otherForeignKeys?.has(c.name.toLowerCase()) ? 2 : 0;
    case 'src_cdk':
      // A multi-active satellite's child key tells its rows apart, so it is hashed into the hashdiff, not the key.
      if (isKey || isDiff) return 9;
      if (c.role === 'load-date' || c.role === 'record-source' || c.role === 'effective-from' || c.role === 'metadata') return 7;
      return hints.hashdiffComponents.has(hints.canonical(c.name)) && !hints.pkComponents.has(hints.canonical(c.name)) ? 0 : 2;
    case 'src_hashdiff':
      return isDiff ? 0 : 9;
    case 'src_nk':
      if (hints.pkLiteral.has(c.name.toLowerCase())) return 0;
      if (hints.pkComponents.has(hints.canonical(c.name))) return 1;
      return c.role === 'business-key' ? 1 : isKey || isDiff ? 9 : c.role === 'payload' ? 2 : 5;
    case 'src_payload':
      if (isKey || isDiff || c.role === 'load-date' || c.role === 'record-source' || c.role === 'effective-from' || c.role === 'metadata') return 9;
      return hints.hashdiffComponents.has(hints.canonical(c.name)) ? 0 : 2;
    case 'src_ldts':
      return c.role === 'load-date' ? 0 : /timestamp|date/.test(c.type ?? '') ? 2 : 7;
    case 'src_source':
      return c.role === 'record-source' ? 0 : 7;
    case 'src_eff':
      return c.role === 'effective-from' ? 0 : /timestamp|date/.test(c.type ?? '') || c.role === 'load-date' ? 2 : 7;
    case 'src_start_date':
    case 'src_end_date': {
      // Dates named for the start or the end of a relationship first; the effective-from date can serve as a start.
      const dated = /timestamp|date/.test(c.type ?? '') || c.role === 'load-date' || c.role === 'effective-from';
      if (!dated) return 7;
      if ((param === 'src_start_date' ? /start|begin/i : /end|until|expir/i).test(c.name)) return 0;
      return c.role === 'effective-from' && param === 'src_start_date' ? 1 : 2;
    }
    default:
      void kind;
      return isKey || isDiff || c.role === 'metadata' ? 4 : 2;
  }
}

function tableColumnCandidates(input: CompletionInput, context: Metadata, kind: ParamKind, quote: ((s: string) => string) | undefined): Candidate[] {
  const { project, index, parsed } = input;
  const call = vaultCall(parsed);
  if (!call) return [];
  const param = context.param as string;
  const models = metaStrings(call.params.get('source_model')?.value).map((m) => m.value);
  const columns: DescribedColumn[] = [];
  const seen = new Set<string>();
  let stageName: string | undefined;
  for (const m of models) {
    // A stage usually; a PIT's or bridge's hub, or a reference table's plain model, otherwise.
    const described = modelColumnsDescribed(project, index, m);
    if (!described) continue;
    stageName ??= m;
    for (const c of described) if (!seen.has(c.name.toLowerCase())) (seen.add(c.name.toLowerCase()), columns.push(c));
  }
  const stage = stageName ? index.stage(stageName) : undefined;
  const canonical = (name: string) => (stage ? canonicalColumn(stage, name) : name.toLowerCase());
  const pk = paramColumns(call, 'src_pk')[0]?.value;
  const pkHash = pk ? stage?.hashed.find((h) => sameName(h.name, pk)) : undefined;
  const hd = hashdiffColumn(call)?.value;
  const hdHash = hd ? stage?.hashed.find((h) => sameName(h.name, hd)) : undefined;
  const hints = {
    pkLiteral: new Set((pkHash?.components ?? []).map((c) => c.value.toLowerCase())),
    pkComponents: new Set((pkHash?.components ?? []).map((c) => canonical(c.value))),
    hashdiffComponents: new Set((hdHash?.components ?? []).map((c) => canonical(c.value))),
    canonical,
    ...(pk ? { ownKey: pk } : {}),
    otherForeignKeys: new Set(paramColumns(call, param === 'src_dfk' ? 'src_sfk' : param === 'src_sfk' ? 'src_dfk' : '').map((c) => c.value.toLowerCase())),
  };
  // In a hashdiff mapping the value names a stage column; in a payload mapping's `columns` the excluded ones.
  const valueParam = param === 'src_hashdiff' && context.path[0] === 'alias' ? undefined : param;
  if (valueParam === undefined) return [];
  const written = writtenValues(parsed, param, context.replace, context.path);
  const style = writtenCase(parsed, param);
  const payloadExclude = param === 'src_payload' && metaEntry(call.params.get('src_payload')?.value, 'exclude_columns') !== undefined;
  return columns
    .filter((c) => !written.has(c.name.toLowerCase()))
    .map((c) => columnCandidate(c, payloadExclude ? 2 : rankFor(param, kind, c, hints), quote, style))
    .filter((c, i, all) => all.findIndex((o) => o.label === c.label) === i);
}
