// The dashboard's translation without a database: the sample's Superset export read from disk, each supported viz
// type's definition turned into the expected SQL, and rows (as `dvs query` encodes them) into the expected ECharts
// options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { projectDatasetResolver, readExportFiles, readSupersetExport } from '../../server/src/dashboard/build';
import { bigNumberOption, formatNumber, histogramOption, mixedOption, timeseriesOption, type Row } from '../../server/src/dashboard/options';
import { ChartDefinitionError, chartQueries, datasetSource, SUPPORTED_VIZ_TYPES } from '../../server/src/dashboard/queries';
import { chartNodes, type SupersetChart, type SupersetDataset } from '../../server/src/dashboard/superset-export';
import { nodeFileSystem } from '../../server/src/project/file-system';

const EXPORT = join(__dirname, '..', '..', 'sample-project', 'superset');
const exported = readSupersetExport(readExportFiles(EXPORT, nodeFileSystem));
const COLORS = ['#c1', '#c2', '#c3', '#c4', '#c5'];

function chart(title: string): SupersetChart {
  const found = [...exported.charts.values()].find((c) => c.title === title);
  assert.ok(found, `the sample export has chart ${title}`);
  return found;
}

function datasetOf(c: SupersetChart): SupersetDataset {
  const d = exported.datasets.get(c.datasetUuid ?? '');
  assert.ok(d, `dataset of ${c.title}`);
  return d;
}

function queriesOf(title: string) {
  const c = chart(title);
  const d = datasetOf(c);
  return { chart: c, queries: chartQueries(c, d, datasetSource(d, undefined)) };
}

const series = (option: Record<string, unknown>) => option.series as Record<string, unknown>[];
const xData = (option: Record<string, unknown>) => (option.xAxis as { data: string[] }).data;

test('the sample export: one dashboard whose layout places ten charts of supported viz types, each with its dataset', () => {
  assert.deepEqual(exported.problems, []);
  assert.equal(exported.dashboards.length, 1);
  const dashboard = exported.dashboards[0];
  assert.equal(dashboard?.title, 'E-commerce Analytics Dashboard');
  const nodes = chartNodes(dashboard?.layout ?? []);
  assert.equal(nodes.length, 10);
  for (const node of nodes) {
    const c = exported.charts.get(node.chartUuid ?? '');
    assert.ok(c, `layout node ${node.id} names a chart of the export`);
    assert.ok((SUPPORTED_VIZ_TYPES as readonly string[]).includes(c.vizType), c.vizType);
    assert.ok(exported.datasets.has(c.datasetUuid ?? ''), `${c.title} has its dataset`);
  }
  // Rows and columns come from position: the first row holds the markdown and the four big numbers.
  const first = dashboard?.layout[0];
  assert.equal(first?.type, 'row');
  assert.deepEqual(first?.type === 'row' ? first.children.map((c) => c.type) : [], ['markdown', 'chart', 'chart', 'chart', 'chart']);
});

test('big_number: the metric per time-grain period, and the latest value against compare_lag periods back', () => {
  const { chart: c, queries } = queriesOf('Purchases');
  assert.equal(queries.length, 1);
  const q = queries[0]!;
  assert.equal(q.sql, `SELECT date_trunc('month', CAST("month" AS timestamp)) AS "month",\n       SUM(purchases) AS "purchases"\nFROM "mart"."mart_monthly_kpis"\nGROUP BY 1\nORDER BY 1`);
  assert.deepEqual(q.params, []);
  const rows: Row[] = [
    { month: '2024-04-01T00:00:00', purchases: '40' },
    { month: '2024-05-01T00:00:00', purchases: '50' },
    { month: '2024-06-01T00:00:00', purchases: '45' },
  ];
  const option = bigNumberOption(c, q, rows, COLORS);
  const titles = option.title as { text: string; subtext?: string }[];
  assert.equal(titles[0]?.text, 'Jun 2024');
  assert.equal(titles[1]?.text, '45');
  assert.equal(titles[1]?.subtext, '-10.0% to the last month');
  assert.deepEqual(series(option)[0]?.data, [40, 50, 45]);
  assert.deepEqual(option.color, ['rgba(0, 122, 135, 1)']);
  // Income's y_axis_format $,.3s.
  const income = queriesOf('Income');
  const incomeOption = bigNumberOption(income.chart, income.queries[0]!, [{ month: '2024-05-01T00:00:00', income: '1500000.50' }, { month: '2024-06-01T00:00:00', income: '1740000.00' }], COLORS);
  const incomeTitles = incomeOption.title as { text: string; subtext?: string }[];
  assert.equal(incomeTitles[1]?.text, '$1.74M');
  assert.equal(incomeTitles[1]?.subtext, '+16.0% to the last month');
  // No earlier period: the change cannot be known.
  const single = bigNumberOption(c, q, [{ month: '2024-06-01T00:00:00', purchases: '7' }], COLORS);
  assert.equal((single.title as { subtext?: string }[])[1]?.subtext, 'N/A to the last month');
});

