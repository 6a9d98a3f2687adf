// Loads that cost what is new (opt-in with the model config `dvs_high_water_mark`). An incremental vault model that
// reads a stage view over one source with a `loaded_at_field` gets, instead of the view, a table holding the stage's
// rows for the source rows above the mark it has already loaded; the new mark is written in the model's own
// transaction, so a failed or killed load keeps the old one. AutomateDV's hubs, links and satellites assume their stage
// holds only new rows: with the mark they see exactly that, which is also what keeps a satellite without
// apply_source_filter from inserting older versions again.
//
// A stage is staged once per run into an unlogged table in schema dvs_state, shared by every reader with the same mark,
// so each raw row is hashed once per run instead of once per reader. Unlogged tables rather than temporary ones: a
// server warehouse runs models on a pool of connections, and temporary tables live on one (the embedded database,
// which has a single session, stages into temporary tables, kept in memory). Their names carry the
// load's scope (the target schema), so loads of other targets in the same database never touch them, and tables a
// killed run left behind are dropped when the next run of the same scope starts (loads of one scope never overlap: see
// warehouse/lock.ts).
//
// The staged table holds only the stage's columns that its readers read (PostgreSQL itself says which: see
// columnsRead). The statement that hashes the rows, and on a full run the readers' sorts of them, may use parallel
// workers.
//
// Everything is loaded (and the mark then set to the newest row loaded) on --full-refresh, on a model's first run, and
// where filtering would change the stage's rows: a stage that reads a model or several sources, or whose SQL ranks,
// aggregates, joins or deduplicates rows (ranked_columns). Only `incremental` readers take part: vault_insert_by_*,
// pit/bridge and tables keep reading the stage as before.
import { createHash } from 'node:crypto';
import { foldedIdent, isPlainName, quoteIdent, quoteLiteral } from '../base/relation';
import type { SqlSession, Warehouse } from '../warehouse/warehouse';
import { asSubquery, qualifiedName } from './ddl';
import { shareHashInputs } from './hash-inputs';
import { isIncrementalRun } from './materialize';
import type { LoadModel, StageInput } from './model';

export const STATE_SCHEMA = 'dvs_state';
export const MARKS_TABLE = 'high_water_marks';
const MARKS = `${quoteIdent(STATE_SCHEMA)}.${quoteIdent(MARKS_TABLE)}`;
const STAGED_PREFIX = 'stage_';
/** Below this many rows a staged table keeps all the stage's columns (see stageRows). */
const NARROW_FROM = 100_000;
const PROBE_TABLE = 'dvs_probe_stage';
const PROBE_VIEW = 'dvs_probe_reader';
/** Thrown to roll a probe's transaction back. */
const ROLLBACK = Symbol('rollback');
/**
 * Said before the statement that hashes the stage's rows. PostgreSQL prices a row sent from a parallel worker above
 * the handful of MD5 calls that make it, so on its own it hashes a million rows in one process; with the transfer
 * priced at nothing the scan is split whenever the source is large enough for parallel workers at all.
 */
const PARALLEL_HASHING = 'set local parallel_tuple_cost = 0';
/**
 * Said before a marked model's full run (a first load or --full-refresh): the model sorts every staged row on its keys
 * (a hub's DISTINCT ON, a link's ROW_NUMBER, a satellite's LAG). A hub's rows are narrow and cheap to compare, so
 * PostgreSQL, pricing each row a worker would send above the comparisons that sort it, sorts them all in one process;
 * with the transfer priced at nothing, as for PARALLEL_HASHING, workers share the sort whenever the staged table is
 * large enough for them at all. PGlite has no parallel workers.
 */
const PARALLEL_SORTS = PARALLEL_HASHING;
/**
 * Said before a marked model's incremental run: its batch is small by construction and the vault table it anti-joins
 * large, so probing the table's key index should beat reading all of it. PostgreSQL's default random_page_cost (4)
 * prices each probe as a disk seek and picks a scan of all history once the vault is large (PGlite does this at a
 * million rows); 1.1 is the usual value for data in memory or on SSD. A lower setting of the server's is kept.
 */
const INDEX_PROBES = `select set_config('random_page_cost', '1.1', true) as set where current_setting('random_page_cost')::float8 > 1.1`;

/** A small sample for the statistics of a table that has none (see prepareIncremental); a lower setting is kept. */
const SMALL_SAMPLE = `select set_config('default_statistics_target', '10', true) as set where current_setting('default_statistics_target')::int > 10`;

