// The one interface the core uses to talk to PostgreSQL, embedded (PGlite) or a server (pg). Everything outside
// warehouse/ goes through it; implementations live beside it.

export interface QueryField {
  name: string;
  /** PostgreSQL type OID. */
  dataTypeID: number;
}

export interface QueryResult {
  fields: QueryField[];
  /** Rows keyed by column name. Every value is PostgreSQL's text output (a string) or null, so nothing is lost in conversion. */
  rows: Record<string, unknown>[];
  /** Rows affected (INSERT/UPDATE/DELETE) or returned. */
  rowCount: number | null;
}

export interface SqlSession {
  /** One statement, optionally with $1… parameters. */
  query(sql: string, params?: unknown[]): Promise<QueryResult>;
  /** Several statements separated by semicolons, no parameters; results of the last one. */
  exec(sql: string): Promise<QueryResult | undefined>;
}

export interface Warehouse extends SqlSession {
  readonly kind: 'embedded' | 'server';
  /** For people: "embedded (sample-project/.dvs/pglite)" or "postgres://user@host:6432/db" — never a password. */
  readonly description: string;
  /** Runs fn in one transaction: COMMIT when it resolves, ROLLBACK when it throws. */
  transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
