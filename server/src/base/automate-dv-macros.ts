// Every AutomateDV macro that builds a model, described once: its signature, its family, the kind the editor's views
// show it as, where the version matrix says PostgreSQL first builds it, and the columns its table comes out with.
// Everything else reads this table: argument binding and the model parser (compile/automate-dv/signatures.ts), the
// compiler registry (compile/automate-dv/registry.ts, whose compiler table must name every macro here), completion,
// the protocol's ModelKind, the project graph, the vault-table columns of the rules, and, through ModelKind, the
// client's views. Adding a macro starts here; docs/CONTRIBUTING.md lists what else it needs.
//
// It lives in base/ because the client may see it through protocol.ts (types only) and every room above may read it;
// it holds facts and no code that runs a macro.
import { AUTOMATE_DV_VERSIONS, firstVersionWhere } from './automate-dv-versions';

/** What a parameter accepts; the language server also uses it to decide what to complete. */
export type ParamKind =
  | 'bool'
  /** one model name */
  | 'model'
  /** a model name or a list of them (multi-source hub, link, xts) */
  | 'models'
  /** a model name, or a one-key dict {source_name: table_name} */
  | 'model-or-source'
  /** one column name */
  | 'column'
  /** a column name or a list of column names */
  | 'columns'
  /** a column name, or a {source_column, alias} mapping */
  | 'hashdiff'
  /** a list of column names, or {exclude_columns: true, columns: [...]} */
  | 'payload'
  | 'derived-columns'
  | 'null-columns'
  | 'hashed-columns'
  | 'ranked-columns'
  | 'xts-satellites'
  | 'pit-satellites'
  | 'stage-ldts'
  | 'bridge-walk'
  | 'as-of-dates';

/**
 * What a macro builds, as the vault sees it: a staging view; a hub; a link (link, transactional or non-historised); a
 * satellite of a hub or link (plain, effectivity, multi-active, extended tracking); a query-assistance table built
 * from other vault tables at as-of dates (pit, bridge); a reference table.
 */
export type MacroFamily = 'stage' | 'hub' | 'link' | 'satellite' | 'query' | 'reference';

export interface ParamSpec {
  readonly name: string;
  readonly kind: ParamKind;
  readonly required: boolean;
  readonly description: string;
  /**
   * A required parameter AutomateDV's PostgreSQL macro only passes through expand_column_list, so the macro renders
   * without it when it is Jinja Undefined (not passed, a missing key, an unset name): a column list becomes empty, a
   * single column is left out of the table. Read from the hub, sat, ma_sat, nh_link/t_link, pit and bridge macros of
   * 0.9.6, 0.10.2, 0.11.0 and 0.11.5. Every other required parameter is used as a column name somewhere and fails.
   */
  readonly rendersWithoutWhenUndefined?: boolean;
  /** The family of the model a model parameter names (pit's and bridge's source_model is a hub): completion ranks by it. */
  readonly names?: MacroFamily;
}

/** One column group of a table's output: the columns a parameter names, or a column AutomateDV always adds. */
export type OutputColumn = { readonly param: string } | { readonly fixed: string };

/** The rows of the version matrix (base/automate-dv-versions.ts) that say from which release an adapter builds a macro. */
export type FirstVersionRow = 'postgresMacros' | 'postgresTableMacros' | 'nhLinkMacro';

export interface MacroDescriptor {
  readonly description: string;
  readonly family: MacroFamily;
  /** The kind the Vault view and the diagram show its models as (protocol.ts `ModelKind`). */
  readonly viewKind: string;
  /** One of the macros every vault uses: completion offers it first. */
  readonly common: boolean;
  /** The parameters in AutomateDV's positional order (0.11.x; older releases lack src_extra_columns, see signatures.ts). */
  readonly params: readonly ParamSpec[];
  /**
   * The table's columns in the order AutomateDV's expand_column_list lists them; null for the stage, whose columns
   * follow from its source and config (stageOutputColumns in compile/automate-dv/stage-columns.ts).
   */
  readonly columns: readonly OutputColumn[] | null;
  /** Per adapter, the version-matrix row that holds the first release building the macro (read by firstVersionOf). */
  readonly firstVersion: { readonly postgres: FirstVersionRow };
}

