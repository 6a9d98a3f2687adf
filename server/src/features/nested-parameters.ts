// Completion and hover for the nested parameters of xts, pit and bridge (src_satellite, satellites, stage_tables_ldts,
// bridge_walk, as_of_dates_table): model names as keys, the columns of the model a key or a sibling entry names as
// values, ranked by what each position usually holds (a satellite's own key and load date first); hover tells what a
// key means and a column's type and origin. The shapes come from rules/nested-metadata.ts, shared with the rules.
import { CompletionItemKind, MarkupKind, type Hover } from 'vscode-languageserver';
import { SourceText, type Span } from '../base/text';
import { isMacroOfFamily } from '../base/automate-dv-macros';
import type { ParamKind } from '../compile/automate-dv/signatures';
import { metaStrings, type MetaValue } from '../model/meta';
import { parseModel, vaultCall, type MacroCallInfo, type ParsedModel } from '../model/parse';
import type { VaultIndex } from '../rules';
import { ADVANCED_SHAPES, AS_OF_DATES_DOC, nestedMetadataFindings, shapeAt, type ColumnHint, type MetaFinding, type ModelHint } from '../rules/nested-metadata';
import { tableOf } from '../rules/context';
import { hashdiffColumn, paramColumns, sameName } from '../rules/vault-facts';
import type { CursorContext } from './cursor-context';
import { modelColumnsDescribed, type ModelColumn } from './model-columns';
import type { FeatureProject } from './project-view';

type Metadata = Extract<CursorContext, { kind: 'metadata' }>;

/** A completion candidate, as completion.ts ranks and converts them. */
export interface Candidate {
  label: string;
  kind: CompletionItemKind;
  detail?: string;
  documentation?: string;
  /** Lower sorts first. */
  rank: number;
  /** Text to insert when not the label (a key with its colon, a quoted value). */
  insert?: string;
  snippet?: boolean;
}

export interface AdvancedInput {
  project: FeatureProject;
  index: VaultIndex;
  modelName: string;
  parsed: ParsedModel;
  offset: number;
}

/** What each nested parameter is for, shown on hover over the parameter's name. */
const PARAM_MEANING: Record<string, string> = {
  src_satellite:
    'The satellites whose hashdiffs the xts records: for each, the stage columns holding its name and its hashdiff. ' +
    'The xts keeps one row per key, satellite name, hashdiff and load date.',
  satellites:
    'The satellites the PIT joins: for each satellite model its key and load-date columns. Each adds the columns ' +
    '<SAT>_<PK> and <SAT>_<LDTS>: the key and load date of the satellite row current at each as-of date.',
  stage_tables_ldts:
    'The stages loading the hub and its satellites, with their load-date columns. dbt builds them first; incremental runs ' +
    'recompute the as-of dates from the earliest load date among them.',
  as_of_dates_table: `The as-of dates: ${AS_OF_DATES_DOC}.`,
  bridge_walk:
    'The walk from the hub through links and their effectivity satellites, step by step in order. Each step adds its ' +
    'link key column; only relationships open at the as-of date are kept.',
};

const NESTED_KINDS = new Set<ParamKind>(Object.keys(ADVANCED_SHAPES) as ParamKind[]);

export function isNestedParamKind(kind: ParamKind): boolean {
  return NESTED_KINDS.has(kind);
}

// ---------------------------------------------------------------------------------------------------------------
// Completion.

