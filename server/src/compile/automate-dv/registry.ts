// Which compiler expands which AutomateDV macro. A new macro is one module (compileX), one template
// (templates/automate-dv/x.sql) and one line here; its signature already lives in signatures.ts. Every table macro
// also gets the notices that depend only on the model and the emulated version, not on its metadata.
import type { MacroContext } from '../context';
import { compileBridge } from './bridge';
import { compileEffSat } from './eff-sat';
import { compileHub } from './hub';
import { compileLink } from './link';
import { versionAtLeast } from './load-context';
import { compileMaSat } from './ma-sat';
import { compileNhLink, compileTLink } from './nh-link';
import { compilePit } from './pit';
import { compileRefTable } from './ref-table';
import { compileSat } from './sat';
import type { BoundArguments, VaultMacroName } from './signatures';
import { compileStage } from './stage';
import { reportVaultInsertMaterialization } from './vault-insert';
import { compileXts } from './xts';

/** Turns bound, required-checked arguments into the macro's SQL text. */
export type MacroCompiler = (args: BoundArguments, ctx: MacroContext) => string;

/**
 * Macros that only gained a PostgreSQL template in 0.9.7 (their default SQL uses Snowflake's QUALIFY) and ref_table,
 * which appeared in 0.10.0: under an older pinned version AutomateDV cannot build them on PostgreSQL.
 */
const FIRST_POSTGRES_VERSION: Partial<Record<VaultMacroName, string>> = {
  eff_sat: '0.9.7',
  ma_sat: '0.9.7',
  pit: '0.9.7',
  bridge: '0.9.7',
  ref_table: '0.10.0',
};

function reportVersionGap(macro: VaultMacroName, ctx: MacroContext): void {
  const first = FIRST_POSTGRES_VERSION[macro];
  if (first === undefined || versionAtLeast(ctx.compat.version, first)) return;
  const why = macro === 'ref_table' ? 'has no ref_table macro' : `has no PostgreSQL version of ${macro} (its default SQL uses Snowflake's QUALIFY)`;
  ctx.report({
    code: 'DV200',
    severity: 'warning',
    message:
      `AutomateDV ${ctx.compat.version} ${why}, so dbt cannot build this model on PostgreSQL. dvs compiles the ${first} logic ` +
      `instead (hashes still follow ${ctx.compat.version}). Upgrade the pinned AutomateDV to ${first} or later.`,
  });
}

function withModelNotices(macro: VaultMacroName, compiler: MacroCompiler): MacroCompiler {
  return (args, ctx) => {
    reportVaultInsertMaterialization(ctx);
    reportVersionGap(macro, ctx);
    return compiler(args, ctx);
  };
}

const TABLE_COMPILERS: Partial<Record<VaultMacroName, MacroCompiler>> = {
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

export const MACRO_COMPILERS: Partial<Record<VaultMacroName, MacroCompiler>> = {
  stage: compileStage,
  ...Object.fromEntries(
    Object.entries(TABLE_COMPILERS).map(([name, compiler]) => [name, withModelNotices(name as VaultMacroName, compiler)]),
  ),
};
