// A database relation as dbt renders it on PostgreSQL: "database"."schema"."identifier", each part quoted.
import type { JObject, JValue } from '../jinja/values';

export class Relation implements JObject {
  readonly kind = 'object' as const;
  constructor(
    readonly database: string,
    readonly schema: string,
    readonly identifier: string,
    /** dbt's per-part quoting (sources may turn it off). */
    readonly quoting: { database: boolean; schema: boolean; identifier: boolean } = { database: true, schema: true, identifier: true },
  ) {}

  render(): string {
    const q = (s: string, on: boolean) => (on ? quoteIdent(s) : s);
    return [q(this.database, this.quoting.database), q(this.schema, this.quoting.schema), q(this.identifier, this.quoting.identifier)].join('.');
  }

  /** schema.identifier, for messages and catalog lookups. */
  get key(): string {
    return `${this.schema}.${this.identifier}`;
  }

  getAttr(name: string): JValue {
    switch (name) {
      case 'database':
        return this.database;
      case 'schema':
        return this.schema;
      case 'identifier':
      case 'name':
      case 'table':
        return this.identifier;
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

/** A single-quoted SQL string literal with embedded quotes doubled. */
export function quoteLiteral(value: string): string {
  return "'" + value.replace(/'/g, "''") + "'";
}
