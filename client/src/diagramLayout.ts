// Lays out the vault diagram as SVG markup: one column per layer (sources, stages, hubs, links, satellites, PITs and
// bridges, other models), edges as curves. Pure (no `vscode`), so the layout and its escaping are tested in plain node.
import type { ModelKind, ProjectGraphResult } from '../../server/src/protocol';
import { DIAGRAM_COLUMNS, diagramColumnOf } from './modelKinds';
import { escapeHtml } from './webviewPage';

const NODE_W = 170;
const NODE_H = 30;
const COL_GAP = 60;
const ROW_GAP = 14;
const TOP = 40;
const LEFT = 16;

export interface DiagramNode {
  id: string;
  label: string;
  kind: ModelKind | 'source';
  /** The model file to open on click; sources have none. */
  uri?: string;
  x: number;
  y: number;
}

export interface DiagramLayout {
  nodes: DiagramNode[];
  edges: { from: DiagramNode; to: DiagramNode }[];
  width: number;
  height: number;
  /** Titles of the columns that hold at least one node, with their x. */
  columns: { title: string; x: number }[];
}

export function layoutDiagram(graph: ProjectGraphResult): DiagramLayout {
  const byColumn = new Map<number, DiagramNode[]>();
  const add = (node: Omit<DiagramNode, 'x' | 'y'>): void => {
    const col = diagramColumnOf(node.kind);
    const list = byColumn.get(col) ?? [];
    list.push({ ...node, x: 0, y: 0 });
    byColumn.set(col, list);
  };
  for (const s of graph.sources) add({ id: s.id, label: `${s.schema}.${s.table}`, kind: 'source' });
  for (const m of graph.models) add({ id: m.name, label: m.name, kind: m.kind, uri: m.uri });

  // Only columns that hold nodes take space, so a project without PITs has no empty gap.
  const used = [...byColumn.keys()].sort((a, b) => a - b);
  const nodes: DiagramNode[] = [];
  const columns: DiagramLayout['columns'] = [];
  let height = TOP;
  used.forEach((col, i) => {
    const x = LEFT + i * (NODE_W + COL_GAP);
    columns.push({ title: DIAGRAM_COLUMNS[col]?.title ?? '', x });
    const list = (byColumn.get(col) ?? []).sort((a, b) => a.label.localeCompare(b.label));
    list.forEach((node, row) => {
      node.x = x;
      node.y = TOP + row * (NODE_H + ROW_GAP);
      nodes.push(node);
      height = Math.max(height, node.y + NODE_H + ROW_GAP);
    });
  });
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const edges: DiagramLayout['edges'] = [];
  for (const e of graph.edges) {
    const from = byId.get(e.from);
    const to = byId.get(e.to);
    if (from && to) edges.push({ from, to });
  }
  return { nodes, edges, width: LEFT * 2 + used.length * (NODE_W + COL_GAP), height, columns };
}

function edgePath(from: DiagramNode, to: DiagramNode): string {
  const x1 = from.x + NODE_W;
  const y1 = from.y + NODE_H / 2;
  const x2 = to.x;
  const y2 = to.y + NODE_H / 2;
  // An edge within one column or backwards bends out to the right so it stays visible.
  const bend = x2 > x1 ? (x2 - x1) / 2 : NODE_W / 2 + COL_GAP / 2;
  return `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`;
}

export function diagramSvg(layout: DiagramLayout): string {
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}">`);
  parts.push(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>`);
  for (const c of layout.columns) parts.push(`<text class="column-title" x="${c.x}" y="20">${escapeHtml(c.title)}</text>`);
  for (const e of layout.edges) parts.push(`<path class="edge" d="${edgePath(e.from, e.to)}" marker-end="url(#arrow)"/>`);
  for (const n of layout.nodes) {
    const attrs = n.uri ? ` data-uri="${escapeHtml(n.uri)}" tabindex="0" role="button"` : '';
    parts.push(
      `<g class="node kind-${n.kind}${n.uri ? ' clickable' : ''}" data-id="${escapeHtml(n.id)}"${attrs}>` +
        `<rect x="${n.x}" y="${n.y}" width="${NODE_W}" height="${NODE_H}" rx="5"/>` +
        `<text x="${n.x + 8}" y="${n.y + NODE_H / 2 + 4}">${escapeHtml(n.label.length > 24 ? `${n.label.slice(0, 23)}…` : n.label)}</text>` +
        `<title>${escapeHtml(`${n.label} (${n.kind})`)}</title></g>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}
