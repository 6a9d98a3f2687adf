// What a vault rule sees: the model being checked, the other models of its project (parsed), the catalog's columns of
// the raw tables, and a lazily built index (stage outputs, hub and link keys, which stages build which hash key).
// The project is an interface so the engine, the CLI and the fixture tests fill it their own way.
import { isMacroOfFamily, macrosOfFamily } from '../base/automate-dv-macros';
import type { ColumnInfo } from '../compile/context';
import { stageOutputColumns, type StageColumn } from '../compile/automate-dv/stage-columns';
import { metaToJValue } from '../model/meta';
import type { ParsedModel } from '../model/parse';
import type { JValue } from '../jinja/values';
import { bareIdentifier, derivedNamed, firstColumnNamed, paramColumns, sameName, stageFacts, tableFacts, type StageFacts, type StageHash, type TableFacts } from './vault-facts';

/** Where a column list comes from: the database in this session, the persisted cache, the sources yml, or computed. */
export type ColumnsOrigin = 'live' | 'cache' | 'declared' | 'static';

export interface KnownColumns {
  columns: readonly ColumnInfo[];
  origin: ColumnsOrigin;
}

export interface RuleProject {
  modelNames(): Iterable<string>;
  parsedModel(name: string): ParsedModel | undefined;
  /** ref() targets that are not model files: seeds and snapshots. */
  otherNodeNames(): Iterable<string>;
  /** Every `source_name.table_name` the sources yml declares. */
  sourceTables(): Iterable<{ source: string; table: string }>;
  /**
   * The columns of a declared source table: from the live schema, the cache or the yml. `missing` when the session
   * is connected and the live schema has no such table; undefined when nothing is known.
   */
  sourceColumns(source: string, table: string): KnownColumns | 'missing' | undefined;
  /** The columns of a model's relation as the catalog knows them (for models that are not stages). */
  modelColumns(name: string): KnownColumns | undefined;
  /** The catalog was read from a database in this session (live-schema checks run only then). */
  readonly connected: boolean;
  /** Packages of packages.yml that are not installed and may define models (an unknown model name may be theirs). */
  packagesNotInstalled?(): readonly string[];
  /** A model's effective config (dbt_project.yml, properties, config()) and materialization, when the project knows them. */
  modelSettings?(name: string): { materialized: string; config: ReadonlyMap<string, JValue> } | undefined;
  /** A declared source table's loaded_at_field (sources yml), when it has one. */
  sourceLoadedAtField?(source: string, table: string): string | undefined;
}

/** A stage's output columns, computed statically. */
export interface StageOutput {
  columns: StageColumn[];
  /** Every column is known (the source columns are known, or not passed through). */
  complete: boolean;
  /** The columns the stage reads, when known. */
  source?: KnownColumns;
  /** Connected and the stage's raw table is not in the live schema. */
  sourceMissing?: boolean;
}

/** The models whose key a hash key column is, with the key as first written. */
export interface KeyOwners {
  key: string;
  models: string[];
}

export interface HashBuilder {
  stage: string;
  facts: StageFacts;
  hash: StageHash;
}

export interface VaultIndex {
  stage(name: string): StageFacts | undefined;
  table(name: string): TableFacts | undefined;
  stageOutput(name: string): StageOutput | undefined;
  /** Hub models by their key (lower-cased src_pk). */
  hubsByKey(): Map<string, KeyOwners>;
  /** Link models by their key. */
  linksByKey(): Map<string, KeyOwners>;
  /** Hash keys (not hashdiffs) by lower-cased name, with every stage that builds them. */
  hashBuilders(): Map<string, HashBuilder[]>;
  /** Lower-cased names some vault table uses as its key or a foreign key (src_pk, src_fk, src_dfk, src_sfk). */
  vaultKeys(): ReadonlySet<string>;
  /** The catalog type of a stage column, following derived aliases (`USER_ID: id`) back to the source column. */
  columnType(stage: string, column: string): string | undefined;
  /** Every name ref() can select: models, seeds and snapshots (one set per index, shared by every model checked). */
  nodeNames(): ReadonlySet<string>;
}

export interface VaultRuleContext {
  modelName: string;
  parsed: ParsedModel;
  project: RuleProject;
  index: VaultIndex;
}

const stageCache = new WeakMap<ParsedModel, StageFacts | null>();
const tableCache = new WeakMap<ParsedModel, TableFacts | null>();

/** The stage call of a parsed model, read once per parse. */
export function stageOf(parsed: ParsedModel): StageFacts | undefined {
  let v = stageCache.get(parsed);
  if (v === undefined) stageCache.set(parsed, (v = stageFacts(parsed) ?? null));
  return v ?? undefined;
}

/** The table macro call (hub, link, sat …) of a parsed model, read once per parse. */
export function tableOf(parsed: ParsedModel): TableFacts | undefined {
  let v = tableCache.get(parsed);
  if (v === undefined) tableCache.set(parsed, (v = tableFacts(parsed) ?? null));
  return v ?? undefined;
}

/**
 * True when SQL around the macro call shapes what the model selects, as course projects write it:
 * `WITH staging AS ({{ stage(...) }}) SELECT *, ... AS LOAD_DATE FROM staging`. The macro's columns are then not
 * all of the model's columns.
 */
export function wrapsMacroCall(parsed: ParsedModel): boolean {
  for (const st of parsed.template.body) {
    if (st.kind === 'Text' && st.value.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, '').trim() !== '') return true;
    if (st.kind !== 'Output' || st.expr.kind !== 'Call') continue;
    const callee = st.expr.callee;
    const isConfig = callee.kind === 'Name' && callee.name === 'config';
    const isVault = callee.kind === 'Getattr' && callee.object.kind === 'Name' && (callee.object.name === 'automate_dv' || callee.object.name === 'dbtvault');
    if (!isConfig && !isVault) return true;
  }
  return false;
}

