// What the language features need to know about a project, as plain data behind an interface: the vault rules' view
// (models, sources, catalog) plus files, model facts, the raw-schema state and the project's hash settings. The
// server fills it from an engine session; tests fill it from fixture files.
import type { Span } from '../base/text';
import type { HashOptions } from '../compile/automate-dv/hashing';
import type { RuleProject } from '../rules';

export interface ModelInfo {
  name: string;
  /** Absolute path of the model's file. */
  file: string;
  kind: 'model' | 'seed' | 'snapshot';
  materialized?: string;
  /** The relation, e.g. `"postgres"."dds"."hub_users"`. */
  relation?: string;
  description?: string;
}

export interface SourceTableInfo {
  source: string;
  table: string;
  /** `schema.identifier` in the database. */
  relation: string;
  file: string;
  /** The yml file relative to the project folder (`models/sources.yml`), for people; absent = the file's name. */
  path?: string;
  nameSpan: Span;
  description?: string;
  columns: { name: string; dataType?: string; description?: string; span: Span }[];
}

/** How fresh the raw-schema knowledge is, for completion details and the status bar. */
export interface SchemaState {
  target: string;
  /** Introspected from the database in this session. */
  connected: boolean;
  /** ISO time of the introspection the data comes from (live or cached). */
  refreshedAt?: string;
  /** Why the database could not be read (unreachable, …); for people, never a secret. */
  problem?: string;
}

export interface FeatureProject extends RuleProject {
  projectName: string;
  model(name: string): ModelInfo | undefined;
  /** The model defined in a file, by absolute path. */
  modelOfFile(file: string): string | undefined;
  /** Text of a project file (sources yml, a model), as last synchronised. */
  fileText(file: string): string | undefined;
  sourceTable(source: string, table: string): SourceTableInfo | undefined;
  schemaState(): SchemaState;
  /** The project's hashing (vars hash, concat_string, null_placeholder_string, hash_content_casing; version). */
  hashOptions(): HashOptions;
  /** The model's compiled SQL (formatted) for a hover preview; undefined when it does not compile. */
  compiledSql(name: string): string | undefined;
}
