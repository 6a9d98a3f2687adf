// The vault rules and their runner: each rule is one module with an id from the code catalogue (DV1xx–DV5xx) and a
// check over one model, and each code is reported from one module only (test/rules/one-file-per-code.test.ts); the
// engine and the language server call runVaultRules for every model they check.
import type { Diagnostic } from '../base/diagnostic';
import type { ParsedModel } from '../model/parse';
import { columnExists } from './column-exists';
import { createVaultIndex, type RuleProject, type VaultIndex } from './context';
import { consistentHashKeys } from './consistent-hash-keys';
import { fullHistorySatellite } from './full-history-satellite';
import { hashdiffCoversPayload } from './hashdiff-covers-payload';
import { hashdiffKeyConfusion } from './hashdiff-key-confusion';
import { hashdiffWithoutKeys } from './hashdiff-without-keys';
import { hubKeyFromBusinessKey } from './hub-key-from-business-key';
import { hubKeyIsHashed } from './hub-key-is-hashed';
import { linkForeignKeys } from './link-foreign-keys';
import { loadMetadataPresent } from './load-metadata-present';
import { mixedCaseSourceColumns } from './mixed-case-source-columns';
import { parameterTypes } from './parameter-types';
import { quoteInConstant } from './quote-in-constant';
import { modelExists, sourceExists } from './reference-exists';
import type { VaultRule } from './rule';
import { satParentKey } from './sat-parent-key';
import { timestamptzInHash } from './timestamptz-in-hash';

export type { VaultRule } from './rule';
export { createVaultIndex } from './context';
export type { ColumnsOrigin, KnownColumns, RuleProject, StageOutput, VaultIndex, VaultRuleContext, KeyOwners, HashBuilder } from './context';
export { isTimestamptz } from './timestamptz-in-hash';
export { mergeFindings } from './merge';

/** Every rule, in the order their findings are listed. */
export const VAULT_RULES: readonly VaultRule[] = [
  modelExists,
  sourceExists,
  parameterTypes,
  columnExists,
  hubKeyIsHashed,
  hubKeyFromBusinessKey,
  linkForeignKeys,
  satParentKey,
  hashdiffCoversPayload,
  hashdiffWithoutKeys,
  consistentHashKeys,
  loadMetadataPresent,
  hashdiffKeyConfusion,
  timestamptzInHash,
  quoteInConstant,
  mixedCaseSourceColumns,
  fullHistorySatellite,
];

export interface VaultRuleInput {
  modelName: string;
  parsed: ParsedModel;
  project: RuleProject;
  /** Share one index between the models of one check pass; built here when absent. */
  index?: VaultIndex;
  /** Told when a rule throws (a bug); the other rules still run. Tests pass one that fails. */
  onRuleError?: (rule: VaultRule, error: unknown) => void;
}

/** Runs every rule over one model. A rule that fails unexpectedly is skipped rather than hiding the others. */
export function runVaultRules(input: VaultRuleInput): Diagnostic[] {
  const ctx = { modelName: input.modelName, parsed: input.parsed, project: input.project, index: input.index ?? createVaultIndex(input.project) };
  const out: Diagnostic[] = [];
  for (const rule of VAULT_RULES) {
    try {
      // A loop, not push(...found): most rules find nothing, and a spread call costs the same either way.
      const found = rule.check(ctx);
      for (let i = 0; i < found.length; i++) out.push(found[i] as Diagnostic);
    } catch (error) {
      // A rule bug must not take the other findings (or the editor) down; the fixture tests catch it.
      input.onRuleError?.(rule, error);
    }
  }
  return out;
}
