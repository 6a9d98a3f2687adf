// DV101/DV102 in the nested metadata of pit, bridge and xts: the satellites and stages a PIT names, the links and
// effectivity satellites of a bridge walk, the as-of dates table and the hub (source_model) of pit and bridge. dbt
// fails on each unknown name, since AutomateDV ref()s them all. An xts satellite key is a label, so it is not checked.
import { closestName, diagnostic, type Diagnostic } from '../base/diagnostic';
import { CODES } from '../base/codes';
import type { Span } from '../base/text';
import { notInstalledReason } from '../project/package-status';
import { nestedMetadataFindings } from './advanced-metadata';
import { tableOf } from './context';
import type { VaultRule } from './rule';
import { checkSource } from './unknown-references';

export const advancedModelReferences: VaultRule = {
  id: 'DV101',
  title: CODES.DV101.title,
  check(ctx) {
    const table = tableOf(ctx.parsed);
    if (!table) return [];
    const known = ctx.index.nodeNames();
    const missing = ctx.project.packagesNotInstalled?.() ?? [];
    const out: Diagnostic[] = [];
    const check = (name: string, span: Span, where: string) => {
      if (known.has(name)) return;
      const guess = closestName(name, known);
      out.push(
        diagnostic(
          'DV101',
          missing.length ? 'information' : 'error',
          `${where} names '${name}', which is not a model, seed or snapshot of this project.${guess ? ` Did you mean '${guess}'?` : ' Check the name or create the model.'}${missing.length ? ` ${notInstalledReason(missing)}` : ''}`,
          span,
          guess ? [{ title: `Change to '${guess}'`, span, newText: guess }] : undefined,
        ),
      );
    };
    // The source_model of the other macros is unknownModels' finding; a PIT's or bridge's is its hub.
    if (table.macro === 'pit' || table.macro === 'bridge') for (const m of table.sourceModels) check(m.value, m.span, 'source_model (the hub)');
    for (const { param, finding } of nestedMetadataFindings(table)) {
      const where = [param, ...finding.kind === 'shape' ? [] : finding.path].join('.');
      if (finding.kind === 'model') check(finding.name.value, finding.name.span, where);
      if (finding.kind === 'source') checkSource(ctx, finding.source.value, finding.source.span, finding.table.value, finding.table.span, out);
    }
    return out;
  },
};
