// DV302/DV303: a column named in macro metadata that the model it belongs to does not have. Checked are a vault
// table's column parameters against its source models, a stage's columns against its source and its own scopes, and
// the columns the nested metadata of pit, bridge and xts names (a PIT satellite's pk and ldts, a stage's load date, a
// bridge step's link and effectivity-satellite columns, an xts satellite's stage columns, and the hub columns src_pk
// and src_ldts of pit and bridge). Certain knowledge (a stage's statically computed columns; for nested metadata also a
// vault table's or a seed's) gives an error; the live schema gives a warning (the raw data may be about to change);
// columns known only from yml or an old cache are not checked. Each finding offers the closest name as a quick fix.
import { isMacroOfFamily } from '../base/automate-dv-macros';
import { closestName, diagnostic, type Diagnostic } from '../base/diagnostic';
import { CODES } from '../base/codes';
import type { Span } from '../base/text';
import { stageOf, tableOf, type KnownColumns, type StageOutput, type VaultRuleContext } from './context';
import { nestedMetadataFindings } from './nested-metadata';
import type { VaultRule } from './rule';
import { escapedNames, isHashedName } from './hash-expressions';
import { bareIdentifier, foldedNames, foldName, hashdiffColumn, inWrittenCase, isConstantName, paramColumns, payloadFacts, type Named } from './vault-facts';
import { vaultTableColumns } from './vault-table-columns';

/** Column parameters checked here; src_ldts and src_source are DV408's. */
const COLUMN_PARAMS = ['src_pk', 'src_nk', 'src_fk', 'src_dfk', 'src_sfk', 'src_cdk', 'src_extra_columns', 'src_eff', 'src_start_date', 'src_end_date'];

export const columnExists: VaultRule = {
  id: 'DV302',
  title: CODES.DV302.title,
  check(ctx) {
    return [...checkTableColumns(ctx), ...checkStageColumns(ctx), ...checkNestedColumns(ctx)];
  },
};

interface Finding {
  column: Named;
  models: string[];
  candidates: string[];
  live: boolean;
}

function checkTableColumns(ctx: VaultRuleContext): Diagnostic[] {
  const table = tableOf(ctx.parsed);
  if (!table || isMacroOfFamily(table.macro, 'query')) return [];
  const names: Named[] = [];
  for (const p of COLUMN_PARAMS) for (const n of paramColumns(table.call, p)) names.push(n);
  const hd = hashdiffColumn(table.call);
  if (hd) names.push(hd);
  const payload = payloadFacts(table.call);
  if (payload.kind === 'list') names.push(...payload.columns);
  if (payload.kind === 'exclude') names.push(...payload.except);
  const findings = new Map<number, Finding>();
  for (const model of table.sourceModels) {
    const known = knownModelColumns(ctx, model.value, 'stage or live');
    if (!known) continue;
    const have = foldedNames(known.columns);
    for (const n of names) {
      if (have.has(foldName(n.value))) continue;
      const f = findings.get(n.span.start) ?? { column: n, models: [], candidates: [], live: known.origin === 'live' };
      f.models.push(model.value);
      for (const c of known.columns) f.candidates.push(c.name);
      findings.set(n.span.start, f);
    }
  }
  return [...findings.values()].map(report);
}

/**
 * What a model is known to produce: certain for stages and, unless only 'stage or live' is asked for, for vault tables
 * and seeds; live for other models while connected. A vault table's own source models are checked against stages and
 * the live catalog only; the models nested metadata names against everything certain too.
 */
function knownModelColumns(ctx: VaultRuleContext, name: string, trust: 'stage or live' | 'any certain' = 'any certain'): KnownColumns | undefined {
  if (ctx.index.stage(name)) {
    const output = ctx.index.stageOutput(name);
    return output?.complete ? stageKnownColumns(output) : undefined;
  }
  const known = ctx.project.modelColumns(name);
  if (trust === 'any certain') {
    const table = vaultTableColumns(ctx.project, ctx.index, name);
    if (table) return table.complete ? { columns: table.columns.map((c) => ({ name: c.name, dataType: '' })), origin: 'static' } : undefined;
    if (known?.origin === 'static') return known;
  }
  return known?.origin === 'live' && ctx.project.connected ? known : undefined;
}

const STAGE_KNOWN = new WeakMap<StageOutput, KnownColumns>();

/** A complete stage output as known columns, made once per output (every satellite and link of a stage reads it). */
function stageKnownColumns(output: StageOutput): KnownColumns {
  let known = STAGE_KNOWN.get(output);
  if (!known) {
    known = { columns: output.columns.map((c) => ({ name: c.name, dataType: c.dataType ?? '' })), origin: 'static' };
    STAGE_KNOWN.set(output, known);
  }
  return known;
}

/** A scope of column names with its folded names, for membership tests without a scan per name. */
interface Scope {
  names: readonly string[];
  folded: ReadonlySet<string>;
}

function scopeOf(names: readonly string[]): Scope {
  return { names, folded: new Set(names.map(foldName)) };
}

