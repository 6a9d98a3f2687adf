// A model's findings while its project is still being indexed (the language server's start-up). The model's own
// parse, the models it selects from (read on demand, up the graph), its compile and the vault rules that look only at
// those are exact already; the rules that read the whole project's maps (every model name, every hub and link key,
// every stage's hash keys) would report what is merely not indexed yet, so their findings wait for the full check
// that follows the indexing.
import type { Diagnostic } from '../base/diagnostic';
import type { ProjectNode } from '../project';
import { checkModel, type RuleView } from './check';
import type { ProjectSession } from './session';

/**
 * Rule codes whose findings depend on models the start-up index may not have read yet: unknown model names (DV101),
 * a link's foreign keys and a satellite's parent found by key among all hubs and links (DV403, DV404), and hash keys
 * built alike by every stage (DV407). The project's own DV101 (a ref to no model) stays: the models a file refs are
 * read before its findings are computed.
 */
export const WHOLE_PROJECT_RULES: ReadonlySet<string> = new Set(['DV101', 'DV403', 'DV404', 'DV407']);

/** checkModel() without the whole-project rules' findings: what can be published before the index is complete. */
export function checkModelEarly(session: ProjectSession, node: ProjectNode, rules: RuleView, text: string = session.textOf(node)): Diagnostic[] {
  return checkModel(session, node, rules, text, { leaveOutRules: WHOLE_PROJECT_RULES });
}
