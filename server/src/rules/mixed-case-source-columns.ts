// DV503: AutomateDV lists a stage's source columns unquoted, and PostgreSQL folds unquoted names to lower case, so a
// raw column stored as "Mixed" or "First Name" makes the stage fail under dbt unless it is escaped.
import { diagnostic } from '../base/diagnostic';
import { CODES } from '../base/codes';
import { stageOf } from './context';
import { nameList, type VaultRule } from './rule';
import { sameName } from './vault-facts';

const FOLDS_TO_ITSELF = /^[a-z_][a-z0-9_$]*$/;

export const mixedCaseSourceColumns: VaultRule = {
  id: 'DV503',
  title: CODES.DV503.title,
  check(ctx) {
    const stage = stageOf(ctx.parsed);
    if (!stage?.source) return [];
    const source = ctx.index.stageOutput(ctx.modelName)?.source;
    if (!source || source.origin === 'static') return [];
    const escaped: string[] = [];
    for (const d of stage.derived) {
      if (d.escape) escaped.push(...d.items.map((i) => i.value));
      else if (d.writtenAsString) for (const m of (d.items[0]?.value ?? '').matchAll(/"([a-zA-Z\s]+)"/g)) escaped.push(m[1] as string);
    }
    const unsafe = source.columns.map((c) => c.name).filter((n) => !FOLDS_TO_ITSELF.test(n) && !escaped.some((e) => sameName(e, n)));
    if (unsafe.length === 0) return [];
    const names = nameList(unsafe.map((n) => `"${n}"`));
    return [
      diagnostic(
        'DV503',
        'warning',
        `The source has column(s) ${names}, which AutomateDV lists unquoted; PostgreSQL folds them to lower case and the stage fails under dbt. ` +
          `Escape them with a derived column {source_column: ..., escape: true}, or rename them in the raw table.`,
        stage.source.kind === 'ref' ? stage.source.model.span : stage.source.table.span,
      ),
    ];
  },
};
