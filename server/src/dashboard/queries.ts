// Turns a Superset chart's form data into SQL over its dataset's relation, as Superset's own query builder would for
// PostgreSQL: saved metrics go in as the dataset's author wrote them, columns are quoted identifiers, filter values are
// bound parameters, and a time grain becomes date_trunc. One chart may need several queries (mixed_timeseries).
import { quoteIdent } from '../base/relation';
import type { SupersetChart, SupersetDataset } from './superset-export';

/** The viz types this module can query and draw; any other type gets a placeholder naming it. */
export const SUPPORTED_VIZ_TYPES = ['big_number', 'echarts_timeseries_bar', 'echarts_timeseries_line', 'echarts_area', 'mixed_timeseries', 'histogram_v2'] as const;
export type SupportedVizType = (typeof SUPPORTED_VIZ_TYPES)[number];

export function isSupportedVizType(vizType: string): vizType is SupportedVizType {
  return (SUPPORTED_VIZ_TYPES as readonly string[]).includes(vizType);
}

/** Where a dataset's rows come from: a relation already rendered with quoted parts, or a virtual dataset's SELECT. */
export interface DatasetSource {
  /** `"schema"."table"` (quoted), or `(SELECT …) AS "virtual_table"`. */
  from: string;
}

export interface ChartQuery {
  /** Which part of the chart the rows feed: `main`, or `b` for mixed_timeseries' second query. */
  role: 'main' | 'b';
  sql: string;
  params: unknown[];
  /** The column names of the result, by what they mean. */
  x?: string;
  groupby: string[];
  metrics: MetricRef[];
  /** histogram_v2: the column whose values are binned. */
  valueColumn?: string;
}

export interface MetricRef {
  /** The result column (and legend label). */
  label: string;
  d3format?: string;
}

export class ChartDefinitionError extends Error {}

/** Superset's ISO 8601 time grains and the date_trunc unit PostgreSQL's engine spec maps them to. */
const TIME_GRAINS: Record<string, string> = {
  PT1S: 'second',
  PT1M: 'minute',
  PT1H: 'hour',
  P1D: 'day',
  P1W: 'week',
  P1M: 'month',
  P3M: 'quarter',
  P1Y: 'year',
};

