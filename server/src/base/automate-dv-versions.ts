// The AutomateDV version matrix: every behaviour that changes across releases of AutomateDV (and of dbtvault, its
// name before 0.9.6) is one row here, with the version bands it holds for and what is rendered in each band. The
// compiler, the rules and the package reader ask this table instead of comparing versions themselves, so a newcomer
// finds every version-dependent fact in one place, and each row has a test per band (test/compile/version-matrix*).
//
// Each fact was checked against the macros at the release tag it names (`git show vX.Y.Z:macros/...` in AutomateDV's
// repository). Versions are inclusive at both ends; a band without `until` holds for every later release, one
// without `from` for every earlier one.

/** One version band of a behaviour: from `from` to `until`, both inclusive. */
export interface VersionBand<T> {
  from?: string;
  until?: string;
  value: T;
  /** What AutomateDV renders in this band, in a few words (shown in docs and test names). */
  renders: string;
}

/** One row of the matrix. */
export interface VersionBehaviour<T> {
  /** What changes, in a sentence. */
  behaviour: string;
  /** Bands in release order; they must not overlap. A version inside no band gets `otherwise`. */
  bands: readonly VersionBand<T>[];
  otherwise: T;
}

/** "v0.9.6", "0.11.0", "1.2" → [major, minor, patch]; undefined when the text holds no version. */
export function parseVersionTriple(text: string): [number, number, number] | undefined {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

/**
 * Each version text read once: the version matrix compares the same few versions for every macro of every model
 * compiled (a whole-project check asks some ten thousand times).
 */
const tripleOf = new Map<string, readonly [number, number, number]>();

function versionTriple(text: string): readonly [number, number, number] {
  let triple = tripleOf.get(text);
  if (triple === undefined) {
    triple = parseVersionTriple(text) ?? [0, 0, 0];
    if (tripleOf.size > 1000) tripleOf.clear();
    tripleOf.set(text, triple);
  }
  return triple;
}

/** Compares dotted versions; missing parts count as 0. Negative when a < b. */
export function compareVersionText(a: string, b: string): number {
  const x = versionTriple(a);
  const y = versionTriple(b);
  for (let i = 0; i < 3; i++) {
    const d = x[i]! - y[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

export function inBand(version: string, band: { from?: string; until?: string }): boolean {
  if (band.from !== undefined && compareVersionText(version, band.from) < 0) return false;
  if (band.until !== undefined && compareVersionText(version, band.until) > 0) return false;
  return true;
}

/** The value a behaviour has at `version`. */
export function behaviourAt<T>(row: VersionBehaviour<T>, version: string): T {
  for (const band of row.bands) if (inBand(version, band)) return band.value;
  return row.otherwise;
}

/** The first version of the first band whose value passes `test` (undefined when none does, or it holds from the start). */
export function firstVersionWhere<T>(row: VersionBehaviour<T>, test: (value: T) => boolean): string | undefined {
  return row.bands.find((band) => test(band.value))?.from;
}

/** A release whose dbt_project.yml claims the version before it: `text` in `file` is there only in `actual` (or, with `absent`, only missing there). */
export interface InstalledVersionFingerprint {
  claims: string;
  actual: string;
  file: string;
  text: string;
  absent: boolean;
}

/** Where a macro's default (Snowflake) SQL fails on PostgreSQL, and what in it PostgreSQL rejects. */
export interface DefaultSqlFailure {
  fails: 'always' | 'incremental' | 'before-postgres-17';
  /** What the SQL does, completing "its SQL …". */
  because: string;
}

/** How a pre-0.9.7 default pit writes its ghost values and joins its satellites (the pitDefaultSql row). */
export interface PitDefaultSql {
  /** The type the ghost key is cast to: BYTEA, or nothing at all in 0.9.0. */
  ghostKeyType: string;
  ghostDate: 'timestamp-ntz' | 'to-timestamp';
  /** 'ghost': the backfill CTE writes the ghost key and date for every row; 'latest': each satellite's latest, as new_rows. */
  backfill: 'ghost' | 'latest';
  join: 'LEFT JOIN' | 'LEFT OUTER JOIN';
  /** The satellite join also takes rows at the ghost date. */
  ghostDateRows: boolean;
}

const NO_DEFAULT_SQL_FAILURES: Readonly<Record<string, DefaultSqlFailure>> = {};

/**
 * The matrix. Add a row when a release changes what a macro renders on PostgreSQL; give it a test per band.
 * Rows are grouped by macro; keep each group together.
 */
export const AUTOMATE_DV_VERSIONS = {
  // ── hashing ─────────────────────────────────────────────────────────────────────────────────────────────────────
  hashEncoding: {
    behaviour: 'How a hash is stored: the text of the uppercase hex digest cast to BYTEA, or the raw digest bytes.',
    bands: [
      { until: '0.9.6', value: 'upper-hex-text', renders: 'CAST(UPPER(MD5(x)) AS BYTEA)' },
      { from: '0.9.7', value: 'binary', renders: "DECODE(MD5(x), 'hex')" },
    ],
    otherwise: 'binary',
  } satisfies VersionBehaviour<'upper-hex-text' | 'binary'>,

  // ── sat ─────────────────────────────────────────────────────────────────────────────────────────────────────────
  satLogic: {
    behaviour: "The satellite's change detection on PostgreSQL.",
    bands: [
      { until: '0.9.7', value: 'latest-only', renders: 'SELECT DISTINCT every staged row not equal to the latest' },
      { from: '0.10.0', until: '0.11.0', value: 'first-record', renders: 'first_record_in_set + latest_records' },
      { from: '0.11.1', value: 'lag-default', renders: 'one LAG with a default' },
    ],
    otherwise: 'lag-default',
  } satisfies VersionBehaviour<'latest-only' | 'first-record' | 'lag-default'>,

  satLatestOnlyMatch: {
    behaviour:
      "How the ≤ 0.9.7 sat compares a staged row with the key's latest rows. 0.9.0 keeps a row that differs from any " +
      'of them (so with several rows at the latest load date every restaged row is new); 0.9.1 keeps it only when ' +
      'it equals none of them.',
    bands: [
      { until: '0.9.0', value: 'differs-from-any', renders: 'LEFT JOIN latest_records ON pk WHERE lr.hd != stage.hd OR lr.hd IS NULL' },
      { from: '0.9.1', value: 'equals-none', renders: 'LEFT JOIN latest_records ON pk AND lr.hd = stage.hd WHERE lr.hd IS NULL' },
    ],
    otherwise: 'equals-none',
  } satisfies VersionBehaviour<'differs-from-any' | 'equals-none'>,

  satApplySourceFilter: {
    behaviour: "Whether the sat reads config apply_source_filter (staged rows not newer than the key's latest are skipped).",
    bands: [
      { until: '0.10.0', value: false, renders: 'the config key is ignored' },
      { from: '0.10.1', value: true, renders: 'valid_stg: staged rows newer than the latest, or of new keys' },
    ],
    otherwise: true,
  } satisfies VersionBehaviour<boolean>,

  satLatestRecordsRank: {
    behaviour:
      "How the incremental sat's latest_records picks each key's newest rows in the table: RANK() keeps every row at " +
      'the newest load date, ROW_NUMBER() only one of them.',
    bands: [
      { until: '0.10.1', value: 'RANK', renders: 'RANK() OVER (PARTITION BY pk ORDER BY ldts DESC) … WHERE rank = 1' },
      { from: '0.10.2', value: 'ROW_NUMBER', renders: 'ROW_NUMBER() OVER (PARTITION BY pk ORDER BY ldts DESC) … WHERE rank = 1' },
    ],
    otherwise: 'ROW_NUMBER',
  } satisfies VersionBehaviour<'RANK' | 'ROW_NUMBER'>,

  satLatestRecordsForm: {
    behaviour:
      "How the incremental sat's latest_records names its subquery and orders the join to the staged keys; only the " +
      'SQL text differs, not the rows.',
    bands: [
      { until: '0.9.7', value: 'a', renders: '… ON current_records.pk = source_records.pk ) AS a WHERE a.rank = 1' },
      { from: '0.10.0', value: 'b', renders: '… ON source_records.pk = current_records.pk ) AS b WHERE b.rank = 1' },
    ],
    otherwise: 'b',
  } satisfies VersionBehaviour<'a' | 'b'>,

  satLatestRecordsColumns: {
    behaviour:
      "Which columns the incremental sat's latest_records selects from the table: the window columns (pk, hashdiff, " +
      'ldts) or every column of the satellite; no row depends on it.',
    bands: [
      { until: '0.9.7', value: 'window', renders: 'SELECT a.pk, a.hashdiff, a.ldts' },
      { from: '0.10.0', until: '0.10.2', value: 'all', renders: 'SELECT b.pk, b.hashdiff, b.payload…, b.ldts, b.source' },
      { from: '0.11.0', value: 'window', renders: 'SELECT b.pk, b.hashdiff, b.ldts' },
    ],
    otherwise: 'window',
  } satisfies VersionBehaviour<'window' | 'all'>,

  satFirstRecordRank: {
    behaviour:
      "How first_record_in_set picks each key's first staged rows: RANK() keeps every row at the first load date, " +
      'ROW_NUMBER() only one of them. The CTE exists in 0.10.0 – 0.11.0 only.',
    bands: [
      { until: '0.9.7', value: 'none', renders: 'no first_record_in_set' },
      { from: '0.10.0', until: '0.10.1', value: 'RANK', renders: 'RANK() OVER (PARTITION BY pk ORDER BY ldts ASC) AS asc_rank' },
      { from: '0.10.2', until: '0.11.0', value: 'ROW_NUMBER', renders: 'ROW_NUMBER() OVER (PARTITION BY pk ORDER BY ldts ASC) AS asc_rank' },
      { from: '0.11.1', value: 'none', renders: 'no first_record_in_set (one LAG)' },
    ],
    otherwise: 'none',
  } satisfies VersionBehaviour<'none' | 'RANK' | 'ROW_NUMBER'>,

  satEffOrdering: {
    behaviour:
      "src_eff in the LAG's ORDER BY of the 0.11.1+ sat. 0.11.1 tests is_something([src_eff]), a one-item list that " +
      "is always something, and prefixes a missing src_eff: dbt fails with 'Unable to prefix columns'. 0.11.2 tests src_eff itself.",
    bands: [
      { until: '0.11.0', value: 'unused', renders: 'ORDER BY ldts (src_eff is not in the ordering)' },
      { from: '0.11.1', until: '0.11.1', value: 'required', renders: 'ORDER BY ldts, eff; without src_eff: compiler error' },
      { from: '0.11.2', value: 'when-given', renders: 'ORDER BY ldts, eff when src_eff is given, else ORDER BY ldts' },
    ],
    otherwise: 'when-given',
  } satisfies VersionBehaviour<'unused' | 'required' | 'when-given'>,

  // ── ghost records ───────────────────────────────────────────────────────────────────────────────────────────────
  ghostSystemRecordValue: {
    behaviour: "The ghost record's record source when var system_record_value is not set.",
    bands: [
      { until: '0.9.5', value: 'DBTVAULT_SYSTEM', renders: "'DBTVAULT_SYSTEM'" },
      { from: '0.9.6', value: 'AUTOMATE_DV_SYSTEM', renders: "'AUTOMATE_DV_SYSTEM'" },
    ],
    otherwise: 'AUTOMATE_DV_SYSTEM',
  } satisfies VersionBehaviour<string>,

  ghostRecords: {
    behaviour: "Whether the sat writes a ghost record under var enable_ghost_records (0.9.0's sat has none and ignores the var).",
    bands: [
      { until: '0.9.0', value: false, renders: 'no ghost CTE' },
      { from: '0.9.1', value: true, renders: 'ghost CTE UNIONed into records_to_insert' },
    ],
    otherwise: true,
  } satisfies VersionBehaviour<boolean>,

  ghostListKey: {
    behaviour:
      "A sat ghost record when src_pk is a list: 0.9.1 – 0.10.2 compare each column with `src_pk | lower`, the list's " +
      "text, so no key column is in the ghost select and the UNION's g.<pk> is a PostgreSQL error.",
    bands: [
      { until: '0.9.0', value: 'included', renders: '(no ghost records)' },
      { from: '0.9.1', until: '0.10.2', value: 'omitted', renders: 'ghost select without the key columns: dbt fails' },
      { from: '0.11.0', value: 'included', renders: 'expand_column_list([src_pk, hashdiff]): every key column' },
    ],
    otherwise: 'included',
  } satisfies VersionBehaviour<'included' | 'omitted'>,

  ghostHashdiffMapping: {
    behaviour:
      'A sat ghost record when src_hashdiff is {source_column, alias}: 0.9.1 matches columns with `src_hashdiff | lower` ' +
      "only, so the hashdiff is not in the ghost select and the UNION's g.<hashdiff> is a PostgreSQL error.",
    bands: [{ from: '0.9.1', until: '0.9.1', value: 'omitted', renders: 'ghost select without the hashdiff: dbt fails' }],
    otherwise: 'included',
  } satisfies VersionBehaviour<'included' | 'omitted'>,

  ghostSha1Zeros: {
    behaviour:
      "The number of ASCII zeros of a ghost key (binary_ghost) under var hash 'sha1': md5 and unknown names give 32, " +
      "sha 64; sha1 has its own branch from 0.10.2. The hashes themselves stay MD5 on PostgreSQL.",
    bands: [
      { until: '0.10.1', value: 32, renders: "CAST('0' × 32 AS BYTEA)" },
      { from: '0.10.2', value: 40, renders: "CAST('0' × 40 AS BYTEA)" },
    ],
    otherwise: 40,
  } satisfies VersionBehaviour<number>,

  ghostValueTyping: {
    behaviour:
      "How a sat ghost record's values are chosen: by the column's role (a key is always the zero key, a load date " +
      'always 1900-01-01) up to 0.10.2; from 0.11.0 by the catalog type (ghost_for_type: a text key or date is NULL).',
    bands: [
      { until: '0.10.2', value: 'by-role', renders: 'binary_ghost for pk and hashdiff, date_ghost for ldts and eff' },
      { from: '0.11.0', value: 'by-type', renders: 'ghost_for_type(col.dtype)' },
    ],
    otherwise: 'by-type',
  } satisfies VersionBehaviour<'by-role' | 'by-type'>,

  // ── pit ─────────────────────────────────────────────────────────────────────────────────────────────────────────
  effSatLatestRecordsAlias: {
    behaviour:
      "The name of the incremental eff_sat's latest_records subquery (only the SQL text differs, not the rows).",
    bands: [
      { until: '0.9.6', value: 'inner', renders: ') AS inner WHERE row_num = 1 (the default SQL; PostgreSQL rejects the reserved word)' },
      { from: '0.9.7', until: '0.10.2', value: 'inner_rank', renders: ') AS inner_rank WHERE row_num = 1' },
      { from: '0.11.0', value: 'inner_select', renders: ') AS inner_select WHERE inner_select.row_num = 1' },
    ],
    otherwise: 'inner_select',
  } satisfies VersionBehaviour<'inner' | 'inner_rank' | 'inner_select'>,

  effSatAutoEndDatingClose: {
    behaviour:
      'Which open relationships an incremental eff_sat with is_auto_end_dating closes: up to 0.10.2 those of a staged ' +
      "driving key whose secondary key differs from the open one's; from 0.11.0 those whose key and end date no staged " +
      'row repeats (other rows).',
    bands: [
      { until: '0.10.2', value: 'sfk-differs', renders: 'INNER JOIN latest_open lo ON lo.dfk = h.dfk WHERE (lo.sfk <> h.sfk OR …)' },
      { from: '0.11.0', value: 'not-exists', renders: 'WHERE NOT EXISTS (SELECT 1 FROM source_data stg WHERE stg.pk = lo.pk AND stg.end = lo.end)' },
    ],
    otherwise: 'not-exists',
  } satisfies VersionBehaviour<'sfk-differs' | 'not-exists'>,

  effSatDefaultSql: {
    behaviour:
      "Whether dbt-postgres renders eff_sat's default (Snowflake) macro: before 0.9.7 there is no PostgreSQL one. Its " +
      'incremental SQL compares end dates with one-argument TO_DATE against max_datetime (default ' +
      "'9999-12-31 23:59:59.999999'), closes a relationship with the staged row's keys, and with is_auto_end_dating " +
      'closes one whose secondary key differs; it names a subquery `inner`, so PostgreSQL rejects every incremental run.',
    bands: [
      { from: '0.9.0', until: '0.9.6', value: true, renders: "TO_DATE(c.END) = TO_DATE('9999-12-31 23:59:59.999999'); WHERE (lo.sfk <> h.sfk)" },
    ],
    otherwise: false,
  } satisfies VersionBehaviour<boolean>,

  bridgeCandidateRowsAlias: {
    behaviour: "The name of the bridge's candidate_rows subquery (only the SQL text differs, not the rows).",
    bands: [
      { until: '0.10.2', value: 'a', renders: ') AS a WHERE a.ROW_NUM = 1' },
      { from: '0.11.0', value: 'subquery', renders: ') AS subquery WHERE ROW_NUM = 1' },
    ],
    otherwise: 'subquery',
  } satisfies VersionBehaviour<'a' | 'subquery'>,

  pitDefaultSql: {
    behaviour:
      "The pit SQL dbt-postgres renders before 0.9.7, when only the default (Snowflake) macro exists. Every form takes " +
      'MAX of the BYTEA key, which PostgreSQL has only from 17. Up to 0.9.4 the backfill CTE writes the ghost values ' +
      "for every row and the satellite join also takes rows at the ghost date ('1900-01-01 00:00:00.000'); 0.9.0 " +
      'casts to an empty type and TIMESTAMP_NTZ, which PostgreSQL rejects. From 0.9.7 the PostgreSQL macro is rendered.',
    bands: [
      {
        from: '0.9.0',
        until: '0.9.0',
        value: { ghostKeyType: '', ghostDate: 'timestamp-ntz', backfill: 'ghost', join: 'LEFT JOIN', ghostDateRows: false },
        renders: "CAST('0000000000000000' AS ), CAST('1900-01-01 00:00:00.000' AS TIMESTAMP_NTZ); LEFT JOIN",
      },
      {
        from: '0.9.1',
        until: '0.9.4',
        value: { ghostKeyType: 'BYTEA', ghostDate: 'to-timestamp', backfill: 'ghost', join: 'LEFT JOIN', ghostDateRows: true },
        renders: "backfill writes the ghost values; LEFT JOIN … OR s.ldts = '1900-01-01 00:00:00.000'",
      },
      {
        from: '0.9.5',
        until: '0.9.6',
        value: { ghostKeyType: 'BYTEA', ghostDate: 'to-timestamp', backfill: 'latest', join: 'LEFT OUTER JOIN', ghostDateRows: false },
        renders: "COALESCE(MAX(s.pk), CAST('0000000000000000' AS BYTEA)), TO_TIMESTAMP('1900-01-01 00:00:00.000', 'YYY-MM-DD HH24:MI:SS.MS')",
      },
    ],
    otherwise: undefined,
  } satisfies VersionBehaviour<PitDefaultSql | undefined>,

  bridgeDefaultSql: {
    behaviour:
      "The bridge SQL dbt-postgres renders before 0.9.7 (the default macro): the open-record test is TO_DATE(c.end) " +
      "with one argument, which PostgreSQL does not have, against max_datetime (default '9999-12-31 23:59:59.999999'), " +
      "as TO_DATE('…', 'YYY-MM-DD') from 0.9.1 and with one argument in 0.9.0, whose select lists also run their last " +
      'column into FROM.',
    bands: [
      { from: '0.9.0', until: '0.9.0', value: 'default-0.9.0', renders: "c.LINK_HKFROM candidate_rows; TO_DATE(c.END) = TO_DATE('9999-12-31 23:59:59.999999')" },
      { from: '0.9.1', until: '0.9.6', value: 'default', renders: "TO_DATE(c.END) = TO_DATE('9999-12-31 23:59:59.999999', 'YYY-MM-DD')" },
    ],
    otherwise: 'postgres',
  } satisfies VersionBehaviour<'default-0.9.0' | 'default' | 'postgres'>,

  pitGhostKey: {
    behaviour:
      "The key pit writes for a satellite without a row at an as-of date. 0.11.0 – 0.11.2 pass an itertools.repeat " +
      "object to cast_binary unquoted: Jinja prints its repr, repeat('0', N), which PostgreSQL runs as its own repeat(). " +
      'Every form is N ASCII zeros (0x30) except the 16 of ≤ 0.10.2; N is 32 (md5), 64 (sha), 40 (sha1).',
    bands: [
      { until: '0.10.2', value: 'sixteen-zeros', renders: "CAST('0000000000000000' AS BYTEA)" },
      { from: '0.11.0', until: '0.11.2', value: 'repeat-call', renders: "CAST(repeat('0', 32) AS BYTEA)" },
      { from: '0.11.3', value: 'literal', renders: "CAST('00000000000000000000000000000000' AS BYTEA)" },
    ],
    otherwise: 'literal',
  } satisfies VersionBehaviour<'sixteen-zeros' | 'repeat-call' | 'literal'>,

  pitFollowsGhostRecords: {
    behaviour:
      "Whether pit switches to the ghost-record key and date under var enable_ghost_records. From 0.11.0 the macro " +
      'tests a variable it never sets, so it always takes the no-ghost branch.',
    bands: [
      { until: '0.10.2', value: true, renders: 'binary_ghost(none, hash) and date_ghost with ghost records on' },
      { from: '0.11.0', value: false, renders: 'the ghost_pk of pitGhostKey whatever enable_ghost_records says' },
    ],
    otherwise: false,
  } satisfies VersionBehaviour<boolean>,

  pitBridgeDeprecated: {
    behaviour: 'Whether pit() and bridge() log a deprecation warning when they compile.',
    bands: [
      { until: '0.10.2', value: false, renders: 'no warning' },
      { from: '0.11.0', value: true, renders: 'pit_bridge_deprecation_warning()' },
    ],
    otherwise: true,
  } satisfies VersionBehaviour<boolean>,

  // ── ma_sat ──────────────────────────────────────────────────────────────────────────────────────────────────────
  maSatColumnOrder: {
    behaviour:
      "The ma_sat's column order. 0.9.7 – 0.10.2 run the SQL Server template on PostgreSQL (hashdiff second); " +
      'before and after, the default template (hashdiff after the payload).',
    bands: [
      { until: '0.9.6', value: 'cdk-first', renders: 'pk, cdk, payload, extra, hashdiff, eff, ldts, source' },
      { from: '0.9.7', until: '0.10.2', value: 'hashdiff-second', renders: 'pk, hashdiff, cdk, payload, extra, eff, ldts, source' },
      { from: '0.11.0', value: 'cdk-first', renders: 'pk, cdk, payload, extra, hashdiff, eff, ldts, source' },
    ],
    otherwise: 'cdk-first',
  } satisfies VersionBehaviour<'hashdiff-second' | 'cdk-first'>,

  maSatDefaultSql: {
    behaviour:
      "Whether dbt-postgres renders ma_sat's default (Snowflake) macro: before 0.9.7 there is no PostgreSQL one. Its " +
      'incremental SQL counts each key\'s group in source_data with COUNT(DISTINCT hashdiff, cdk) OVER (…) and keeps ' +
      "the table's latest rows with QUALIFY, both of which PostgreSQL rejects; the first build is the later SQL.",
    bands: [
      { from: '0.9.0', until: '0.9.6', value: true, renders: 'COUNT(DISTINCT s.hd, s.cdk) OVER (PARTITION BY s.pk) AS source_count; … QUALIFY latest_rank = 1' },
    ],
    otherwise: false,
  } satisfies VersionBehaviour<boolean>,

  maSatCountAlias: {
    behaviour:
      "How the incremental ma_sat's source_data_with_count names source_data: 0.9.7 – 0.10.2 (the SQL Server " +
      'template) without AS, from 0.11.0 (the default template) with it; only the SQL text differs.',
    bands: [
      { from: '0.9.7', until: '0.10.2', value: 'a', renders: 'FROM source_data a' },
      { from: '0.11.0', value: 'AS a', renders: 'FROM source_data AS a' },
    ],
    // Before 0.9.7 the default macro has no such CTE (it filters with QUALIFY, and that run fails).
    otherwise: 'AS a',
  } satisfies VersionBehaviour<'a' | 'AS a'>,

  maSatExcludedPayload: {
    behaviour:
      "Whether ma_sat reads a payload given as {exclude_columns: true, columns: [...]}. Up to 0.10.1 only sat expands " +
      "it; ma_sat prefixes the mapping as a column and dbt fails ('Invalid parameters provided to prefix macro').",
    bands: [
      { until: '0.10.1', value: false, renders: 'compiler error on the mapping' },
      { from: '0.10.2', value: true, renders: 'every stage column the metadata (child keys included) does not name, minus the listed' },
    ],
    otherwise: true,
  } satisfies VersionBehaviour<boolean>,

  maSatCdkFilterLoop: {
    behaviour:
      "What the ma_sat's NOT NULL filter loops over: the src_cdk parameter as given (a single name is looped letter by " +
      'letter, which PostgreSQL rejects) in 0.9.7 – 0.10.2, the expanded column list otherwise.',
    bands: [
      { until: '0.9.6', value: 'column-list', renders: 'for child_key in cdk_cols' },
      { from: '0.9.7', until: '0.10.2', value: 'parameter', renders: 'for child_key in src_cdk' },
      { from: '0.11.0', value: 'column-list', renders: 'for child_key in cdk_cols' },
    ],
    otherwise: 'column-list',
  } satisfies VersionBehaviour<'parameter' | 'column-list'>,

  // ── package: which macros exist and run on PostgreSQL ──────────────────────────────────────────────────────────
  postgresMacros: {
    behaviour:
      'Whether the package has PostgreSQL macros at all: before 0.9.0 dbt-postgres renders the Snowflake default__ ' +
      'macros (MD5_BINARY, IFNULL, QUALIFY), which PostgreSQL rejects.',
    bands: [
      { until: '0.8.3', value: 'snowflake-only', renders: 'default__ (Snowflake) SQL' },
      { from: '0.9.0', value: 'postgres', renders: 'postgres__ macros' },
    ],
    otherwise: 'postgres',
  } satisfies VersionBehaviour<'snowflake-only' | 'postgres'>,

  snowflakeMacrosRunningOnPostgres: {
    behaviour:
      'Before 0.9.0: the macros whose Snowflake SQL still runs on PostgreSQL (no QUALIFY, TO_DATE(x), ::BINARY, and ' +
      'the macro exists at that tag). A stage only without hashed_columns: its hashes use MD5_BINARY and IFNULL.',
    bands: [
      { until: '0.7.1', value: ['stage', 'hub', 'link', 'sat', 't_link'], renders: 'hub/link/sat without QUALIFY' },
      { from: '0.7.2', until: '0.7.5', value: ['stage', 't_link'], renders: 'QUALIFY in hub, link, sat, eff_sat, ma_sat' },
      { from: '0.7.6', until: '0.7.6', value: ['stage', 't_link', 'xts'], renders: 'xts added; pit casts ::BINARY' },
      { from: '0.7.7', until: '0.7.8', value: ['stage', 't_link'], renders: 'no xts, pit or bridge at these tags' },
      { from: '0.7.9', until: '0.8.3', value: ['stage', 'sat', 't_link', 'xts'], renders: 'sat without QUALIFY; pit takes MAX of a hash' },
    ],
    otherwise: ['stage', 'hub', 'link', 'sat', 't_link', 'eff_sat', 'ma_sat', 'xts', 'pit', 'bridge', 'ref_table', 'nh_link'],
  } satisfies VersionBehaviour<readonly string[]>,

  postgresTableMacros: {
    behaviour:
      'The table macros dbt-postgres can build: 0.9.0–0.9.6 have PostgreSQL templates for hub, link and sat only (t_link ' +
      "and xts' default SQL also runs; eff_sat, ma_sat, pit and bridge use QUALIFY or MAX(bytea)); 0.9.7 adds the rest; " +
      'ref_table arrives in 0.10.0 (nh_link: see nhLinkMacro).',
    bands: [
      { until: '0.8.3', value: [], renders: 'no postgres__ macros (see snowflakeMacrosRunningOnPostgres)' },
      { from: '0.9.0', until: '0.9.6', value: ['hub', 'link', 'sat', 't_link', 'xts'], renders: 'postgres__hub, __link, __sat' },
      { from: '0.9.7', until: '0.9.7', value: ['hub', 'link', 'sat', 't_link', 'xts', 'eff_sat', 'ma_sat', 'pit', 'bridge'], renders: 'every table macro' },
      { from: '0.10.0', value: ['hub', 'link', 'sat', 't_link', 'xts', 'eff_sat', 'ma_sat', 'pit', 'bridge', 'ref_table'], renders: 'ref_table added' },
    ],
    otherwise: ['hub', 'link', 'sat', 't_link', 'xts', 'eff_sat', 'ma_sat', 'pit', 'bridge', 'ref_table'],
  } satisfies VersionBehaviour<readonly string[]>,

  defaultTableSqlOnPostgres: {
    behaviour:
      'Where the default (Snowflake) SQL of the table macros that have no PostgreSQL template before 0.9.7 fails on ' +
      'PostgreSQL, checked by rendering each release and running its SQL on PostgreSQL 15 and 18: eff_sat and ma_sat ' +
      "build the first time and fail on every incremental run (eff_sat's `) AS inner`, ma_sat's QUALIFY); pit takes " +
      'MAX of a BYTEA key, which PostgreSQL has only from 17; bridge compares with one-argument TO_DATE, which ' +
      "PostgreSQL does not have. 0.9.0's pit casts to an empty type and TIMESTAMP_NTZ, and its bridge runs the last " +
      'column into FROM (`..._LOADDATEFROM`).',
    bands: [
      { until: '0.8.3', value: NO_DEFAULT_SQL_FAILURES, renders: 'no PostgreSQL macros at all (see snowflakeMacrosRunningOnPostgres)' },
      {
        from: '0.9.0',
        until: '0.9.0',
        value: {
          eff_sat: { fails: 'incremental', because: 'names a subquery `inner`, a reserved word' },
          ma_sat: { fails: 'incremental', because: "filters with Snowflake's QUALIFY" },
          pit: { fails: 'always', because: "casts to an empty type and to Snowflake's TIMESTAMP_NTZ" },
          bridge: { fails: 'always', because: 'runs the last column name into FROM' },
        },
        renders: ') AS inner, QUALIFY on incremental runs; pit CAST(x AS ), TIMESTAMP_NTZ; bridge ..._LOADDATEFROM',
      },
      {
        from: '0.9.1',
        until: '0.9.6',
        value: {
          eff_sat: { fails: 'incremental', because: 'names a subquery `inner`, a reserved word' },
          ma_sat: { fails: 'incremental', because: "filters with Snowflake's QUALIFY" },
          pit: { fails: 'before-postgres-17', because: 'takes MAX of a BYTEA key' },
          bridge: { fails: 'always', because: 'calls TO_DATE with one argument' },
        },
        renders: ') AS inner, QUALIFY on incremental runs; pit MAX(bytea); bridge TO_DATE(x)',
      },
    ],
    otherwise: NO_DEFAULT_SQL_FAILURES,
  } satisfies VersionBehaviour<Readonly<Record<string, DefaultSqlFailure>>>,

  vaultInsertDeprecated: {
    behaviour: 'vault_insert_by_period / _by_rank print a deprecation warning (materialisation_deprecation_warning) from 0.11.0.',
    bands: [
      { until: '0.10.2', value: false, renders: 'no warning' },
      { from: '0.11.0', value: true, renders: 'materialisation_deprecation_warning()' },
    ],
    otherwise: true,
  } satisfies VersionBehaviour<boolean>,

  nhLinkMacro: {
    behaviour: 'Whether automate_dv.nh_link exists (from 0.11.5; t_link becomes its deprecated alias there).',
    bands: [
      { until: '0.11.4', value: false, renders: 'no nh_link macro: dbt fails on the call' },
      { from: '0.11.5', value: true, renders: 'nh_link' },
    ],
    otherwise: true,
  } satisfies VersionBehaviour<boolean>,

  /**
   * The version a release's own dbt_project.yml claims, where it lies: the installed package is told apart by its
   * macros instead. `fingerprint` is a text in `file` that only the later release has (or, with `absent`, lacks).
   */
  installedVersionFingerprints: {
    behaviour: "Releases whose dbt_project.yml carries the previous release's version line.",
    bands: [
      {
        from: '0.9.5',
        until: '0.9.5',
        value: [{ claims: '0.9.5', actual: '0.9.6', file: 'macros/staging/stage.sql', text: "'automate_dv'", absent: false }],
        renders: "0.9.6 says 0.9.5; its macros dispatch to 'automate_dv' (0.9.5: 'dbtvault')",
      },
      {
        from: '0.11.0',
        until: '0.11.0',
        value: [{ claims: '0.11.0', actual: '0.11.1', file: 'macros/tables/postgres/sat.sql', text: 'first_record_in_set', absent: true }],
        renders: '0.11.1 says 0.11.0; its postgres sat has no first_record_in_set CTE (0.11.0 has)',
      },
    ],
    otherwise: [],
  } satisfies VersionBehaviour<readonly InstalledVersionFingerprint[]>,

  // ── dbtvault 0.9.0 ──────────────────────────────────────────────────────────────────────────────────────────────
  hashAlgorithmMatch: {
    behaviour: "How var('hash') is compared: 0.9.0 tests hash == 'SHA' exactly (so 'sha' hashes with MD5), later releases lower-case it.",
    bands: [
      { until: '0.9.0', value: 'case-sensitive', renders: "hash == 'SHA'" },
      { from: '0.9.1', value: 'case-insensitive', renders: "hash | lower == 'sha'" },
    ],
    otherwise: 'case-insensitive',
  } satisfies VersionBehaviour<'case-sensitive' | 'case-insensitive'>,

  hashContentCasing: {
    behaviour: "Whether var('hash_content_casing') exists: 0.9.0 always wraps hash components in UPPER().",
    bands: [
      { until: '0.9.0', value: false, renders: 'UPPER() always' },
      { from: '0.9.1', value: true, renders: "UPPER() unless hash_content_casing: 'disabled'" },
    ],
    otherwise: true,
  } satisfies VersionBehaviour<boolean>,

  quotesEveryIdentifier: {
    behaviour:
      '0.9.0 passes every stage column name and alias, and every column parameter of the table macros, through ' +
      'escape_column_names, and prints the column lists after the CTE that defines a name upper-cased. Its PostgreSQL ' +
      'escape characters are empty (vars escape_char_left/right replace them, an empty var is taken as it is), so by ' +
      'default names are bare; with the vars set every name is quoted. 0.9.1 quotes with " but only what is asked.',
    bands: [
      {
        from: '0.9.0',
        until: '0.9.0',
        value: true,
        renders: 'CUSTOMER_PK bare; with escape_char vars "customer_id" AS …, later "CUSTOMER_ID", hub rr."CUSTOMER_PK"',
      },
    ],
    otherwise: false,
  } satisfies VersionBehaviour<boolean>,

  columnListRepeats: {
    behaviour:
      'Whether prefix and alias_all, which print every column list of the table macros, print a repeated name again ' +
      "(up to 0.9.0: the table gets that column twice, which PostgreSQL rejects) or once (from 0.9.1). From 0.9.1 a " +
      'skipped name that ends its list leaves the separator of the name before it, so the SQL has a comma before FROM.',
    bands: [
      { until: '0.9.0', value: 'printed', renders: 'a.LOAD_DATE, a.LOAD_DATE when src_eff and src_ldts are one column' },
      { from: '0.9.1', value: 'once', renders: "a.LOAD_DATE once (case-insensitive, the first spelling); a repeat at the end: 'a.X, a.Y, '" },
    ],
    otherwise: 'once',
  } satisfies VersionBehaviour<'printed' | 'once'>,

  // ── stage ───────────────────────────────────────────────────────────────────────────────────────────────────────
  stageDerivedConcat: {
    behaviour:
      'A derived column given as a list, and a hash of several columns: concat_ws on PostgreSQL. 0.9.1–0.10.2 have no ' +
      "postgres__concat_ws and their default__ writes CONCAT(a, '||', b), which keeps the separators around a NULL part " +
      'and is never NULL (a hash COALESCEs every part, so its bytes are the same either way).',
    bands: [
      { until: '0.9.0', value: 'concat-ws', renders: "CONCAT_WS('||', a, b)" },
      { from: '0.9.1', until: '0.10.2', value: 'concat', renders: "CONCAT(a, '||', b)" },
      { from: '0.11.0', value: 'concat-ws', renders: "CONCAT_WS('||', a, b)" },
    ],
    otherwise: 'concat-ws',
  } satisfies VersionBehaviour<'concat-ws' | 'concat'>,

  // ── model config ────────────────────────────────────────────────────────────────────────────────────────────────
  configMetaLookup: {
    behaviour:
      'Where settings such as apply_source_filter, is_auto_end_dating, rank_column and the period/rank materialization ' +
      'config are read: config only, then also meta (config_meta_get, 0.11.3), then meta first (0.11.5).',
    bands: [
      { until: '0.11.2', value: 'config-only', renders: "config.get('apply_source_filter')" },
      { from: '0.11.3', until: '0.11.4', value: 'config-then-meta', renders: 'config_meta_get: config, else meta' },
      { from: '0.11.5', value: 'meta-then-config', renders: 'config_meta_get: meta (if the key is there), else config' },
    ],
    otherwise: 'meta-then-config',
  } satisfies VersionBehaviour<'config-only' | 'config-then-meta' | 'meta-then-config'>,

  // ── vault_insert_by_period ──────────────────────────────────────────────────────────────────────────────────────
  periodFilterForm: {
    behaviour:
      'The condition that replaces __PERIOD_FILTER__ on PostgreSQL. The releases up to 0.9.6 stop the materialization ' +
      'on PostgreSQL before it (vaultInsertOnPostgres), so their date form is what a fork that runs it renders.',
    bands: [
      { until: '0.9.6', value: 'date', renders: "ts::DATE >= DATE_TRUNC(p, TO_DATE(start, 'YYYY-MM-DD') + INTERVAL 'n p') …" },
      { from: '0.9.7', value: 'timestamp', renders: "ts::TIMESTAMP >= DATE_TRUNC(p, TIMESTAMP 'start' + INTERVAL 'n p') …" },
    ],
    otherwise: 'timestamp',
  } satisfies VersionBehaviour<'date' | 'timestamp'>,

  vaultInsertOnPostgres: {
    behaviour:
      'Whether vault_insert_by_period / _by_rank run on PostgreSQL. From 0.9.0 to 0.9.6 both materializations begin ' +
      'with a check of target.type that raises "The vault_insert_by_period (_by_rank) materialisation is currently ' +
      'unavailable on Postgres." whenever dbt runs them (dbt compile, which does not run materializations, is ' +
      'unaffected), so the escaped timestamp_field / rank_column of 0.9.0 and the ts::DATE filter of 0.9.0-0.9.6 never ' +
      'reach PostgreSQL. 0.9.7 removed the check. dbtvault 0.8.x and older have no such check (and no PostgreSQL macros).',
    bands: [
      { until: '0.8.3', value: 'runs', renders: 'no target.type check' },
      { from: '0.9.0', until: '0.9.6', value: 'unavailable', renders: 'raise_compiler_error("… currently unavailable on Postgres.")' },
      { from: '0.9.7', value: 'runs', renders: 'the PostgreSQL period/rank loop' },
    ],
    otherwise: 'runs',
  } satisfies VersionBehaviour<'runs' | 'unavailable'>,
} as const;

export type AutomateDvBehaviourName = keyof typeof AUTOMATE_DV_VERSIONS;