test('echarts_area: a series per group-by value over the time grain, stacked, with the SQL filter of the definition', () => {
  const { chart: c, queries } = queriesOf('Top Manufacturers');
  const q = queries[0]!;
  assert.equal(
    q.sql,
    `SELECT date_trunc('quarter', CAST("month" AS timestamp)) AS "month",\n       "make" AS "make",\n       SUM(purchases) AS "purchases"\nFROM "mart"."mart_manufacturer_sales"\nWHERE (make_rank <= 5)\nGROUP BY 1, 2\nORDER BY 1, 2\nLIMIT 10000`,
  );
  const rows: Row[] = [
    { month: '2024-01-01T00:00:00', make: 'Ford', purchases: '3' },
    { month: '2024-01-01T00:00:00', make: 'BMW', purchases: '1' },
    { month: '2024-04-01T00:00:00', make: 'Ford', purchases: '5' },
  ];
  const option = timeseriesOption(c, q, rows, COLORS);
  assert.deepEqual(xData(option), ['2024 Q1', '2024 Q2']);
  assert.deepEqual(series(option).map((s) => [s.name, s.type, s.stack, s.data]), [
    ['BMW', 'line', 'total', [1, 0]],
    ['Ford', 'line', 'total', [3, 5]],
  ]);
  assert.deepEqual(series(option)[0]?.areaStyle, { opacity: 0.2 });
  assert.equal((option.yAxis as { name?: string }).name, 'purchases');
  assert.equal((option.xAxis as { name?: string }).name, 'quarter');
});

test('echarts_timeseries_line: one metric without group-by is one unstacked line named after the metric', () => {
  const { chart: c, queries } = queriesOf('User Account Creation Over Time');
  const q = queries[0]!;
  assert.equal(q.sql, `SELECT date_trunc('month', CAST("month" AS timestamp)) AS "month",\n       SUM(users_created) AS "users_created"\nFROM "mart"."mart_user_signups"\nGROUP BY 1\nORDER BY 1\nLIMIT 10000`);
  const option = timeseriesOption(c, q, [{ month: '2024-05-01T00:00:00', users_created: '4' }, { month: '2024-06-01T00:00:00', users_created: null }], COLORS);
  assert.deepEqual(xData(option), ['May 2024', 'Jun 2024']);
  const [line] = series(option);
  assert.equal(series(option).length, 1);
  assert.equal(line?.name, 'users_created');
  assert.equal(line?.type, 'line');
  assert.equal(line?.stack, undefined);
  assert.deepEqual(line?.data, [4, null]);
});

test('echarts_timeseries_bar over a category: sorted by the metric total (x_axis_sort, descending), stacked by group', () => {
  const { chart: c, queries } = queriesOf('Users by Nationality and Academic Degree');
  const q = queries[0]!;
  assert.equal(q.sql, `SELECT "nationality" AS "nationality",\n       "academic_degree" AS "academic_degree",\n       SUM(users) AS "users"\nFROM "mart"."mart_users_by_nationality_degree"\nGROUP BY 1, 2\nORDER BY 1, 2\nLIMIT 10000`);
  const rows: Row[] = [
    { nationality: 'Cuban', academic_degree: 'PhD', users: '2' },
    { nationality: 'Greek', academic_degree: 'PhD', users: '4' },
    { nationality: 'Greek', academic_degree: 'Master', users: '3' },
    { nationality: 'Irish', academic_degree: 'Master', users: '5' },
  ];
  const option = timeseriesOption(c, q, rows, COLORS);
  assert.deepEqual(xData(option), ['Greek', 'Irish', 'Cuban']);
  assert.deepEqual(series(option).map((s) => [s.name, s.type, s.stack, s.data]), [
    ['Master', 'bar', 'total', [3, 5, 0]],
    ['PhD', 'bar', 'total', [4, 0, 2]],
  ]);
  assert.deepEqual((option.xAxis as { axisLabel?: unknown }).axisLabel, { rotate: 45, interval: 0 });
  // Sorted by the x column itself, ascending (the age chart).
  const age = queriesOf('Age Distribution of Users by Gender');
  const ageOption = timeseriesOption(age.chart, age.queries[0]!, [{ age_band: '30-39', gender: 'Male', users: '1' }, { age_band: '20-29', gender: 'Male', users: '9' }], COLORS);
  assert.deepEqual(xData(ageOption), ['20-29', '30-39']);
});

