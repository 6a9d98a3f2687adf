// Names of PostgreSQL's built-in types by OID, as `format_type` prints them (`character varying`, `integer[]`), for
// result columns: the wire protocol gives only a column's type OID, and people read names.

/** Built-in base types: OID → catalog name (`typname`) and the name `format_type` prints. */
const BASE_TYPES: ReadonlyArray<readonly [oid: number, typname: string, shown: string]> = [
  [16, 'bool', 'boolean'],
  [17, 'bytea', 'bytea'],
  [18, 'char', '"char"'],
  [19, 'name', 'name'],
  [20, 'int8', 'bigint'],
  [21, 'int2', 'smallint'],
  [23, 'int4', 'integer'],
  [25, 'text', 'text'],
  [26, 'oid', 'oid'],
  [114, 'json', 'json'],
  [142, 'xml', 'xml'],
  [650, 'cidr', 'cidr'],
  [700, 'float4', 'real'],
  [701, 'float8', 'double precision'],
  [790, 'money', 'money'],
  [829, 'macaddr', 'macaddr'],
  [869, 'inet', 'inet'],
  [1042, 'bpchar', 'character'],
  [1043, 'varchar', 'character varying'],
  [1082, 'date', 'date'],
  [1083, 'time', 'time without time zone'],
  [1114, 'timestamp', 'timestamp without time zone'],
  [1184, 'timestamptz', 'timestamp with time zone'],
  [1186, 'interval', 'interval'],
  [1266, 'timetz', 'time with time zone'],
  [1560, 'bit', 'bit'],
  [1562, 'varbit', 'bit varying'],
  [1700, 'numeric', 'numeric'],
  [2950, 'uuid', 'uuid'],
  [3802, 'jsonb', 'jsonb'],
];

/** Array types (`_typname` in the catalog): OID → the element's catalog name. */
const ARRAY_TYPES: ReadonlyArray<readonly [oid: number, element: string]> = [
  [1000, 'bool'],
  [1001, 'bytea'],
  [1002, 'char'],
  [1003, 'name'],
  [1005, 'int2'],
  [1007, 'int4'],
  [1009, 'text'],
  [1014, 'bpchar'],
  [1015, 'varchar'],
  [1016, 'int8'],
  [1021, 'float4'],
  [1022, 'float8'],
  [1028, 'oid'],
  [1115, 'timestamp'],
  [1182, 'date'],
  [1183, 'time'],
  [1185, 'timestamptz'],
  [1187, 'interval'],
  [1231, 'numeric'],
  [1270, 'timetz'],
  [2951, 'uuid'],
  [199, 'json'],
  [143, 'xml'],
  [651, 'cidr'],
  [791, 'money'],
  [1040, 'macaddr'],
  [1041, 'inet'],
  [1561, 'bit'],
  [1563, 'varbit'],
  [3807, 'jsonb'],
];

const SHOWN_BY_TYPNAME = new Map(BASE_TYPES.map(([, typname, shown]) => [typname, shown]));

const NAME_BY_OID = new Map<number, string>([
  ...BASE_TYPES.map(([oid, , shown]) => [oid, shown] as const),
  ...ARRAY_TYPES.map(([oid, element]) => [oid, `${SHOWN_BY_TYPNAME.get(element) ?? element}[]`] as const),
]);

/** The type of a result column for people: `character varying`, `bigint`, `integer[]`; `oid N` when not built in. */
export function pgTypeName(oid: number): string {
  return NAME_BY_OID.get(oid) ?? `oid ${oid}`;
}