/** A change to one model's mark for one source: `mark` undefined deletes it (the model read everything). */
export interface MarkUpdate {
  source: string;
  loadedAtField: string;
  mark?: string;
  type?: string;
}

/** What a reader runs instead of its compiled SQL, and what it does to its marks. */
export interface ReaderInput {
  sql: string;
  /** Statements run to stage its inputs (the first reader of a staged table ran them), for --explain. */
  statements: string[];
  updates: MarkUpdate[];
  /** One line per stage: which rows the model read. */
  notes: string[];
}

interface StoredMark {
  loadedAtField: string;
  mark: string;
  type: string;
}

interface Staged {
  table: string;
  statements: string[];
  /** The stage's columns the table holds; undefined when it holds all of them. */
  columns?: Set<string>;
  /** The newest loaded_at_field value staged, as text; undefined when nothing was staged. */
  mark?: string;
  type?: string;
}

/** The stage's columns a reader reads (name → position), and how many the stage has. */
interface ColumnsRead {
  columns: Map<string, number>;
  total: number;
}

/** Gives the columns a staged table needs (undefined: all); called only where narrowing pays for its probes. */
type Narrow = () => Promise<string[] | undefined>;

/** Whether a model reads its stages through this module. */
export function usesHighWaterMark(model: LoadModel): boolean {
  return model.highWaterMark === true && model.materialized === 'incremental' && (model.stages?.length ?? 0) > 0;
}

/** The loaded_at_field as SQL: a plain name means what dbt's unquoted use of it means (folded to lower case). */
export function loadedAtExpression(field: string): string {
  const name = field.trim();
  return foldedIdent(name) ?? `(${name})`;
}

// Anything that makes a row of the stage depend on other rows: filtering the source would change the stage's rows.
const ROW_COUPLING = /\b(over|group\s+by|distinct|union|intersect|except|limit|offset|fetch|having|window|join|lateral|tablesample|count|sum|min|max|avg|array_agg|string_agg|json_agg|jsonb_agg|bool_and|bool_or|every)\b/i;

/**
 * Where the stage's SQL reads its source, when filtering the source's rows filters the stage's rows the same way: the
 * source appears once, right after FROM and without an alias, and no row depends on another (no window, aggregate,
 * join, DISTINCT or set operation). Otherwise why not.
 */
export function filterableStage(sql: string, sourceRelation: string): { at: number } | { reason: string } {
  const at = sql.indexOf(sourceRelation);
  if (at < 0) return { reason: `its SQL does not read ${sourceRelation} directly` };
  if (sql.indexOf(sourceRelation, at + sourceRelation.length) >= 0) return { reason: `its SQL reads ${sourceRelation} more than once` };
  if (!/\bfrom\s*$/i.test(sql.slice(0, at))) return { reason: `its SQL does not read ${sourceRelation} in a plain FROM` };
  if (!/^\s*(\)|;|$)/.test(sql.slice(at + sourceRelation.length))) return { reason: `its SQL gives ${sourceRelation} an alias or a clause` };
  const coupling = ROW_COUPLING.exec(sql.replace(/--[^\n]*/g, ' ').replace(/'(?:[^']|'')*'/g, "''"));
  if (coupling) return { reason: `its rows depend on other rows (${coupling[1]?.toUpperCase()}), e.g. ranked columns` };
  return { at };
}

/** Every exact occurrence of the relation replaced (the reader's SQL names its stage as ref() rendered it). */
function replaceRelation(sql: string, relation: string, replacement: string): string {
  return sql.split(relation).join(replacement);
}

function scopePrefix(scope: string): string {
  return `${STAGED_PREFIX}${createHash('md5').update(scope).digest('hex').slice(0, 8)}_`;
}

function stagedName(prefix: string, n: number, what: string): string {
  let name = `${prefix}${n}_${what}`;
  while (Buffer.byteLength(name) > 63) name = name.slice(0, -1);
  return name;
}

function qualified(name: string): string {
  return `${quoteIdent(STATE_SCHEMA)}.${quoteIdent(name)}`;
}

function text(v: unknown): string | undefined {
  return v === null || v === undefined ? undefined : String(v);
}

export interface StagingOptions {
  /** Names the target (its schema): stage tables of other scopes are left alone. */
  scope?: string;
  /** The load's --full-refresh: no model runs incrementally. */
  fullRefresh?: boolean;
  /** The fewest rows for which a staged table is narrowed to the columns its readers read (default 100,000). */
  narrowFrom?: number;
}

