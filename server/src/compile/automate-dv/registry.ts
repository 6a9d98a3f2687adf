// Which compiler expands which AutomateDV macro. A new macro is one module (compileX), one template
// (templates/automate-dv/x.sql) and one line here; its signature already lives in signatures.ts.
import type { MacroContext } from '../context';
import { compileHub } from './hub';
import { compileLink } from './link';
import { compileNhLink, compileTLink } from './nh-link';
import { compileSat } from './sat';
import type { BoundArguments, VaultMacroName } from './signatures';
import { compileStage } from './stage';

/** Turns bound, required-checked arguments into the macro's SQL text. */
export type MacroCompiler = (args: BoundArguments, ctx: MacroContext) => string;

export const MACRO_COMPILERS: Partial<Record<VaultMacroName, MacroCompiler>> = {
  stage: compileStage,
  hub: compileHub,
  link: compileLink,
  sat: compileSat,
  t_link: compileTLink,
  nh_link: compileNhLink,
};
