// Every custom message between the Data Vault Studio client and its language server, declared once with its direction
// and types. Both sides import this file; it imports nothing from vscode or the LSP libraries (plain method names).
import type { Range } from './base/text';
import type { MacroViewKind } from './base/automate-dv-macros';

export type { Position, Range } from './base/text';

export type Direction = 'client → server' | 'server → client';

/** A request: `method` is the JSON-RPC method name; the phantom fields carry the param and result types. */
export interface RequestSpec<P, R> {
  readonly kind: 'request';
  readonly method: string;
  readonly direction: Direction;
  readonly __params?: P;
  readonly __result?: R;
}

export interface NotificationSpec<P> {
  readonly kind: 'notification';
  readonly method: string;
  readonly direction: Direction;
  readonly __params?: P;
}

/** A server command run through `workspace/executeCommand` with `arguments: [args]` (exactly one argument object). */
export interface ServerCommandSpec<A, R> {
  readonly kind: 'serverCommand';
  readonly command: string;
  readonly direction: 'client → server';
  readonly __args?: A;
  readonly __result?: R;
}

export type ParamsOf<S> = S extends RequestSpec<infer P, unknown> ? P : S extends NotificationSpec<infer P> ? P : never;
export type ResultOf<S> = S extends RequestSpec<unknown, infer R> ? R : S extends ServerCommandSpec<unknown, infer R> ? R : never;
export type ArgsOf<S> = S extends ServerCommandSpec<infer A, unknown> ? A : never;

function request<P, R>(method: string, direction: Direction): RequestSpec<P, R> {
  return { kind: 'request', method, direction };
}
function notification<P>(method: string, direction: Direction): NotificationSpec<P> {
  return { kind: 'notification', method, direction };
}
function serverCommand<A, R>(command: string): ServerCommandSpec<A, R> {
  return { kind: 'serverCommand', command, direction: 'client → server' };
}

// ---------------------------------------------------------------------------------------------------------------
// Shared shapes

/** Which dbt project a message is about: the URI of its folder (the one holding dbt_project.yml). Absent = the
 *  workspace's only (or first) project. */
export interface ProjectScoped {
  projectUri?: string;
}

export type ProtocolSeverity = 'error' | 'warning' | 'information';

/** A finding in a model file, in LSP coordinates of that file. */
export interface ProtocolDiagnostic {
  range: Range;
  severity: ProtocolSeverity;
  /** `DV` + three digits (CONTRACTS.md). */
  code: string;
  message: string;
}

/** A cell value as the CLI's `dvs query --format json` maps it (CONTRACTS.md): bytea "\x…", int8/numeric strings, … */
export type CellValue = string | number | boolean | null | CellValue[] | { [key: string]: CellValue };

/**
 * The kinds of models the vault views and the diagram know: each AutomateDV macro's `viewKind` in the descriptor table
 * (base/automate-dv-macros.ts), and `model` for any other dbt model (marts, plain SQL). A type only, so the client's
 * bundle takes nothing from the core.
 */
export type ModelKind = MacroViewKind | 'model';

export type Materialization = 'view' | 'table' | 'incremental' | 'ephemeral';

/** `initializationOptions` of the LSP `initialize` request. */
export interface InitializationOptions {
  /** The installed extension's folder: `templates/`, `sample-project/` and `dist/` (PGlite's runtime files) are in it. */
  extensionDir: string;
}

/** Settings the server pulls with `workspace/configuration` (section `dataVault`, per resource: the model's URI or
 *  the project folder's). Matches package.json `contributes.configuration`; empty strings mean "not set". */
export interface DataVaultSettings {
  /** A profiles.yml target name or `embedded`; empty = DVS_TARGET, else the profile's default target. */
  target: string;
  /** The dbt project folder relative to the workspace folder; empty = found by dbt_project.yml. */
  projectDir: string;
  superset: { url: string; databaseHost: string };
  airbyte: { url: string; connectionId: string };
  terraform: { dir: string };
  preview: { formatSql: boolean; runStartedAt: string };
  /** The AutomateDV version to emulate; empty = packages.yml's, else 0.11.5. */
  automateDvVersion: string;
  trace: { server: 'off' | 'messages' | 'verbose' };
}

// ---------------------------------------------------------------------------------------------------------------
// Client → server requests