test('mixed_timeseries: query A and query B, bars on the left axis and a labelled line on the right', () => {
  const { chart: c, queries } = queriesOf('Product Returns Analysis');
  assert.deepEqual(queries.map((q) => q.role), ['main', 'b']);
  assert.equal(queries[1]?.sql, `SELECT date_trunc('quarter', CAST("month" AS timestamp)) AS "month",\n       SUM(total_days_to_return) / NULLIF(SUM(returns), 0) AS "avg_days_to_return"\nFROM "mart"."mart_returns"\nGROUP BY 1\nORDER BY 1\nLIMIT 10000`);
  const option = mixedOption(
    c,
    queries[0]!,
    [{ month: '2024-01-01T00:00:00', returns: '7' }, { month: '2024-04-01T00:00:00', returns: '9' }],
    queries[1]!,
    [{ month: '2024-01-01T00:00:00', avg_days_to_return: '12.345' }, { month: '2024-04-01T00:00:00', avg_days_to_return: '1234.5' }],
    COLORS,
  );
  assert.deepEqual(xData(option), ['2024 Q1', '2024 Q2']);
  const [bars, line] = series(option);
  assert.deepEqual([bars?.name, bars?.type, bars?.yAxisIndex, bars?.data], ['returns', 'bar', 0, [7, 9]]);
  assert.deepEqual([line?.name, line?.type, line?.yAxisIndex], ['avg_days_to_return', 'line', 1]);
  // show_valueB with y_axis_format_secondary ',.1f': each point carries its formatted label.
  assert.deepEqual((line?.data as { label: { formatter: string } }[]).map((d) => d.label.formatter), ['12.3', '1,234.5']);
  assert.deepEqual((option.yAxis as { name?: string }[]).map((a) => a.name), ['returns', 'days to return']);
});

test('histogram_v2: the column values in the definition\'s number of bins, a stacked series per group', () => {
  const { chart: c, queries } = queriesOf('Product Price Distribution by Year of Manufacture');
  const q = queries[0]!;
  assert.equal(q.sql, `SELECT "price" AS "price",\n       "year_band" AS "year_band"\nFROM "mart"."mart_product_prices"\nWHERE "price" IS NOT NULL\nLIMIT 10000`);
  const rows: Row[] = [
    { price: '0', year_band: 'a' },
    { price: '1000', year_band: 'a' },
    { price: '1999.99', year_band: 'b' },
    { price: '2000', year_band: 'b' },
  ];
  const option = histogramOption(c, q, rows, COLORS);
  assert.equal(xData(option).length, 20);
  assert.equal(xData(option)[0], '0 – 100');
  const s = series(option);
  assert.deepEqual(s.map((x) => x.name), ['a', 'b']);
  const counts = (x: Record<string, unknown> | undefined) => x?.data as number[];
  assert.equal(counts(s[0])[0], 1);
  assert.equal(counts(s[0])[10], 1);
  // The maximum falls into the last bin, not past it.
  assert.equal(counts(s[1])[19], 2);
  assert.equal(s.reduce((n, x) => n + counts(x).reduce((a, b) => a + b, 0), 0), rows.length);
});

