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
  source?: string;
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

/** What AutomateDV's ghost_for_type gives a column of this type: the zero key, a 1900 date or timestamp, or NULL. */
type TypedGhost = 'binary' | 'date' | 'timestamp' | 'null';

const TIMESTAMP_TYPES = new Set(['timestamp', 'timestamp without time zone', 'timestamp with time zone']);

function typedGhost(dataType: string): TypedGhost {
  const type = catalogTypeName(dataType).toLowerCase();
  if (type === 'bytea') return 'binary';
  if (type === 'date') return 'date';
  if (TIMESTAMP_TYPES.has(type)) return 'timestamp';
  return 'null';
}

function nullGhost(name: string, dataType: string | undefined): string {
  return dataType !== undefined ? `CAST(NULL AS ${catalogTypeName(dataType)}) AS ${name}` : `NULL AS ${name}`;
}

function ghostValue(role: Role, name: string, dataType: string | undefined, meta: GhostMetadata, settings: GhostSettings): string {
  if (role === 'source') {
    const literal = "'" + settings.systemRecordValue.replace(/'/g, "''") + "'";
    return dataType !== undefined ? `CAST(${literal} AS ${catalogTypeName(dataType)}) AS ${meta.source ?? name}` : `${literal} AS ${meta.source ?? name}`;
  }
  if (role === 'payload') return nullGhost(name, dataType);
  // From 0.11.0 keys and dates get the ghost of their catalog type: a text-typed key or load date is NULL, not a value
  // PostgreSQL cannot UNION with the column. Up to 0.10.2, and without a catalog, the role decides (a date-typed load
  // date still gets a date), so a text key there fails in PostgreSQL as it does under dbt.
  const byType = dataType !== undefined && settings.typing === 'by-type';
  const kind: TypedGhost = byType
    ? typedGhost(dataType)
    : role === 'key'
      ? 'binary'
      : dataType !== undefined && typedGhost(dataType) === 'date'
        ? 'date'
        : 'timestamp';
  switch (kind) {
    case 'binary':
      return `${castBinaryLiteral('0'.repeat(settings.zeroKeyLength))} AS ${name}`;
    case 'date':
      return `${castDateLiteral('1900-01-01')} AS ${name}`;
    case 'timestamp':
      return `${castDatetimeLiteral('1900-01-01 00:00:00')} AS ${name}`;
    case 'null':
      return nullGhost(name, dataType);
  }
}

/**
 * Up to 0.10.2 a ghost value follows the column's role, so a key whose catalog type is not BYTEA, or a load or
 * effective date that is neither a date nor a timestamp, gets a value PostgreSQL cannot UNION with the staged rows.
 * The columns where that happens, with their types; empty when the catalog is unknown or values follow the type.
 */
export function ghostTypeClashes(meta: GhostMetadata, catalog: readonly ColumnInfo[] | undefined, settings: GhostSettings): string[] {
  if (catalog === undefined || settings.typing !== 'by-role') return [];
  const out: string[] = [];
  for (const col of catalog) {
    const role = roleOf(col.name, meta);
    const kind = typedGhost(col.dataType);
    if ((role === 'key' && kind !== 'binary') || (role === 'date' && kind !== 'date' && kind !== 'timestamp')) {
      out.push(`${col.name} (${catalogTypeName(col.dataType)})`);
    }
  }
  return out;
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
    ...(meta.source !== undefined ? [meta.source] : []),
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