/** An index over one state of the project; build one per check pass and share it between models. */
export function createVaultIndex(project: RuleProject): VaultIndex {
  const outputs = new Map<string, StageOutput | null>();
  let hubs: Map<string, KeyOwners> | undefined;
  let links: Map<string, KeyOwners> | undefined;
  let builders: Map<string, HashBuilder[]> | undefined;
  let names: Set<string> | undefined;
  let keys: Set<string> | undefined;

  const stage = (name: string) => {
    const p = project.parsedModel(name);
    return p ? stageOf(p) : undefined;
  };
  const table = (name: string) => {
    const p = project.parsedModel(name);
    return p ? tableOf(p) : undefined;
  };

  const stageOutput = (name: string): StageOutput | undefined => {
    const key = name.toLowerCase();
    if (outputs.has(key)) return outputs.get(key) ?? undefined;
    outputs.set(key, null); // a cycle of stages reads as unknown
    const facts = stage(name);
    const parsed = project.parsedModel(name);
    const result = facts ? computeStageOutput(facts, parsed !== undefined && wrapsMacroCall(parsed)) : undefined;
    outputs.set(key, result ?? null);
    return result;
  };

  const computeStageOutput = (facts: StageFacts, wrapped: boolean): StageOutput => {
    let source: KnownColumns | undefined;
    let sourceMissing = false;
    if (facts.source?.kind === 'source') {
      const found = project.sourceColumns(facts.source.source.value, facts.source.table.value);
      if (found === 'missing') sourceMissing = true;
      else source = found;
    } else if (facts.source?.kind === 'ref') {
      const upstream = stage(facts.source.model.value) ? stageOutput(facts.source.model.value) : undefined;
      if (upstream) {
        if (upstream.complete) source = { columns: upstream.columns.map((c) => ({ name: c.name, dataType: c.dataType ?? '' })), origin: 'static' };
      } else source = project.modelColumns(facts.source.model.value);
    }
    const bound = new Map<string, JValue>();
    // A value rendered by Jinja inside the metadata (`LOAD_DATE: '{{ var("d") }}'`) still names its column.
    for (const [name, p] of facts.call.params) bound.set(name, metaToJValue(p.value, 'NULL'));
    const columns = stageOutputColumns(bound, source?.columns);
    const onlyGenerated = !facts.includeSourceColumns || (facts.ranked.length > 0 && !facts.derived.length && !facts.nulls.length && !facts.hashed.length);
    const dynamic = [...facts.call.params.values()].some((p) => p.value === undefined || p.value.kind === 'dynamic');
    const out: StageOutput = { columns, complete: !dynamic && !wrapped && (source !== undefined || onlyGenerated) };
    if (source) out.source = source;
    if (sourceMissing) out.sourceMissing = true;
    return out;
  };

  const keyIndex = (macros: readonly string[]): Map<string, KeyOwners> => {
    const map = new Map<string, KeyOwners>();
    for (const name of project.modelNames()) {
      const t = table(name);
      if (!t || !macros.includes(t.macro)) continue;
      for (const pk of paramColumns(t.call, 'src_pk')) {
        const k = pk.value.toLowerCase();
        const owners = map.get(k) ?? { key: pk.value, models: [] };
        owners.models.push(name);
        map.set(k, owners);
      }
    }
    return map;
  };

  const columnType = (stageName: string, column: string, depth = 0): string | undefined => {
    const facts = stage(stageName);
    const output = stageOutput(stageName);
    if (!facts || !output || depth > 5) return undefined;
    const derived = derivedNamed(facts, column);
    if (derived) {
      const only = derived.items.length === 1 ? derived.items[0]?.value : undefined;
      const alias = only !== undefined ? bareIdentifier(only) : undefined;
      if (alias && !sameName(alias, column)) return columnType(stageName, alias, depth + 1) ?? sourceType(output, alias);
      if (only && /::\s*timestamptz\b|::\s*timestamp\s+with\s+time\s+zone\b/i.test(only)) return 'timestamp with time zone';
      return undefined;
    }
    return sourceType(output, column);
  };

  return {
    stage,
    table,
    stageOutput,
    hubsByKey: () => (hubs ??= keyIndex(macrosOfFamily('hub'))),
    vaultKeys: () => {
      if (keys) return keys;
      keys = new Set();
      for (const name of project.modelNames()) {
        const t = table(name);
        // A ref_table's src_pk is a business key, not a hash key shared across stages.
        if (!t || isMacroOfFamily(t.macro, 'reference')) continue;
        for (const param of ['src_pk', 'src_fk', 'src_dfk', 'src_sfk']) for (const c of paramColumns(t.call, param)) keys.add(c.value.toLowerCase());
      }
      return keys;
    },
    linksByKey: () => (links ??= keyIndex(macrosOfFamily('link'))),
    hashBuilders: () => {
      if (builders) return builders;
      builders = new Map();
      for (const name of project.modelNames()) {
        const facts = stage(name);
        if (!facts) continue;
        for (const hash of facts.hashed) {
          if (hash.isHashdiff) continue;
          const k = hash.name.toLowerCase();
          builders.set(k, [...(builders.get(k) ?? []), { stage: name, facts, hash }]);
        }
      }
      return builders;
    },
    columnType: (s, c) => columnType(s, c),
    nodeNames: () => (names ??= new Set([...project.modelNames(), ...project.otherNodeNames()])),
  };
}

function sourceType(output: StageOutput, column: string): string | undefined {
  const c = output.source ? firstColumnNamed(output.source.columns, column) : undefined;
  return c && c.dataType !== '' ? c.dataType : undefined;
}
