// AutomateDV's `hub` on PostgreSQL (spec §6.1): DISTINCT ON keeps the earliest row per key in each source, a
// multi-source union breaks ldts ties by record source, and the incremental branch inserts only new keys.
import type { MacroContext } from '../context';
import { multikeyCondition } from './columns';
import { readHubOrLink } from './hub-link';
import type { BoundArguments } from './signatures';
import { renderMacroTemplate } from './templates';

export function compileHub(args: BoundArguments, ctx: MacroContext): string {
  const { pk, variables } = readHubOrLink('hub', 'src_nk', args, ctx);
  return renderMacroTemplate('hub', {
    ...variables,
    rr_pk_not_null: multikeyCondition(pk, 'rr', 'IS NOT NULL'),
    ru_pk_not_null: multikeyCondition(pk, 'ru', 'IS NOT NULL'),
  });
}