/** The SQL a model compiles to, for the live preview (`dvs-sql:` documents) and "Peek Compiled SQL". The server reads
 *  the document as last synchronised, so the preview follows unsaved edits. */
export interface CompiledSqlParams {
  /** The model file's URI. */
  uri: string;
  /** true: the SQL of an incremental run (`is_incremental()` true); false/absent: the first load. */
  incremental?: boolean;
  /** Pin `run_started_at` (ISO 8601; no offset = UTC). Absent: the time of this request (CONTRACTS.md). */
  runStartedAt?: string;
  /** Format with sql-formatter (PostgreSQL). Absent = true. */
  format?: boolean;
}
export interface CompiledSqlResult {
  /** The model's compiled SELECT (what `dbt compile` writes). Empty when it cannot compile; see diagnostics. */
  sql: string;
  /** The model's name (file name without `.sql`). */
  model: string;
  materialization?: Materialization;
  /** Whether the returned SQL is the incremental variant (false when the model is not incremental). */
  incremental: boolean;
  /** The range of the AutomateDV macro call (`{{ automate_dv.hub(...) }}`) in the model, where "Peek" opens. */
  macroCall?: Range;
  /** Findings of severity error stop compilation; the others are informative. */
  diagnostics: ProtocolDiagnostic[];
}
export const CompiledSql = request<CompiledSqlParams, CompiledSqlResult>('dvs/compiledSql', 'client → server');

export interface RawColumn {
  name: string;
  /** PostgreSQL type as `format_type` prints it, e.g. `character varying`, `numeric(38,9)`, `timestamp with time zone`. */
  type: string;
  nullable?: boolean;
}
export interface RawTable {
  name: string;
  kind: 'table' | 'view';
  columns: RawColumn[];
}
export interface RawSchemaNode {
  name: string;
  tables: RawTable[];
}
export interface RawSchemaResult {
  /** The target the schema was read from, e.g. `embedded` or `dev`. */
  target: string;
  /** Schemas the project's sources live in (from sources.yml), each with its tables and columns. */
  schemas: RawSchemaNode[];
  /** ISO 8601 time of the introspection the data comes from; absent when never introspected. */
  refreshedAt?: string;
  /** Why the data may be stale or empty (unreachable database, …); for people. */
  problem?: string;
}
/** The cached raw schema (never waits on the database). */
export const RawSchema = request<ProjectScoped, RawSchemaResult>('dvs/rawSchema', 'client → server');
/** Re-introspects the warehouse now and returns the fresh raw schema. */
export const RefreshSchema = request<ProjectScoped, RawSchemaResult>('dvs/refreshSchema', 'client → server');

export interface GraphModel {
  /** Unique node id: the model name. */
  name: string;
  kind: ModelKind;
  /** URI of the model file. */
  uri: string;
  materialization?: Materialization;
  /** The relation's schema as `generate_schema_name` gives it (e.g. `dds`). */
  schema?: string;
  /** Hash keys the model owns or references: a hub's pk, a link's pk and fks, a satellite's parent key. */
  keyColumns: string[];
  /** Business keys (natural keys) of a hub, when known. */
  businessKeys?: string[];
  /** A satellite's or link's parent models (names), for grouping in the Vault view. */
  parents?: string[];
}
export interface GraphSource {
  /** Unique node id: `source:<source name>.<table name>`. */
  id: string;
  sourceName: string;
  table: string;
  schema: string;
}
export interface GraphEdge {
  /** A model name or a source id. */
  from: string;
  to: string;
}
export interface ProjectGraphResult {
  projectName: string;
  models: GraphModel[];
  sources: GraphSource[];
  edges: GraphEdge[];
}
export const ProjectGraph = request<ProjectScoped, ProjectGraphResult>('dvs/projectGraph', 'client → server');

export interface HashOfParams extends ProjectScoped {
  /** One value for a single-column key; several for a composite key or a hashdiff, in column order. */
  values: (string | null)[];
  /** true: hash as a hashdiff (AutomateDV's `is_hashdiff`, columns sorted by name is the caller's business). */
  isHashdiff?: boolean;
}
export interface HashOfResult {
  /** The hash as PostgreSQL shows the bytea: `\x` + lowercase hex. */
  hash: string;
  /** The exact string that was hashed after AutomateDV's normalisation (upper, trim, null placeholders, `||`). */
  hashedString: string;
  /** A SQL expression computing the same value, for the user to paste. */
  sql: string;
  /** The project's hash algorithm, e.g. `MD5`. */
  algorithm: string;
}
export const HashOf = request<HashOfParams, HashOfResult>('dvs/hashOf', 'client → server');