/** One load's staging: marks read and written, stage tables created once and dropped at the end. */
export class HighWaterStaging {
  private readonly readers = new Map<string, number>();
  private readonly staged = new Map<string, Promise<Staged>>();
  /** Probe answers of this run (null: all columns). */
  private readonly reads = new Map<string, ColumnsRead | null>();
  private readonly created: string[] = [];
  private counter = 0;
  private failure: unknown;
  private readonly active: boolean;
  private readonly prefix: string;
  private readonly fullRefresh: boolean;
  private readonly narrowFrom: number;

  constructor(
    private readonly wh: Warehouse,
    private readonly models: LoadModel[],
    options: StagingOptions = {},
  ) {
    this.prefix = scopePrefix(options.scope ?? 'default');
    this.fullRefresh = options.fullRefresh === true;
    this.narrowFrom = options.narrowFrom ?? NARROW_FROM;
    for (const m of models) {
      if (!usesHighWaterMark(m)) continue;
      for (const s of m.stages ?? []) this.readers.set(s.name, (this.readers.get(s.name) ?? 0) + 1);
    }
    this.active = this.readers.size > 0;
  }

  /**
   * Creates the state table when a model uses marks; drops stage tables a killed run left; forgets the marks of models
   * in this run that read everything now (so turning the option on again cannot skip what was loaded meanwhile).
   */
  async prepare(): Promise<void> {
    try {
      if (this.active) {
        await this.wh.exec(
          `create schema if not exists ${quoteIdent(STATE_SCHEMA)};
           create table if not exists ${MARKS} (
             model text not null, source text not null, loaded_at_field text not null, mark text not null,
             mark_type text not null, model_name text, updated_at timestamptz not null default now(),
             primary key (model, source))`,
        );
        const stale = await this.wh.query(
          `select tablename from pg_catalog.pg_tables where schemaname = $1 and tablename like $2`,
          [STATE_SCHEMA, `${this.prefix.replace(/_/g, '\\_')}%`],
        );
        for (const row of stale.rows) await this.wh.exec(`drop table if exists ${qualified(String(row.tablename))}`);
      }
      const others = this.models.filter((m) => !usesHighWaterMark(m) && m.materialized !== 'ephemeral' && m.materialized !== 'view');
      if (others.length > 0) {
        const exists = await this.wh.query(`select to_regclass($1) is not null as present`, [`${quoteIdent(STATE_SCHEMA)}.${quoteIdent(MARKS_TABLE)}`]);
        const present = exists.rows[0]?.present;
        if (present === true || present === 't') {
          await this.wh.exec(`delete from ${MARKS} where model in (${others.map((m) => quoteLiteral(m.relation.render())).join(', ')})`);
        }
      }
    } catch (error) {
      // The models that use marks fail with this; the others load as before.
      this.failure = error;
    }
  }

