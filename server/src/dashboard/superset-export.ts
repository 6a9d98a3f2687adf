// Reads a Superset dashboard export (the YAML import bundle: dashboards/, charts/, datasets/) into plain data: the
// dashboard's layout tree, each chart's viz type and form-data params, and each dataset's table, metrics and columns.
// It never throws on a bad file: what cannot be read is listed in `problems` and the rest is kept.
import { parseDocument } from 'yaml';
import type { DashboardLayoutNode } from '../protocol';

export interface DatasetMetric {
  name: string;
  /** The SQL aggregate the dataset's author wrote, e.g. `SUM(purchases)`; Superset puts it into queries as written. */
  expression: string;
  verboseName?: string;
  d3format?: string;
}

export interface DatasetColumn {
  name: string;
  type?: string;
  isTemporal: boolean;
  /** A calculated column's SQL; absent for a physical column. */
  expression?: string;
  verboseName?: string;
}

export interface SupersetDataset {
  uuid: string;
  /** Path inside the export, e.g. `datasets/Data_Vault_Warehouse/mart_returns.yaml`. */
  file: string;
  tableName: string;
  schema?: string;
  /** A virtual dataset's SELECT; absent for a physical table. */
  sql?: string;
  mainTemporalColumn?: string;
  metrics: Map<string, DatasetMetric>;
  columns: Map<string, DatasetColumn>;
}

export interface SupersetChart {
  uuid: string;
  file: string;
  title: string;
  description?: string;
  vizType: string;
  /** The chart's form data as exported (metrics, groupby, time_grain_sqla, adhoc_filters, x_axis, …). */
  params: Record<string, unknown>;
  datasetUuid?: string;
}

export type LayoutNode = DashboardLayoutNode;

export interface SupersetDashboard {
  file: string;
  title: string;
  /** The grid's children in order; charts the layout does not place are appended as rows by the reader. */
  layout: LayoutNode[];
  colorScheme?: string;
}

export interface SupersetExport {
  dashboards: SupersetDashboard[];
  charts: Map<string, SupersetChart>;
  datasets: Map<string, SupersetDataset>;
  problems: string[];
}

type Json = Record<string, unknown>;

function asRecord(value: unknown): Json | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Sets an optional field from a YAML value only when that is a non-empty string, so absent fields stay absent. */
function setText<K extends string>(target: { [P in K]?: string }, key: K, value: unknown): void {
  const v = text(value);
  if (v) target[key] = v;
}