export interface RunQueryParams extends ProjectScoped {
  /** A SELECT to run; or `table` to show a table. One of the two is required. */
  sql?: string;
  table?: { schema: string; name: string };
  /** Row limit written into the executed SQL (`LIMIT n`). Absent = 500. */
  limit?: number;
}
export interface RunQueryResult {
  /** The SQL that was executed, with its LIMIT. */
  sql: string;
  columns: { name: string; type: string }[];
  /** Rows in column order, values mapped as `dvs query --format json` maps them. */
  rows: CellValue[][];
  /** true when the limit cut the result (more rows exist). */
  limited: boolean;
  ms: number;
  target: string;
}
/** Runs on the current target; an SQL error comes back as a ResponseError whose message is PostgreSQL's. */
export const RunQuery = request<RunQueryParams, RunQueryResult>('dvs/runQuery', 'client → server');

export interface TargetInfo {
  name: string;
  type: 'embedded' | 'postgres';
  /** The profile's default target. */
  isDefault: boolean;
  /** For people: `host:port/dbname` or the embedded data directory. Never a password. */
  description?: string;
  /** Why the target cannot be used as is (an unset env var without default, …). */
  problem?: string;
}
export interface TargetsResult {
  /** The target in use. */
  current: string;
  /** profiles.yml targets of the project's profile, then `embedded`. */
  targets: TargetInfo[];
}
export const Targets = request<ProjectScoped, TargetsResult>('dvs/targets', 'client → server');

export interface SelectTargetParams extends ProjectScoped {
  name: string;
}
/** Switches the target for this session and connects; the client also writes the `dataVault.target` setting. */
export const SelectTarget = request<SelectTargetParams, StatusParams>('dvs/selectTarget', 'client → server');

export type ScaffoldKind = 'hub' | 'link' | 'sat';
export interface ScaffoldParams extends ProjectScoped {
  kind: ScaffoldKind;
  /** The raw table the new models read. */
  source: { schema: string; table: string };
  /** hub: business key column(s); link: the foreign key columns, one per linked hub; sat: the parent's key column(s). */
  keyColumns: string[];
  /** sat: payload columns; absent = every column but keys and load metadata. */
  payloadColumns?: string[];
  /** The new model's name; absent = derived (`hub_<table>`, `link_<table>`, `sat_<table>`). */
  name?: string;
}
export interface ScaffoldFile {
  uri: string;
  content: string;
  /** The file exists already: the client asks before overwriting. */
  exists: boolean;
}
export interface ScaffoldResult {
  /** The new vault model first, then any stage model it needs. Filled from `templates/scaffolds/`. */
  files: ScaffoldFile[];
}
export const Scaffold = request<ScaffoldParams, ScaffoldResult>('dvs/scaffold', 'client → server');

export interface ProjectInfoResult {
  /** URI of the folder holding dbt_project.yml. */
  projectUri: string;
  /** `name` in dbt_project.yml. */
  name: string;
  /** `profile` in dbt_project.yml. */
  profile: string;
  /** The profiles.yml in use (project folder, DBT_PROFILES_DIR or ~/.dbt); absent when there is none. */
  profilesPath?: string;
  /** The target in use. */
  target: string;
  targetType: 'embedded' | 'postgres';
  /** A server target's connection (never its password), for the cloud commands (Superset's database). */
  connection?: { host: string; port: number; dbname: string; user: string; schema?: string; sslmode?: string };
  /** The environment variable profiles.yml reads that target's password from, when it is an `env_var()`. */
  passwordEnvVar?: string;
  /** The server read the target's database in this session. */
  connected: boolean;
  /** Why it is not connected (unset variable, unreachable host, …); for people, no secrets. */
  problem?: string;
}
/** Where the project is and which target it uses, for the client's cloud commands (Terraform, Superset, Airbyte). */
export const ProjectInfo = request<ProjectScoped, ProjectInfoResult>('dvs/projectInfo', 'client → server');

