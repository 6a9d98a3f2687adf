// AutomateDV's `bridge` on PostgreSQL (spec §6.9), materialized bridge_incremental: walks from a hub through links
// and their effectivity satellites at each as-of date, keeps the latest effectivity row per link key and date, and
// keeps only relationships open at that date (end date equal to max_datetime, compared as dates).
import { AUTOMATE_DV_VERSIONS, behaviourAt } from '../../base/automate-dv-versions';
import type { MacroContext } from '../context';
import { isDict, type JValue } from '../../jinja/values';
import { castDateColumn, castDateLiteral } from './casting';
import { multikeyEquals, prefixColumns } from './columns';
import { readLoadContext } from './load-context';
import { readColumn, readDict, readModelName, required, wrongType } from './param-types';
import { pitBridgePreamble, readAsOfDatesRelation, readSingleKey, readStageTablesLdts, readWindowLdts, renderAsOfDateWindow } from './pit';
import { DEFAULT_MACRO_MAX_DATETIME, readMaxDatetime } from './settings';
import type { BoundArguments } from './signatures';
import { renderMacroTemplate } from './templates';

const STEP_KEYS = [
  'bridge_link_pk',
  'bridge_end_date',
  'bridge_load_date',
  'link_table',
  'link_pk',
  'link_fk1',
  'link_fk2',
  'eff_sat_table',
  'eff_sat_pk',
  'eff_sat_end_date',
  'eff_sat_load_date',
] as const;

type StepKey = (typeof STEP_KEYS)[number];

export type BridgeStep = Record<StepKey, string>;

/**
 * bridge_walk: {STEP: {bridge_link_pk, ..., eff_sat_load_date}} in dict order. Every key is needed except link_fk1 of
 * the first step (it joins on the hub key) and link_fk2 of the last (nothing follows it).
 */
export function readBridgeWalk(v: JValue | undefined): BridgeStep[] {
  const dict = required('bridge', 'bridge_walk', readDict('bridge', 'bridge_walk', v));
  const entries = [...dict.entries()];
  if (entries.length === 0) throw wrongType('bridge', 'bridge_walk', v, 'a mapping with at least one step');
  return entries.map(([name, spec], index) => {
    if (!isDict(spec)) throw wrongType('bridge', `bridge_walk.${name}`, spec, 'a mapping of bridge_link_pk, link_table, eff_sat_table, ...');
    const step = {} as BridgeStep;
    const missing: string[] = [];
    for (const key of STEP_KEYS) {
      const value = spec.get(key);
      if (typeof value === 'string' && value.trim() !== '') step[key] = value.trim();
      else {
        step[key] = '';
        const unused = (key === 'link_fk1' && index === 0) || (key === 'link_fk2' && index === entries.length - 1);
        if (!unused) missing.push(key);
      }
    }
    if (missing.length > 0) throw wrongType('bridge', `bridge_walk.${name}`, spec, `a mapping that also sets ${missing.join(', ')}`);
    return step;
  });
}

export function compileBridge(args: BoundArguments, ctx: MacroContext): string {
  const m = 'bridge';
  const pk = readSingleKey(m, args.get('src_pk'));
  const asOf = readAsOfDatesRelation(m, args.get('as_of_dates_table'), ctx);
  const walk = readBridgeWalk(args.get('bridge_walk'));
  const stages = readStageTablesLdts(m, args.get('stage_tables_ldts'));
  const hubModel = required(m, 'source_model', readModelName(m, 'source_model', args.get('source_model')));
  const load = readLoadContext(ctx);
  const ldts = readWindowLdts(m, args, load.incremental);
  const dependsOn = pitBridgePreamble(m, args, stages, ctx);
  const hub = ctx.ref(hubModel).render();
  // Before 0.9.7 dbt-postgres renders the default macro, whose open-record test casts the end date with one-argument
  // TO_DATE (PostgreSQL has none) against its own max_datetime default; 0.9.0 casts that literal with one argument too.
  // A fork (git or local) may have been adapted for PostgreSQL: it keeps the later PostgreSQL logic.
  const form = ctx.compat.fork ? 'postgres' : behaviourAt(AUTOMATE_DV_VERSIONS.bridgeDefaultSql, ctx.compat.version);
  const openDate =
    form === 'postgres'
      ? castDateLiteral(readMaxDatetime(ctx))
      : form === 'default'
        ? castDateLiteral(readMaxDatetime(ctx, DEFAULT_MACRO_MAX_DATETIME))
        : `TO_DATE('${readMaxDatetime(ctx, DEFAULT_MACRO_MAX_DATETIME)}')`;
  const endDate = (column: string): string => (form === 'postgres' ? castDateColumn(column) : `TO_DATE(${column})`);

  const steps = walk.map((step, i) => {
    const link = step.link_table.toLowerCase();
    const eff = step.eff_sat_table.toLowerCase();
    const previous = i > 0 ? walk[i - 1] : undefined;
    return {
      ...step,
      link_alias: link,
      eff_alias: eff,
      link_relation: ctx.ref(step.link_table).render(),
      eff_relation: ctx.ref(step.eff_sat_table).render(),
      // The first link joins on the hub key; each later link on the previous link's second foreign key.
      link_join: previous ? `${previous.link_table.toLowerCase()}.${previous.link_fk2} = ${link}.${step.link_fk1}` : multikeyEquals(pk, 'a', link),
    };
  });

  return renderMacroTemplate('bridge', {
    candidate_alias: behaviourAt(AUTOMATE_DV_VERSIONS.bridgeCandidateRowsAlias, ctx.compat.version),
    depends_on: dependsOn,
    as_of_relation: asOf.render(),
    incremental: load.incremental,
    as_of_date_window: load.incremental ? renderAsOfDateWindow({ pk, ldts, stages, hub, target: load.target }, ctx) : '',
    hub,
    new_as_of_cte: load.incremental ? 'new_rows_as_of' : 'as_of_dates',
    a_pk: prefixColumns([pk], 'a'),
    c_pk: prefixColumns([pk], 'c'),
    steps,
    partition_by: ['AS_OF_DATE', ...walk.map((s) => s.bridge_link_pk)].join(', '),
    order_by: walk.map((s) => `${s.bridge_load_date} DESC`).join(', '),
    c_link_pks: walk.map((s) => `c.${s.bridge_link_pk}`).join(', '),
    open_conditions: walk.map((s) => `${endDate(`c.${s.bridge_end_date}`)} = ${openDate}`),
    glued_from: form === 'default-0.9.0',
  });
}
