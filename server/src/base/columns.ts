// A column as the catalog knows it: the warehouse's introspection, declared source columns, seeds and the compiler
// all speak of columns this way.

export interface ColumnInfo {
  name: string;
  /** PostgreSQL type as format_type() prints it, e.g. `bigint`, `character varying`, `timestamp with time zone`, `numeric(38,9)`. */
  dataType: string;
}
