// Which other models' findings an edit of one model can change, found from the model's facts before and after the
// edit instead of re-checking the whole project: the models that read it (directly or through others), the stages
// that build one of its hash keys (or, when a table's keys changed, those keys), and — only when its hub or link
// key changed — every link and satellite.
import { macrosOfFamily } from '../base/automate-dv-macros';
import { stageOf, tableOf, type VaultIndex } from '../rules/context';
import { paramColumns } from '../rules/vault-facts';
import type { ProjectSession } from './session';

/** What other models' findings depend on in one model, taken before an edit and compared after it. */
export interface ModelFootprint {
  name: string;
  /** Models that select from it, directly or not. */
  readers: string[];
  /** Lower-cased names of the hash keys (not hashdiffs) it builds, when it is a stage. */
  hashKeys: string[];
  /** Its hub or link key as the DV403/DV404 rules read it, or '' when it is neither. */
  parentKey: string;
  /** Lower-cased keys and foreign keys it uses as a vault table (src_pk, src_fk, src_dfk, src_sfk); stage rules read them. */
  tableKeys: string[];
  /** It is a stage: its outputs and hash keys feed the index's stage maps. */
  isStage: boolean;
  /** The project's model name list at the time (a new list means files came, went or changed config). */
  modelNames: readonly string[];
}

const PARENT_MACROS = new Set<string>(macrosOfFamily('hub', 'link'));
const KEY_READERS = new Set(['link', 'sat', 'ma_sat', 'eff_sat']);

export function modelFootprint(session: ProjectSession, name: string): ModelFootprint {
  const node = session.node(name);
  const parsed = node && node.kind === 'model' ? session.parsed(node) : undefined;
  const stage = parsed ? stageOf(parsed) : undefined;
  const table = parsed ? tableOf(parsed) : undefined;
  const hashKeys = stage ? stage.hashed.filter((h) => !h.isHashdiff).map((h) => h.name.toLowerCase()) : [];
  const parentKey = table && PARENT_MACROS.has(table.macro) ? `${table.macro}:${paramColumns(table.call, 'src_pk').map((c) => c.value.toLowerCase()).join(',')}` : '';
  const tableKeys = table ? ['src_pk', 'src_fk', 'src_dfk', 'src_sfk'].flatMap((p) => paramColumns(table.call, p).map((c) => c.value.toLowerCase())) : [];
  return { name, readers: node ? session.project.descendants(name) : [], hashKeys, parentKey, tableKeys, isStage: stage !== undefined, modelNames: session.project.modelNames() };
}

/** The models to check again after `before` became `after` (the edited model itself excluded). */
export function affectedModels(session: ProjectSession, index: VaultIndex, before: ModelFootprint, after: ModelFootprint): string[] {
  const out = new Set<string>([...before.readers, ...after.readers]);
  const keys = new Set([...before.hashKeys, ...after.hashKeys]);
  // A table whose keys changed: the stages that build those keys read which keys vault tables use.
  if (before.tableKeys.join(',') !== after.tableKeys.join(',')) for (const k of [...before.tableKeys, ...after.tableKeys]) keys.add(k);
  if (keys.size) {
    const builders = index.hashBuilders();
    for (const k of keys) for (const b of builders.get(k) ?? []) out.add(b.stage);
  }
  if (before.parentKey !== after.parentKey) {
    for (const m of session.project.models()) {
      const t = index.table(m.name);
      if (t && KEY_READERS.has(t.macro)) out.add(m.name);
    }
  }
  out.delete(after.name);
  return [...out];
}

/**
 * True when a vault index built before the edit still holds: the model is no stage (stage outputs and hash builders
 * are unchanged), its hub, link and table keys are the same, and no model came, went or changed config. The index
 * computes each model's own facts from its current parse, so only its whole-project maps matter here.
 */
export function indexStillValid(before: ModelFootprint, after: ModelFootprint): boolean {
  return (
    !before.isStage &&
    !after.isStage &&
    before.parentKey === after.parentKey &&
    before.tableKeys.join(',') === after.tableKeys.join(',') &&
    before.modelNames === after.modelNames
  );
}
