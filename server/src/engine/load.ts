// Loads from a session: the selected models become LoadModels whose SQL is compiled lazily, when the loader knows
// whether the incremental branch applies (the target table exists and no --full-refresh), exactly as dbt decides.
// A model that runs queries while it renders (run_query(), statement blocks such as a date spine's interval count)
// gets them run against the load's warehouse, as dbt's execute phase does.
import { diagnostic, type Diagnostic } from '../base/diagnostic';
import { failsRun } from '../base/codes';
import { RuntimeQueries, queryOutcome } from '../dbt/query-results';
import type { IndexConfig, LoadModel, StageInput, VaultInsertConfig } from '../load/model';
import { configBoolean, configString } from '../project/model-config';
import { isDict, isList, type JValue } from '../jinja/values';
import { automateDvConfigValue } from '../compile/automate-dv/config-meta';
import { macrosOfFamily } from '../base/automate-dv-macros';
import { AUTOMATE_DV_VERSIONS, behaviourAt } from '../base/automate-dv-versions';
import { quoteIdent } from '../base/relation';
import { escapeColumnName } from '../compile/automate-dv/columns';
import { vaultInsertUnavailable } from '../compile/automate-dv/vault-insert';
import { vaultCall } from '../model/parse';
import type { ProjectNode } from '../project';
import { sqlErrorMessage } from '../warehouse/errors';
import { pgTypeName } from '../warehouse/pg-type-names';
import type { SqlSession } from '../warehouse/warehouse';
import type { ProjectSession } from './session';

/** A model whose compilation failed; the loader reports the message as the model's error. */
export class ModelCompileError extends Error {
  constructor(
    readonly model: string,
    readonly diagnostics: Diagnostic[],
  ) {
    super(diagnostics.map((d) => `${d.code}: ${d.message}`).join('; '));
    this.name = 'ModelCompileError';
  }
}

/** Renders after which a model that still asks for new queries is given up on (each query may depend on the last). */
export const MAX_RENDER_PASSES = 5;

export function loadModelsFor(session: ProjectSession, nodes: ProjectNode[]): LoadModel[] {
  const selected = new Set(nodes.map((n) => n.name));
  // A stage read by several models is compiled once per load.
  const stageSql = new Map<string, Promise<string>>();
  return nodes.map((node) => {
    let unexpanded: string[] = [];
    const indexes = indexesOf(node);
    // Only AutomateDV's own tables assume a stage of new rows; a hand-written incremental model keeps reading it all.
    const highWaterMark = configBoolean(node.config, 'dvs_high_water_mark', false) && MARKED_MACROS.has(vaultCall(session.parsed(node))?.macro ?? '');
    return {
      name: node.name,
      relation: node.relation,
      materialized: node.materialized,
      dependsOn: session.project.parents(node.name).filter((p) => selected.has(p)),
      ...vaultInsertOf(session, node),
      ...(indexes.length > 0 ? { indexes } : {}),
      ...(highWaterMark ? { highWaterMark, stages: stagesOf(session, node, stageSql) } : {}),
      sql: async (incremental: boolean, warehouse?: SqlSession) => {
        const compiled = await compileForLoad(session, node, incremental, warehouse);
        unexpanded = compiled.unexpanded;
        return compiled.sql;
      },
      // A SQL error right after a macro was left unexpanded (a package not installed) is explained by that macro.
      failureHints: () => unexpanded,
    };
  });
}

/** A vault_insert_by_* setting, from config or meta as the emulated AutomateDV version reads it. */
function vaultInsertSetting(session: ProjectSession, node: ProjectNode, key: string): JValue {
  return automateDvConfigValue(node.config.values, key, session.compat.version);
}

/** AutomateDV's tables that load from a stage of new rows: the ones high-water marks apply to. */
const MARKED_MACROS = new Set<string>(macrosOfFamily('hub', 'link', 'satellite'));

/** The stage views a model reads (its parents materialized as views), each with the one source it reads. */
function stagesOf(session: ProjectSession, node: ProjectNode, cache: Map<string, Promise<string>>): StageInput[] {
  const out: StageInput[] = [];
  for (const name of session.project.parents(node.name)) {
    const parent = session.project.node(name);
    const relation = session.project.resolveRef(name);
    if (!parent || parent.kind !== 'model' || parent.materialized !== 'view' || !relation) continue;
    const sql = (warehouse?: SqlSession): Promise<string> => {
      let p = cache.get(name);
      if (!p) {
        p = compileForLoad(session, parent, false, warehouse).then((c) => c.sql);
        cache.set(name, p);
        p.catch(() => cache.delete(name));
      }
      return p;
    };
    const { sources, refs } = parent.dependencies;
    // Filtering the source of a hand-written view could change its rows; AutomateDV's stage maps each row to one row.
    const isStage = vaultCall(session.parsed(parent))?.macro === 'stage';
    const only = isStage && sources.length === 1 && refs.length === 0 ? sources[0] : undefined;
    const sourceRelation = only ? session.project.sourceRelation(only.source, only.table) : undefined;
    const table = only ? session.project.sourceTable(only.source, only.table) : undefined;
    const source =
      only && sourceRelation
        ? {
            name: `${only.source}.${only.table}`,
            relation: sourceRelation.render(),
            identifier: sourceRelation.identifier,
            ...(table?.loadedAtField ? { loadedAtField: table.loadedAtField } : {}),
          }
        : undefined;
    out.push({ name, relation: relation.render(), sql, ...(source ? { source } : {}) });
  }
  return out;
}