export function timeGrainUnit(grain: unknown): string | undefined {
  return typeof grain === 'string' ? TIME_GRAINS[grain] : undefined;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function list(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return value === undefined || value === null || value === '' ? [] : [value];
}

/** A column reference of the form data: a name, or an adhoc column `{sqlExpression, label}`. */
interface ColumnSql {
  sql: string;
  label: string;
  temporal: boolean;
}

function columnSql(ref: unknown, dataset: SupersetDataset, what: string): ColumnSql {
  if (typeof ref === 'string') {
    const column = dataset.columns.get(ref);
    if (!column && dataset.columns.size > 0 && !dataset.sql) {
      throw new ChartDefinitionError(`${what} names column "${ref}", which dataset ${dataset.tableName} does not have (${[...dataset.columns.keys()].join(', ')}).`);
    }
    // A calculated column's expression is the dataset author's SQL, as Superset uses it.
    const sql = column?.expression ? `(${column.expression})` : quoteIdent(ref);
    return { sql, label: ref, temporal: column?.isTemporal ?? false };
  }
  const adhoc = record(ref);
  const expression = typeof adhoc?.sqlExpression === 'string' ? adhoc.sqlExpression : undefined;
  if (adhoc && expression) {
    const label = typeof adhoc.label === 'string' && adhoc.label ? adhoc.label : expression;
    return { sql: `(${expression})`, label, temporal: adhoc.columnType === 'BASE_AXIS' && typeof adhoc.timeGrain === 'string' };
  }
  throw new ChartDefinitionError(`${what} is neither a column name nor an adhoc column with sqlExpression.`);
}

const AGGREGATES = new Set(['AVG', 'COUNT', 'COUNT_DISTINCT', 'MAX', 'MIN', 'SUM']);

interface MetricSql {
  sql: string;
  label: string;
  d3format?: string;
}

function metricSql(ref: unknown, dataset: SupersetDataset): MetricSql {
  if (typeof ref === 'string') {
    const saved = dataset.metrics.get(ref);
    if (!saved) {
      throw new ChartDefinitionError(`metric "${ref}" is not a metric of dataset ${dataset.tableName} (it has ${[...dataset.metrics.keys()].join(', ') || 'none'}).`);
    }
    return { sql: saved.expression, label: saved.verboseName ?? saved.name, ...(saved.d3format ? { d3format: saved.d3format } : {}) };
  }
  const adhoc = record(ref);
  if (!adhoc) throw new ChartDefinitionError('a metric is neither a saved metric name nor an adhoc metric.');
  if (adhoc.expressionType === 'SQL' && typeof adhoc.sqlExpression === 'string') {
    const label = typeof adhoc.label === 'string' && adhoc.label ? adhoc.label : adhoc.sqlExpression;
    return { sql: adhoc.sqlExpression, label };
  }
  const aggregate = typeof adhoc.aggregate === 'string' ? adhoc.aggregate.toUpperCase() : '';
  const column = record(adhoc.column);
  const columnName = typeof column?.column_name === 'string' ? column.column_name : undefined;
  if (!AGGREGATES.has(aggregate) || !columnName) throw new ChartDefinitionError(`adhoc metric ${JSON.stringify(adhoc.label ?? '')} needs an aggregate (${[...AGGREGATES].join(', ')}) and a column.`);
  const col = columnSql(columnName, dataset, 'an adhoc metric');
  const sql = aggregate === 'COUNT_DISTINCT' ? `COUNT(DISTINCT ${col.sql})` : `${aggregate}(${col.sql})`;
  const label = typeof adhoc.label === 'string' && adhoc.label ? adhoc.label : `${aggregate}(${columnName})`;
  return { sql, label };
}

/** A temporal range comparator: `No filter`, or `start : end` with ISO dates (either side may be empty). */
function temporalRange(comparator: unknown): { since?: string; until?: string } | undefined {
  if (comparator === undefined || comparator === null || comparator === '' || comparator === 'No filter') return undefined;
  if (typeof comparator !== 'string' || !comparator.includes(' : ')) {
    throw new ChartDefinitionError(`the time range "${String(comparator)}" is not supported here; use "No filter" or "YYYY-MM-DD : YYYY-MM-DD".`);
  }
  const [since, until] = comparator.split(' : ').map((s) => s.trim());
  const iso = (s: string | undefined) => {
    if (!s) return undefined;
    if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+)?$/.test(s)) throw new ChartDefinitionError(`the time range bound "${s}" is not an ISO date; relative ranges ("Last month") are not supported here.`);
    return s;
  };
  const out: { since?: string; until?: string } = {};
  const a = iso(since);
  const b = iso(until);
  if (a) out.since = a;
  if (b) out.until = b;
  return out;
}

const SIMPLE_OPERATORS: Record<string, string> = { '==': '=', '!=': '<>', '>': '>', '<': '<', '>=': '>=', '<=': '<=', LIKE: 'LIKE', 'NOT LIKE': 'NOT LIKE', ILIKE: 'ILIKE' };

interface Conditions {
  where: string[];
  having: string[];
  params: unknown[];
}

