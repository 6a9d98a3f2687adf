// Checks a whole project: each enabled model's diagnostics plus the project's own (dbt_project.yml, profiles,
// property files). The language server publishes the same findings per file; `dvs check` prints them.
import type { Diagnostic } from '../base/diagnostic';
import type { ProjectNode } from '../project';
import { createVaultIndex, mergeFindings, runVaultRules, type RuleProject, type VaultIndex } from '../rules';
import { onceForBatch, ruleProjectOfSession } from './rule-project';
import type { ProjectSession } from './session';

export interface FileFindings {
  file: string;
  text: string;
  diagnostics: Diagnostic[];
}

export interface CheckResult {
  models: number;
  files: FileFindings[];
}

/** What the vault rules look at: the project as the rules see it and the index over its vault models. */
export interface RuleView {
  project: RuleProject;
  index: VaultIndex;
}

/**
 * One model's findings, as the editor publishes them and `dvs check` prints them: the parse, the session's own
 * (project config, compile), the vault rules, merged so that each problem shows once. `text` is the model's text as
 * the session knows it unless given (an editor buffer, a benchmark's edit).
 */
export function checkModel(session: ProjectSession, node: ProjectNode, rules: RuleView, text: string = session.textOf(node), options: CheckModelOptions = {}): Diagnostic[] {
  const parsed = session.parse(text);
  const engine = session.diagnosticsFor(node, text);
  const found = runVaultRules({ modelName: node.name, parsed, project: rules.project, index: rules.index });
  const leaveOut = options.leaveOutRules;
  return mergeFindings(parsed, engine, leaveOut ? found.filter((d) => !leaveOut.has(d.code)) : found);
}

export interface CheckModelOptions {
  /** Vault rule codes whose findings are left out (the editor's start-up check, engine/early-check.ts). */
  leaveOutRules?: ReadonlySet<string>;
}

export interface CheckProjectOptions {
  /** The session's schema snapshot was read live from the target in this process (not only the cache). */
  connected?: boolean;
  /**
   * Check only the models at the positions of `session.models()` that `next()` hands out, until it hands out one past
   * the end, and the project's own files only when `projectFiles` is true: a part of the project, for checking parts
   * in parallel (cli/check-parallel.ts hands out positions from a counter the threads share).
   */
  part?: { next(): number; projectFiles: boolean };
}

export function checkProject(session: ProjectSession, options: CheckProjectOptions = {}): CheckResult {
  const files = new Map<string, FileFindings>();
  const models = session.models();
  // Nothing changes during the loop below: the lists every model's rules read are made once.
  const project = onceForBatch(ruleProjectOfSession(session, { connected: options.connected === true }));
  const rules: RuleView = { project, index: createVaultIndex(project) };
  const part = options.part;
  let position = 0;
  const next = part ? () => part.next() : () => position++;
  for (let at = next(); at < models.length; at = next()) {
    const node = models[at] as ProjectNode;
    const text = session.textOf(node);
    files.set(node.file, { file: node.file, text, diagnostics: checkModel(session, node, rules, text) });
  }
  if (part && !part.projectFiles) return { models: models.length, files: [...files.values()] };
  // A model file of another part is not the project's own file: its findings come with that part.
  const modelFiles = part ? new Set(models.map((m) => m.file)) : undefined;
  for (const d of session.project.diagnostics()) {
    // An unresolvable default target is the environment's state, not a project error: the CLI says on stderr that it
    // fell back to embedded, and the editor shows it in the status bar (CONTRACTS.md, Targets).
    if (d.code === 'DV105') continue;
    if (files.has(d.file) || modelFiles?.has(d.file)) continue;
    let entry = files.get(`other:${d.file}`);
    if (!entry) {
      entry = { file: d.file, text: session.files.readFile(d.file) ?? '', diagnostics: [] };
      files.set(`other:${d.file}`, entry);
    }
    entry.diagnostics.push(d);
  }
  return { models: models.length, files: [...files.values()] };
}