/** The dashboard grid as Superset lays it out: rows of 12 columns, heights in units of 8 pixels. */
export type DashboardLayoutNode =
  | { type: 'row'; id: string; children: DashboardLayoutNode[] }
  | { type: 'column'; id: string; width: number; children: DashboardLayoutNode[] }
  | { type: 'header'; id: string; text: string; size: 'small' | 'medium' | 'large' }
  | { type: 'markdown'; id: string; text: string; width: number; height: number }
  | { type: 'chart'; id: string; chartUuid?: string; chartId?: number; title?: string; width: number; height: number }
  | { type: 'divider'; id: string };
export interface DashboardChart {
  title: string;
  vizType: string;
  description?: string;
  /** `ok`: `option` is drawn; `error`: the dataset is missing or a query failed (`message`); `unsupported`: a viz
   *  type this editor does not draw (`message` names it). */
  status: 'ok' | 'error' | 'unsupported';
  message?: string;
  /** Apache ECharts options (plain JSON, no functions). */
  option?: unknown;
  /** The relation the chart reads, e.g. `mart.mart_returns`. */
  relation?: string;
  /** The dbt model building that relation, and its file. */
  model?: { name: string; path: string; uri: string };
  /** The SQL that ran, for people. */
  sql: string[];
  rows: number;
}
export interface DashboardResult {
  title: string;
  /** The export folder the dashboard was read from, relative to the project. */
  exportDir: string;
  layout: DashboardLayoutNode[];
  /** By layout node id. */
  charts: Record<string, DashboardChart>;
  target: string;
  /** ISO 8601. */
  generatedAt: string;
  /** Files of the export that could not be read; for people. */
  problems: string[];
}
/** The project's Superset dashboard (its first export under `superset/`) with every chart's data queried from the
 *  marts on the current target and turned into ECharts options. A ResponseError when the project has no export. */
export const Dashboard = request<ProjectScoped, DashboardResult>('dvs/dashboard', 'client → server');

// ---------------------------------------------------------------------------------------------------------------
// Server → client

export interface StatusParams extends ProjectScoped {
  target: string;
  targetType: 'embedded' | 'postgres';
  connected: boolean;
  /** The default target could not be resolved and read-only work fell back to `embedded` (CONTRACTS.md). */
  fellBackToEmbedded?: boolean;
  /** ISO 8601 time of the last raw-schema introspection. */
  lastSchemaRefresh?: string;
  /** What is wrong with the connection and how to fix it; for people, no secrets. */
  problem?: string;
}
/** Sent whenever the target, the connection state or the last refresh changes (and once after initialisation). */
export const Status = notification<StatusParams>('dvs/status', 'server → client');

export interface AskPasswordParams {
  target: string;
  /** The environment variable profiles.yml reads the password from (the SecretStorage key). */
  envVar: string;
  /** For the prompt: `user@host:port/dbname`. */
  description?: string;
  /** true when the previous answer was rejected by the server: the client forgets it and asks again. */
  previousFailed?: boolean;
}
export interface AskPasswordResult {
  /** Absent when the user cancelled. */
  password?: string;
}
/** A password whose env var is unset: the client answers from SecretStorage, or asks once and keeps the answer there. */
export const AskPassword = request<AskPasswordParams, AskPasswordResult>('dvs/askPassword', 'server → client');

export type LoadModelStatus = 'running' | 'success' | 'error' | 'skipped' | 'cancelled';
export interface LoadEventParams {
  /** The `workDoneToken` of the `dvs.runLoads` call this event belongs to. */
  token: string | number;
  model: string;
  status: LoadModelStatus;
  /** 1-based position and total of the run. */
  index: number;
  total: number;
  rows?: number;
  ms?: number;
}
/** One per model state change during `dvs.runLoads`, beside the work-done progress messages (for the Loads view). */
export const LoadEvent = notification<LoadEventParams>('dvs/loadEvent', 'server → client');

// ---------------------------------------------------------------------------------------------------------------
// Server commands (workspace/executeCommand), client → server

