// Property files (.yml/.yaml under the model paths): `sources:` with their tables and declared columns, and
// `models:`/`seeds:`/`snapshots:` entries with description, `config:` and columns. Every name keeps its span so the
// language server can jump from `source('raw','users')` to the table's entry.
import { diagnostic, type Diagnostic } from '../base/diagnostic';
import type { Span } from '../base/text';
import type { JValue } from '../jinja/values';
import { normalizeConfigKey } from './model-config';
import { entryOf, parseYaml, scalarText, toJValue, valueOf, type YScalar, type YValue } from './yaml-tree';

export interface DeclaredColumn {
  name: string;
  /** `data_type:` as written, e.g. `bigint`, `timestamp with time zone`. */
  dataType?: string;
  description?: string;
  span: Span;
}

export interface SourceQuoting {
  database: boolean;
  schema: boolean;
  identifier: boolean;
}

export interface SourceTable {
  sourceName: string;
  name: string;
  /** The table's name in the database (`identifier:`, else the name). */
  identifier: string;
  /** The span of the table's `name:` value: where go-to-definition lands. */
  nameSpan: Span;
  /** The whole table entry. */
  span: Span;
  file: string;
  description?: string;
  quoting: SourceQuoting;
  columns: DeclaredColumn[];
  loadedAtField?: string;
  enabled: boolean;
}

export interface SourceDefinition {
  name: string;
  nameSpan: Span;
  file: string;
  /** `database:` when given; otherwise the target's database applies. */
  database?: string;
  /** `schema:`, defaulting to the source's name as in dbt. */
  schema: string;
  description?: string;
  loader?: string;
  loadedAtField?: string;
  enabled: boolean;
  tables: Map<string, SourceTable>;
}

export type PropertyResourceType = 'models' | 'seeds' | 'snapshots';

export interface NodeProperties {
  resourceType: PropertyResourceType;
  name: string;
  nameSpan: Span;
  file: string;
  description?: string;
  /** `config:` values (and a top-level `meta:`, which dbt merges into config.meta). */
  config: Map<string, JValue>;
  configSpans: Map<string, Span>;
  columns: DeclaredColumn[];
  /** Model versions (dbt 1.5+): each `v:` and the file stem it is defined in (`defined_in:`, else `<name>_v<v>`). */
  versions?: { v: string; definedIn: string }[];
  /** `latest_version:`; dbt's default is the highest version. */
  latestVersion?: string;
}

export interface PropertiesFile {
  file: string;
  sources: SourceDefinition[];
  nodes: NodeProperties[];
  diagnostics: Diagnostic[];
}

/** Sets an optional text field only when the YAML gave a non-empty text, so absent fields stay absent. */
function setOptional<K extends string>(target: { [P in K]?: string }, key: K, value: string | undefined): void {
  if (value) target[key] = value;
}

/** Renders a YAML string value (Jinja allowed); returns the text dbt would use. */
export type StringRenderer = (s: YScalar) => JValue;

function renderedText(v: YValue | undefined, renderString: StringRenderer): string | undefined {
  if (!v || v.kind !== 'scalar' || v.value === null) return undefined;
  if (typeof v.value !== 'string') return scalarText(v);
  const r = renderString(v);
  return typeof r === 'string' ? r : r === null ? undefined : String(r);
}

function readColumns(v: YValue | undefined): DeclaredColumn[] {
  if (!v || v.kind !== 'seq') return [];
  const out: DeclaredColumn[] = [];
  for (const item of v.items) {
    const nameValue = valueOf(item, 'name');
    const name = scalarText(nameValue);
    if (!name || !nameValue) continue;
    const col: DeclaredColumn = { name, span: nameValue.span };
    setOptional(col, 'dataType', scalarText(valueOf(item, 'data_type')));
    setOptional(col, 'description', scalarText(valueOf(item, 'description')));
    out.push(col);
  }
  return out;
}

function readQuoting(v: YValue | undefined, inherited: SourceQuoting): SourceQuoting {
  const flag = (key: keyof SourceQuoting) => {
    const x = valueOf(v, key);
    return x && x.kind === 'scalar' && typeof x.value === 'boolean' ? x.value : inherited[key];
  };
  return { database: flag('database'), schema: flag('schema'), identifier: flag('identifier') };
}

function enabledOf(entry: YValue, inherited: boolean): boolean {
  const v = valueOf(valueOf(entry, 'config'), 'enabled') ?? valueOf(entry, 'enabled');
  if (v && v.kind === 'scalar') {
    if (typeof v.value === 'boolean') return v.value;
    if (typeof v.value === 'string') return !/^(false|no|0)$/i.test(v.value.trim());
  }
  return inherited;
}

