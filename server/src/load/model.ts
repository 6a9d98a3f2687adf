// What a load takes in (compiled models) and gives out (events while it runs, a result per model at the end).
import type { Relation } from '../base/relation';
import type { ColumnInfo } from '../compile/context';
import type { SqlSession } from '../warehouse/warehouse';

/** The materializations `dvs load` builds; anything else is reported as not supported. */
export type Materialization =
  | 'view'
  | 'table'
  | 'incremental'
  | 'ephemeral'
  | 'pit_incremental'
  | 'bridge_incremental'
  | 'vault_insert_by_period'
  | 'vault_insert_by_rank';

/** The config of AutomateDV's vault_insert_by_period / _by_rank materializations, with ref()s already resolved. */
export interface VaultInsertConfig {
  /** config timestamp_field (by period): a column or expression, used as written, as AutomateDV does. */
  timestampField?: string;
  /** config period, default day. */
  period?: string;
  startDate?: string;
  stopDate?: string;
  /** config date_source_models, rendered relations: where start/stop come from when start_date is not set. */
  dateSourceModels?: string[];
  /** config rank_column (by rank), used as written. */
  rankColumn?: string;
  /** config rank_source_models, rendered relations: where the highest rank comes from. */
  rankSourceModels?: string[];
  /** How the pinned AutomateDV compares each period: as dates (≤0.9.6) or timestamps (0.9.7+, the default). */
  periodFilterForm?: 'date' | 'timestamp';
  /** Set where the pinned AutomateDV refuses to run the materialization on PostgreSQL: what dbt run fails with. */
  unavailable?: string;
}

export interface LoadModel {
  name: string;
  /** Where the model is built (`this`). */
  relation: Relation;
  materialized: Materialization | string;
  /**
   * The model's SELECT (no DDL); `incremental` is is_incremental() for this run. May compile lazily; `session` is the
   * load's warehouse, for the queries the model runs while it renders (run_query(), statement blocks).
   */
  sql(incremental: boolean, session?: SqlSession): string | Promise<string>;
  /**
   * What the last compile could not do that may explain a failure (a macro left unexpanded because its package is not
   * installed); added to the model's error message when it fails.
   */
  failureHints?(): string[];
  /** Names of the models it reads (ref); names outside the load are ignored. */
  dependsOn: string[];
  /** For vault_insert_by_period / _by_rank models: the materialization's config. */
  vaultInsert?: VaultInsertConfig;
  /** Columns the compiler expects the model to produce, when it knows them. */
  columnsHint?: ColumnInfo[];
  /** dbt-postgres's `indexes` config: created right after the model's table is created (not on appends). */
  indexes?: IndexConfig[];
  /**
   * The project's opt-in (config `dvs_high_water_mark`) to load only the source rows above the mark this model has
   * already loaded, through the stages it reads (see high-water.ts). Only incremental models use it.
   */
  highWaterMark?: boolean;
  /** The stage views this model reads, for high-water marks and for staging their rows once per run. */
  stages?: StageInput[];
}

/** One entry of dbt-postgres's `indexes` model config. */
export interface IndexConfig {
  columns: string[];
  unique?: boolean;
  /** Access method (btree, hash, gin, brin …); PostgreSQL's default when absent. */
  type?: string;
}

/** A stage view a model reads, as the load engine needs to stage its rows. */
export interface StageInput {
  /** The stage model's name. */
  name: string;
  /** The stage's relation exactly as ref() renders it in the reader's SQL. */
  relation: string;
  /** The stage's compiled SELECT for this run (the SQL of its view). */
  sql(session?: SqlSession): Promise<string>;
  /** The one source the stage reads, when it reads exactly one source and no model. */
  source?: {
    /** `source_name.table_name`, for people. */
    name: string;
    /** The source's relation exactly as source() renders it in the stage's SQL. */
    relation: string;
    /** The source table's name in the database, the alias its filtered rows take in the stage's SQL. */
    identifier: string;
    /** The source table's `loaded_at_field` (sources yml), as written. */
    loadedAtField?: string;
  };
}

export type ModelStatus = 'success' | 'error' | 'skipped' | 'cancelled';

export type LoadEvent =
  | { type: 'start'; model: string; index: number; total: number; materialized: string; relation: string }
  | {
      type: 'end';
      model: string;
      index: number;
      total: number;
      materialized: string;
      status: ModelStatus;
      /** Rows written (table/incremental) or null when the database does not say (views, skipped models). */
      rows: number | null;
      ms: number;
      message?: string;
    };

export interface ModelResult {
  model: string;
  relation: string;
  materialized: string;
  status: ModelStatus;
  rows: number | null;
  /** Whether the incremental branch ran (is_incremental()). */
  incremental: boolean;
  ms: number;
  startedAt: string;
  completedAt: string;
  message?: string;
  /** The statements the load ran for the model when they differ from its compiled SQL (staging, marks). */
  executedSql?: string[];
}

export interface LoadSummary {
  results: ModelResult[];
  startedAt: string;
  completedAt: string;
  ms: number;
  /** No model failed (skipped and cancelled models do not count as failures by themselves). */
  ok: boolean;
  cancelled: boolean;
}

export interface LoadOptions {
  fullRefresh?: boolean;
  onEvent?: (event: LoadEvent) => void;
  /** Aborting stops the load after the model that is running. */
  signal?: AbortSignal;
  /** The target this load writes (its schema): names the load's stage tables (see high-water.ts). */
  scope?: string;
  /** The fewest staged rows for which a stage table keeps only the columns its readers read (see high-water.ts). */
  narrowFrom?: number;
}