function num(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function readYaml(path: string, source: string, problems: string[]): Json | undefined {
  const doc = parseDocument(source);
  if (doc.errors.length) {
    problems.push(`${path} is not valid YAML (${doc.errors[0]?.message.split('\n')[0] ?? ''})`);
    return undefined;
  }
  const value = asRecord(doc.toJS());
  if (!value) problems.push(`${path} does not hold a YAML mapping`);
  return value;
}

/** position_json may come as a mapping (YAML export) or as a JSON string (older exports and the REST API). */
function positionOf(config: Json): Json | undefined {
  const raw = config.position ?? config.position_json;
  if (typeof raw === 'string') {
    try {
      return asRecord(JSON.parse(raw));
    } catch {
      return undefined;
    }
  }
  return asRecord(raw);
}

function layoutFromPosition(position: Json): LayoutNode[] {
  const seen = new Set<string>();
  const build = (id: string): LayoutNode | undefined => {
    if (seen.has(id)) return undefined;
    seen.add(id);
    const item = asRecord(position[id]);
    if (!item) return undefined;
    const meta = asRecord(item.meta) ?? {};
    const children = (Array.isArray(item.children) ? item.children : []).filter((c): c is string => typeof c === 'string');
    const kids = () => children.map(build).filter((n): n is LayoutNode => n !== undefined);
    switch (item.type) {
      case 'ROW':
        return { type: 'row', id, children: kids() };
      case 'COLUMN':
        return { type: 'column', id, width: num(meta.width, 4), children: kids() };
      case 'HEADER': {
        const size = meta.headerSize === 'SMALL_HEADER' ? 'small' : meta.headerSize === 'LARGE_HEADER' ? 'large' : 'medium';
        return { type: 'header', id, text: text(meta.text) ?? '', size };
      }
      case 'MARKDOWN':
        return { type: 'markdown', id, text: text(meta.code) ?? '', width: num(meta.width, 4), height: num(meta.height, 50) };
      case 'CHART': {
        const node: LayoutNode = { type: 'chart', id, width: num(meta.width, 4), height: num(meta.height, 50) };
        setText(node, 'chartUuid', meta.uuid);
        if (typeof meta.chartId === 'number') node.chartId = meta.chartId;
        setText(node, 'title', text(meta.sliceNameOverride) ?? meta.sliceName);
        return node;
      }
      case 'DIVIDER':
        return { type: 'divider', id };
      case 'TABS':
      case 'TAB':
        // Tabs are flattened: every tab's content is shown one after the other.
        return { type: 'column', id, width: 12, children: kids() };
      default:
        return undefined;
    }
  };
  const grid = asRecord(position.GRID_ID);
  const top = grid && Array.isArray(grid.children) ? grid.children.filter((c): c is string => typeof c === 'string') : [];
  return top.map(build).filter((n): n is LayoutNode => n !== undefined);
}

function chartUuidsIn(nodes: LayoutNode[], out = new Set<string>()): Set<string> {
  for (const n of nodes) {
    if (n.type === 'chart' && n.chartUuid) out.add(n.chartUuid);
    if (n.type === 'row' || n.type === 'column') chartUuidsIn(n.children, out);
  }
  return out;
}

function readDataset(file: string, config: Json, problems: string[]): SupersetDataset | undefined {
  const uuid = text(config.uuid);
  const tableName = text(config.table_name);
  if (!uuid || !tableName) {
    problems.push(`${file} needs uuid and table_name`);
    return undefined;
  }
  const metrics = new Map<string, DatasetMetric>();
  for (const m of Array.isArray(config.metrics) ? config.metrics : []) {
    const r = asRecord(m);
    const name = text(r?.metric_name);
    const expression = text(r?.expression);
    if (!r || !name || !expression) continue;
    const metric: DatasetMetric = { name, expression };
    setText(metric, 'verboseName', r.verbose_name);
    setText(metric, 'd3format', r.d3format);
    metrics.set(name, metric);
  }
  const columns = new Map<string, DatasetColumn>();
  for (const c of Array.isArray(config.columns) ? config.columns : []) {
    const r = asRecord(c);
    const name = text(r?.column_name);
    if (!r || !name) continue;
    const column: DatasetColumn = { name, isTemporal: r.is_dttm === true };
    setText(column, 'type', r.type);
    setText(column, 'expression', r.expression);
    setText(column, 'verboseName', r.verbose_name);
    columns.set(name, column);
  }
  const dataset: SupersetDataset = { uuid, file, tableName, metrics, columns };
  setText(dataset, 'schema', config.schema);
  setText(dataset, 'sql', config.sql);
  setText(dataset, 'mainTemporalColumn', config.main_dttm_col);
  return dataset;
}

function readChart(file: string, config: Json, problems: string[]): SupersetChart | undefined {
  const uuid = text(config.uuid);
  if (!uuid) {
    problems.push(`${file} has no uuid`);
    return undefined;
  }
  let params = asRecord(config.params);
  if (!params && typeof config.params === 'string') {
    try {
      params = asRecord(JSON.parse(config.params));
    } catch {
      problems.push(`${file}: params is not valid JSON`);
    }
  }
  const vizType = text(config.viz_type) ?? text(params?.viz_type) ?? 'unknown';
  const chart: SupersetChart = { uuid, file, title: text(config.slice_name) ?? posixBase(file), vizType, params: params ?? {} };
  setText(chart, 'description', config.description);
  setText(chart, 'datasetUuid', config.dataset_uuid);
  return chart;
}

function posixBase(path: string): string {
  return (path.split('/').pop() ?? path).replace(/\.ya?ml$/i, '').replace(/_/g, ' ');
}

/** Reads the export's files (paths relative to the export folder → their text). */
export function readSupersetExport(files: Map<string, string>): SupersetExport {
  const problems: string[] = [];
  const charts = new Map<string, SupersetChart>();
  const datasets = new Map<string, SupersetDataset>();
  const dashboardConfigs: [string, Json][] = [];
  for (const path of [...files.keys()].sort()) {
    if (!/\.ya?ml$/i.test(path)) continue;
    const base = path.split('/').pop() ?? path;
    if (base.startsWith('.') || base.startsWith('_')) continue;
    const kind = path.split('/')[0];
    if (kind !== 'charts' && kind !== 'datasets' && kind !== 'dashboards') continue;
    const config = readYaml(path, files.get(path) ?? '', problems);
    if (!config) continue;
    if (kind === 'charts') {
      const chart = readChart(path, config, problems);
      if (chart) charts.set(chart.uuid, chart);
    } else if (kind === 'datasets') {
      const dataset = readDataset(path, config, problems);
      if (dataset) datasets.set(dataset.uuid, dataset);
    } else {
      dashboardConfigs.push([path, config]);
    }
  }
  const dashboards: SupersetDashboard[] = [];
  for (const [file, config] of dashboardConfigs) {
    const position = positionOf(config);
    const layout = position ? layoutFromPosition(position) : [];
    if (!position) problems.push(`${file} has no position (the dashboard layout); its charts are shown one per row`);
    // A chart of the export that the layout does not place still belongs to the dashboard when it is the only one.
    const placed = chartUuidsIn(layout);
    if (dashboardConfigs.length === 1) {
      for (const chart of charts.values()) {
        if (!placed.has(chart.uuid)) layout.push({ type: 'row', id: `ROW-${chart.uuid}`, children: [{ type: 'chart', id: `CHART-${chart.uuid}`, chartUuid: chart.uuid, title: chart.title, width: 12, height: 50 }] });
      }
    }
    const metadata = asRecord(config.metadata);
    const dashboard: SupersetDashboard = { file, title: text(config.dashboard_title) ?? posixBase(file), layout };
    setText(dashboard, 'colorScheme', metadata?.color_scheme);
    dashboards.push(dashboard);
  }
  if (!dashboards.length && charts.size) {
    dashboards.push({
      file: '',
      title: 'Charts',
      layout: [...charts.values()].map((c) => ({ type: 'row' as const, id: `ROW-${c.uuid}`, children: [{ type: 'chart' as const, id: `CHART-${c.uuid}`, chartUuid: c.uuid, title: c.title, width: 12, height: 50 }] })),
    });
  }
  return { dashboards, charts, datasets, problems };
}

/** Every chart node of a layout, in reading order. */
export function chartNodes(nodes: LayoutNode[]): Extract<LayoutNode, { type: 'chart' }>[] {
  const out: Extract<LayoutNode, { type: 'chart' }>[] = [];
  const walk = (list: LayoutNode[]) => {
    for (const n of list) {
      if (n.type === 'chart') out.push(n);
      else if (n.type === 'row' || n.type === 'column') walk(n.children);
    }
  };
  walk(nodes);
  return out;
}