  /** The SQL the reader runs instead of `sql`, staging its stages first; undefined when it reads as compiled. */
  async inputFor(model: LoadModel, sql: string, incremental: boolean): Promise<ReaderInput | undefined> {
    if (!usesHighWaterMark(model)) return undefined;
    if (this.failure !== undefined) {
      const why = this.failure instanceof Error ? this.failure.message : String(this.failure);
      throw new Error(`high-water marks need schema ${STATE_SCHEMA} and its table ${MARKS_TABLE} (${why}); grant the target's user CREATE on the database, or turn off config dvs_high_water_mark`);
    }
    const marks = incremental ? await this.storedMarks(model) : new Map<string, StoredMark>();
    const input: ReaderInput = { sql, statements: [], updates: [], notes: [] };
    for (const stage of model.stages ?? []) {
      if (!input.sql.includes(stage.relation)) continue;
      const src = stage.source;
      let reason: string | undefined;
      let at = -1;
      let stageSql = '';
      if (!src) reason = 'it is not an AutomateDV stage over one source';
      else if (!src.loadedAtField) reason = `source ${src.name} has no loaded_at_field`;
      else {
        stageSql = await stage.sql(this.wh);
        const check = filterableStage(stageSql, src.relation);
        if ('reason' in check) reason = check.reason;
        else at = check.at;
      }
      if (reason !== undefined || !src || !src.loadedAtField) {
        input.notes.push(`${stage.name}: all rows (${reason})`);
        if (src) input.updates.push({ source: src.relation, loadedAtField: src.loadedAtField ?? '' });
        if ((this.readers.get(stage.name) ?? 0) >= 2) {
          const copy = await this.stageFor(`copy\u0000${stage.name}`, stage, `select * from ${stage.relation}`, model, sql, (narrow) => this.copyStage(stage, narrow));
          input.statements.push(...copy.statements);
          input.sql = replaceRelation(input.sql, stage.relation, copy.table);
        }
        continue;
      }
      const stored = marks.get(src.relation);
      const lower = stored && stored.loadedAtField === src.loadedAtField ? stored : undefined;
      const field = src.loadedAtField;
      const staged = await this.stageFor(`rows\u0000${stage.name}\u0000${lower?.mark ?? ''}`, stage, stageSql, model, sql, (narrow) =>
        this.stageRows(stage, stageSql, at, field, lower, narrow),
      );
      input.statements.push(...staged.statements);
      input.sql = replaceRelation(input.sql, stage.relation, staged.table);
      const mark = staged.mark ?? lower?.mark;
      const type = staged.type ?? lower?.type;
      input.updates.push(mark !== undefined && type !== undefined ? { source: src.relation, loadedAtField: field, mark, type } : { source: src.relation, loadedAtField: field });
      input.notes.push(
        lower
          ? `${stage.name}: rows of ${src.name} with ${field} after ${lower.mark}${staged.mark ? ` up to ${staged.mark}` : ' (none new)'}`
          : `${stage.name}: all rows of ${src.name}${staged.mark ? ` up to ${field} ${staged.mark}` : ''} (${incremental ? 'no mark yet' : 'first load or full refresh'})`,
      );
    }
    return input;
  }

  /** Before a marked model's full run, inside its transaction `tx` (see PARALLEL_SORTS). Returns the statements it ran. */
  async prepareFull(tx: SqlSession): Promise<string[]> {
    await tx.exec(PARALLEL_SORTS);
    return [PARALLEL_SORTS];
  }

  /**
   * Before a marked model's incremental run, inside its transaction `tx`: statistics on its indexed columns when its
   * table has none, and planner costs that favour probing its indexes (see INDEX_PROBES). PGlite runs no autovacuum,
   * so a table it built by CREATE TABLE AS never has statistics, and without them PostgreSQL guesses that every row of
   * a satellite matches the batch's keys and merges the whole table. Only the indexed columns (the keys the anti-joins
   * probe; without an index there is nothing to probe) from a small sample (statistics target 10, 3,000 rows): enough
   * to tell unique keys from repeated ones, at a fraction of a full ANALYZE. Returns the statements it ran.
   */
  async prepareIncremental(tx: SqlSession, model: LoadModel): Promise<string[]> {
    const statements: string[] = [];
    const wanted = [...new Set((model.indexes ?? []).flatMap((i) => i.columns.map((c) => c.trim())).filter((c) => isPlainName(c)).map((c) => c.toLowerCase()))];
    // One round trip: whether the table has statistics, which of the indexed columns it has (an index configured after
    // the table was built names columns dbt never checked), and the planner cost, set.
    const r = await tx.query(
      `select exists (select 1 from pg_catalog.pg_stats where schemaname = $1 and tablename = $2) as analyzed,
              (select string_agg(a.attname::text, ',' order by a.attnum) from pg_catalog.pg_attribute a
               where a.attrelid = $3::regclass and a.attnum > 0 and not a.attisdropped and a.attname = any($4::text[])) as keys,
              (${INDEX_PROBES}) as probes`,
      [model.relation.schema, model.relation.identifier, qualifiedName(model.relation), wanted],
    );
    const row = r.rows[0] ?? {};
    if (row.probes !== null && row.probes !== undefined) statements.push('set local random_page_cost = 1.1');
    // Plain names only (isPlainName), so a comma cannot be part of one.
    const keys = row.keys ? String(row.keys).split(',') : [];
    if (row.analyzed !== true && row.analyzed !== 't' && keys.length > 0) {
      const sample = await tx.query(SMALL_SAMPLE);
      if (sample.rows.length > 0) statements.push('set local default_statistics_target = 10');
      // SKIP_LOCKED: an autovacuum of the table (a first load's million rows invite one) holds the lock ANALYZE needs,
      // and PostgreSQL cancels it for us only after deadlock_timeout, a second by default, per model. A server plans
      // the probes without the statistics all the same at the random_page_cost above (the loads bench's 1 % run with
      // the vault's statistics deleted: 0.65-0.71 s, with them 0.75 s); PGlite, which needs them, runs no autovacuum.
      const analyze = `analyze (skip_locked) ${qualifiedName(model.relation)} (${keys.map(quoteIdent).join(', ')})`;
      await tx.exec(analyze);
      statements.push(analyze);
    }
    return statements;
  }

