// Which compiler expands which AutomateDV macro: the compile half of the descriptor table in
// base/automate-dv-macros.ts, whose every macro must have its compiler here (the types of the tables below say so).
// Every table macro also gets the notices that depend only on the model and the emulated version, not on its metadata.
import { AUTOMATE_DV_VERSIONS, behaviourAt, inBand, type DefaultSqlFailure, type PitDefaultSql } from '../../base/automate-dv-versions';
import { firstVersionOf, macroDescriptor } from '../../base/automate-dv-macros';
import { CompileError, type MacroContext } from '../context';
import { isDict, truthy } from '../../jinja/values';
import { hasIncrementalBranch } from '../../base/materializations';
import { compileBridge } from './bridge';
import { compileEffSat } from './eff-sat';
import { compileHub } from './hub';
import { compileLink } from './link';
import { compileMaSat } from './ma-sat';
import { compileNhLink, compileTLink } from './nh-link';
import { compilePit } from './pit';
import { compileRefTable } from './ref-table';
import { compileSat } from './sat';
import type { TableMacroName } from '../../base/automate-dv-macros';
import type { BoundArguments, VaultMacroName } from './signatures';
import { compileStage } from './stage';
import { reportVaultInsertMaterialization } from './vault-insert';
import { compileXts } from './xts';

/** Turns bound, required-checked arguments into the macro's SQL text. */
export type MacroCompiler = (args: BoundArguments, ctx: MacroContext) => string;

/**
 * Macros that only gained a PostgreSQL template in 0.9.7 and ref_table, which appeared in 0.10.0: under an older pinned
 * version dbt-postgres renders the default (Snowflake) SQL, or has no macro at all. Where that SQL fails on PostgreSQL
 * (the defaultTableSqlOnPostgres row: always, on incremental runs, or before PostgreSQL 17) the model is an error, as
 * dbt's run is; where it runs, a warning. eff_sat, ma_sat, pit and bridge get that default SQL rendered
 * (rendersDefaultSql), the others the later PostgreSQL logic. For a fork, information.
 */
function reportVersionGap(macro: VaultMacroName, ctx: MacroContext): void {
  // Only the table macros whose PostgreSQL template came after 0.9.0 (the postgresTableMacros row) fall back to the
  // default SQL; nh_link does not exist at all before its release (checkMacroExists).
  if (macroDescriptor(macro).firstVersion.postgres !== 'postgresTableMacros') return;
  const first = firstVersionOf(macro, 'postgres');
  // From the first release with the macro on, every later one has it (also an unreleased version between two bands).
  if (first === undefined || inBand(ctx.compat.version, { from: first })) return;
  // Before 0.9.0 there are no PostgreSQL macros at all; reportSnowflakeOnlyPackage has said so.
  if (behaviourAt(AUTOMATE_DV_VERSIONS.postgresMacros, ctx.compat.version) === 'snowflake-only') return;
  const version = ctx.compat.version;
  const upgrade = `Upgrade the pinned AutomateDV to ${first} or later.`;
  // A fork may have been adapted for PostgreSQL: it gets the later PostgreSQL logic, not the default SQL.
  const exact = !ctx.compat.fork && rendersDefaultSql(macro, version);
  const emulated = exact
    ? 'dvs renders that SQL as dbt does.'
    : `dvs compiles the ${first} logic instead (hashes still follow ${version}).`;
  const failure = behaviourAt<Readonly<Record<string, DefaultSqlFailure>>>(AUTOMATE_DV_VERSIONS.defaultTableSqlOnPostgres, version)[macro];
  const materialized = ctx.configOf('materialized');
  const laterRunsIncremental = typeof materialized === 'string' && hasIncrementalBranch(materialized);
  let error: string | undefined;
  let warning: string;
  if (macro === 'ref_table') {
    warning = `AutomateDV ${version} has no ref_table macro, so dbt cannot build this model on PostgreSQL.`;
  } else {
    const sql = `AutomateDV ${version} has no PostgreSQL version of ${macro}, so dbt-postgres renders its default (Snowflake) SQL`;
    if (failure?.fails === 'always') {
      error = `${sql}, which ${failure.because}; PostgreSQL rejects it, so dbt cannot build this model.`;
    } else if (failure?.fails === 'incremental' && (ctx.incremental || laterRunsIncremental)) {
      error = ctx.incremental
        ? `${sql}; its incremental run ${failure.because}, which PostgreSQL rejects, so this run fails in dbt.`
        : `${sql}; the first run builds the table, but every later (incremental) run ${failure.because}, which PostgreSQL rejects, so dbt fails from the second run on.`;
    }
    warning =
      failure?.fails === 'before-postgres-17'
        ? `${sql}, which ${failure.because}: PostgreSQL 16 and older have no such function and fail the model; 17 and later run it.`
        : `${sql}, which runs on PostgreSQL here but is not the logic of later releases.`;
  }
  if (error !== undefined && !ctx.compat.fork) {
    // Where dvs renders the default SQL itself, the SQL is given with the error, as dbt compiles it and PostgreSQL
    // then rejects it; otherwise there is no SQL to give.
    if (!exact && (ctx.incremental || failure?.fails === 'always')) throw new CompileError(`${error} ${upgrade}`, 'DV200');
    ctx.report({ code: 'DV200', severity: 'error', message: `${error} ${exact ? `${emulated} ` : ''}${upgrade}` });
    return;
  }
  if (error !== undefined) {
    ctx.report({
      code: 'DV200',
      severity: 'information',
      message: `${error} This project's AutomateDV is a fork, which may have a PostgreSQL version; dvs cannot know. ${emulated}`,
    });
    return;
  }
  ctx.report({ code: 'DV200', severity: 'warning', message: `${warning} ${emulated} ${upgrade}` });
}

