// How the client's views show each model kind: its group in the Vault view, its column in the vault diagram, its
// colour there. One entry per kind of the protocol's ModelKind, which the server derives from its table of AutomateDV
// macros, so a macro with a new kind fails the type-check here until its views are chosen. Pure (no `vscode`), so a
// plain test checks it against that table.
import type { ModelKind } from '../../server/src/protocol';

export type VaultGroupId = 'hubs' | 'links' | 'satellites' | 'pit-bridge' | 'stages' | 'other';
export type DiagramColumnId = 'sources' | 'stages' | 'hubs' | 'links' | 'satellites' | 'pit-bridge' | 'other';
export type KindColour = 'hub' | 'link' | 'satellite';

export interface KindView {
  group: VaultGroupId;
  column: DiagramColumnId;
  /** The diagram's fill and stroke; a kind without one is drawn in the editor's widget colours. */
  colour?: KindColour;
}

/** The Vault view's groups, in the order shown; the first three stay expanded (and shown when empty). */
const GROUPS: readonly { id: VaultGroupId; label: string; icon: string }[] = [
  { id: 'hubs', label: 'Hubs', icon: 'circle-large-outline' },
  { id: 'links', label: 'Links', icon: 'link' },
  { id: 'satellites', label: 'Satellites', icon: 'symbol-property' },
  { id: 'pit-bridge', label: 'Point-in-time & bridges', icon: 'layers' },
  { id: 'stages', label: 'Stages', icon: 'symbol-event' },
  { id: 'other', label: 'Other models', icon: 'file-code' },
];

/** The diagram's columns, left to right. */
export const DIAGRAM_COLUMNS: readonly { id: DiagramColumnId; title: string }[] = [
  { id: 'sources', title: 'Raw sources' },
  { id: 'stages', title: 'Stages' },
  { id: 'hubs', title: 'Hubs' },
  { id: 'links', title: 'Links' },
  { id: 'satellites', title: 'Satellites' },
  { id: 'pit-bridge', title: 'PITs & bridges' },
  { id: 'other', title: 'Other models' },
];

const COLOURS: Readonly<Record<KindColour, string>> = {
  hub: 'fill: #1f6feb33; stroke: #1f6feb;',
  link: 'fill: #2ea04333; stroke: #2ea043;',
  satellite: 'fill: #d2992233; stroke: #d29922;',
};

export const KIND_VIEW: Readonly<Record<ModelKind, KindView>> = {
  stage: { group: 'stages', column: 'stages' },
  hub: { group: 'hubs', column: 'hubs', colour: 'hub' },
  link: { group: 'links', column: 'links', colour: 'link' },
  t_link: { group: 'links', column: 'links', colour: 'link' },
  sat: { group: 'satellites', column: 'satellites', colour: 'satellite' },
  eff_sat: { group: 'satellites', column: 'satellites', colour: 'satellite' },
  ma_sat: { group: 'satellites', column: 'satellites', colour: 'satellite' },
  xts: { group: 'satellites', column: 'satellites', colour: 'satellite' },
  pit: { group: 'pit-bridge', column: 'pit-bridge' },
  bridge: { group: 'pit-bridge', column: 'pit-bridge' },
  model: { group: 'other', column: 'other' },
};

const KINDS = Object.keys(KIND_VIEW) as ModelKind[];

/** The Vault view's groups with the kinds each shows. */
export const VAULT_GROUPS: readonly { label: string; kinds: ModelKind[]; icon: string }[] = GROUPS.map((g) => ({
  label: g.label,
  icon: g.icon,
  kinds: KINDS.filter((k) => KIND_VIEW[k].group === g.id),
}));

/** The diagram column (an index into DIAGRAM_COLUMNS) of a kind, or of a raw source. */
export function diagramColumnOf(kind: ModelKind | 'source'): number {
  const id: DiagramColumnId = kind === 'source' ? 'sources' : KIND_VIEW[kind].column;
  return DIAGRAM_COLUMNS.findIndex((c) => c.id === id);
}

/** The diagram's stylesheet rules for the coloured kinds (`.kind-<kind> rect`). */
export function kindColourStyles(): string {
  return (Object.keys(COLOURS) as KindColour[])
    .map((colour) => {
      const selectors = KINDS.filter((k) => KIND_VIEW[k].colour === colour).map((k) => `.kind-${k} rect`);
      return selectors.length ? `${selectors.join(', ')} { ${COLOURS[colour]} }` : '';
    })
    .filter(Boolean)
    .join('\n');
}