  /** Writes the reader's marks inside its transaction `tx`. */
  async record(tx: SqlSession, model: LoadModel, updates: MarkUpdate[]): Promise<void> {
    for (const u of updates) {
      if (u.mark === undefined || u.type === undefined) {
        await tx.query(`delete from ${MARKS} where model = $1 and source = $2`, [model.relation.render(), u.source]);
        continue;
      }
      await tx.query(
        `insert into ${MARKS} (model, source, loaded_at_field, mark, mark_type, model_name, updated_at) values ($1, $2, $3, $4, $5, $6, now())
         on conflict (model, source) do update set loaded_at_field = excluded.loaded_at_field, mark = excluded.mark,
           mark_type = excluded.mark_type, model_name = excluded.model_name, updated_at = excluded.updated_at`,
        [model.relation.render(), u.source, u.loadedAtField, u.mark, u.type, model.name],
      );
    }
  }

  /** Drops this run's stage tables. */
  async cleanup(): Promise<void> {
    for (const table of this.created.splice(0)) await this.wh.exec(`drop table if exists ${table}`).catch(() => undefined);
  }

  private async storedMarks(model: LoadModel): Promise<Map<string, StoredMark>> {
    const r = await this.wh.query(`select source, loaded_at_field, mark, mark_type from ${MARKS} where model = $1`, [model.relation.render()]);
    const out = new Map<string, StoredMark>();
    for (const row of r.rows) out.set(String(row.source), { loadedAtField: String(row.loaded_at_field), mark: String(row.mark), type: String(row.mark_type) });
    return out;
  }

  /**
   * The staged table for `key`, made once per run; `make` narrows it to the columns this run's marked readers of the
   * stage read when it calls its argument. A reader that reads a column the table lacks (its SQL is not the one probed
   * before) gets a table of all columns.
   */
  private async stageFor(key: string, stage: StageInput, shape: string, model: LoadModel, sql: string, make: (narrow: Narrow) => Promise<Staged>): Promise<Staged> {
    const staged = await this.stageOnce(key, () => make(() => this.readersColumns(stage, shape, model, sql)));
    const held = staged.columns;
    if (!held) return staged;
    const read = (await this.columnsRead(shape, [{ relation: stage.relation, sql }]))[0];
    if (read && [...read.columns.keys()].every((c) => held.has(c))) return staged;
    return this.stageOnce(`${key}\u0000all`, () => make(async () => undefined));
  }

  /**
   * The columns of the stage (whose rows `shape` selects) that any of this run's marked readers reads, in the stage's
   * order; undefined for all of them. Each reader's SQL is compiled for the run it will have (is_incremental() decided
   * as the load decides it); a reader that fails to compile keeps every column, and fails by itself later.
   */
  private async readersColumns(stage: StageInput, shape: string, model: LoadModel, sql: string): Promise<string[] | undefined> {
    const readers: Array<{ relation: string; sql: string }> = [];
    for (const reader of this.models) {
      const entry = usesHighWaterMark(reader) ? reader.stages?.find((s) => s.name === stage.name) : undefined;
      if (!entry) continue;
      try {
        const readerSql = reader === model ? sql : await reader.sql(await isIncrementalRun(this.wh, reader, this.fullRefresh), this.wh);
        if (readerSql.includes(entry.relation)) readers.push({ relation: entry.relation, sql: readerSql });
      } catch {
        return undefined;
      }
    }
    const union = new Map<string, number>();
    let total = 0;
    for (const read of await this.columnsRead(shape, readers)) {
      if (!read) return undefined;
      total = read.total;
      for (const [name, position] of read.columns) union.set(name, position);
    }
    if (union.size === 0 || union.size >= total) return undefined;
    return [...union.entries()].sort((x, y) => x[1] - y[1]).map(([name]) => name);
  }