/**
 * Whether the emulation renders the default (Snowflake) SQL that dbt-postgres renders for `macro` at `version`, rather
 * than the later PostgreSQL logic: eff_sat, ma_sat, pit and bridge before 0.9.7 (their defaultSql rows of the matrix).
 */
function rendersDefaultSql(macro: VaultMacroName, version: string): boolean {
  if (macro === 'eff_sat') return behaviourAt(AUTOMATE_DV_VERSIONS.effSatDefaultSql, version);
  if (macro === 'ma_sat') return behaviourAt(AUTOMATE_DV_VERSIONS.maSatDefaultSql, version);
  if (macro === 'pit') return behaviourAt<PitDefaultSql | undefined>(AUTOMATE_DV_VERSIONS.pitDefaultSql, version) !== undefined;
  if (macro === 'bridge') return behaviourAt(AUTOMATE_DV_VERSIONS.bridgeDefaultSql, version) !== 'postgres';
  return false;
}

/**
 * Fails where the pinned package has no such macro, as dbt does on the call, before any argument is read. For a fork
 * (a git repository other than Datavault-UK's, or a local folder) it is information: the fork may have added it.
 */
export function checkMacroExists(macro: VaultMacroName, ctx: MacroContext): void {
  const version = ctx.compat.version;
  if (macro !== 'nh_link' || behaviourAt(AUTOMATE_DV_VERSIONS.nhLinkMacro, version)) return;
  const message =
    `automate_dv.nh_link does not exist in AutomateDV ${version}; it arrived in 0.11.5. Upgrade the pinned AutomateDV ` +
    'to 0.11.5 or later, or call automate_dv.t_link (the same table: t_link became the alias of nh_link).';
  if (ctx.compat.fork) {
    ctx.report({ code: 'DV200', severity: 'information', message: `${message} This project's AutomateDV is a fork, which may have it; dvs cannot know and compiles 0.11.5's nh_link.` });
    return;
  }
  throw new CompileError(message, 'DV204');
}

/** A stage hashes when hashed_columns is a non-empty mapping; only then does it need the package's hash macro. */
function stageHashes(args: BoundArguments): boolean {
  const hashed = args.get('hashed_columns');
  return isDict(hashed) && truthy(hashed);
}

/**
 * dbtvault before 0.9.0 has no PostgreSQL macros: dbt-postgres renders the Snowflake default__ SQL. Where that SQL
 * fails on PostgreSQL (hashes with MD5_BINARY and IFNULL, QUALIFY, TO_DATE(x), or a macro the release does not have)
 * the call is an error, as dbt's run would be; where it runs, a warning that dvs emulates 0.9's PostgreSQL logic.
 */
