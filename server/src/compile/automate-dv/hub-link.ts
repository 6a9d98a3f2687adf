// What AutomateDV's hub and link share on PostgreSQL: the same parameters but the second key list (a hub's natural
// key, a link's foreign keys), the same per-source ranking on the load timestamp, and the same incremental anti-join on
// the primary key. hub.ts and link.ts add only what differs (the NOT NULL filters).
import type { MacroContext } from '../context';
import { expandColumnList, multikeyCondition, multikeyEquals, prefixColumns } from './columns';
import { readLoadContext } from './load-context';
import { readColumn, readColumns, readModelNames, required } from './param-types';
import type { BoundArguments } from './signatures';

export interface HubOrLink {
  pk: string | string[];
  /** src_nk of a hub, src_fk of a link. */
  keys: string | string[];
  /** The template variables hub and link have in common. */
  variables: Record<string, unknown>;
}

export function readHubOrLink(macro: 'hub' | 'link', keysParam: 'src_nk' | 'src_fk', args: BoundArguments, ctx: MacroContext): HubOrLink {
  const pk = required(macro, 'src_pk', readColumns(macro, 'src_pk', args.get('src_pk')));
  const keys = required(macro, keysParam, readColumns(macro, keysParam, args.get(keysParam)));
  const extra = args.get('src_extra_columns');
  const ldts = required(macro, 'src_ldts', readColumn(macro, 'src_ldts', args.get('src_ldts')));
  const source = required(macro, 'src_source', readColumn(macro, 'src_source', args.get('src_source')));
  const models = required(macro, 'source_model', readModelNames(macro, 'source_model', args.get('source_model')));
  const load = readLoadContext(ctx);

  const columns = expandColumnList([pk, keys, extra ?? null, ldts, source], `${macro} metadata`);
  const ranked = load.rankColumn ? [...columns, load.rankColumn] : columns;
  const variables = {
    sources: models.map((m, i) => ({ number: i + 1, relation: ctx.ref(m).render() })),
    multi_source: models.length > 1,
    rr_columns: prefixColumns(ranked, 'rr'),
    rr_pk: prefixColumns(expandColumnList([pk]), 'rr'),
    rr_ldts: `rr.${ldts}`,
    ru_pk: prefixColumns(expandColumnList([pk]), 'ru'),
    ru_ldts: `ru.${ldts}`,
    ru_source: `ru.${source}`,
    materialization_filter: load.materializationFilter ?? '',
    a_columns: prefixColumns(columns, 'a', 'target'),
    incremental: load.incremental,
    target: load.target,
    a_d_join: multikeyEquals(pk, 'a', 'd'),
    d_pk_null: multikeyCondition(pk, 'd', 'IS NULL'),
  };
  return { pk, keys, variables };
}
