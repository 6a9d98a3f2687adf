// AutomateDV's `eff_sat` on PostgreSQL (spec §6.4): start and end dates of a link's relationships. The first load copies
// the batch; later loads open new relationships, reopen closed ones and close open ones, from the end dates the source
// gives or, with is_auto_end_dating, whenever a driving key turns up with another secondary key.
import { AUTOMATE_DV_VERSIONS, behaviourAt } from '../../base/automate-dv-versions';
import type { MacroContext } from '../context';
import { truthy } from '../../jinja/values';
import { castDateColumn, castDatetimeLiteral } from './casting';
import { aliasAll, expandColumnList, multikeyCondition, multikeyEquals, prefixColumns } from './columns';
import { readLoadContext } from './load-context';
import { readColumn, readColumns, readModelNames, required } from './param-types';
import { readMaxDatetime } from './settings';
import type { BoundArguments } from './signatures';
import { renderMacroTemplate } from './templates';

export function compileEffSat(args: BoundArguments, ctx: MacroContext): string {
  const m = 'eff_sat';
  const pk = required(m, 'src_pk', readColumns(m, 'src_pk', args.get('src_pk')));
  const dfk = required(m, 'src_dfk', readColumns(m, 'src_dfk', args.get('src_dfk')));
  const sfk = required(m, 'src_sfk', readColumns(m, 'src_sfk', args.get('src_sfk')));
  const extraValue = args.get('src_extra_columns');
  const start = required(m, 'src_start_date', readColumn(m, 'src_start_date', args.get('src_start_date'))).trim();
  const end = required(m, 'src_end_date', readColumn(m, 'src_end_date', args.get('src_end_date'))).trim();
  const eff = required(m, 'src_eff', readColumn(m, 'src_eff', args.get('src_eff'))).trim();
  const ldts = required(m, 'src_ldts', readColumn(m, 'src_ldts', args.get('src_ldts'))).trim();
  const source = required(m, 'src_source', readColumn(m, 'src_source', args.get('src_source'))).trim();
  // AutomateDV's later templates also take a list of stages (unioned); one name is the usual form.
  const models = required(m, 'source_model', readModelNames(m, 'source_model', args.get('source_model')));
  const load = readLoadContext(ctx);
  const autoEndDating = truthy(ctx.configOf('is_auto_end_dating') ?? null);

  const extra = expandColumnList([extraValue ?? null], "eff_sat: 'src_extra_columns'");
  const sourceCols = expandColumnList([pk, dfk, sfk, extraValue ?? null, start, end, eff, ldts, source], 'eff_sat metadata');
  const keyCols = expandColumnList([pk, dfk, sfk]);
  const pkList = expandColumnList([pk]);
  // The open-record test compares dates: the end date as a date against max_datetime, as AutomateDV casts both.
  const openEndDate = castDateColumn(castDatetimeLiteral(readMaxDatetime(ctx)));

  return renderMacroTemplate('eff_sat', {
    latest_alias: behaviourAt(AUTOMATE_DV_VERSIONS.effSatLatestRecordsAlias, ctx.compat.version),
    sources: models.map((model, i) => ({ number: i + 1, relation: ctx.ref(model).render() })),
    a_columns: prefixColumns(sourceCols, 'a', 'source'),
    a_dfk_not_null: multikeyCondition(dfk, 'a', 'IS NOT NULL'),
    a_sfk_not_null: multikeyCondition(sfk, 'a', 'IS NOT NULL'),
    materialization_filter: load.materializationFilter ?? '',
    incremental: load.incremental,
    target: load.target,
    auto_end_dating: autoEndDating,
    start,
    end,
    eff,
    ldts,
    source,
    // New and reopened relationships start at the effective date when end dates are inferred.
    start_source: autoEndDating ? eff : start,
    open_end_date: openEndDate,
    b_columns: aliasAll(sourceCols, 'b'),
    b_pk: prefixColumns(pkList, 'b'),
    c_columns: aliasAll(sourceCols, 'c'),
    c_end_date: castDateColumn(`c.${end}`),
    d_columns: aliasAll(sourceCols, 'd'),
    d_end_date: castDateColumn(`d.${end}`),
    has_extra: extra.length > 0,
    f_keys: aliasAll(keyCols, 'f'),
    f_extra: prefixColumns(extra, 'f'),
    f_lr_join: multikeyEquals(pk, 'f', 'lr'),
    lr_pk_null: multikeyCondition(pk, 'lr', 'IS NULL'),
    lc_keys: aliasAll(keyCols, 'lc'),
    g_extra: prefixColumns(extra, 'g'),
    g_lc_join: multikeyEquals(pk, 'g', 'lc'),
    g_end_date: castDateColumn(`g.${end}`),
    lo_keys: aliasAll(keyCols, 'lo'),
    h_extra: prefixColumns(extra, 'h'),
    lo_h_dfk_join: multikeyEquals(dfk, 'lo', 'h'),
    stg_lo_pk_join: multikeyEquals(pk, 'stg', 'lo'),
    stg_lo_end_join: multikeyEquals(end, 'stg', 'lo'),
    lo_h_pk_join: multikeyEquals(pk, 'lo', 'h'),
    lc_h_pk_join: multikeyEquals(pk, 'lc', 'h'),
    h_end_date: castDateColumn(`h.${end}`),
    lo_pk_not_null: multikeyCondition(pk, 'lo', 'IS NOT NULL'),
    lc_pk_null: multikeyCondition(pk, 'lc', 'IS NULL'),
    i_columns: aliasAll(sourceCols, 'i'),
  });
}
