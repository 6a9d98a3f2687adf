// AutomateDV's `link` on PostgreSQL (spec §6.2): ROW_NUMBER keeps the earliest row per key; the NOT NULL filter on
// the key and every foreign key sits inside each source's CTE only when there is a single source (quirk 5).
import type { MacroContext } from '../context';
import { expandColumnList, multikeyCondition, sourceName } from './columns';
import { readHubOrLink } from './hub-link';
import type { BoundArguments } from './signatures';
import { renderMacroTemplate } from './templates';

export function compileLink(args: BoundArguments, ctx: MacroContext): string {
  const { pk, keys: fk, variables } = readHubOrLink('link', 'src_fk', args, ctx);
  const fkColumns = expandColumnList([fk]).map(sourceName);
  return renderMacroTemplate('link', {
    ...variables,
    rr_not_null: `${multikeyCondition(pk, 'rr', 'IS NOT NULL')}\n    AND ${multikeyCondition(fkColumns, 'rr', 'IS NOT NULL')}`,
    ru_not_null: `${multikeyCondition(pk, 'ru', 'IS NOT NULL')}\n    AND ${multikeyCondition(fkColumns, 'ru', 'IS NOT NULL')}`,
  });
}
