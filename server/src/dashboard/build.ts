// The dashboard without Superset: finds a project's Superset export, maps each chart's dataset to the mart relation
// of the active target, runs the chart's queries and turns the rows into ECharts options. Shared by `dvs dashboard`,
// `npm run demo` and the editor's Show Dashboard (through dvs/dashboard). A chart that cannot be drawn carries its
// reason for its tile; nothing here throws for one chart's sake.
import { pathToFileURL } from 'node:url';
import type { FileSystem } from '../project/file-system';
import type { DashboardChart, DashboardResult } from '../protocol';
import { encodeRows } from '../warehouse/encode';
import { sqlErrorMessage } from '../warehouse/errors';
import type { SqlSession } from '../warehouse/warehouse';
import { bigNumberOption, colorScheme, histogramOption, mixedOption, timeseriesOption, type Row } from './options';
import { ChartDefinitionError, chartQueries, datasetSource, isSupportedVizType, SUPPORTED_VIZ_TYPES, type ChartQuery } from './queries';
import { chartNodes, readSupersetExport, type SupersetChart, type SupersetDataset, type SupersetExport } from './superset-export';

/** Where a dataset's table lives on the active target, and the dbt model that builds it. */
export interface ResolvedDataset {
  schema: string;
  identifier: string;
  model?: { name: string; path: string; file: string };
}

export type DatasetResolver = (dataset: SupersetDataset) => ResolvedDataset | undefined;

interface ProjectNodeView {
  kind: string;
  name: string;
  path: string;
  file: string;
  enabled: boolean;
  relation: { schema: string; identifier: string };
  config?: { values: { get(key: string): unknown } };
}

/** The smallest view of a dbt project the resolver needs (ProjectSession's project satisfies it). */
export interface ProjectRelations {
  node(name: string): ProjectNodeView | undefined;
  nodeByRelation(schema: string, identifier: string): ProjectNodeView | undefined;
  models?(): readonly ProjectNodeView[];
}

/**
 * A dataset's table as the project builds it on the active target. Superset names the table as it saw it on its own
 * warehouse (`mart.mart_returns`); the project may put that model elsewhere (generate_schema_name, another target's
 * schema), so the model of that name wins, then a model already at that relation, then the schema the project's models
 * configured with the dataset's schema land in, then the dataset's own name.
 */
export function projectDatasetResolver(project: ProjectRelations): DatasetResolver {
  return (dataset) => {
    if (dataset.sql) return undefined;
    const byName = project.node(dataset.tableName);
    const node = byName && byName.enabled && byName.kind !== 'source' ? byName : dataset.schema ? project.nodeByRelation(dataset.schema, dataset.tableName) : undefined;
    if (node) return { schema: node.relation.schema, identifier: node.relation.identifier, model: { name: node.name, path: node.path, file: node.file } };
    if (!dataset.schema) return undefined;
    // A table no model builds, in a schema the project's models are configured into (`+schema: mart`): that schema as
    // the project names it on this target (generate_schema_name), else the dataset's schema as written.
    const peer = project.models?.().find((m) => m.config?.values.get('schema') === dataset.schema);
    return { schema: peer?.relation.schema ?? dataset.schema, identifier: dataset.tableName };
  };
}

/** The export folder of a project: `superset/` at its root, else the first folder one level down holding a dashboard
 *  export's metadata.yaml. */
export function findSupersetExport(root: string, fs: FileSystem): string | undefined {
  const base = root.replace(/\\/g, '/').replace(/\/$/, '');
  if (fs.exists(`${base}/superset/metadata.yaml`) || fs.listFiles(`${base}/superset/dashboards`, (p) => /\.ya?ml$/i.test(p)).length) return `${base}/superset`;
  const candidates = fs.listFiles(base, (p) => /\/metadata\.ya?ml$/i.test(p) && p.slice(base.length + 1).split('/').length === 2);
  for (const file of candidates) {
    const dir = file.slice(0, file.lastIndexOf('/'));
    if (/\btype:\s*Dashboard\b/.test(fs.readFile(file) ?? '')) return dir;
  }
  return undefined;
}

/** The export's files, by path relative to its folder. */
export function readExportFiles(dir: string, fs: FileSystem): Map<string, string> {
  const files = new Map<string, string>();
  for (const file of fs.listFiles(dir, (p) => /\.ya?ml$/i.test(p))) files.set(file.slice(dir.length + 1), fs.readFile(file) ?? '');
  return files;
}

function chartFor(node: { chartUuid?: string; title?: string }, exported: SupersetExport): SupersetChart | undefined {
  if (node.chartUuid) {
    const chart = exported.charts.get(node.chartUuid);
    if (chart) return chart;
  }
  // Older exports place charts by their numeric id only; their title still names them.
  return node.title ? [...exported.charts.values()].find((c) => c.title === node.title) : undefined;
}