const P = (name: string, kind: ParamKind, required: boolean, description: string, extra: Partial<ParamSpec> = {}): ParamSpec => ({
  name,
  kind,
  required,
  description,
  ...extra,
});
/** A required parameter the macro renders without when it is undefined (see ParamSpec.rendersWithoutWhenUndefined). */
const OPTIONAL_IN_SQL = { rendersWithoutWhenUndefined: true } as const;

const PK = P('src_pk', 'columns', true, 'the hash key (primary key) column(s)');
const EXTRA = P('src_extra_columns', 'columns', false, 'additional columns to carry into the table');
const LDTS = P('src_ldts', 'column', true, 'the load date/timestamp column');
const LDTS_IN_SQL = P('src_ldts', 'column', true, 'the load date/timestamp column', OPTIONAL_IN_SQL);
const SOURCE = P('src_source', 'column', true, 'the record source column');
const SOURCE_IN_SQL = P('src_source', 'column', true, 'the record source column', OPTIONAL_IN_SQL);
const ONE_MODEL = P('source_model', 'model', true, 'the stage model to load from');
const MANY_MODELS = P('source_model', 'models', true, 'the stage model, or a list of stage models');
const HUB_MODEL = P('source_model', 'model', true, 'the hub model', { names: 'hub' });
const HASHDIFF = P('src_hashdiff', 'hashdiff', true, 'the hashdiff column, or {source_column, alias}');
const PAYLOAD = P('src_payload', 'payload', true, 'the payload columns, or {exclude_columns: true, columns: [...]}', OPTIONAL_IN_SQL);
const AS_OF_DATES = P('as_of_dates_table', 'as-of-dates', true, 'the as-of dates model, or {source: table}');
const STAGE_LDTS = P('stage_tables_ldts', 'stage-ldts', true, '{STAGE_MODEL: ldts column}');

const col = (...params: string[]): OutputColumn[] => params.map((param) => ({ param }));
const fixed = (name: string): OutputColumn => ({ fixed: name });