function reportSnowflakeOnlyPackage(macro: VaultMacroName, args: BoundArguments, ctx: MacroContext): void {
  const version = ctx.compat.version;
  if (behaviourAt(AUTOMATE_DV_VERSIONS.postgresMacros, version) !== 'snowflake-only') return;
  const upgrade =
    'Upgrade to AutomateDV 0.9.6 or later (package Datavault-UK/automate_dv; dbtvault 0.9.0–0.9.5 also have PostgreSQL macros).';
  if (ctx.compat.fork) {
    ctx.report({
      code: 'DV200',
      severity: 'information',
      message:
        `dbtvault ${version} has no PostgreSQL macros, but this project uses a fork of it (git or local), which may be adapted ` +
        `for PostgreSQL; dvs cannot know what the fork renders and compiles AutomateDV's PostgreSQL logic for ${macro}.`,
    });
    return;
  }
  const runs = (behaviourAt(AUTOMATE_DV_VERSIONS.snowflakeMacrosRunningOnPostgres, version) as readonly string[]).includes(macro);
  if (macro === 'stage' && stageHashes(args)) throw snowflakeHashError(version, 'this stage fails');
  if (!runs) {
    throw new CompileError(
      `dbtvault ${version} has no PostgreSQL version of ${macro}: dbt-postgres renders its Snowflake SQL (QUALIFY, ` +
        `TO_DATE(x), ::BINARY), or the release has no such macro, and the model fails on PostgreSQL. ${upgrade}`,
      'DV200',
    );
  }
  ctx.report({
    code: 'DV200',
    severity: 'warning',
    message:
      `dbtvault ${version} has no PostgreSQL macros: dbt-postgres renders its Snowflake SQL for ${macro}, which runs on ` +
      `PostgreSQL but is not what dvs compiles (dvs follows AutomateDV's PostgreSQL logic), so rows or names may differ. ${upgrade}`,
  });
}

function snowflakeHashError(version: string, consequence: string): CompileError {
  return new CompileError(
    `dbtvault ${version} has no PostgreSQL macros: dbt-postgres renders its Snowflake hashes (MD5_BINARY, IFNULL), ` +
      `which PostgreSQL does not have, so ${consequence}. Upgrade to AutomateDV 0.9.6 or later (package ` +
      'Datavault-UK/automate_dv; dbtvault 0.9.0–0.9.5 also have PostgreSQL macros).',
    'DV200',
  );
}

/** automate_dv.hash / dbtvault.hash called directly: before 0.9.0 it is Snowflake SQL (information for a fork). */
export function checkHashMacro(ctx: MacroContext): void {
  const version = ctx.compat.version;
  if (behaviourAt(AUTOMATE_DV_VERSIONS.postgresMacros, version) !== 'snowflake-only') return;
  if (!ctx.compat.fork) throw snowflakeHashError(version, 'this hash fails');
  ctx.report({
    code: 'DV200',
    severity: 'information',
    message: `dbtvault ${version} hashes with Snowflake's MD5_BINARY; this project's fork may hash for PostgreSQL, which dvs cannot know.`,
  });
}

/**
 * The notices every macro gets from the pinned release alone: pre-PostgreSQL dbtvault. (dbtvault 0.9.0's quoting of
 * every name is emulated, in escape-every-name.ts and stage.ts, so it needs no notice.)
 */
function withVersionNotices(macro: VaultMacroName, compiler: MacroCompiler): MacroCompiler {
  return (args, ctx) => {
    reportSnowflakeOnlyPackage(macro, args, ctx);
    return compiler(args, ctx);
  };
}

function withModelNotices(macro: VaultMacroName, compiler: MacroCompiler): MacroCompiler {
  return withVersionNotices(macro, (args, ctx) => {
    reportVaultInsertMaterialization(ctx);
    reportVersionGap(macro, ctx);
    return compiler(args, ctx);
  });
}

/** The compiler of every table macro the descriptor table lists; the stage gets fewer notices (below). */
const TABLE_COMPILERS: Readonly<Record<TableMacroName, MacroCompiler>> = {
  hub: compileHub,
  link: compileLink,
  sat: compileSat,
  t_link: compileTLink,
  nh_link: compileNhLink,
  eff_sat: compileEffSat,
  ma_sat: compileMaSat,
  xts: compileXts,
  pit: compilePit,
  bridge: compileBridge,
  ref_table: compileRefTable,
};

export const MACRO_COMPILERS: Readonly<Record<VaultMacroName, MacroCompiler>> = {
  stage: withVersionNotices('stage', compileStage),
  ...(Object.fromEntries(
    Object.entries(TABLE_COMPILERS).map(([name, compiler]) => [name, withModelNotices(name as VaultMacroName, compiler)]),
  ) as Record<TableMacroName, MacroCompiler>),
};