/** Candidates at a key or value of a nested parameter; `quote` writes a value as the surrounding syntax needs. */
export function nestedParamCandidates(input: AdvancedInput, context: Metadata, kind: ParamKind, quote: ((s: string) => string) | undefined): Candidate[] {
  const at = shapeAt(kind, context.path);
  const call = context.param !== undefined ? callForCompletion(input.parsed, input.offset, context, context.param) : undefined;
  if (!at || !call || context.param === undefined) return [];
  const value = call.params.get(context.param)?.value;
  const keyInsert = (label: string) => (context.syntax === 'yaml' ? `${label}: ` : context.quote ? label : `"${label}": `);
  const shape = at.shape;
  if (context.atKey) {
    let keys: Candidate[] = [];
    switch (shape.kind) {
      case 'mapping':
        if (shape.keys === 'labels' && shape.hint === 'link') keys = stepNameCandidates(input, call);
        else keys = rankedModels(input, call, shape.hint, value, context.path).map((c) => ({ ...c, documentation: shape.keyDoc }));
        break;
      case 'record':
        keys = shape.fields.map((f) => ({
          label: f.name,
          kind: CompletionItemKind.Property,
          detail: f.optionalOn ? `not needed on the ${f.optionalOn} step` : 'required',
          documentation: f.doc,
          rank: 0,
        }));
        break;
      case 'one-key':
        if (context.siblings.length === 0) keys = [{ label: shape.key, kind: CompletionItemKind.Property, detail: 'one key: the output column label', documentation: shape.keyDoc, rank: 0 }];
        break;
      case 'model-or-source':
        if (at.parentKey === undefined) keys = [...new Set([...input.project.sourceTables()].map((t) => t.source))].map((s) => ({ label: s, kind: CompletionItemKind.Module, detail: 'source', rank: 0 }));
        break;
      default:
        break;
    }
    return keys.filter((k) => !context.siblings.includes(k.label)).map((k) => ({ ...k, insert: keyInsert(k.label) }));
  }
  const withQuote = (c: Candidate): Candidate => (quote ? { ...c, insert: quote(c.label) } : c);
  switch (shape.kind) {
    case 'model':
      return rankedModels(input, call, shape.hint, value, context.path).map(withQuote);
    case 'model-or-source':
      if (at.parentKey !== undefined) {
        return [...input.project.sourceTables()].filter((t) => t.source === at.parentKey).map((t) => withQuote({ label: t.table, kind: CompletionItemKind.Struct, detail: `source ${t.source}`, rank: 0 }));
      }
      return rankedModels(input, call, shape.hint, value, context.path).map(withQuote);
    case 'output-name': {
      const step = (at.parentKey ?? 'STEP').toUpperCase();
      const field = at.field;
      return [withQuote({ label: shape.suggestion.replace('{step}', step), kind: CompletionItemKind.Value, detail: 'a name for the bridge column', rank: 0, ...(field ? { documentation: field.doc } : {}) })];
    }
    case 'column': {
      const record = at.recordDepth !== undefined ? valueAt(value, context.path.slice(0, at.recordDepth)) : undefined;
      const owners = ownersFor(shape.owner, at.parentKey, call, record);
      const preferred = preferredColumns(input, call, shape.hint, owners, at.label, record, at.field?.name, context.path);
      const out: Candidate[] = [];
      for (const owner of owners) {
        for (const c of modelColumnsDescribed(input.project, input.index, owner) ?? []) {
          if (out.some((o) => sameName(o.label, c.name))) continue;
          out.push(withQuote({ label: c.name, kind: c.role === 'hash-key' || c.role === 'hashdiff' ? CompletionItemKind.Field : CompletionItemKind.Variable, detail: `${c.type ? `${c.type} · ` : ''}${c.origin}`, documentation: c.documentation, rank: columnRank(c, shape.hint, preferred, at.label) }));
        }
      }
      return out;
    }
    default:
      return [];
  }
}

/**
 * The macro call as written; or, while the cursor leaves a Jinja literal unfinished (`{"HASHDIFF": |}}`), as it reads
 * with an empty string at the cursor, so that source_model and the entries beside the cursor are still known.
 */
function callForCompletion(parsed: ParsedModel, offset: number, context: Metadata, param: string): MacroCallInfo | undefined {
  const call = vaultCall(parsed);
  const value = call?.params.get(param)?.value;
  if ((call && value && value.kind !== 'dynamic') || context.syntax !== 'jinja') return call;
  const { text } = parsed;
  const { start, end } = context.replace;
  let repaired: string;
  if (context.quote) {
    if (text[end] === context.quote) return call;
    // The string runs on to the end of the line: close it at the cursor, before the brackets that follow.
    repaired = text.slice(0, offset) + context.quote + (context.atKey ? ': ""' : '') + text.slice(offset);
  } else repaired = text.slice(0, start) + (context.atKey ? '"": ""' : '""') + text.slice(end);
  return vaultCall(parseModel(repaired)) ?? call;
}

/** The value below a parameter's value at a path of dict keys (exact, as AutomateDV reads them). */
function valueAt(value: MetaValue | undefined, path: readonly string[]): MetaValue | undefined {
  let v = value;
  for (const key of path) v = v?.kind === 'dict' ? v.entries.find((e) => e.key === key)?.value : undefined;
  return v;
}

function stringEntry(record: MetaValue | undefined, key: string): string | undefined {
  const v = valueAt(record, [key]);
  return v?.kind === 'string' && v.value.trim() !== '' ? v.value.trim() : undefined;
}