/** Parses one property file. */
export function parsePropertiesFile(text: string, file: string, renderString: StringRenderer): PropertiesFile {
  const parsed = parseYaml(text, 'DV021');
  const diagnostics = [...parsed.diagnostics];
  const root = parsed.root;
  const result: PropertiesFile = { file, sources: [], nodes: [], diagnostics };
  if (!root || root.kind !== 'map') return result;

  const sources = valueOf(root, 'sources');
  if (sources && sources.kind === 'seq') {
    for (const s of sources.items) {
      const nameValue = valueOf(s, 'name');
      const name = scalarText(nameValue);
      if (!name || !nameValue) {
        diagnostics.push(diagnostic('DV021', 'error', 'A source needs a `name:`.', s.span));
        continue;
      }
      const enabled = enabledOf(s, true);
      const quoting = readQuoting(valueOf(s, 'quoting'), { database: true, schema: true, identifier: true });
      const def: SourceDefinition = {
        name,
        nameSpan: nameValue.span,
        file,
        schema: renderedText(valueOf(s, 'schema'), renderString)?.trim() || name,
        enabled,
        tables: new Map(),
      };
      setOptional(def, 'database', renderedText(valueOf(s, 'database'), renderString)?.trim());
      setOptional(def, 'description', scalarText(valueOf(s, 'description')));
      setOptional(def, 'loader', scalarText(valueOf(s, 'loader')));
      setOptional(def, 'loadedAtField', scalarText(valueOf(s, 'loaded_at_field')));
      const tables = valueOf(s, 'tables');
      if (tables && tables.kind === 'seq') {
        for (const t of tables.items) {
          const tNameValue = valueOf(t, 'name');
          const tName = scalarText(tNameValue);
          if (!tName || !tNameValue) {
            diagnostics.push(diagnostic('DV021', 'error', `A table of source '${name}' needs a \`name:\`.`, t.span));
            continue;
          }
          if (def.tables.has(tName)) {
            diagnostics.push(diagnostic('DV021', 'error', `Source '${name}' declares table '${tName}' twice; dbt refuses duplicate source tables. Remove one.`, tNameValue.span));
            continue;
          }
          const table: SourceTable = {
            sourceName: name,
            name: tName,
            identifier: renderedText(valueOf(t, 'identifier'), renderString)?.trim() || tName,
            nameSpan: tNameValue.span,
            span: t.span,
            file,
            quoting: readQuoting(valueOf(t, 'quoting'), quoting),
            columns: readColumns(valueOf(t, 'columns')),
            enabled: enabledOf(t, enabled),
          };
          setOptional(table, 'description', scalarText(valueOf(t, 'description')));
          setOptional(table, 'loadedAtField', scalarText(valueOf(t, 'loaded_at_field')) ?? def.loadedAtField);
          def.tables.set(tName, table);
        }
      }
      result.sources.push(def);
    }
  }

  for (const resourceType of ['models', 'seeds', 'snapshots'] as const) {
    const list = valueOf(root, resourceType);
    if (!list || list.kind !== 'seq') continue;
    for (const item of list.items) {
      const nameValue = valueOf(item, 'name');
      const name = scalarText(nameValue);
      if (!name || !nameValue) continue;
      const node: NodeProperties = { resourceType, name, nameSpan: nameValue.span, file, config: new Map(), configSpans: new Map(), columns: readColumns(valueOf(item, 'columns')) };
      setOptional(node, 'description', scalarText(valueOf(item, 'description')));
      const versions = valueOf(item, 'versions');
      if (versions && versions.kind === 'seq') {
        node.versions = [];
        for (const entry of versions.items) {
          const v = scalarText(valueOf(entry, 'v'));
          if (v === undefined) continue;
          node.versions.push({ v, definedIn: scalarText(valueOf(entry, 'defined_in')) ?? `${name}_v${v}` });
        }
        const latest = scalarText(valueOf(item, 'latest_version'));
        if (latest !== undefined) node.latestVersion = latest;
      }
      const meta = entryOf(item, 'meta');
      if (meta?.value) {
        node.config.set('meta', toJValue(meta.value, renderString));
        node.configSpans.set('meta', meta.keySpan);
      }
      const config = valueOf(item, 'config');
      if (config && config.kind === 'map') {
        for (const e of config.entries) {
          const key = normalizeConfigKey(e.key);
          const late = key === 'pre_hook' || key === 'post_hook';
          node.config.set(key, late ? toJValue(e.value) : toJValue(e.value, renderString));
          node.configSpans.set(key, e.keySpan);
        }
      }
      result.nodes.push(node);
    }
  }
  return result;
}
