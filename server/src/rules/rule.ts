// The shape of a vault rule: an id from the code catalogue, a title, and a check over one model that returns
// diagnostics in that model's file. Rules never throw and never touch the database.
import type { Diagnostic } from '../base/diagnostic';
import type { Code } from '../base/codes';
import type { VaultRuleContext } from './context';

export interface VaultRule {
  id: Code;
  title: string;
  check(ctx: VaultRuleContext): Diagnostic[];
}

/** Names for a message: `a, b and c`. */
export function nameList(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