export interface RunLoadsArgs extends ProjectScoped {
  /** dbt selectors (`hub_users`, `+sat_users`, `stg+`, `path:models/dds`, `tag:x`); union. Absent/empty = all. */
  select?: string[];
  exclude?: string[];
  fullRefresh?: boolean;
  /** ISO 8601; absent = now (one value for the whole run). */
  runStartedAt?: string;
}
export interface ModelLoadResult {
  model: string;
  status: Exclude<LoadModelStatus, 'running'>;
  materialization: Materialization;
  /** The relation written, e.g. `"dds"."hub_users"`. */
  relation?: string;
  /** Rows inserted (incremental) or the table's row count (table); absent for views. */
  rows?: number;
  ms: number;
  /** For a failed model: PostgreSQL's message, and where in the model file it points when known. */
  error?: { message: string; uri?: string; range?: Range };
}
export interface RunLoadsResult {
  target: string;
  models: ModelLoadResult[];
  /** true when the user cancelled: the running model rolled back, the rest were not started. */
  cancelled: boolean;
  ms: number;
}
/** Runs the selected models in dependency order. Progress: LSP work-done progress on the request's `workDoneToken`
 *  (begin, a report per model "name (i/n)", end) plus `dvs/loadEvent`. Cancel with `$/cancelRequest`: the running
 *  model rolls back and the result comes back with `cancelled: true`. */
export const RunLoads = serverCommand<RunLoadsArgs, RunLoadsResult>('dvs.runLoads');

export interface GenerateRawArgs extends ProjectScoped {
  /** Number of users (Faker's `count`); absent = the generator's default. */
  count?: number;
  seed?: number;
}
export interface GenerateRawResult {
  target: string;
  tables: { schema: string; name: string; rows: number }[];
}
/** Writes the deterministic Airbyte-layout raw data into the current target, then refreshes the raw schema. */
export const GenerateRaw = serverCommand<GenerateRawArgs, GenerateRawResult>('dvs.generateRaw');

export interface RunTestsArgs extends ProjectScoped {
  /** Selectors as `dvs test` takes them: test names, `test_name:unique`, `source:shop`, or models, seeds and
   *  snapshots (`stg_orders`, `+hub_users`) whose tests run; union. Absent/empty = every generic test. */
  select?: string[];
  exclude?: string[];
}
export type TestStatus = 'pass' | 'fail' | 'warn' | 'error' | 'skipped';
export interface TestRunResult {
  /** dbt's test name, e.g. `unique_stg_orders_order_id`. */
  name: string;
  /** The test as written: `unique`, `accepted_values`, `dbt_utils.expression_is_true`. */
  test: string;
  /** A node name, or `source:shop.orders`. */
  attachedTo: string;
  column?: string;
  status: TestStatus;
  /** Failing rows, when the test's query ran. */
  failures: number | null;
  /** The property file declaring the test and the range of its entry there. */
  uri: string;
  range: Range;
  /** Why it failed, warned, errored or was not run. */
  message?: string;
  ms: number;
}
export interface RunTestsResult {
  target: string;
  tests: TestRunResult[];
  /** true when the user cancelled: the tests not yet run were left out. */
  cancelled: boolean;
  ms: number;
}
/** Runs dbt's generic tests declared in the yml files (unique, not_null, accepted_values, relationships) on the current
 *  target. Progress: LSP work-done progress on the request's `workDoneToken` (begin, a report per test "name (i/n)",
 *  end). Every test that fails, warns or cannot run is published as a diagnostic DV110 on its yml entry; a test that
 *  passes on a later run clears its diagnostic. Cancel with `$/cancelRequest`. */
export const RunTests = serverCommand<RunTestsArgs, RunTestsResult>('dvs.runTests');

export const SERVER_COMMANDS: readonly string[] = [RunLoads.command, GenerateRaw.command, RunTests.command];

// ---------------------------------------------------------------------------------------------------------------
// Client commands the server may put into code lenses or code actions (arguments as listed).

export const ClientCommandsForServer = {
  /** arguments: [modelUri: string] */
  previewCompiledSql: 'dataVault.previewCompiledSql',
  /** arguments: [modelUri: string] */
  peekCompiledSql: 'dataVault.peekCompiledSql',
  /** arguments: [{ select: string[] }] */
  runLoads: 'dataVault.runLoads',
} as const;

/** The URI scheme of the read-only compiled-SQL documents: `dvs-sql:/<model>.compiled.sql?<the model file's URI>`. */
export const COMPILED_SQL_SCHEME = 'dvs-sql';
