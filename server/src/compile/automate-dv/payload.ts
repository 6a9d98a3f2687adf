// The satellite payload in either form (spec §6.3): a column list, or {exclude_columns: true, columns: [...]} meaning
// every column of ref(source_model) that the metadata does not already name, minus the listed ones. sat and ma_sat share it.
import type { MacroContext } from '../context';
import { isDict, isNone, truthy, type JValue } from '../../jinja/values';
import { expandColumnList, knownColumnsOrReport } from './columns';
import { wrongType } from './param-types';

export interface PayloadMetadata {
  /** The other metadata parameters, whose plain column names are never part of an excluded payload. */
  named: readonly (JValue | undefined)[];
  sourceModel: string;
}

/** Plain metadata names, lowercased. Like AutomateDV, a {source_column, alias} mapping does not count as a name. */
function metadataNames(values: readonly (JValue | undefined)[]): Set<string> {
  const names = new Set<string>();
  for (const v of values) {
    if (typeof v === 'string') names.add(v.trim().toLowerCase());
    else if (Array.isArray(v)) for (const x of v) if (typeof x === 'string') names.add(x.trim().toLowerCase());
  }
  return names;
}

export function readPayload(macro: string, value: JValue | undefined, meta: PayloadMetadata, ctx: MacroContext): string[] {
  if (isNone(value)) return [];
  if (!isDict(value)) {
    const columns = expandColumnList([value], `${macro}: 'src_payload'`);
    if (columns.some((c) => typeof c !== 'string')) throw wrongType(macro, 'src_payload', value, 'a list of column names');
    return columns as string[];
  }
  // With exclude_columns false or absent AutomateDV leaves the payload undefined, i.e. empty.
  if (!truthy(value.get('exclude_columns') ?? null)) return [];
  const relation = ctx.ref(meta.sourceModel);
  const catalog = knownColumnsOrReport(
    ctx,
    relation,
    `The payload excludes columns of ${relation.render()}, whose columns are unknown, so the payload is empty. ` +
      'Declare the columns in the sources yml or connect a target so they can be read.',
  );
  if (catalog === undefined) return [];
  const named = metadataNames(meta.named);
  const listed = value.get('columns');
  const excluded = new Set(expandColumnList([isNone(listed) ? null : (listed as JValue)]).filter((c): c is string => typeof c === 'string').map((c) => c.toLowerCase()));
  return catalog.map((c) => c.name).filter((n) => !named.has(n.toLowerCase()) && !excluded.has(n.toLowerCase()));
}

