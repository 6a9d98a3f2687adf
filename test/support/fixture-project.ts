// A small dbt project made of fixture files, as the vault rules and the language features see it: models by name
// (parsed), declared source tables and their columns from a catalog JSON. No database, no disk layout.
import { readFileSync } from 'node:fs';
import type { ColumnInfo } from '../../server/src/compile/context';
import { parseModel, type ParsedModel } from '../../server/src/model/parse';
import type { KnownColumns, RuleProject } from '../../server/src/rules';

/** `{ "connected": true, "tables": { "raw.users": { "origin": "live", "columns": { "id": "bigint" } }, "raw.gone": "missing" } }` */
export interface FixtureCatalog {
  connected: boolean;
  tables: Record<string, { origin: KnownColumns['origin']; columns: Record<string, string> } | 'missing'>;
}

export function readCatalog(file: string): FixtureCatalog {
  return JSON.parse(readFileSync(file, 'utf8')) as FixtureCatalog;
}

export interface FixtureProject extends RuleProject {
  texts: Map<string, string>;
  parsed: Map<string, ParsedModel>;
  setText(name: string, text: string): void;
}

export function fixtureProject(models: ReadonlyMap<string, string>, catalog: FixtureCatalog): FixtureProject {
  const texts = new Map(models);
  const parsed = new Map<string, ParsedModel>();
  for (const [name, text] of texts) parsed.set(name, parseModel(text));
  const tableKey = (s: string, t: string) => `${s}.${t}`;
  return {
    texts,
    parsed,
    connected: catalog.connected,
    setText(name, text) {
      texts.set(name, text);
      parsed.set(name, parseModel(text));
    },
    modelNames: () => parsed.keys(),
    parsedModel: (name) => parsed.get(name),
    otherNodeNames: () => [],
    sourceTables: () =>
      Object.keys(catalog.tables).map((k) => {
        const [source, table] = k.split('.') as [string, string];
        return { source, table };
      }),
    sourceColumns(source, table) {
      const t = catalog.tables[tableKey(source, table)];
      if (t === undefined) return undefined;
      if (t === 'missing') return catalog.connected ? 'missing' : undefined;
      const columns: ColumnInfo[] = Object.entries(t.columns).map(([name, dataType]) => ({ name, dataType }));
      return { columns, origin: t.origin };
    },
    modelColumns: () => undefined,
  };
}