function ownersFor(owner: { kind: 'parent-key' } | { kind: 'sibling'; key: string } | { kind: 'source-model' }, parentKey: string | undefined, call: MacroCallInfo, record: MetaValue | undefined): string[] {
  switch (owner.kind) {
    case 'parent-key':
      return parentKey !== undefined ? [parentKey] : [];
    case 'source-model':
      return metaStrings(call.params.get('source_model')?.value).map((m) => m.value);
    case 'sibling': {
      const name = stringEntry(record, owner.key);
      return name ? [name] : [];
    }
  }
}

/** Lower-cased columns the position most likely names: the owner's own parameter (a satellite's src_pk, …). */
function preferredColumns(input: AdvancedInput, call: MacroCallInfo, hint: ColumnHint, owners: readonly string[], label: string | undefined, record: MetaValue | undefined, field: string | undefined, path: readonly string[]): Set<string> {
  const out = new Set<string>();
  if (hint.ownerParam) {
    for (const owner of owners) {
      const table = input.index.table(owner);
      if (!table) continue;
      for (const c of hint.ownerParam === 'src_hashdiff' ? [hashdiffColumn(table.call)].filter((x) => x !== undefined) : paramColumns(table.call, hint.ownerParam)) out.add(c.value.trim().toLowerCase());
    }
  }
  if (hint.callParam) for (const c of paramColumns(call, hint.callParam)) out.add(c.value.trim().toLowerCase());
  if (hint.labelParam && label !== undefined) {
    const table = input.index.table(label);
    const hd = table ? hashdiffColumn(table.call) : undefined;
    if (hd) out.add(hd.value.trim().toLowerCase());
  }
  // A bridge step's first foreign key joins the hub key (first step) or the previous step's second one; the second
  // foreign key is the link's other one.
  if (field === 'link_fk1' && out.size > 1) {
    const bridgeWalk = call.params.get('bridge_walk')?.value;
    const steps = bridgeWalk?.kind === 'dict' ? bridgeWalk.entries : [];
    const index = steps.findIndex((s) => s.key === path[0]);
    const previous = index > 0 ? stringEntry(steps[index - 1]?.value, 'link_fk2') : paramColumns(call, 'src_pk')[0]?.value;
    if (previous && out.has(previous.toLowerCase())) return new Set([previous.toLowerCase()]);
  }
  if (field === 'link_fk2') {
    const fk1 = stringEntry(record, 'link_fk1');
    if (fk1) out.delete(fk1.toLowerCase());
  }
  return out;
}

function isDateType(c: ModelColumn): boolean {
  return /timestamp|date/.test(c.type ?? '') || c.role === 'load-date' || c.role === 'effective-from';
}

function columnRank(c: ModelColumn, hint: ColumnHint, preferred: ReadonlySet<string>, label: string | undefined): number {
  if (preferred.has(c.name.toLowerCase())) return 0;
  switch (hint.role) {
    case 'hash-key':
      return c.role === 'hash-key' ? 1 : c.role === 'hashdiff' ? 9 : 5;
    case 'hashdiff':
      return c.role === 'hashdiff' ? 1 : 9;
    case 'load-date':
      return c.role === 'load-date' ? 1 : isDateType(c) ? 3 : 8;
    case 'date':
      return isDateType(c) ? 2 : 8;
    case 'sat-name':
      // A derived constant naming the satellite (`SATELLITE_DETAILS: '!SAT_CUSTOMER_DETAILS'`) is the usual column.
      if (label !== undefined && c.origin.toLowerCase().includes(`'${label.toLowerCase()}'`)) return 0;
      if (/sat(ellite)?_?name|satellite/i.test(c.name)) return 1;
      return c.origin.includes('constant') ? 2 : 6;
    default:
      return 3;
  }
}

/** Model names for a model-valued parameter (a PIT's or bridge's hub), ranked by what it usually names. */
export function modelNameCandidates(input: AdvancedInput, hint: ModelHint, quote: ((s: string) => string) | undefined): Candidate[] {
  const call = vaultCall(input.parsed);
  if (!call) return [];
  return rankedModels(input, call, hint, undefined, []).map((c) => (quote ? { ...c, insert: quote(c.label) } : c));
}

