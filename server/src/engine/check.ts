// Checks a whole project: each enabled model's diagnostics plus the project's own (dbt_project.yml, profiles,
// property files). The language server publishes the same findings per file; `dvs check` prints them.
import type { Diagnostic } from '../base/diagnostic';
import { readFileSync } from 'node:fs';
import { createVaultIndex, mergeFindings, runVaultRules } from '../rules';
import { ruleProjectOfSession } from './rule-project';
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

/** `connected`: the session's schema snapshot was read live from the target in this process (not only the cache). */
export function checkProject(session: ProjectSession, options: { connected?: boolean } = {}): CheckResult {
  const files = new Map<string, FileFindings>();
  const models = session.models();
  const view = ruleProjectOfSession(session, { connected: options.connected === true });
  const index = createVaultIndex(view);
  for (const node of models) {
    const text = session.textOf(node);
    const parsed = session.parse(text);
    const engine = session.diagnosticsFor(node, text);
    const rules = runVaultRules({ modelName: node.name, parsed, project: view, index });
    files.set(node.file, { file: node.file, text, diagnostics: mergeFindings(parsed, engine, rules) });
  }
  for (const d of session.project.diagnostics()) {
    // An unresolvable default target is the environment's state, not a project error: the CLI says on stderr that it
    // fell back to embedded, and the editor shows it in the status bar (CONTRACTS.md, Targets).
    if (d.code === 'DV105') continue;
    if (files.has(d.file)) continue;
    let entry = files.get(`other:${d.file}`);
    if (!entry) {
      let text = '';
      try {
        text = readFileSync(d.file, 'utf8');
      } catch {
        text = '';
      }
      entry = { file: d.file, text, diagnostics: [] };
      files.set(`other:${d.file}`, entry);
    }
    entry.diagnostics.push(d);
  }
  return { models: models.length, files: [...files.values()] };
}
