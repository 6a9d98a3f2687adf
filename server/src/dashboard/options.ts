// Turns a chart's query rows into Apache ECharts options, following the chart's form data the way Superset's own
// ECharts plugins read it (series per metric and group-by value, stacking, axis titles, legend, sort, the big number's
// period-over-period change). The options are plain JSON: no functions, so they can travel to a webview or a file.
import type { ChartQuery } from './queries';
import { timeGrainUnit } from './queries';
import type { SupersetChart } from './superset-export';

export type Row = Record<string, unknown>;
export type EChartsOption = Record<string, unknown>;

/** Superset's categorical colour schemes by name (the first colours of each); unknown names use supersetColors. */
const COLOR_SCHEMES: Record<string, string[]> = {
  supersetColors: ['#1FA8C9', '#454E7C', '#5AC189', '#FF7F44', '#666666', '#E04355', '#FCC700', '#A868B7', '#3CCCCB', '#A38F79', '#8FD3E4', '#A1A6BD', '#ACE1C4', '#FEC0A1', '#B2B2B2', '#EFA1AA', '#FDE380', '#D3B3DA', '#9EE5E5', '#D1C6BC'],
  googleCategory10c: ['#3366CC', '#DC3912', '#FF9900', '#109618', '#990099', '#0099C6', '#DD4477', '#66AA00', '#B82E2E', '#316395'],
  d3Category10: ['#1F77B4', '#FF7F0E', '#2CA02C', '#D62728', '#9467BD', '#8C564B', '#E377C2', '#7F7F7F', '#BCBD22', '#17BECF'],
};

export function colorScheme(name: unknown): string[] {
  return (typeof name === 'string' && COLOR_SCHEMES[name]) || (COLOR_SCHEMES.supersetColors as string[]);
}

/** A number from a cell as `dvs query` encodes it (int8 and numeric arrive as exact strings). */
export function toNumber(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}

const SI = [
  { exp: 12, suffix: 'T' },
  { exp: 9, suffix: 'G' },
  { exp: 6, suffix: 'M' },
  { exp: 3, suffix: 'k' },
];

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