/** Model names ranked for a position: the satellites of this hub for a PIT, its links for a bridge, … */
function rankedModels(input: AdvancedInput, call: MacroCallInfo, hint: ModelHint, value: MetaValue | undefined, path: readonly string[]): Candidate[] {
  const { project, index } = input;
  const pk = paramColumns(call, 'src_pk')[0]?.value;
  const hub = metaStrings(call.params.get('source_model')?.value)[0]?.value;
  const hubPk = pk ?? (hub ? paramColumns(index.table(hub)?.call ?? call, 'src_pk')[0]?.value : undefined);
  const samePk = (model: string) => {
    const t = index.table(model);
    const own = t ? paramColumns(t.call, 'src_pk')[0]?.value : undefined;
    return own !== undefined && hubPk !== undefined && sameName(own, hubPk);
  };
  // The stages feeding the hub and the tables already named, for stage_tables_ldts.
  const feeding = new Set<string>();
  if (hint === 'stage') {
    const named = [hub, ...tablesNamedIn(call)].filter((n): n is string => n !== undefined);
    for (const n of named) for (const s of index.table(n)?.sourceModels ?? []) feeding.add(s.value);
  }
  // The link of a bridge step, for ranking its effectivity satellite.
  const linkPk = hint === 'eff_sat' ? linkKeyOfStep(index, value, path) : undefined;
  const out: Candidate[] = [];
  for (const name of project.modelNames()) {
    if (name === input.modelName) continue;
    const table = index.table(name);
    const stage = index.stage(name);
    const info = project.model(name);
    const macro = table?.macro;
    let rank = 5;
    switch (hint) {
      case 'satellite':
        if (macro === 'sat' || macro === 'ma_sat') rank = samePk(name) ? 0 : 1;
        break;
      case 'stage':
        if (stage) rank = feeding.has(name) ? 0 : 1;
        break;
      case 'link':
        if (table && isMacroOfFamily(table.macro, 'link')) rank = hubPk && paramColumns(table.call, 'src_fk').some((f) => sameName(f.value, hubPk)) ? 0 : 1;
        break;
      case 'eff_sat':
        if (table && macro === 'eff_sat') rank = linkPk && paramColumns(table.call, 'src_pk').some((p) => sameName(p.value, linkPk)) ? 0 : 1;
        break;
      case 'hub':
        if (macro === 'hub') rank = samePk(name) ? 0 : 1;
        break;
      case 'as-of-dates':
        if (!stage && !table) rank = /as_?of/i.test(name) ? 0 : 2;
        break;
    }
    const kind = stage ? 'stage' : macro ?? 'model';
    const c: Candidate = { label: name, kind: CompletionItemKind.Module, detail: `${kind}${info?.materialized ? ` · ${info.materialized}` : ''}`, rank };
    if (info?.description) c.documentation = info.description;
    out.push(c);
  }
  for (const name of project.otherNodeNames()) out.push({ label: name, kind: CompletionItemKind.Module, detail: 'seed/snapshot', rank: hint === 'as-of-dates' && /as_?of/i.test(name) ? 0 : 4 });
  return out;
}

/** Satellites of a PIT and the link and effectivity tables of a bridge walk named so far. */
function tablesNamedIn(call: MacroCallInfo): string[] {
  const out: string[] = [];
  const satellites = call.params.get('satellites')?.value;
  if (satellites?.kind === 'dict') out.push(...satellites.entries.map((e) => e.key));
  const walk = call.params.get('bridge_walk')?.value;
  if (walk?.kind === 'dict') {
    for (const step of walk.entries) for (const key of ['link_table', 'eff_sat_table']) out.push(...[stringEntry(step.value, key)].filter((n): n is string => n !== undefined));
  }
  return out;
}

function linkKeyOfStep(index: VaultIndex, value: MetaValue | undefined, path: readonly string[]): string | undefined {
  const step = valueAt(value, path.slice(0, 1));
  const fromStep = stringEntry(step, 'link_pk');
  if (fromStep) return fromStep;
  const link = stringEntry(step, 'link_table');
  const table = link ? index.table(link) : undefined;
  return table ? paramColumns(table.call, 'src_pk')[0]?.value : undefined;
}

/** Bridge step names after the links of the project (`link_customer_order` → CUSTOMER_ORDER). */
function stepNameCandidates(input: AdvancedInput, call: MacroCallInfo): Candidate[] {
  return rankedModels(input, call, 'link', undefined, [])
    .filter((c) => c.rank < 5)
    .map((c) => ({
      label: c.label.replace(/^link_?/i, '').toUpperCase() || c.label.toUpperCase(),
      kind: CompletionItemKind.Property,
      detail: `a step through ${c.label}`,
      documentation: 'a step of the walk from the hub: one link and its effectivity satellite, in order',
      rank: c.rank,
    }));
}