  /**
   * For each reader, the columns of the stage that its SQL reads where it names the stage as `relation`, as
   * PostgreSQL resolves them: a view over an empty table of the stage's shape records a dependency on each column its
   * query reads (all of them for `*`, in CTEs and subqueries alike). A whole-row reference, or a query that reads no
   * column, records only the table: then, and when a probe fails, undefined (all columns). The probes of one call
   * share one transaction, rolled back at the end; answers are kept for the run.
   */
  private async columnsRead(shape: string, readers: Array<{ relation: string; sql: string }>): Promise<Array<ColumnsRead | undefined>> {
    const key = (r: { relation: string; sql: string }) => `${shape}\u0000${r.relation}\u0000${r.sql}`;
    const todo = readers.filter((r, i) => !this.reads.has(key(r)) && readers.findIndex((o) => key(o) === key(r)) === i);
    if (todo.length > 0) {
      const found = await this.probe(shape, todo);
      todo.forEach((r, i) => this.reads.set(key(r), found[i] ?? null));
    }
    return readers.map((r) => this.reads.get(key(r)) ?? undefined);
  }

  private async probe(shape: string, readers: Array<{ relation: string; sql: string }>): Promise<Array<ColumnsRead | undefined>> {
    const found: Array<ColumnsRead | undefined> = readers.map(() => undefined);
    try {
      await this.wh.transaction(async (tx) => {
        await tx.exec(`create temporary table ${PROBE_TABLE} as select * from (\n${asSubquery(shape)}\n) as stage with no data`);
        const views: string[] = [];
        for (const [i, r] of readers.entries()) {
          const reader = replaceRelation(r.sql, r.relation, `pg_temp.${PROBE_TABLE}`);
          // Selecting a constant: the reader's own output may repeat a column name, which a view's columns may not.
          await tx.exec(`savepoint dvs_probe`);
          try {
            await tx.exec(`create temporary view ${PROBE_VIEW}_${i} as select 1 as probe from (\n${asSubquery(reader)}\n) as reader`);
            await tx.exec(`release savepoint dvs_probe`);
            views.push(`${PROBE_VIEW}_${i}`);
          } catch {
            await tx.exec(`rollback to savepoint dvs_probe`);
          }
        }
        if (views.length === 0) throw ROLLBACK;
        const r = await tx.query(
          `select v.relname::text as view, d.refobjsubid::int as position, a.attname::text as name,
                  (select count(*)::int from pg_catalog.pg_attribute t where t.attrelid = d.refobjid and t.attnum > 0 and not t.attisdropped) as total
           from pg_catalog.pg_depend d
           join pg_catalog.pg_rewrite w on w.oid = d.objid
           join pg_catalog.pg_class v on v.oid = w.ev_class
           left join pg_catalog.pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
           where d.classid = 'pg_catalog.pg_rewrite'::regclass and d.refobjid = 'pg_temp.${PROBE_TABLE}'::regclass
             and v.relnamespace = pg_catalog.pg_my_temp_schema()`,
        );
        for (const [i] of readers.entries()) {
          const rows = r.rows.filter((row) => row.view === `${PROBE_VIEW}_${i}`);
          if (rows.length > 0 && rows.every((row) => Number(row.position) > 0 && row.name !== null)) {
            found[i] = { columns: new Map(rows.map((row) => [String(row.name), Number(row.position)])), total: Number(rows[0]?.total) };
          }
        }
        throw ROLLBACK;
      });
    } catch (error) {
      if (error !== ROLLBACK) return readers.map(() => undefined);
    }
    return found;
  }

  /** One staging per key per run; a failed staging is tried again by the next reader. */
  private stageOnce(key: string, make: () => Promise<Staged>): Promise<Staged> {
    let p = this.staged.get(key);
    if (!p) {
      p = make();
      this.staged.set(key, p);
      p.catch(() => this.staged.delete(key));
      return p;
    }
    // Later readers reuse the table; its statements were run (and shown) for the first one.
    return p.then((s) => ({ ...s, statements: [] }));
  }

  private async run(statements: string[], sql: string): Promise<void> {
    statements.push(sql);
    await this.wh.exec(sql);
  }

