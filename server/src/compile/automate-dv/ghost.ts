// The satellite ghost record (spec §6.3.1): one synthetic row whose values depend on each column's role in the sat
// metadata and on its catalog type. Columns come in catalog order under their catalog names, as AutomateDV does.
import type { ColumnInfo } from '../context';
import { castBinaryLiteral, castDateLiteral, castDatetimeLiteral } from './casting';
import { asList, isMapping, sourceName, type ColumnRef } from './columns';
import type { GhostSettings } from './settings';

export interface GhostMetadata {
  pk: string | readonly string[];
  hashdiff: ColumnRef;
  payload: readonly string[];
  extra: readonly ColumnRef[];
  eff?: string;
  ldts: string;
  source: string;
}

/**
 * The type name dbt-postgres reports as `dtype` (information_schema's data_type): format_type() without its
 * modifiers, so `character varying(10)` casts as `character varying` and a long record source is not truncated.
 */
export function catalogTypeName(formatType: string): string {
  return formatType.replace(/\([^)]*\)/g, '').replace(/\s+/g, ' ').trim();
}

type Role = 'key' | 'date' | 'source' | 'payload';

function roleOf(column: string, meta: GhostMetadata): Role | undefined {
  const c = column.toLowerCase();
  const is = (name: string | undefined) => name !== undefined && name.trim().toLowerCase() === c;
  if (asList(meta.pk).some(is) || is(sourceName(meta.hashdiff))) return 'key';
  if (is(meta.eff) || is(meta.ldts)) return 'date';
  if (is(meta.source)) return 'source';
  if ([...meta.payload, ...meta.extra.map(sourceName)].some(is)) return 'payload';
  return undefined;
}

function ghostValue(role: Role, name: string, dataType: string | undefined, meta: GhostMetadata, settings: GhostSettings): string {
  switch (role) {
    case 'key':
      return `${castBinaryLiteral('0'.repeat(settings.zeroKeyLength))} AS ${name}`;
    case 'date':
      return dataType !== undefined && catalogTypeName(dataType).toLowerCase() === 'date'
        ? `${castDateLiteral('1900-01-01')} AS ${name}`
        : `${castDatetimeLiteral('1900-01-01 00:00:00')} AS ${name}`;
    case 'source': {
      const literal = "'" + settings.systemRecordValue.replace(/'/g, "''") + "'";
      return dataType !== undefined ? `CAST(${literal} AS ${catalogTypeName(dataType)}) AS ${meta.source}` : `${literal} AS ${meta.source}`;
    }
    case 'payload':
      return dataType !== undefined ? `CAST(NULL AS ${catalogTypeName(dataType)}) AS ${name}` : `NULL AS ${name}`;
  }
}

/**
 * The select list of the ghost CTE. With a catalog, the stage's columns that the sat uses, in catalog order; without
 * one (no database), every metadata column with untyped values, which PostgreSQL resolves from the UNION's other side.
 */
export function ghostSelectList(meta: GhostMetadata, catalog: readonly ColumnInfo[] | undefined, settings: GhostSettings): string[] {
  if (catalog !== undefined) {
    const out: string[] = [];
    for (const col of catalog) {
      const role = roleOf(col.name, meta);
      if (role) out.push(ghostValue(role, col.name, col.dataType, meta, settings));
    }
    return out;
  }
  const names = [
    ...asList(meta.pk),
    sourceName(meta.hashdiff),
    ...meta.payload,
    ...meta.extra.map((c) => (isMapping(c) ? c.sourceColumn : c)),
    ...(meta.eff ? [meta.eff] : []),
    meta.ldts,
    meta.source,
  ];
  const seen = new Set<string>();
  const out: string[] = [];
  for (const name of names) {
    const key = name.trim().toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    const role = roleOf(name, meta);
    if (role) out.push(ghostValue(role, name.trim(), undefined, meta, settings));
  }
  return out;
}