// ---------------------------------------------------------------------------------------------------------------
// Hover.

const within = (span: Span, offset: number) => offset >= span.start && offset <= span.end;

/** Hover on a nested parameter's name, keys and values; undefined when the cursor is elsewhere. */
export function nestedParamHover(input: AdvancedInput): Hover | undefined {
  const { parsed, offset } = input;
  const table = tableOf(parsed);
  if (!table) return undefined;
  const range = (span: Span) => new SourceText(parsed.text).rangeOf(span);
  const markdown = (value: string, span: Span): Hover => ({ contents: { kind: MarkupKind.Markdown, value }, range: range(span) });
  for (const p of table.call.params.values()) {
    const meaning = PARAM_MEANING[p.name];
    const span = p.origin.kind === 'yaml' ? p.origin.keySpan : p.origin.kind === 'variable' ? p.origin.span : undefined;
    if (meaning && span && within(span, offset)) return markdown(`**${p.name}** — ${meaning}`, span);
  }
  for (const { param, finding } of nestedMetadataFindings(table)) {
    const span = findingSpan(finding, offset);
    if (!span) continue;
    const text = findingText(input, table.macro, param, finding);
    if (text) return markdown(text, span);
  }
  return undefined;
}

function findingSpan(f: MetaFinding, offset: number): Span | undefined {
  switch (f.kind) {
    case 'model':
    case 'column':
    case 'output-name':
      return within(f.name.span, offset) ? f.name.span : undefined;
    case 'key':
      return within(f.key.span, offset) ? f.key.span : undefined;
    case 'source':
      return within(f.source.span, offset) ? f.source.span : within(f.table.span, offset) ? f.table.span : undefined;
    case 'shape':
      return undefined;
  }
}

function findingText(input: AdvancedInput, macro: string, param: string, f: MetaFinding): string | undefined {
  const { project, index } = input;
  if (f.kind === 'shape') return undefined;
  const where = `\`${[param, ...f.path].join('.')}\``;
  const meaning = (doc: string) => (doc ? `${where} — ${doc}` : where);
  switch (f.kind) {
    case 'model': {
      const info = project.model(f.name.value);
      const lines: string[] = [];
      if (!info) lines.push(`**${f.name.value}** — no model of this name in ${project.projectName}`);
      else {
        const stage = index.stage(f.name.value);
        const table = index.table(f.name.value);
        lines.push(`**${f.name.value}** — ${stage ? 'stage' : table ? table.macro : info.kind}${info.materialized ? `, materialized as ${info.materialized}` : ''}`);
        if (info.relation) lines.push(`\`${info.relation}\``);
        if (info.description) lines.push(info.description);
      }
      lines.push(meaning(f.doc));
      return lines.join('\n\n');
    }
    case 'source': {
      const t = project.sourceTable(f.source.value, f.table.value);
      const name = `${f.source.value}.${f.table.value}`;
      const lines = [t ? `**${name}** — source table \`${t.relation}\`` : `**${name}** — not declared in the sources yml`];
      if (t?.columns.length) lines.push(t.columns.map((c) => `- \`${c.name}\`${c.dataType ? ` ${c.dataType}` : ''}`).join('\n'));
      lines.push(meaning(f.doc));
      return lines.join('\n\n');
    }
    case 'column': {
      const lines: string[] = [];
      for (const owner of f.owners) {
        const column = modelColumnsDescribed(project, index, owner)?.find((c) => sameName(c.name, f.name.value));
        lines.push(column ? `${column.documentation}\n\n*${column.origin}*` : `**${f.name.value}** — not a column of \`${owner}\` as far as is known`);
      }
      if (f.owners.length === 0) lines.push(`**${f.name.value}**`);
      lines.push(meaning(f.doc));
      return lines.join('\n\n');
    }
    case 'key': {
      const model = project.model(f.key.value) ? ` (the model \`${f.key.value}\`)` : '';
      return `**${f.key.value}**${model} — ${f.doc}\n\n\`${[param, ...f.path, f.key.value].join('.')}\` in ${macro}()`;
    }
    case 'output-name':
      return `**${f.name.value}** — a column of this ${macro}: ${f.doc}`;
  }
}