/** The table. Keys are the macro names as models call them (automate_dv.<name> / dbtvault.<name>). */
export const AUTOMATE_DV_MACROS = {
  stage: {
    description: 'A staging view: source columns plus derived, null-replaced, hashed and ranked columns.',
    family: 'stage',
    viewKind: 'stage',
    common: true,
    params: [
      P('include_source_columns', 'bool', false, 'keep the source columns (default true)'),
      P('source_model', 'model-or-source', true, 'a model name, or {source_name: table_name}'),
      P('hashed_columns', 'hashed-columns', false, 'NEW_COL: column, list of columns, or {is_hashdiff: true, columns: [...]}'),
      P('derived_columns', 'derived-columns', false, 'NEW_COL: SQL expression, !constant, or a list to concatenate'),
      P('null_columns', 'null-columns', false, '{required: [...], optional: [...]} columns whose NULLs are replaced'),
      P('ranked_columns', 'ranked-columns', false, 'NEW_COL: {partition_by, order_by, dense_rank}'),
    ],
    columns: null,
    firstVersion: { postgres: 'postgresMacros' },
  },
  hub: {
    description: 'A hub: one row per business key, the first time it was seen.',
    family: 'hub',
    viewKind: 'hub',
    common: true,
    params: [PK, P('src_nk', 'columns', true, 'the business (natural) key column(s)', OPTIONAL_IN_SQL), EXTRA, LDTS, SOURCE, MANY_MODELS],
    columns: col('src_pk', 'src_nk', 'src_extra_columns', 'src_ldts', 'src_source'),
    firstVersion: { postgres: 'postgresTableMacros' },
  },
  link: {
    description: 'A link: one row per relationship between hub keys.',
    family: 'link',
    viewKind: 'link',
    common: true,
    params: [PK, P('src_fk', 'columns', true, 'the foreign hash keys of the linked hubs'), EXTRA, LDTS, SOURCE, MANY_MODELS],
    columns: col('src_pk', 'src_fk', 'src_extra_columns', 'src_ldts', 'src_source'),
    firstVersion: { postgres: 'postgresTableMacros' },
  },
  sat: {
    description: 'A satellite: descriptive attributes of a hub or link, a new row whenever the hashdiff changes.',
    family: 'satellite',
    viewKind: 'sat',
    common: true,
    params: [PK, HASHDIFF, PAYLOAD, EXTRA, P('src_eff', 'column', false, 'the effective-from column'), LDTS, SOURCE_IN_SQL, ONE_MODEL],
    columns: col('src_pk', 'src_hashdiff', 'src_payload', 'src_extra_columns', 'src_eff', 'src_ldts', 'src_source'),
    firstVersion: { postgres: 'postgresTableMacros' },
  },
  eff_sat: {
    description: 'An effectivity satellite: start and end dates of a link relationship.',
    family: 'satellite',
    viewKind: 'eff_sat',
    common: false,
    params: [
      PK,
      P('src_dfk', 'columns', true, 'the driving foreign key(s)'),
      P('src_sfk', 'columns', true, 'the secondary foreign key(s)'),
      EXTRA,
      P('src_start_date', 'column', true, 'the start date column'),
      P('src_end_date', 'column', true, 'the end date column'),
      P('src_eff', 'column', true, 'the effective-from column'),
      LDTS,
      SOURCE,
      ONE_MODEL,
    ],
    columns: col('src_pk', 'src_dfk', 'src_sfk', 'src_extra_columns', 'src_start_date', 'src_end_date', 'src_eff', 'src_ldts', 'src_source'),
    firstVersion: { postgres: 'postgresTableMacros' },
  },
  ma_sat: {
    description: 'A multi-active satellite: several active rows per key, told apart by the child dependent key.',
    family: 'satellite',
    viewKind: 'ma_sat',
    common: false,
    params: [
      PK,
      P('src_cdk', 'columns', true, 'the child dependent key column(s)'),
      HASHDIFF,
      PAYLOAD,
      EXTRA,
      P('src_eff', 'column', false, 'the effective-from column'),
      LDTS,
      SOURCE_IN_SQL,
      ONE_MODEL,
    ],
    // AutomateDV's PostgreSQL ma_sat lists the payload before the hashdiff.
    columns: col('src_pk', 'src_cdk', 'src_payload', 'src_extra_columns', 'src_hashdiff', 'src_eff', 'src_ldts', 'src_source'),
    firstVersion: { postgres: 'postgresTableMacros' },
  },
  t_link: {
    description: 'A transactional link (deprecated alias of nh_link in AutomateDV 0.11.5).',
    family: 'link',
    viewKind: 't_link',
    common: false,
    params: [
      PK,
      P('src_fk', 'columns', true, 'the foreign hash keys'),
      P('src_payload', 'columns', false, 'the transaction payload columns'),
      EXTRA,
      P('src_eff', 'column', true, 'the effective-from column', OPTIONAL_IN_SQL),
      LDTS_IN_SQL,
      SOURCE_IN_SQL,
      ONE_MODEL,
    ],
    columns: col('src_pk', 'src_fk', 'src_payload', 'src_extra_columns', 'src_eff', 'src_ldts', 'src_source'),
    firstVersion: { postgres: 'postgresTableMacros' },
  },
  nh_link: {
    description: 'A non-historised link: insert-only rows for new keys.',
    family: 'link',
    // The views show it as the transactional link it replaces.
    viewKind: 't_link',
    common: false,
    params: [
      PK,
      P('src_fk', 'columns', true, 'the foreign hash keys'),
      P('src_payload', 'columns', false, 'the payload columns'),
      EXTRA,
      P('src_eff', 'column', true, 'the effective-from column', OPTIONAL_IN_SQL),
      LDTS_IN_SQL,
      SOURCE_IN_SQL,
      ONE_MODEL,
    ],
    columns: col('src_pk', 'src_fk', 'src_payload', 'src_extra_columns', 'src_eff', 'src_ldts', 'src_source'),
    firstVersion: { postgres: 'nhLinkMacro' },
  },
  xts: {
    description: 'An extended tracking satellite: which satellite hashdiffs arrived when.',
    family: 'satellite',
    viewKind: 'xts',
    common: false,
    params: [
      PK,
      P('src_satellite', 'xts-satellites', true, '{SAT: {sat_name: {SATELLITE_NAME: col}, hashdiff: {HASHDIFF: col}}}'),
      EXTRA,
      LDTS,
      SOURCE,
      MANY_MODELS,
    ],
    columns: [...col('src_pk'), fixed('HASHDIFF'), fixed('SATELLITE_NAME'), ...col('src_extra_columns', 'src_ldts', 'src_source')],
    firstVersion: { postgres: 'postgresTableMacros' },
  },
  pit: {
    description: 'A point-in-time table over a hub and its satellites.',
    family: 'query',
    viewKind: 'pit',
    common: false,
    params: [
      PK,
      EXTRA,
      AS_OF_DATES,
      P('satellites', 'pit-satellites', true, '{SAT_MODEL: {pk: {PK: col}, ldts: {LDTS: col}}}'),
      STAGE_LDTS,
      LDTS_IN_SQL,
      HUB_MODEL,
    ],
    // One key and one load-date column per satellite, named <SAT>_<PK> and <SAT>_<LDTS>.
    columns: [...col('src_pk'), fixed('AS_OF_DATE'), ...col('satellites')],
    firstVersion: { postgres: 'postgresTableMacros' },
  },
  bridge: {
    description: 'A bridge table walking links and effectivity satellites from a hub.',
    family: 'query',
    viewKind: 'bridge',
    common: false,
    params: [
      PK,
      EXTRA,
      AS_OF_DATES,
      P('bridge_walk', 'bridge-walk', true, '{STEP: {bridge_link_pk, link_table, eff_sat_table, ...}}'),
      STAGE_LDTS,
      LDTS_IN_SQL,
      HUB_MODEL,
    ],
    // One link key per step of the walk, named by its bridge_link_pk.
    columns: [...col('src_pk'), fixed('AS_OF_DATE'), ...col('bridge_walk')],
    firstVersion: { postgres: 'postgresTableMacros' },
  },
  ref_table: {
    description: 'A reference table.',
    family: 'reference',
    // The views show reference tables among the other models.
    viewKind: 'model',
    common: false,
    params: [
      PK,
      EXTRA,
      P('src_ldts', 'column', false, 'the load date/timestamp column'),
      P('src_source', 'column', false, 'the record source column'),
      P('source_model', 'models', true, 'the model to load from'),
    ],
    columns: col('src_pk', 'src_extra_columns', 'src_ldts', 'src_source'),
    firstVersion: { postgres: 'postgresTableMacros' },
  },
} as const satisfies Readonly<Record<string, MacroDescriptor>>;

