// DV101/DV102 in macro metadata: a source_model that names no model of the project, or a stage's {source: table}
// that the sources yml does not declare; dbt fails on both. (ref() and source() calls are checked by the project
// layer.) Each comes with the closest known name as a quick fix. While a package of packages.yml is not installed, an
// unknown model may be one of its models, so that finding is information.
import { closestName, diagnostic, type Diagnostic } from '../base/diagnostic';
import { CODES } from '../base/codes';
import type { Span } from '../base/text';
import { notInstalledReason } from '../project/package-status';
import { stageOf, tableOf, type VaultRuleContext } from './context';
import type { VaultRule } from './rule';

export const unknownModels: VaultRule = {
  id: 'DV101',
  title: CODES.DV101.title,
  check(ctx) {
    const known = ctx.index.nodeNames();
    const missing = ctx.project.packagesNotInstalled?.() ?? [];
    const out: Diagnostic[] = [];
    const check = (name: string, span: Span, what: string) => {
      if (known.has(name)) return;
      const guess = closestName(name, known);
      out.push(
        diagnostic(
          'DV101',
          missing.length ? 'information' : 'error',
          `${what} '${name}' is not a model, seed or snapshot of this project.${guess ? ` Did you mean '${guess}'?` : ' Check the name or create the model.'}${missing.length ? ` ${notInstalledReason(missing)}` : ''}`,
          span,
          guess ? [{ title: `Change to '${guess}'`, span, newText: guess }] : undefined,
        ),
      );
    };
    const table = tableOf(ctx.parsed);
    if (table && table.macro !== 'pit' && table.macro !== 'bridge') for (const m of table.sourceModels) check(m.value, m.span, 'source_model');
    const stage = stageOf(ctx.parsed);
    if (stage?.source?.kind === 'ref') check(stage.source.model.value, stage.source.model.span, 'source_model');
    return out;
  },
};

export const unknownSources: VaultRule = {
  id: 'DV102',
  title: CODES.DV102.title,
  check(ctx) {
    const out: Diagnostic[] = [];
    const stage = stageOf(ctx.parsed);
    if (stage?.source?.kind === 'source') {
      const { source, table } = stage.source;
      checkSource(ctx, source.value, source.span, table.value, table.span, out);
    }
    return out;
  },
};

/** DV102 for a {source_name: table_name} the sources yml does not declare, with the closest declared name. */
export function checkSource(ctx: VaultRuleContext, source: string, sourceSpan: Span, table: string, tableSpan: Span, out: Diagnostic[]): void {
  const tables = [...ctx.project.sourceTables()];
  if (tables.some((t) => t.source === source && t.table === table)) return;
  const sameSource = tables.filter((t) => t.source === source).map((t) => t.table);
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
  const sources = [...new Set(tables.map((t) => t.source))];
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