test('adhoc metrics, adhoc filters and identifiers: values are bound parameters, names are quoted', () => {
  const dataset: SupersetDataset = {
    uuid: 'd',
    file: 'datasets/x.yaml',
    tableName: 'odd "table"',
    schema: 'we"ird',
    metrics: new Map(),
    columns: new Map([
      ['purchased_at', { name: 'purchased_at', isTemporal: true }],
      ['make', { name: 'make', isTemporal: false }],
      ['user id', { name: 'user id', isTemporal: false }],
    ]),
  };
  const c: SupersetChart = {
    uuid: 'c',
    file: 'charts/x.yaml',
    title: 'Buyers',
    vizType: 'echarts_timeseries_bar',
    params: {
      x_axis: 'purchased_at',
      time_grain_sqla: 'P1Y',
      metrics: [{ expressionType: 'SIMPLE', aggregate: 'COUNT_DISTINCT', column: { column_name: 'user id' }, label: 'buyers' }],
      groupby: ['make'],
      adhoc_filters: [
        { clause: 'WHERE', subject: 'make', operator: 'IN', comparator: ['Ford', "O'Brien"], expressionType: 'SIMPLE' },
        { clause: 'WHERE', subject: 'purchased_at', operator: 'TEMPORAL_RANGE', comparator: '2023-01-01 : 2024-01-01', expressionType: 'SIMPLE' },
        { clause: 'HAVING', expressionType: 'SQL', sqlExpression: 'COUNT(*) > 1' },
      ],
      row_limit: 50,
    },
  };
  const [q] = chartQueries(c, dataset, datasetSource(dataset, undefined));
  assert.equal(
    q?.sql,
    `SELECT date_trunc('year', CAST("purchased_at" AS timestamp)) AS "purchased_at",\n       "make" AS "make",\n       COUNT(DISTINCT "user id") AS "buyers"\nFROM "we""ird"."odd ""table"""\nWHERE "make" IN ($1, $2)\n  AND "purchased_at" >= $3\n  AND "purchased_at" < $4\nGROUP BY 1, 2\nHAVING (COUNT(*) > 1)\nORDER BY 1, 2\nLIMIT 50`,
  );
  assert.deepEqual(q?.params, ['Ford', "O'Brien", '2023-01-01', '2024-01-01']);
  // A metric the dataset does not define, and a relative time range, are definition errors naming what to fix.
  assert.throws(() => chartQueries({ ...c, params: { ...c.params, metrics: ['revenue'] } }, dataset, datasetSource(dataset, undefined)), (e: unknown) => e instanceof ChartDefinitionError && /metric "revenue"/.test(e.message));
  assert.throws(
    () => chartQueries({ ...c, params: { ...c.params, adhoc_filters: [{ subject: 'purchased_at', operator: 'TEMPORAL_RANGE', comparator: 'Last month', expressionType: 'SIMPLE' }] } }, dataset, datasetSource(dataset, undefined)),
    (e: unknown) => e instanceof ChartDefinitionError && /Last month/.test(e.message),
  );
});

test('a dataset maps to the relation its model has on the active target (schema naming of the project)', () => {
  const returns = chart('Product Returns Analysis');
  const dataset = datasetOf(returns);
  const node = { kind: 'model', name: 'mart_returns', path: 'models/mart/mart_returns.sql', file: '/p/models/mart/mart_returns.sql', enabled: true, relation: { schema: 'analytics_mart', identifier: 'mart_returns' } };
  const resolve = projectDatasetResolver({ node: (name) => (name === 'mart_returns' ? node : undefined), nodeByRelation: () => undefined });
  const where = resolve(dataset);
  assert.deepEqual(where, { schema: 'analytics_mart', identifier: 'mart_returns', model: { name: 'mart_returns', path: 'models/mart/mart_returns.sql', file: '/p/models/mart/mart_returns.sql' } });
  const [q] = chartQueries(returns, dataset, datasetSource(dataset, where));
  assert.match(q?.sql ?? '', /\nFROM "analytics_mart"\."mart_returns"\n/);
  // No model of that name: the schema the project's `+schema: mart` models land in on this target, else the
  // dataset's own schema and table.
  const peer = { ...node, name: 'mart_other', config: { values: new Map([['schema', 'mart']]) }, relation: { schema: 'dev_mart', identifier: 'mart_other' } };
  const byPeer = projectDatasetResolver({ node: () => undefined, nodeByRelation: () => undefined, models: () => [peer] });
  assert.deepEqual(byPeer(dataset), { schema: 'dev_mart', identifier: 'mart_returns' });
  const none = projectDatasetResolver({ node: () => undefined, nodeByRelation: () => undefined, models: () => [] });
  assert.deepEqual(none(dataset), { schema: 'mart', identifier: 'mart_returns' });
});

test('number formats Superset charts use', () => {
  assert.equal(formatNumber(19), '19');
  assert.equal(formatNumber(714_321), '714k');
  assert.equal(formatNumber(1_500_000, 'SMART_NUMBER'), '1.5M');
  assert.equal(formatNumber(714_321, '$,.3s'), '$714k');
  assert.equal(formatNumber(1234.56, ',.1f'), '1,234.6');
  assert.equal(formatNumber(-0.081, '+.1%'), '-8.1%');
  assert.equal(formatNumber(0, '+.1%'), '+0.0%');
  assert.equal(formatNumber(null, ',d'), 'N/A');
});