/** The macros that build models (the ones the compiler expands). */
export type VaultMacroName = keyof typeof AUTOMATE_DV_MACROS;

/** The macros that build tables (every one but the stage, a view over its source). */
export type TableMacroName = Exclude<VaultMacroName, 'stage'>;

/** The kinds the editor's views show models of these macros as. */
export type MacroViewKind = (typeof AUTOMATE_DV_MACROS)[VaultMacroName]['viewKind'];

/** Every described macro, in the table's order. */
export const VAULT_MACRO_NAMES: readonly VaultMacroName[] = Object.keys(AUTOMATE_DV_MACROS) as VaultMacroName[];

export function isVaultMacroName(name: string): name is VaultMacroName {
  return Object.prototype.hasOwnProperty.call(AUTOMATE_DV_MACROS, name);
}

/** The descriptor of a macro, typed as the general shape (the table's literal types are for deriving unions). */
export function macroDescriptor(macro: VaultMacroName): MacroDescriptor {
  return AUTOMATE_DV_MACROS[macro];
}

/** True when the macro belongs to one of the families. */
export function isMacroOfFamily(macro: string, ...families: readonly MacroFamily[]): boolean {
  return isVaultMacroName(macro) && families.includes(AUTOMATE_DV_MACROS[macro].family);
}

/** The macros of the given families, in the table's order. */
export function macrosOfFamily(...families: readonly MacroFamily[]): VaultMacroName[] {
  return VAULT_MACRO_NAMES.filter((m) => families.includes(AUTOMATE_DV_MACROS[m].family));
}

export type Adapter = keyof MacroDescriptor['firstVersion'];

/**
 * The first release from which the adapter builds the macro, read from the version-matrix row the descriptor names:
 * PostgreSQL macros exist from 0.9.0 (postgresMacros), a table macro from the first postgresTableMacros band listing
 * it, nh_link from the first nhLinkMacro band where it exists.
 */
export function firstVersionOf(macro: VaultMacroName, adapter: Adapter): string | undefined {
  const row = AUTOMATE_DV_MACROS[macro].firstVersion[adapter];
  switch (row) {
    case 'postgresMacros':
      return firstVersionWhere(AUTOMATE_DV_VERSIONS.postgresMacros, (v) => v === 'postgres');
    case 'postgresTableMacros':
      return firstVersionWhere(AUTOMATE_DV_VERSIONS.postgresTableMacros, (macros: readonly string[]) => macros.includes(macro));
    case 'nhLinkMacro':
      return firstVersionWhere(AUTOMATE_DV_VERSIONS.nhLinkMacro, (exists) => exists);
  }
}
