// AutomateDV's `xts` on PostgreSQL (spec §6.7): which satellite hashdiff arrived at which load date, one CTE per source
// model × satellite. Where two satellites share a sat-name column AutomateDV repeats a CTE name, which PostgreSQL
// rejects; dvs numbers the repeats and warns (DV504).
import type { MacroContext } from '../context';
import { isDict, type JValue } from '../../jinja/values';
import { expandColumnList, multikeyCondition, prefixColumns } from './columns';
import { readLoadContext } from './load-context';
import { readColumn, readColumns, readDict, readModelNames, required, wrongType } from './param-types';
import type { BoundArguments } from './signatures';
import { renderMacroTemplate } from './templates';

export interface XtsSatellite {
  /** The satellite's key in src_satellite (usually the satellite model's name). */
  name: string;
  /** The stage column holding the satellite's name. */
  satNameColumn: string;
  /** The stage column holding the satellite's hashdiff. */
  hashdiffColumn: string;
}

/** The value of a one-key inner mapping such as {SATELLITE_NAME: SAT_NAME_COL}; AutomateDV reads only its first value. */
function firstValue(satellite: string, part: string, v: JValue | undefined): string {
  if (isDict(v)) {
    const first = [...v.values()][0];
    if (typeof first === 'string' && first.trim() !== '') return first.trim();
  }
  throw wrongType('xts', `src_satellite.${satellite}.${part}`, v, `a one-key mapping {${part === 'sat_name' ? 'SATELLITE_NAME' : 'HASHDIFF'}: <stage column>}`);
}

/** src_satellite: {SAT: {sat_name: {SATELLITE_NAME: col}, hashdiff: {HASHDIFF: col}}, ...} in dict order. */
export function readXtsSatellites(v: JValue | undefined): XtsSatellite[] {
  const dict = required('xts', 'src_satellite', readDict('xts', 'src_satellite', v));
  const out: XtsSatellite[] = [];
  for (const [name, spec] of dict) {
    if (!isDict(spec)) throw wrongType('xts', `src_satellite.${name}`, spec, 'a mapping with sat_name and hashdiff');
    out.push({ name, satNameColumn: firstValue(name, 'sat_name', spec.get('sat_name')), hashdiffColumn: firstValue(name, 'hashdiff', spec.get('hashdiff')) });
  }
  if (out.length === 0) throw wrongType('xts', 'src_satellite', v, 'a mapping with at least one satellite');
  return out;
}

export function compileXts(args: BoundArguments, ctx: MacroContext): string {
  const m = 'xts';
  const pk = required(m, 'src_pk', readColumns(m, 'src_pk', args.get('src_pk')));
  const satellites = readXtsSatellites(args.get('src_satellite'));
  const extraValue = args.get('src_extra_columns');
  const ldts = required(m, 'src_ldts', readColumn(m, 'src_ldts', args.get('src_ldts'))).trim();
  const source = required(m, 'src_source', readColumn(m, 'src_source', args.get('src_source'))).trim();
  const models = required(m, 'source_model', readModelNames(m, 'source_model', args.get('source_model')));
  const load = readLoadContext(ctx);
  const extra = expandColumnList([extraValue ?? null], "xts: 'src_extra_columns'");

  const names = new Set<string>();
  const repeated = new Set<string>();
  const ctes: { name: string; relation: string; hashdiff: string; satName: string }[] = [];
  for (const model of models) {
    for (const sat of satellites) {
      const base = `satellite_${sat.satNameColumn}_from_${model}`.toLowerCase();
      let name = base;
      for (let n = 2; names.has(name); n++) name = `${base}_${n}`;
      if (name !== base) repeated.add(sat.satNameColumn);
      names.add(name);
      ctes.push({ name, relation: ctx.ref(model).render(), hashdiff: sat.hashdiffColumn, satName: sat.satNameColumn });
    }
  }
  if (repeated.size > 0) {
    ctx.report({
      code: 'DV504',
      severity: 'warning',
      message:
        `Several xts satellites take their name from the same stage column (${[...repeated].join(', ')}); AutomateDV names its CTEs ` +
        'after that column and emits duplicate CTE names, which PostgreSQL rejects. dvs numbers the repeated CTEs so the SQL runs. ' +
        'Give each satellite its own sat_name column in the stage.',
    });
  }

  return renderMacroTemplate('xts', {
    ctes,
    union: ctes.length > 1,
    s_pk: prefixColumns(expandColumnList([pk]), 's'),
    s_extra: prefixColumns(extra, 's'),
    has_extra: extra.length > 0,
    s_pk_not_null: multikeyCondition(pk, 's', 'IS NOT NULL'),
    ldts,
    source,
    a_pk: prefixColumns(expandColumnList([pk]), 'a'),
    a_extra: prefixColumns(extra, 'a'),
    incremental: load.incremental,
    target: load.target,
  });
}
