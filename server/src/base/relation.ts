// A database relation as dbt renders it on PostgreSQL: "database"."schema"."identifier", each part quoted.
// It is a Jinja host object (jinja/values.ts JObject) by its shape alone: base/ imports no other room, and every
// attribute it gives is a plain string, boolean or none, which are Jinja values as they are.

export class Relation {
  readonly kind = 'object' as const;
  constructor(
    readonly database: string,
    readonly schema: string,
    readonly identifier: string,
    /** dbt's per-part quoting (sources may turn it off). */
    readonly quoting: { database: boolean; schema: boolean; identifier: boolean } = { database: true, schema: true, identifier: true },
    /** What adapter.get_relation found: 'table' or 'view'; unset for relations named by ref()/source()/this. */
    readonly type?: string,
  ) {}

  /** The same relation with a known type, as adapter.get_relation returns it. */
  withType(type: string): Relation {
    return new Relation(this.database, this.schema, this.identifier, this.quoting, type);
  }

  render(): string {
    const q = (s: string, on: boolean) => (on ? quoteIdent(s) : s);
    return [q(this.database, this.quoting.database), q(this.schema, this.quoting.schema), q(this.identifier, this.quoting.identifier)].join('.');
  }

  /** schema.identifier, for messages and catalog lookups. */
  get key(): string {
    return `${this.schema}.${this.identifier}`;
  }

  getAttr(name: string): string | boolean | null {
    switch (name) {
      case 'database':
        return this.database;
      case 'schema':
        return this.schema;
      case 'identifier':
      case 'name':
      case 'table':
        return this.identifier;
      case 'type':
        return this.type ?? null;
      case 'is_table':
        return this.type === 'table';
      case 'is_view':
        return this.type === 'view';
      default:
        return null;
    }
  }

  toString(): string {
    return this.render();
  }
}

/** Double-quotes an identifier for PostgreSQL, doubling embedded quotes. */
export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** Whether a name is a plain SQL identifier, one PostgreSQL folds to lower case when it is written unquoted. */
export function isPlainName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_$]*$/.test(name);
}

/**
 * A name written unquoted, as SQL that means the same column when quoted: a plain name in its folded (lower-case) form,
 * quoted; undefined for anything else (an expression, a quoted or mixed name), which the caller writes as it is meant.
 */
export function foldedIdent(name: string): string | undefined {
  return isPlainName(name) ? quoteIdent(name.toLowerCase()) : undefined;
}

/** A single-quoted SQL string literal with embedded quotes doubled. */
export function quoteLiteral(value: string): string {
  return "'" + value.replace(/'/g, "''") + "'";
}