function addFilters(filters: unknown, dataset: SupersetDataset, into: Conditions): void {
  const bind = (value: unknown) => {
    into.params.push(value);
    return `$${into.params.length}`;
  };
  for (const raw of list(filters)) {
    const f = record(raw);
    if (!f) continue;
    const clause = f.clause === 'HAVING' ? into.having : into.where;
    if (f.expressionType === 'SQL') {
      if (typeof f.sqlExpression === 'string' && f.sqlExpression.trim()) clause.push(`(${f.sqlExpression})`);
      continue;
    }
    const subject = f.subject;
    if (subject === undefined || subject === null) continue;
    const col = columnSql(subject, dataset, 'a filter');
    const op = typeof f.operator === 'string' ? f.operator.toUpperCase() : '';
    const comparator = f.comparator;
    if (op === 'TEMPORAL_RANGE') {
      const range = temporalRange(comparator);
      if (range?.since) clause.push(`${col.sql} >= ${bind(range.since)}`);
      if (range?.until) clause.push(`${col.sql} < ${bind(range.until)}`);
    } else if (op === 'IS NULL' || op === 'IS NOT NULL') {
      clause.push(`${col.sql} ${op}`);
    } else if (op === 'IS TRUE' || op === 'IS FALSE') {
      clause.push(`${col.sql} ${op}`);
    } else if (op === 'IN' || op === 'NOT IN') {
      const values = list(comparator);
      if (!values.length) clause.push(op === 'IN' ? 'FALSE' : 'TRUE');
      else clause.push(`${col.sql} ${op} (${values.map((v) => bind(v)).join(', ')})`);
    } else if (SIMPLE_OPERATORS[op]) {
      clause.push(`${col.sql} ${SIMPLE_OPERATORS[op]} ${bind(comparator)}`);
    } else {
      throw new ChartDefinitionError(`the filter operator "${String(f.operator)}" is not supported here.`);
    }
  }
}

function selectSql(parts: { select: string[]; from: string; conditions: Conditions; groupBy: number; orderBy?: string; limit?: number }): string {
  const lines = [`SELECT ${parts.select.join(',\n       ')}`, `FROM ${parts.from}`];
  if (parts.conditions.where.length) lines.push(`WHERE ${parts.conditions.where.join('\n  AND ')}`);
  if (parts.groupBy > 0) lines.push(`GROUP BY ${Array.from({ length: parts.groupBy }, (_, i) => i + 1).join(', ')}`);
  if (parts.conditions.having.length) lines.push(`HAVING ${parts.conditions.having.join('\n   AND ')}`);
  if (parts.orderBy) lines.push(`ORDER BY ${parts.orderBy}`);
  if (parts.limit !== undefined) lines.push(`LIMIT ${parts.limit}`);
  return lines.join('\n');
}

function rowLimit(value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isInteger(n) && n > 0 ? Math.min(n, 100_000) : 10_000;
}

/** The x axis: the chart's x_axis (or the dataset's main temporal column), truncated to the time grain when temporal. */
function xAxisSql(params: Record<string, unknown>, dataset: SupersetDataset, grainKey = 'time_grain_sqla'): ColumnSql {
  const ref = params.x_axis ?? params.granularity_sqla ?? dataset.mainTemporalColumn;
  if (ref === undefined || ref === null || ref === '') throw new ChartDefinitionError('the chart has no x_axis and its dataset no main temporal column.');
  const col = columnSql(ref, dataset, 'x_axis');
  const unit = timeGrainUnit(params[grainKey]);
  if (!unit) return col;
  // Cast to timestamp first: date_trunc of a date would pick the timestamptz overload and depend on the session's zone.
  return { sql: `date_trunc('${unit}', CAST(${col.sql} AS timestamp))`, label: col.label, temporal: true };
}

interface SeriesQueryKeys {
  metrics: string;
  groupby: string;
  filters: string;
  limit: string;
}

function timeseriesQuery(role: 'main' | 'b', params: Record<string, unknown>, dataset: SupersetDataset, source: DatasetSource, keys: SeriesQueryKeys): ChartQuery {
  const x = xAxisSql(params, dataset);
  const groupby = list(params[keys.groupby]).map((g) => columnSql(g, dataset, 'groupby'));
  const metrics = list(params[keys.metrics]).map((m) => metricSql(m, dataset));
  if (!metrics.length) throw new ChartDefinitionError(`the chart has no ${keys.metrics}.`);
  const conditions: Conditions = { where: [], having: [], params: [] };
  addFilters(params[keys.filters], dataset, conditions);
  const select = [`${x.sql} AS ${quoteIdent(x.label)}`, ...groupby.map((g) => `${g.sql} AS ${quoteIdent(g.label)}`), ...metrics.map((m) => `${m.sql} AS ${quoteIdent(m.label)}`)];
  const sql = selectSql({ select, from: source.from, conditions, groupBy: 1 + groupby.length, orderBy: Array.from({ length: 1 + groupby.length }, (_, i) => i + 1).join(', '), limit: rowLimit(params[keys.limit]) });
  return {
    role,
    sql,
    params: conditions.params,
    x: x.label,
    groupby: groupby.map((g) => g.label),
    metrics: metrics.map((m) => ({ label: m.label, ...(m.d3format ? { d3format: m.d3format } : {}) })),
  };
}

