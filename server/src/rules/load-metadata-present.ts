// DV408: every vault table records when and from where a row was loaded; its src_ldts and src_source must be columns
// its stage produces. Checked only when the stage's columns are all known.
import { isMacroOfFamily } from '../base/automate-dv-macros';
import { closestName, diagnostic, type Diagnostic } from '../base/diagnostic';
import { CODES } from '../base/codes';
import { tableOf } from './context';
import type { VaultRule } from './rule';
import { foldedNames, foldName, inWrittenCase, paramColumns } from './vault-facts';

const ROLE: Record<string, string> = { src_ldts: 'load-date', src_source: 'record-source' };

export const loadMetadataPresent: VaultRule = {
  id: 'DV408',
  title: CODES.DV408.title,
  check(ctx) {
    const table = tableOf(ctx.parsed);
    if (!table || isMacroOfFamily(table.macro, 'query')) return [];
    const out: Diagnostic[] = [];
    for (const model of table.sourceModels) {
      const output = ctx.index.stage(model.value) ? ctx.index.stageOutput(model.value) : undefined;
      if (!output?.complete) continue;
      const have = foldedNames(output.columns);
      for (const param of ['src_ldts', 'src_source']) {
        for (const column of paramColumns(table.call, param)) {
          if (have.has(foldName(column.value))) continue;
          const closest = closestName(column.value, output.columns.map((c) => c.name));
          const guess = closest === undefined ? undefined : inWrittenCase(column.value, closest);
          const hint = guess ? ` Did you mean ${guess}?` : ` Add it to derived_columns of ${model.value}.`;
          out.push(
            diagnostic(
              'DV408',
              'warning',
              `The ${ROLE[param]} column ${column.value} (${param}) is not a column of ${model.value}.${hint}`,
              column.span,
              guess ? [{ title: `Change to ${guess}`, span: column.span, newText: guess }] : undefined,
            ),
          );
        }
      }
    }
    return out;
  },
};
