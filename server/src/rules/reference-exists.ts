// DV101/DV102 in macro metadata: a model name that is no model of the project (a source_model; a satellite, stage,
// link, effectivity satellite or as-of dates table in the nested metadata of pit, bridge and xts), or a
// {source: table} that the sources yml does not declare (a stage's source; pit's or bridge's as_of_dates_table). dbt
// fails on each, since AutomateDV ref()s or source()s them all; an xts satellite key is a label, so it is not checked.
// (ref() and source() calls are checked by the project layer.) Each comes with the closest known name as a quick
// fix. While a package of packages.yml is not installed, an unknown name may be one of its models or sources, so that
// finding is information.
import { isMacroOfFamily } from '../base/automate-dv-macros';
import { closestName, diagnostic, type Diagnostic } from '../base/diagnostic';
import { CODES } from '../base/codes';
import type { Span } from '../base/text';
import { notInstalledReason } from '../project/package-status';
import { stageOf, tableOf, type VaultRuleContext } from './context';
import { nestedMetadataFindings } from './nested-metadata';
import type { VaultRule } from './rule';

export const modelExists: VaultRule = {
  id: 'DV101',
  title: CODES.DV101.title,
  check(ctx) {
    const out: Diagnostic[] = [];
    const table = tableOf(ctx.parsed);
    if (table && !isMacroOfFamily(table.macro, 'query')) for (const m of table.sourceModels) checkModel(ctx, m.value, m.span, `source_model '${m.value}' is`, out);
    const stage = stageOf(ctx.parsed);
    if (stage?.source?.kind === 'ref') checkModel(ctx, stage.source.model.value, stage.source.model.span, `source_model '${stage.source.model.value}' is`, out);
    if (!table) return out;
    // A PIT's or bridge's source_model is its hub.
    if (isMacroOfFamily(table.macro, 'query')) for (const m of table.sourceModels) checkModel(ctx, m.value, m.span, `source_model (the hub) names '${m.value}', which is`, out);
    for (const { param, finding } of nestedMetadataFindings(table)) {
      if (finding.kind === 'model') checkModel(ctx, finding.name.value, finding.name.span, `${[param, ...finding.path].join('.')} names '${finding.name.value}', which is`, out);
    }
    return out;
  },
};

export const sourceExists: VaultRule = {
  id: 'DV102',
  title: CODES.DV102.title,
  check(ctx) {
    const out: Diagnostic[] = [];
    const stage = stageOf(ctx.parsed);
    if (stage?.source?.kind === 'source') {
      const { source, table } = stage.source;
      checkSource(ctx, source.value, source.span, table.value, table.span, out);
    }
    const table = tableOf(ctx.parsed);
    for (const { finding } of table ? nestedMetadataFindings(table) : []) {
      if (finding.kind === 'source') checkSource(ctx, finding.source.value, finding.source.span, finding.table.value, finding.table.span, out);
    }
    return out;
  },
};

/** DV101 for a model name the project does not have; `subject` starts the message ("source_model 'x' is"). */
function checkModel(ctx: VaultRuleContext, name: string, span: Span, subject: string, out: Diagnostic[]): void {
  const known = ctx.index.nodeNames();
  if (known.has(name)) return;
  const missing = ctx.project.packagesNotInstalled?.() ?? [];
  const guess = closestName(name, known);
  out.push(
    diagnostic(
      'DV101',
      missing.length ? 'information' : 'error',
      `${subject} not a model, seed or snapshot of this project.${guess ? ` Did you mean '${guess}'?` : ' Check the name or create the model.'}${missing.length ? ` ${notInstalledReason(missing)}` : ''}`,
      span,
      guess ? [{ title: `Change to '${guess}'`, span, newText: guess }] : undefined,
    ),
  );
}

/** DV102 for a {source_name: table_name} the sources yml does not declare, with the closest declared name. */
function checkSource(ctx: VaultRuleContext, source: string, sourceSpan: Span, table: string, tableSpan: Span, out: Diagnostic[]): void {
  // One pass over the declared tables without copying them: every stage of a large project asks for its source.
  const sameSource: string[] = [];
  for (const t of ctx.project.sourceTables()) {
    if (t.source !== source) continue;
    if (t.table === table) return;
    sameSource.push(t.table);
  }
  if (sameSource.length > 0) {
    const guess = closestName(table, sameSource);
    out.push(
      diagnostic(
        'DV102',
        'error',
        `Source '${source}' has no table '${table}' (its tables: ${sameSource.join(', ')}).${guess ? ` Did you mean '${guess}'?` : ' Declare it in the sources yml.'}`,
        tableSpan,
        guess ? [{ title: `Change to '${guess}'`, span: tableSpan, newText: guess }] : undefined,
      ),
    );
    return;
  }
  const sources = [...new Set(Array.from(ctx.project.sourceTables(), (t) => t.source))];
  const guess = closestName(source, sources);
  // Packages declare sources too: one that is not installed may declare this one.
  const missing = ctx.project.packagesNotInstalled?.() ?? [];
  out.push(
    diagnostic(
      'DV102',
      missing.length ? 'information' : 'error',
      `No source named '${source}' is declared in the project's yml files${sources.length ? ` (sources: ${sources.join(', ')})` : ''}.` +
        (guess ? ` Did you mean '${guess}'?` : ` Declare it under sources: in a models/*.yml file.`) +
        (missing.length ? ` ${notInstalledReason(missing)}` : ''),
      sourceSpan,
      guess ? [{ title: `Change to '${guess}'`, span: sourceSpan, newText: guess }] : undefined,
    ),
  );
}