  /** `hashing`: the SELECT computes the stage's columns (see PARALLEL_HASHING), rather than copying rows. */
  private async create(statements: string[], name: string, select: string, hashing = false): Promise<{ table: string; rows: number | undefined }> {
    // The embedded database has one session, in which a temporary table serves every model of the run and stays in
    // memory (see EMBEDDED_SETTINGS in warehouse/pglite.ts); a server runs models on a pool of sessions.
    const temporary = this.wh.kind === 'embedded';
    const table = temporary ? `pg_temp.${quoteIdent(name)}` : qualified(name);
    this.created.push(table);
    const ctas = `create ${temporary ? 'temporary' : 'unlogged'} table ${table} as (\n${asSubquery(select)}\n)`;
    if (!hashing) statements.push(ctas);
    else statements.push(PARALLEL_HASHING, ctas);
    const result = await this.wh.transaction(async (tx) => {
      if (hashing) await tx.exec(PARALLEL_HASHING);
      return tx.exec(ctas);
    });
    return { table, rows: result?.rowCount ?? undefined };
  }

  /** `select` narrowed to `columns` (all of them when undefined). */
  private static narrowed(select: string, columns: string[] | undefined): string {
    return columns ? `select ${columns.map(quoteIdent).join(', ')} from (\n${asSubquery(select)}\n) as stage` : select;
  }

  /**
   * The stage's rows for the source rows above `lower` (all rows up to the newest when there is no mark), narrowed to
   * the columns its readers read when there are enough rows for that to pay: each probe costs a few statements (a
   * tenth of a second on PGlite), while leaving out a stage's unread columns saves microseconds per row.
   */
  private async stageRows(stage: StageInput, stageSql: string, at: number, field: string, lower: StoredMark | undefined, narrow: Narrow): Promise<Staged> {
    const src = stage.source as NonNullable<StageInput['source']>;
    const expr = loadedAtExpression(field);
    const n = ++this.counter;
    const statements: string[] = [];
    let rows: string;
    let mark: string | undefined;
    let type: string | undefined;
    let count: number | undefined;
    if (lower) {
      // The new source rows are copied first: their newest loaded_at_field is then exactly the newest row staged, even
      // while the source receives more rows.
      const fresh = await this.create(statements, stagedName(this.prefix, n, 'new_rows'), `select * from ${src.relation} where ${expr} > cast(${quoteLiteral(lower.mark)} as ${lower.type})`);
      const r = await this.wh.query(`select max(${expr})::text as mark from ${fresh.table}`);
      mark = text(r.rows[0]?.mark);
      type = lower.type;
      count = fresh.rows;
      rows = `(select * from ${fresh.table})`;
    } else {
      const r = await this.wh.query(`select max(${expr})::text as mark, pg_typeof(max(${expr}))::text as type, count(*)::text as count from ${src.relation}`);
      mark = text(r.rows[0]?.mark);
      type = text(r.rows[0]?.type);
      count = Number(r.rows[0]?.count);
      // Bounded by the newest row now, so rows arriving during the load wait for the next run instead of being loaded
      // under an older mark.
      rows = mark === undefined ? `(select * from ${src.relation})` : `(select * from ${src.relation} where ${expr} <= cast(${quoteLiteral(mark)} as ${type}) or ${expr} is null)`;
    }
    const columns = count === undefined || !Number.isFinite(count) || count >= this.narrowFrom ? await narrow() : undefined;
    const filtered = stageSql.slice(0, at) + `${rows} as ${quoteIdent(src.identifier)}` + stageSql.slice(at + src.relation.length);
    // A server hashes the rows in parallel workers, which the rewrite's subquery would keep in one process (see
    // hash-inputs.ts); the embedded database has a single process anyway.
    const sql = this.wh.kind === 'embedded' ? shareHashInputs(filtered) : filtered;
    const { table } = await this.create(statements, stagedName(this.prefix, n, stage.name), HighWaterStaging.narrowed(sql, columns), true);
    // A few new rows against large vault tables: statistics let the anti-joins probe the vault's key indexes. A full
    // load sorts everything anyway, and sampling a large table would only add to it.
    if (lower) await this.run(statements, `analyze ${table}`);
    return { table, statements, ...(columns ? { columns: new Set(columns) } : {}), ...(mark !== undefined ? { mark } : {}), ...(type !== undefined ? { type } : {}) };
  }

  /** The stage view's rows as they are now, once for all its readers. */
  private async copyStage(stage: StageInput, narrow: Narrow): Promise<Staged> {
    const statements: string[] = [];
    const columns = await narrow();
    const select = HighWaterStaging.narrowed(`select * from ${stage.relation}`, columns);
    const { table } = await this.create(statements, stagedName(this.prefix, ++this.counter, stage.name), select, true);
    return { table, statements, ...(columns ? { columns: new Set(columns) } : {}) };
  }
}