function group(intPart: string): string {
  return intPart.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** d3-format's SI notation with `digits` significant digits (`~` trims trailing zeros). */
function siFormat(value: number, digits: number, trim: boolean): string {
  const abs = Math.abs(value);
  const unit = SI.find((u) => abs >= 10 ** u.exp * (1 - 0.5 * 10 ** -digits));
  const scaled = unit ? value / 10 ** unit.exp : value;
  let text = scaled === 0 ? '0' : scaled.toPrecision(digits);
  if (text.includes('e')) text = String(Number(text));
  if (trim) text = trimZeros(text);
  return text + (unit?.suffix ?? '');
}

/**
 * Formats a number with the subset of d3-format strings Superset charts use: SMART_NUMBER, `,d`, `,.1f`, `.3s`,
 * `$,.3s`, `.1%`, `+.1%` (an unknown format falls back to SMART_NUMBER).
 */
export function formatNumber(value: number | null, format?: string): string {
  if (value === null || !Number.isFinite(value)) return 'N/A';
  const spec = format && format !== 'SMART_NUMBER' ? /^([+])?(\$)?(,)?(?:\.(\d+))?(~)?([sfd%r])?$/.exec(format) : null;
  if (!spec) {
    // Superset's SMART_NUMBER: integers below a thousand as they are, otherwise three significant digits with SI.
    if (Math.abs(value) < 1000) return Number.isInteger(value) ? String(value) : trimZeros(value.toFixed(2));
    return siFormat(value, 3, true);
  }
  const [, sign, currency, comma, precisionText, tilde, type] = spec;
  const precision = precisionText === undefined ? undefined : Number(precisionText);
  let body: string;
  const abs = Math.abs(value);
  switch (type) {
    case 's':
      body = siFormat(abs, precision ?? 6, tilde === '~');
      break;
    case '%':
      body = (abs * 100).toFixed(precision ?? 0) + '%';
      break;
    case 'd':
      body = String(Math.round(abs));
      break;
    case 'f':
      body = abs.toFixed(precision ?? 6);
      break;
    default:
      body = precision === undefined ? String(abs) : trimZeros(abs.toPrecision(precision));
  }
  if (comma && type !== 's') {
    const percent = body.endsWith('%');
    const [whole, fraction] = (percent ? body.slice(0, -1) : body).split('.');
    body = group(whole ?? '') + (fraction !== undefined ? `.${fraction}` : '') + (percent ? '%' : '');
  }
  const negative = value < 0 && Number(body.replace(/[^0-9.]/g, '')) !== 0;
  const prefix = negative ? '-' : sign === '+' ? '+' : '';
  return prefix + (currency ? '$' : '') + body;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A temporal cell (`2024-04-01T00:00:00`, `2024-04-01`) as a label for its time grain. */
export function formatPeriod(value: unknown, grain: unknown): string {
  if (typeof value !== 'string') return value === null || value === undefined ? '∅' : String(value);
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?/.exec(value);
  if (!m) return value;
  const [, y, mo, d, hh, mm] = m;
  const month = Number(mo);
  switch (timeGrainUnit(grain)) {
    case 'year':
      return y as string;
    case 'quarter':
      return `${y} Q${Math.floor((month - 1) / 3) + 1}`;
    case 'month':
      return `${MONTHS[month - 1]} ${y}`;
    case 'hour':
    case 'minute':
    case 'second':
      return `${y}-${mo}-${d} ${hh ?? '00'}:${mm ?? '00'}`;
    default:
      return `${y}-${mo}-${d}`;
  }
}

function label(value: unknown): string {
  return value === null || value === undefined ? '∅' : String(value);
}

function axisTitle(text: unknown): string | undefined {
  return typeof text === 'string' && text.trim() ? text : undefined;
}

function legend(params: Record<string, unknown>): EChartsOption {
  return { show: params.show_legend !== false, type: params.legendType === 'plain' ? 'plain' : 'scroll', top: 0, left: 'center' };
}

interface Series {
  name: string;
  metric: string;
  values: Map<string, number | null>;
}

/** One series per metric and group-by value, keyed by category label; Superset names them `metric, value` when
 *  there are several metrics and by the value alone when there is one. */
function pivot(rows: Row[], query: ChartQuery, categoryOf: (row: Row) => string): Series[] {
  const series = new Map<string, Series>();
  for (const row of rows) {
    const category = categoryOf(row);
    const groupLabel = query.groupby.map((g) => label(row[g])).join(', ');
    for (const metric of query.metrics) {
      const name = query.groupby.length === 0 ? metric.label : query.metrics.length > 1 ? `${metric.label}, ${groupLabel}` : groupLabel;
      let s = series.get(name);
      if (!s) series.set(name, (s = { name, metric: metric.label, values: new Map() }));
      s.values.set(category, toNumber(row[metric.label]));
    }
  }
  return [...series.values()];
}

function sortSeries(series: Series[], params: Record<string, unknown>): Series[] {
  const ascending = params.x_axis_sort_series_ascending !== false;
  const by = params.x_axis_sort_series ?? 'name';
  const total = (s: Series) => [...s.values.values()].reduce<number>((a, v) => a + (v ?? 0), 0);
  const sorted = [...series].sort((a, b) => (by === 'name' ? a.name.localeCompare(b.name, 'en') : total(a) - total(b)));
  return ascending ? sorted : sorted.reverse();
}

/** Categories in the order the chart asks for: by the x column, by a metric's total, or as the query returned them. */
function sortCategories(categories: string[], rows: Row[], query: ChartQuery, params: Record<string, unknown>, categoryOf: (row: Row) => string, temporal: boolean): string[] {
  const sortBy = params.x_axis_sort;
  const ascending = params.x_axis_sort_asc !== false;
  if (temporal || sortBy === undefined || sortBy === null || sortBy === query.x) {
    if (temporal) return categories;
    const sorted = [...categories].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    return ascending ? sorted : sorted.reverse();
  }
  const metric = query.metrics.find((m) => m.label === sortBy) ?? query.metrics[0];
  if (!metric) return categories;
  const totals = new Map<string, number>();
  for (const row of rows) totals.set(categoryOf(row), (totals.get(categoryOf(row)) ?? 0) + (toNumber(row[metric.label]) ?? 0));
  const sorted = [...categories].sort((a, b) => (totals.get(a) ?? 0) - (totals.get(b) ?? 0) || a.localeCompare(b, 'en'));
  return ascending ? sorted : sorted.reverse();
}

function categoriesOf(rows: Row[], categoryOf: (row: Row) => string): string[] {
  const seen = new Set<string>();
  for (const row of rows) seen.add(categoryOf(row));
  return [...seen];
}

interface SeriesStyle {
  type: string;
  stack?: boolean;
  area?: boolean;
  opacity?: number;
  markers?: boolean;
  markerSize?: number;
  showValue?: boolean;
  yAxisIndex?: number;
  valueFormat?: string;
}

function seriesStyleFor(chart: SupersetChart): SeriesStyle {
  const p = chart.params;
  const seriesType = typeof p.seriesType === 'string' ? p.seriesType : 'line';
  const stacked = typeof p.stack === 'string' ? p.stack !== '' && p.stack !== 'null' : p.stack === true;
  const common = { stack: stacked, markers: p.markerEnabled === true, markerSize: typeof p.markerSize === 'number' ? p.markerSize : 6, showValue: p.show_value === true };
  switch (chart.vizType) {
    case 'echarts_timeseries_bar':
      return { ...common, type: 'bar' };
    case 'echarts_area':
      return { ...common, type: 'line', area: true, opacity: typeof p.opacity === 'number' ? p.opacity : 0.2, ...(seriesType === 'smooth' ? { type: 'smooth' } : {}) };
    default:
      return { ...common, type: seriesType };
  }
}

function echartsSeries(series: Series[], categories: string[], style: SeriesStyle): EChartsOption[] {
  return series.map((s) => {
    const data = categories.map((c) => {
      const v = s.values.get(c);
      // Stacked series treat a missing point as zero, as Superset fills them, so the stack has no holes.
      return v === undefined || v === null ? (style.stack ? 0 : null) : v;
    });
    const out: EChartsOption = { name: s.name, type: style.type === 'bar' ? 'bar' : 'line', data };
    if (style.type === 'smooth') out.smooth = true;
    if (style.type === 'step' || style.type === 'start' || style.type === 'middle' || style.type === 'end') out.step = style.type === 'step' ? 'start' : style.type;
    if (style.type === 'scatter') {
      out.type = 'line';
      out.lineStyle = { width: 0 };
    }
    if (style.stack) out.stack = 'total';
    if (style.area) out.areaStyle = { opacity: style.opacity ?? 0.2 };
    if (out.type === 'line') {
      out.showSymbol = style.markers === true;
      out.symbolSize = style.markerSize ?? 6;
      out.connectNulls = false;
    }
    if (style.yAxisIndex !== undefined) out.yAxisIndex = style.yAxisIndex;
    if (style.showValue) {
      // ECharts formatters from JSON can only be fixed text, so each point carries its own formatted label.
      out.data = data.map((v) => (v === null ? null : { value: v, label: { show: true, formatter: formatNumber(v, style.valueFormat) } }));
      out.label = { show: true, position: 'top' };
    }
    return out;
  });
}

function categoryAxis(categories: string[], params: Record<string, unknown>, title?: string): EChartsOption {
  const axis: EChartsOption = { type: 'category', data: categories, axisLabel: { hideOverlap: true } };
  const rotate = typeof params.xAxisLabelRotation === 'number' ? params.xAxisLabelRotation : 0;
  if (rotate) axis.axisLabel = { rotate, interval: 0 };
  if (title) Object.assign(axis, { name: title, nameLocation: 'middle', nameGap: typeof params.x_axis_title_margin === 'number' ? params.x_axis_title_margin + 15 : 30 });
  return axis;
}

function valueAxis(title: string | undefined, params: Record<string, unknown>, bounds: unknown): EChartsOption {
  const axis: EChartsOption = { type: 'value' };
  if (title) Object.assign(axis, { name: title, nameLocation: 'middle', nameGap: typeof params.y_axis_title_margin === 'number' ? params.y_axis_title_margin + 15 : 45 });
  if (Array.isArray(bounds)) {
    if (typeof bounds[0] === 'number') axis.min = bounds[0];
    if (typeof bounds[1] === 'number') axis.max = bounds[1];
  }
  return axis;
}

function baseOption(chart: SupersetChart, colors: string[]): EChartsOption {
  return { color: colors, animation: false, tooltip: { trigger: 'axis', confine: true }, legend: legend(chart.params) };
}

function grid(params: Record<string, unknown>, extra: { rightAxis?: boolean; rotated?: boolean } = {}): EChartsOption {
  const hasX = axisTitle(params.x_axis_title) !== undefined;
  return { left: axisTitle(params.y_axis_title) ? 60 : 40, right: extra.rightAxis ? 60 : 20, top: params.show_legend === false ? 20 : 40, bottom: extra.rotated ? (hasX ? 90 : 70) : hasX ? 50 : 30, containLabel: true };
}

/** echarts_timeseries_bar / _line / echarts_area: one query's rows as series over the x axis. */
export function timeseriesOption(chart: SupersetChart, query: ChartQuery, rows: Row[], colors: string[]): EChartsOption {
  const p = chart.params;
  const x = query.x ?? '';
  const temporal = timeGrainUnit(p.time_grain_sqla) !== undefined;
  const categoryOf = (row: Row) => (temporal ? formatPeriod(row[x], p.time_grain_sqla) : label(row[x]));
  const categories = sortCategories(categoriesOf(rows, categoryOf), rows, query, p, categoryOf, temporal);
  const style = seriesStyleFor(chart);
  const series = echartsSeries(sortSeries(pivot(rows, query, categoryOf), p), categories, { ...style, valueFormat: String(p.y_axis_format ?? '') });
  const horizontal = p.orientation === 'horizontal';
  const xAxis = categoryAxis(categories, p, axisTitle(p.x_axis_title));
  const yAxis = valueAxis(axisTitle(p.y_axis_title), p, p.y_axis_bounds);
  const rotated = typeof p.xAxisLabelRotation === 'number' && p.xAxisLabelRotation !== 0;
  return { ...baseOption(chart, colors), grid: grid(p, { rotated }), xAxis: horizontal ? yAxis : xAxis, yAxis: horizontal ? xAxis : yAxis, series };
}

/** mixed_timeseries: query A and query B over one x axis, each with its own series type and y axis. */
export function mixedOption(chart: SupersetChart, a: ChartQuery, rowsA: Row[], b: ChartQuery, rowsB: Row[], colors: string[]): EChartsOption {
  const p = chart.params;
  const grain = p.time_grain_sqla;
  const temporal = timeGrainUnit(grain) !== undefined;
  const categoryOf = (x: string | undefined) => (row: Row) => (temporal ? formatPeriod(row[x ?? ''], grain) : label(row[x ?? '']));
  const all = [...new Set([...categoriesOf(rowsA, categoryOf(a.x)), ...categoriesOf(rowsB, categoryOf(b.x))])].sort((l, r) => l.localeCompare(r, 'en', { numeric: true }));
  const typeOf = (t: unknown) => (typeof t === 'string' ? t : 'line');
  const styleA: SeriesStyle = { type: typeOf(p.seriesType), stack: Boolean(p.stack), area: p.area === true, opacity: typeof p.opacity === 'number' ? p.opacity : 0.2, markers: p.markerEnabled === true, markerSize: Number(p.markerSize ?? 6), showValue: p.show_value === true, yAxisIndex: p.yAxisIndex === 1 ? 1 : 0, valueFormat: String(p.y_axis_format ?? '') };
  const yB = p.yAxisIndexB === 1 ? 1 : 0;
  const styleB: SeriesStyle = { type: typeOf(p.seriesTypeB), stack: Boolean(p.stackB), area: p.areaB === true, opacity: typeof p.opacityB === 'number' ? p.opacityB : 0.2, markers: p.markerEnabledB === true, markerSize: Number(p.markerSizeB ?? 6), showValue: p.show_valueB === true, yAxisIndex: yB, valueFormat: String((yB === 1 ? p.y_axis_format_secondary : p.y_axis_format) ?? '') };
  const seriesA = echartsSeries(pivot(rowsA, a, categoryOf(a.x)), all, styleA);
  const seriesB = echartsSeries(pivot(rowsB, b, categoryOf(b.x)), all, styleB);
  const twoAxes = styleA.yAxisIndex === 1 || yB === 1;
  const yAxis = [valueAxis(axisTitle(p.y_axis_title), p, p.y_axis_bounds)];
  if (twoAxes) yAxis.push({ ...valueAxis(axisTitle(p.y_axis_title_secondary), p, p.y_axis_bounds_secondary), splitLine: { show: false } });
  return { ...baseOption(chart, colors), grid: grid(p, { rightAxis: twoAxes }), xAxis: categoryAxis(all, p, axisTitle(p.x_axis_title)), yAxis, series: [...seriesA, ...seriesB] };
}

/** histogram_v2: the column's values in `bins` equal-width bins between its minimum and maximum, a series per group. */
export function histogramOption(chart: SupersetChart, query: ChartQuery, rows: Row[], colors: string[]): EChartsOption {
  const p = chart.params;
  const bins = Math.max(1, Math.min(200, Math.round(Number(p.bins ?? 10)) || 10));
  const column = query.valueColumn ?? '';
  const values = rows.map((r) => toNumber(r[column])).filter((v): v is number => v !== null);
  const min = values.length ? Math.min(...values) : 0;
  const max = values.length ? Math.max(...values) : 0;
  const width = max > min ? (max - min) / bins : 1;
  const binOf = (v: number) => Math.min(bins - 1, Math.max(0, Math.floor((v - min) / width)));
  const groups = new Map<string, number[]>();
  for (const row of rows) {
    const v = toNumber(row[column]);
    if (v === null) continue;
    const name = query.groupby.length ? query.groupby.map((g) => label(row[g])).join(', ') : column;
    let counts = groups.get(name);
    if (!counts) groups.set(name, (counts = new Array<number>(bins).fill(0)));
    counts[binOf(v)] = (counts[binOf(v)] ?? 0) + 1;
  }
  const fmt = String(p.x_axis_format ?? 'SMART_NUMBER');
  const categories = Array.from({ length: bins }, (_, i) => `${formatNumber(min + i * width, fmt)} – ${formatNumber(min + (i + 1) * width, fmt)}`);
  const total = values.length || 1;
  const series = [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b, 'en'))
    .map(([name, counts]) => {
      let data = p.normalize === true ? counts.map((c) => c / total) : counts;
      if (p.cumulative === true) {
        let run = 0;
        data = data.map((c) => (run += c));
      }
      const s: EChartsOption = { name, type: 'bar', stack: 'total', data, barCategoryGap: '2%' };
      if (p.show_value === true) s.label = { show: true, position: 'inside' };
      return s;
    });
  return {
    ...baseOption(chart, colors),
    tooltip: { trigger: 'axis', confine: true, axisPointer: { type: 'shadow' } },
    grid: grid(p),
    xAxis: categoryAxis(categories, p, axisTitle(p.x_axis_title)),
    yAxis: valueAxis(axisTitle(p.y_axis_title) ?? (p.normalize === true ? 'share' : 'count'), p, undefined),
    series,
  };
}

export interface BigNumberSummary {
  value: number | null;
  /** The period the value belongs to, as its grain's label (`Jun 2024`). */
  period?: string;
  /** (value − earlier) ÷ |earlier|, where earlier is `compare_lag` periods back; null when it cannot be computed. */
  change: number | null;
}

export function bigNumberSummary(chart: SupersetChart, query: ChartQuery, rows: Row[]): BigNumberSummary {
  const metric = query.metrics[0]?.label ?? '';
  const points = rows.map((r) => ({ x: r[query.x ?? ''], v: toNumber(r[metric]) }));
  const last = points.length - 1;
  const current = last >= 0 ? points[last] : undefined;
  const lag = Math.max(0, Math.round(Number(chart.params.compare_lag ?? 0)) || 0);
  const earlier = lag > 0 && last - lag >= 0 ? points[last - lag]?.v ?? null : null;
  const value = current?.v ?? null;
  const change = value !== null && earlier !== null && earlier !== 0 ? (value - earlier) / Math.abs(earlier) : null;
  const summary: BigNumberSummary = { value, change };
  if (current) summary.period = formatPeriod(current.x, chart.params.time_grain_sqla);
  return summary;
}

/** big_number: the latest period's value, its change on `compare_lag` periods back, and the trend line under it. */
export function bigNumberOption(chart: SupersetChart, query: ChartQuery, rows: Row[], colors: string[]): EChartsOption {
  const p = chart.params;
  const metric = query.metrics[0];
  const summary = bigNumberSummary(chart, query, rows);
  const format = typeof p.y_axis_format === 'string' && p.y_axis_format ? p.y_axis_format : metric?.d3format;
  const suffix = typeof p.compare_suffix === 'string' ? p.compare_suffix : '';
  const compare = Number(p.compare_lag ?? 0) > 0 ? `${formatNumber(summary.change, '+.1%')} ${suffix}`.trim() : '';
  const picker = p.color_picker && typeof p.color_picker === 'object' ? (p.color_picker as Record<string, unknown>) : undefined;
  const color = picker ? `rgba(${Number(picker.r)}, ${Number(picker.g)}, ${Number(picker.b)}, ${picker.a === undefined ? 1 : Number(picker.a)})` : (colors[0] ?? '#1FA8C9');
  const trend = p.show_trend_line !== false;
  const titles: EChartsOption[] = [];
  if (p.show_timestamp !== false && summary.period) titles.push({ text: summary.period, left: 0, top: 0, textStyle: { fontSize: 11, fontWeight: 'normal', opacity: 0.7 } });
  titles.push({ text: formatNumber(summary.value, format), subtext: compare, left: 0, top: 14, itemGap: 6, textStyle: { fontSize: 34, fontWeight: 'normal' }, subtextStyle: { fontSize: 13 } });
  const option: EChartsOption = { color: [color], animation: false, title: titles };
  if (trend) {
    option.tooltip = { trigger: 'axis', confine: true };
    option.grid = { left: 0, right: 0, top: '64%', bottom: 2 };
    option.xAxis = { type: 'category', show: false, boundaryGap: false, data: rows.map((r) => formatPeriod(r[query.x ?? ''], p.time_grain_sqla)) };
    option.yAxis = { type: 'value', show: false, ...(p.start_y_axis_at_zero === false ? { scale: true } : { min: 0 }) };
    option.series = [{ name: metric?.label ?? '', type: 'line', smooth: true, showSymbol: false, data: rows.map((r) => toNumber(r[metric?.label ?? ''])), lineStyle: { color, width: 2 }, itemStyle: { color }, areaStyle: { color, opacity: 0.25 } }];
  }
  return option;
}
