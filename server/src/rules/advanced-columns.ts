// DV302/DV303 for the columns the nested metadata of pit, bridge and xts names: a PIT satellite's pk and ldts columns,
// a stage's load date, a bridge step's link and effectivity-satellite columns, an xts satellite's stage columns, and the
// hub columns (src_pk, src_ldts) of pit and bridge. Columns a stage or vault table is known for certain to produce give
// an error; the live catalog of any other model gives a warning; anything less certain is not checked.
import { closestName, diagnostic, type Diagnostic } from '../base/diagnostic';
import { CODES } from '../base/codes';
import { nestedMetadataFindings } from './advanced-metadata';
import { tableOf, type KnownColumns, type VaultRuleContext } from './context';
import type { VaultRule } from './rule';
import { inWrittenCase, paramColumns, sameName, type Named } from './vault-facts';
import { vaultTableColumns } from './vault-table-columns';

export const advancedColumns: VaultRule = {
  id: 'DV302',
  title: CODES.DV302.title,
  check(ctx) {
    const table = tableOf(ctx.parsed);
    if (!table) return [];
    const out: Diagnostic[] = [];
    for (const { finding } of nestedMetadataFindings(table)) {
      if (finding.kind === 'column' && !finding.unread) checkColumn(ctx, finding.name, finding.owners, out);
    }
    if (table.macro === 'pit' || table.macro === 'bridge') {
      const hubs = table.sourceModels.map((m) => m.value);
      for (const param of ['src_pk', 'src_ldts']) for (const c of paramColumns(table.call, param)) checkColumn(ctx, c, hubs, out);
    }
    return out;
  },
};

/** What a model is known to produce: certain for stages, vault tables and seeds; live for other connected models. */
export function knownModelColumns(ctx: VaultRuleContext, name: string): KnownColumns | undefined {
  if (ctx.index.stage(name)) {
    const output = ctx.index.stageOutput(name);
    return output?.complete ? { columns: output.columns.map((c) => ({ name: c.name, dataType: c.dataType ?? '' })), origin: 'static' } : undefined;
  }
  const table = vaultTableColumns(ctx.project, ctx.index, name);
  if (table) return table.complete ? { columns: table.columns.map((c) => ({ name: c.name, dataType: '' })), origin: 'static' } : undefined;
  const known = ctx.project.modelColumns(name);
  if (known?.origin === 'static') return known;
  return known?.origin === 'live' && ctx.project.connected ? known : undefined;
}

function checkColumn(ctx: VaultRuleContext, column: Named, owners: readonly string[], out: Diagnostic[]): void {
  const missingIn: string[] = [];
  const candidates: string[] = [];
  let live = false;
  for (const owner of owners) {
    const known = knownModelColumns(ctx, owner);
    if (!known) continue;
    const names = known.columns.map((c) => c.name);
    if (names.some((n) => sameName(n, column.value))) continue;
    missingIn.push(owner);
    candidates.push(...names);
    if (known.origin === 'live') live = true;
  }
  if (missingIn.length === 0) return;
  const closest = closestName(column.value, new Set(candidates));
  const guess = closest === undefined ? undefined : inWrittenCase(column.value, closest);
  const fixes = guess ? [{ title: `Change to ${guess}`, span: column.span, newText: guess }] : undefined;
  const hint = guess ? ` Did you mean ${guess}?` : '';
  const where = missingIn.join(' and ');
  if (live) out.push(diagnostic('DV303', 'warning', `${column.value} is not a column of ${where} in the connected database.${hint}`, column.span, fixes));
  else out.push(diagnostic('DV302', 'error', `${column.value} is not a column of ${where}.${hint}`, column.span, fixes));
}