function optionFor(chart: SupersetChart, queries: ChartQuery[], results: Row[][], colors: string[]): unknown {
  const [main, b] = queries;
  const [rows, rowsB] = results;
  if (!main || !rows) return undefined;
  switch (chart.vizType) {
    case 'big_number':
      return bigNumberOption(chart, main, rows, colors);
    case 'mixed_timeseries':
      return b && rowsB ? mixedOption(chart, main, rows, b, rowsB, colors) : undefined;
    case 'histogram_v2':
      return histogramOption(chart, main, rows, colors);
    default:
      return timeseriesOption(chart, main, rows, colors);
  }
}

export interface BuildDashboardOptions {
  /** The export folder relative to the project, for people. */
  exportDir: string;
  target: string;
  resolve: DatasetResolver;
  /** Turns a model file's absolute path into the URI the client opens. */
  uriOf?: (file: string) => string;
  now?: Date;
}

/** Queries every chart of the export's first dashboard on `db` and returns what the dashboard page draws. */
export async function buildDashboard(exported: SupersetExport, db: SqlSession, options: BuildDashboardOptions): Promise<DashboardResult> {
  const dashboard = exported.dashboards[0];
  const uriOf = options.uriOf ?? ((file: string) => pathToFileURL(file).href);
  const result: DashboardResult = {
    title: dashboard?.title ?? 'Dashboard',
    exportDir: options.exportDir,
    layout: dashboard?.layout ?? [],
    charts: {},
    target: options.target,
    generatedAt: (options.now ?? new Date()).toISOString(),
    problems: [...exported.problems],
  };
  const colors = colorScheme(dashboard?.colorScheme);
  for (const node of chartNodes(result.layout)) {
    const chart = chartFor(node, exported);
    if (!chart) {
      result.charts[node.id] = { title: node.title ?? node.id, vizType: 'unknown', status: 'error', message: `The layout places chart ${node.chartUuid ?? node.chartId ?? node.id}, which is not in the export's charts/ folder.`, sql: [], rows: 0 };
      continue;
    }
    result.charts[node.id] = await drawChart(chart, exported, db, options.resolve, uriOf, colorScheme(chart.params.color_scheme ?? dashboard?.colorScheme) ?? colors);
  }
  return result;
}

async function drawChart(chart: SupersetChart, exported: SupersetExport, db: SqlSession, resolve: DatasetResolver, uriOf: (file: string) => string, colors: string[]): Promise<DashboardChart> {
  const out: DashboardChart = { title: chart.title, vizType: chart.vizType, status: 'ok', sql: [], rows: 0 };
  if (chart.description) out.description = chart.description;
  const dataset = chart.datasetUuid ? exported.datasets.get(chart.datasetUuid) : undefined;
  if (dataset) {
    const where = resolve(dataset);
    out.relation = where ? `${where.schema}.${where.identifier}` : dataset.sql ? `(virtual dataset ${dataset.tableName})` : dataset.tableName;
    if (where?.model) out.model = { name: where.model.name, path: where.model.path, uri: uriOf(where.model.file) };
  }
  if (!isSupportedVizType(chart.vizType)) {
    return { ...out, status: 'unsupported', message: `Viz type ${chart.vizType} is not drawn here (supported: ${SUPPORTED_VIZ_TYPES.join(', ')}). Open the dashboard in Superset to see it.` };
  }
  if (!dataset) {
    const ref = chart.datasetUuid ? `dataset ${chart.datasetUuid}` : 'no dataset';
    return { ...out, status: 'error', message: `${chart.file} reads ${ref}, which is not in the export's datasets/ folder. Export the chart together with its dataset.` };
  }
  let queries: ChartQuery[];
  try {
    const where = resolve(dataset);
    queries = chartQueries(chart, dataset, datasetSource(dataset, where));
  } catch (error) {
    if (error instanceof ChartDefinitionError) return { ...out, status: 'error', message: `${chart.file}: ${error.message}` };
    throw error;
  }
  out.sql = queries.map((q) => q.sql);
  const results: Row[][] = [];
  for (const query of queries) {
    try {
      const rows = encodeRows(await db.query(query.sql, query.params));
      results.push(rows);
      out.rows += rows.length;
    } catch (error) {
      const missing = /does not exist/.test(sqlErrorMessage(error)) ? ` Run the loads that build ${out.model?.name ?? dataset.tableName} first.` : '';
      return { ...out, status: 'error', message: `The query of ${chart.title} failed on ${out.relation ?? dataset.tableName}: ${sqlErrorMessage(error)}.${missing}` };
    }
  }
  out.option = optionFor(chart, queries, results, colors);
  return out;
}

export { readSupersetExport };
