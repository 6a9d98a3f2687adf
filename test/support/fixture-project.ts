// A small dbt project made of fixture files, as the vault rules and the language features see it: models by name
// (parsed), declared source tables and their columns from a catalog JSON. No database, no disk layout.
import { readFileSync } from 'node:fs';
import type { ColumnInfo } from '../../server/src/compile/context';
import { parseModel, type ParsedModel } from '../../server/src/model/parse';
import type { KnownColumns, RuleProject } from '../../server/src/rules';
import type { FeatureProject, SourceTableInfo } from '../../server/src/features/project-view';

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

/**
 * The language features' view of a fixture project: models live at `/fixture/models/<name>.sql`, and the catalog's
 * tables are written out as a sources yml at `/fixture/models/sources.yml` so definitions can point into it.
 */
export function featureFixtureProject(models: ReadonlyMap<string, string>, catalog: FixtureCatalog): FixtureProject & FeatureProject {
  const base = fixtureProject(models, catalog);
  const fileOf = (name: string) => `/fixture/models/${name}.sql`;
  const sourcesFile = '/fixture/models/sources.yml';
  let yml = 'version: 2\n\nsources:\n';
  const tables = new Map<string, SourceTableInfo>();
  const bySource = new Map<string, string[]>();
  for (const key of Object.keys(catalog.tables)) {
    const [source, table] = key.split('.') as [string, string];
    bySource.set(source, [...(bySource.get(source) ?? []), table]);
  }
  for (const [source, names] of bySource) {
    yml += `  - name: ${source}\n    tables:\n`;
    for (const table of names) {
      const at = yml.length + '      - name: '.length;
      yml += `      - name: ${table}\n        columns:\n`;
      const info: SourceTableInfo = { source, table, relation: `${source}.${table}`, file: sourcesFile, nameSpan: { start: at, end: at + table.length }, columns: [] };
      const t = catalog.tables[`${source}.${table}`];
      for (const [name, dataType] of Object.entries(t && t !== 'missing' ? t.columns : {})) {
        const start = yml.length + '          - name: '.length;
        yml += `          - name: ${name}\n            data_type: ${dataType}\n`;
        info.columns.push({ name, dataType, span: { start, end: start + name.length } });
      }
      tables.set(`${source}.${table}`, info);
    }
  }
  return Object.assign(base, {
    projectName: 'fixture',
    model: (name: string) => (base.texts.has(name) ? { name, file: fileOf(name), kind: 'model' as const, materialized: name.startsWith('stg') ? 'view' : 'incremental' } : undefined),
    modelOfFile: (file: string) => [...base.texts.keys()].find((n) => fileOf(n) === file),
    fileText: (file: string) => (file === sourcesFile ? yml : [...base.texts].find(([n]) => fileOf(n) === file)?.[1]),
    sourceTable: (source: string, table: string) => tables.get(`${source}.${table}`),
    schemaState: () => ({ target: 'fixture', connected: catalog.connected, refreshedAt: '2026-01-01T00:00:00.000Z' }),
    hashOptions: () => ({}),
    compiledSql: () => undefined,
  });
}

/** The models of one fixture case: `<case>.sql` (named after the case) and `<case>.<model>.sql` beside it. */
export function readCaseModels(dir: string, caseName: string, files: readonly string[], mainText: string): Map<string, string> {
  const models = new Map<string, string>([[caseName, mainText]]);
  for (const f of files) {
    const parts = f.split('.');
    if (parts.length === 3 && parts[0] === caseName && parts[2] === 'sql') models.set(parts[1] as string, readFileSync(`${dir}/${f}`, 'utf8'));
  }
  return models;
}