function bigNumberQuery(params: Record<string, unknown>, dataset: SupersetDataset, source: DatasetSource): ChartQuery {
  const x = xAxisSql(params, dataset);
  const metric = metricSql(params.metric ?? list(params.metrics)[0], dataset);
  const conditions: Conditions = { where: [], having: [], params: [] };
  addFilters(params.adhoc_filters, dataset, conditions);
  const select = [`${x.sql} AS ${quoteIdent(x.label)}`, `${metric.sql} AS ${quoteIdent(metric.label)}`];
  return {
    role: 'main',
    sql: selectSql({ select, from: source.from, conditions, groupBy: 1, orderBy: '1' }),
    params: conditions.params,
    x: x.label,
    groupby: [],
    metrics: [{ label: metric.label, ...(metric.d3format ? { d3format: metric.d3format } : {}) }],
  };
}

function histogramQuery(params: Record<string, unknown>, dataset: SupersetDataset, source: DatasetSource): ChartQuery {
  const ref = params.column ?? list(params.all_columns_x)[0];
  if (ref === undefined || ref === null) throw new ChartDefinitionError('the histogram has no column to bin.');
  const value = columnSql(ref, dataset, 'column');
  const groupby = list(params.groupby).map((g) => columnSql(g, dataset, 'groupby'));
  const conditions: Conditions = { where: [`${value.sql} IS NOT NULL`], having: [], params: [] };
  addFilters(params.adhoc_filters, dataset, conditions);
  const select = [`${value.sql} AS ${quoteIdent(value.label)}`, ...groupby.map((g) => `${g.sql} AS ${quoteIdent(g.label)}`)];
  return {
    role: 'main',
    sql: selectSql({ select, from: source.from, conditions, groupBy: 0, limit: rowLimit(params.row_limit) }),
    params: conditions.params,
    groupby: groupby.map((g) => g.label),
    metrics: [],
    valueColumn: value.label,
  };
}

/** The queries a chart of a supported viz type needs. Throws ChartDefinitionError for a definition it cannot follow. */
export function chartQueries(chart: SupersetChart, dataset: SupersetDataset, source: DatasetSource): ChartQuery[] {
  const p = chart.params;
  switch (chart.vizType) {
    case 'big_number':
      return [bigNumberQuery(p, dataset, source)];
    case 'echarts_timeseries_bar':
    case 'echarts_timeseries_line':
    case 'echarts_area':
      return [timeseriesQuery('main', p, dataset, source, { metrics: 'metrics', groupby: 'groupby', filters: 'adhoc_filters', limit: 'row_limit' })];
    case 'mixed_timeseries':
      return [
        timeseriesQuery('main', p, dataset, source, { metrics: 'metrics', groupby: 'groupby', filters: 'adhoc_filters', limit: 'row_limit' }),
        timeseriesQuery('b', p, dataset, source, { metrics: 'metrics_b', groupby: 'groupby_b', filters: 'adhoc_filters_b', limit: 'row_limit_b' }),
      ];
    case 'histogram_v2':
      return [histogramQuery(p, dataset, source)];
    default:
      throw new ChartDefinitionError(`viz type ${chart.vizType} is not supported.`);
  }
}

/** The FROM of a dataset: its relation, or its SELECT as a subquery (what Superset does for a virtual dataset). */
export function datasetSource(dataset: SupersetDataset, relation: { schema: string; identifier: string } | undefined): DatasetSource {
  if (dataset.sql) return { from: `(\n${dataset.sql.trim().replace(/;\s*$/, '')}\n) AS "virtual_table"` };
  const schema = relation?.schema ?? dataset.schema;
  const identifier = relation?.identifier ?? dataset.tableName;
  return { from: schema ? `${quoteIdent(schema)}.${quoteIdent(identifier)}` : quoteIdent(identifier) };
}