function checkStageColumns(ctx: VaultRuleContext): Diagnostic[] {
  const stage = stageOf(ctx.parsed);
  if (!stage?.source) return [];
  const output = ctx.index.stageOutput(ctx.modelName);
  if (output?.sourceMissing && ctx.project.connected && stage.source.kind === 'source') {
    const { source, table } = stage.source;
    return [
      diagnostic(
        'DV303',
        'warning',
        `${source.value}.${table.value} is declared in the sources yml but the connected database has no such table. ` +
          'Load the raw data (e.g. "Generate Sample Raw Data"), or fix the identifier in the sources yml.',
        table.span,
      ),
    ];
  }
  const source = output?.source;
  const live = source?.origin === 'live' && ctx.project.connected;
  if (!source || (!live && source.origin !== 'static')) return [];
  // Scoping (spec §4.4): derived columns see the source; null columns also the derived; hashed also the nulls.
  const S = source.columns.map((c) => c.name);
  const D = stage.derived.map((d) => d.name);
  const N = stage.nulls.flatMap((n) => [n.value, `${n.value}_ORIGINAL`]);
  const H = stage.hashed.map((h) => h.name);
  const findings: Finding[] = [];
  // The scopes are made when first needed: most stages name no null or ranked columns.
  let sd: Scope | undefined;
  let sdn: Scope | undefined;
  const check = (names: readonly Named[], scope: Scope) => {
    for (const n of names) {
      if (isConstantName(n.value) || scope.folded.has(foldName(n.value))) continue;
      findings.push({ column: n, models: [stage.source?.kind === 'source' ? `${stage.source.source.value}.${stage.source.table.value}` : String(stage.source?.kind === 'ref' ? stage.source.model.value : '')], candidates: [...scope.names], live });
    }
  };
  const sourceScope: Scope = { names: S, folded: foldedNames(source.columns) };
  for (const d of stage.derived) {
    const bare = d.items.filter((i) => (d.escape && !isConstantName(i.value)) || bareIdentifier(i.value) === i.value.trim());
    check(bare.filter((i) => !SQL_VALUE_KEYWORDS.has(i.value.trim().toLowerCase())), sourceScope);
  }
  if (stage.nulls.length) check(stage.nulls, (sd ??= scopeOf([...S, ...D])));
  // A hash key inside a hashdiff is DV406's finding.
  const keys = new Set(stage.hashed.filter((h) => !h.isHashdiff).map((h) => foldName(h.name)));
  const escaped = escapedNames(stage.derived);
  for (const h of stage.hashed) {
    if (h.form === 'exclude') continue;
    const names = h.components.filter((c) => isHashedName(c.value, escaped));
    check(h.isHashdiff ? names.filter((c) => !keys.has(foldName(c.value))) : names, (sdn ??= scopeOf([...S, ...D, ...N])));
  }
  for (const r of stage.ranked) check(r.columns, scopeOf([...S, ...D, ...N, ...H]));
  return findings.map(report);
}

/** The columns the nested metadata of pit, bridge and xts names, and the hub columns of pit and bridge. */
function checkNestedColumns(ctx: VaultRuleContext): Diagnostic[] {
  const table = tableOf(ctx.parsed);
  if (!table) return [];
  const out: Diagnostic[] = [];
  for (const { finding } of nestedMetadataFindings(table)) {
    if (finding.kind === 'column' && !finding.unread) checkColumnOfOwners(ctx, finding.name, finding.owners, out);
  }
  if (isMacroOfFamily(table.macro, 'query')) {
    const hubs = table.sourceModels.map((m) => m.value);
    for (const param of ['src_pk', 'src_ldts']) for (const c of paramColumns(table.call, param)) checkColumnOfOwners(ctx, c, hubs, out);
  }
  return out;
}

/** One column that each of its owner models should have: one finding naming every owner known to lack it. */
function checkColumnOfOwners(ctx: VaultRuleContext, column: Named, owners: readonly string[], out: Diagnostic[]): void {
  const finding: Finding = { column, models: [], candidates: [], live: false };
  for (const owner of owners) {
    const known = knownModelColumns(ctx, owner);
    if (!known) continue;
    if (foldedNames(known.columns).has(foldName(column.value))) continue;
    finding.models.push(owner);
    for (const c of known.columns) finding.candidates.push(c.name);
    if (known.origin === 'live') finding.live = true;
  }
  if (finding.models.length > 0) out.push(report(finding));
}

/** Bare words that are SQL values, not columns, in a derived expression. */
const SQL_VALUE_KEYWORDS = new Set(['null', 'true', 'false', 'default', 'current_timestamp', 'current_date', 'current_time', 'localtimestamp', 'localtime', 'current_user', 'session_user', 'user', 'current_schema', 'current_catalog']);

function report(f: Finding): Diagnostic {
  const closest = closestName(f.column.value, new Set(f.candidates));
  const guess = closest === undefined ? undefined : inWrittenCase(f.column.value, closest);
  const where = f.models.join(' and ');
  const fixes = guess ? [{ title: `Change to ${guess}`, span: f.column.span as Span, newText: guess }] : undefined;
  const hint = guess ? ` Did you mean ${guess}?` : '';
  if (f.live) {
    return diagnostic('DV303', 'warning', `${f.column.value} is not a column of ${where} in the connected database.${hint}`, f.column.span, fixes);
  }
  return diagnostic('DV302', 'error', `${f.column.value} is not a column of ${where}.${hint}`, f.column.span, fixes);
}