/** dbt-postgres's `indexes` config: a list of {columns, unique, type}; entries without columns are left out. */
export function indexesOf(node: Pick<ProjectNode, 'config'>): IndexConfig[] {
  const raw = node.config.values.get('indexes');
  if (!isList(raw)) return [];
  const field = (entry: JValue, key: string): JValue | undefined => {
    if (isDict(entry)) return entry.get(key);
    if (entry !== null && typeof entry === 'object' && !Array.isArray(entry)) return (entry as unknown as Record<string, JValue>)[key];
    return undefined;
  };
  const out: IndexConfig[] = [];
  for (const entry of raw) {
    const columnsValue = field(entry, 'columns');
    const columns = typeof columnsValue === 'string' ? [columnsValue] : isList(columnsValue) ? columnsValue.filter((c): c is string => typeof c === 'string') : [];
    if (columns.length === 0) continue;
    const unique = field(entry, 'unique');
    const type = field(entry, 'type');
    out.push({ columns, ...(unique === true || unique === 'true' || unique === 'True' ? { unique: true } : {}), ...(typeof type === 'string' && type ? { type } : {}) });
  }
  return out;
}

/** The names a config holds as one string or a list (date_source_models, rank_source_models). */
function configNames(session: ProjectSession, node: ProjectNode, key: string): string[] | undefined {
  const v = vaultInsertSetting(session, node, key);
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return undefined;
}

/** vault_insert_by_period / _by_rank config for the loader, source models resolved to relations as ref() would. */
function vaultInsertOf(session: ProjectSession, node: ProjectNode): { vaultInsert?: VaultInsertConfig } {
  if (node.materialized !== 'vault_insert_by_period' && node.materialized !== 'vault_insert_by_rank') return {};
  const relations = (key: string) =>
    configNames(session, node, key)?.map((name) => {
      // An unknown name stays as written: the boundary query then fails with PostgreSQL's "does not exist".
      return session.project.resolveRef(name)?.render() ?? quoteIdent(name);
    });
  const config: VaultInsertConfig = {};
  const set = <K extends keyof VaultInsertConfig>(key: K, value: VaultInsertConfig[K] | undefined) => {
    if (value !== undefined) config[key] = value;
  };
  const text = (key: string) => configString({ values: new Map([[key, vaultInsertSetting(session, node, key)]]), origins: new Map() }, key);
  set('timestampField', text('timestamp_field'));
  set('period', text('period'));
  set('startDate', text('start_date'));
  set('stopDate', text('stop_date'));
  set('dateSourceModels', relations('date_source_models'));
  set('rankColumn', text('rank_column'));
  set('periodFilterForm', behaviourAt(AUTOMATE_DV_VERSIONS.periodFilterForm, session.compat.version));
  set('rankSourceModels', relations('rank_source_models'));
  // dbtvault 0.9.0 passes timestamp_field and rank_column through escape_column_names first, so with the escape_char
  // vars set every use of them (the start/stop and highest-rank queries, the filters) quotes the name; the source
  // models are passed to ref() as written. Its PostgreSQL escape characters are empty, so without the vars nothing
  // changes. Only a fork gets that far: the release itself refuses to run the materialization on PostgreSQL.
  if (behaviourAt(AUTOMATE_DV_VERSIONS.quotesEveryIdentifier, session.compat.version)) {
    const escapeChar = (name: string) => {
      const v = session.project.varOf(name, '', node.fqn);
      return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
    };
    const chars = [escapeChar('escape_char_left'), escapeChar('escape_char_right')] as const;
    if (config.timestampField !== undefined) config.timestampField = escapeColumnName(config.timestampField, chars);
    if (config.rankColumn !== undefined) config.rankColumn = escapeColumnName(config.rankColumn, chars);
  }
  if (!session.compat.fork) set('unavailable', vaultInsertUnavailable(node.materialized, session.compat.version));
  return { vaultInsert: config };
}

/**
 * Renders the model; when it asked for query results nobody has yet, runs those queries on the warehouse and renders
 * again with them, until a render asks for nothing new. Only the last render's findings count: earlier ones saw empty
 * results where real ones were due. Without a warehouse the model renders once, with empty results.
 */
async function compileForLoad(session: ProjectSession, node: ProjectNode, incremental: boolean, warehouse: SqlSession | undefined): Promise<{ sql: string; unexpanded: string[] }> {
  const queries = warehouse ? new RuntimeQueries() : undefined;
  for (let pass = 1; ; pass++) {
    const compiled = session.compile(node, { incremental, formatSql: false, queries });
    const pending = queries?.takePending() ?? [];
    if (pending.length === 0 || !warehouse || !queries) {
      const errors = compiled.diagnostics.filter(failsRun);
      if (errors.length) throw new ModelCompileError(node.name, errors);
      const unexpanded = compiled.diagnostics.filter((d) => d.code === 'DV901').map((d) => d.message);
      return { sql: compiled.rawSql, unexpanded };
    }
    if (pass >= MAX_RENDER_PASSES) {
      const message = `still asked for new query results after ${MAX_RENDER_PASSES} renders (run_query() or statement SQL that changes with every result); the last one asked for: ${pending[0]?.trim()}`;
      throw new ModelCompileError(node.name, [diagnostic('DV200', 'error', message)]);
    }
    for (const sql of pending) queries.record(sql, await runModelQuery(warehouse, node.name, sql));
  }
}

async function runModelQuery(warehouse: SqlSession, model: string, sql: string): Promise<ReturnType<typeof queryOutcome>> {
  try {
    return queryOutcome(await warehouse.query(sql), pgTypeName);
  } catch (error) {
    throw new Error(`a query that ${model} runs while rendering (run_query() or a statement block) failed: ${sqlErrorMessage(error)}\n${sql.trim()}`);
  }
}
