// The catalogue of diagnostic codes (CONTRACTS.md: DV0xx syntax, DV1xx project, DV2xx macro parameters, DV3xx columns,
// DV4xx vault rules, DV5xx AutomateDV pitfalls, DV9xx unknown/not checked). A code keeps its meaning forever.

/** How bad a finding is: error only where dbt + AutomateDV itself would fail. Declared here, with the catalogue that caps it. */
export type Severity = 'error' | 'warning' | 'information';

export interface CodeInfo {
  severity: Severity;
  title: string;
  /**
   * dbt fails the model when this finding holds at run time, though a check cannot know it for certain (a var or an
   * environment variable the run may pass): a warning in the editor and `dvs check`, a failure of `dvs load`.
   */
  failsRun?: true;
}

export const CODES = {
  // DV0xx: Jinja and YAML syntax (a file dbt could not parse or render).
  DV001: { severity: 'error', title: 'unterminated Jinja block, expression or comment' },
  DV002: { severity: 'error', title: 'unexpected token in Jinja' },
  DV003: { severity: 'error', title: 'unknown or unclosed Jinja statement' },
  DV004: { severity: 'error', title: 'invalid assignment target in Jinja' },
  DV005: { severity: 'error', title: 'invalid call arguments or macro parameters in Jinja' },
  DV010: { severity: 'error', title: 'error while rendering Jinja' },
  DV011: { severity: 'error', title: 'undefined variable used as an object' },
  DV012: { severity: 'error', title: 'Jinja type error' },
  DV013: { severity: 'error', title: 'unknown Jinja filter' },
  DV014: { severity: 'error', title: 'unknown Jinja test' },
  DV015: { severity: 'error', title: 'rendering stopped: step limit or recursion depth exceeded' },
  DV016: { severity: 'error', title: 'wrong arguments for a macro, filter, test or function' },
  DV017: { severity: 'error', title: 'Jinja value error' },
  DV018: { severity: 'warning', title: 'fromyaml() could not parse its text (it returns none, as in dbt)' },
  DV019: { severity: 'error', title: 'Jinja construct not allowed here' },
  DV020: { severity: 'error', title: 'YAML metadata does not parse (dbt fromyaml returns None)' },
  DV021: { severity: 'error', title: 'YAML file of the project does not parse' },
  // DV1xx: the dbt project.
  DV101: { severity: 'error', title: 'unknown model in ref()' },
  DV102: { severity: 'error', title: 'unknown source in source()' },
  DV103: { severity: 'error', title: 'dependency cycle between models' },
  DV104: { severity: 'error', title: 'dbt_project.yml is missing or invalid' },
  DV105: { severity: 'warning', title: 'profiles.yml target or an env_var() cannot be resolved', failsRun: true },
  DV106: { severity: 'error', title: 'two models share one name' },
  DV107: { severity: 'warning', title: 'unknown var() without default', failsRun: true },
  DV110: { severity: 'warning', title: 'dbt test failed' },
  // DV2xx: macro parameters.
  DV200: { severity: 'error', title: 'AutomateDV compile error' },
  DV201: { severity: 'error', title: 'required macro parameter missing or none' },
  DV202: { severity: 'error', title: 'macro parameter has the wrong type' },
  DV203: { severity: 'error', title: 'unknown macro parameter' },
  DV204: { severity: 'error', title: 'unknown AutomateDV macro' },
  DV205: { severity: 'error', title: 'too many positional arguments' },
  DV206: { severity: 'error', title: 'metadata variable is not set' },
  DV207: { severity: 'warning', title: 'macro parameter is undefined (the macro renders without it)' },
  // DV3xx: columns.
  DV301: { severity: 'information', title: 'source columns unknown (no database and none declared)' },
  DV302: { severity: 'error', title: 'column does not exist in the source model' },
  DV303: { severity: 'warning', title: 'column not found in the live raw schema' },
  // DV4xx: vault rules and data hazards.
  DV401: { severity: 'warning', title: "hub key is not a hashed column of its stage" },
  DV402: { severity: 'warning', title: "hub key is not hashed from the hub's business key" },
  DV403: { severity: 'warning', title: 'link needs at least two foreign keys that are hub keys' },
  DV404: { severity: 'warning', title: "satellite key is not its parent's key" },
  DV405: { severity: 'warning', title: 'hashdiff does not cover the payload' },
  DV406: { severity: 'warning', title: 'hashdiff includes a key' },
  DV407: { severity: 'warning', title: 'hash key built differently in two stages' },
  DV408: { severity: 'warning', title: 'load-date or record-source column missing' },
  DV409: { severity: 'warning', title: 'hashdiff used as a key, or a key used as a hashdiff' },
  DV410: { severity: 'warning', title: 'timestamptz inside a hash depends on the session TimeZone' },
  // DV5xx: AutomateDV pitfalls.
  DV501: { severity: 'error', title: 'unquoted !constant in YAML is a tag (dbt fromyaml returns None)' },
  DV502: { severity: 'warning', title: 'quote inside a constant' },
  DV503: { severity: 'warning', title: 'mixed-case source column left unquoted by AutomateDV' },
  DV504: { severity: 'warning', title: 'xts satellites share a sat-name column (AutomateDV emits duplicate CTEs)' },
  DV505: { severity: 'warning', title: 'ref_table with several sources (AutomateDV emits invalid SQL)' },
  DV506: { severity: 'warning', title: 'hash algorithm not supported on PostgreSQL, MD5 used' },
  DV507: { severity: 'warning', title: 'ranked column without partition_by and order_by' },
  DV508: { severity: 'warning', title: 'deprecated AutomateDV macro or materialization' },
  DV509: { severity: 'warning', title: 'hashed_columns mapping without is_hashdiff' },
  DV510: { severity: 'warning', title: 'ref_table key given as a list (AutomateDV emits invalid SQL)' },
  DV511: { severity: 'warning', title: 'nh_link/t_link metadata names a column twice (AutomateDV emits invalid SQL)' },
  DV512: { severity: 'warning', title: 'ma_sat src_cdk given as one name (AutomateDV loops over its letters)' },
  DV513: { severity: 'error', title: 'AutomateDV at the pinned version renders SQL that PostgreSQL rejects' },
  DV514: { severity: 'warning', title: 'incremental satellite over a stage that holds every load, without apply_source_filter or a high-water mark' },
  // DV9xx: what cannot be known or is not checked.
  DV901: { severity: 'information', title: 'macro from a package that is not installed; not expanded' },
  DV902: { severity: 'information', title: 'vault_insert_by_period/_by_rank: the loop runs in dvs load' },
  DV903: { severity: 'information', title: 'no database: live checks skipped' },
  DV904: { severity: 'information', title: 'package macro emulated where its installed version would differ' },
} as const satisfies Record<string, CodeInfo>;

export type Code = keyof typeof CODES;

const RANK: Record<Severity, number> = { information: 0, warning: 1, error: 2 };

/**
 * The severity a finding with `code` may have at most: the catalogue's. A finding of a code listed as a warning or as
 * information is never an error, whoever reports it; codes outside the catalogue keep what their reporter says.
 */
export function cappedSeverity(code: string, severity: Severity): Severity {
  const info = (CODES as Record<string, CodeInfo>)[code];
  if (!info) return severity;
  return RANK[severity] > RANK[info.severity] ? info.severity : severity;
}

/** Whether a finding stops `dvs load` of its model: an error, or a code dbt fails on at run time (failsRun). */
export function failsRun(d: { code: string; severity: Severity }): boolean {
  return d.severity === 'error' || (CODES as Record<string, CodeInfo>)[d.code]?.failsRun === true;
}

/** True when `a` is more severe than `b`. */
export function moreSevere(a: Severity, b: Severity): boolean {
  return RANK[a] > RANK[b];
}
