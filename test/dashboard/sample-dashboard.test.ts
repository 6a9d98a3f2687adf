// The dashboard of the sample project on PGlite: after a real load, every chart's queries return rows; a missing mart
// and an unsupported viz type become tiles that say so; `dvs dashboard` writes one HTML file that Debian's Chromium
// draws with every chart on its canvas, no console error and no request leaving the file.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { runCli } from '../../server/src/cli/main';
import type { CliIo } from '../../server/src/cli/io';
import { dashboardHtmlFile } from '../../server/src/cli/dashboard';
import { buildDashboard, projectDatasetResolver, readExportFiles, readSupersetExport } from '../../server/src/dashboard/build';
import { chartQueries, datasetSource } from '../../server/src/dashboard/queries';
import { chartNodes } from '../../server/src/dashboard/superset-export';
import { ProjectSession } from '../../server/src/engine/session';
import { nodeFileSystem } from '../../server/src/project/file-system';
import type { DashboardResult } from '../../server/src/protocol';
import { openWarehouse } from '../../server/src/warehouse/target';

const SAMPLE = join(__dirname, '..', '..', 'sample-project');
const CHROMIUM = '/usr/bin/chromium';
const work = mkdtempSync(join(tmpdir(), 'dvs-dashboard-'));
const project = join(work, 'sample');
const env = { HOME: work, PATH: process.env.PATH ?? '' };

function io(): CliIo & { stdout: string; stderr: string } {
  const c = { stdout: '', stderr: '', cwd: project, env, isTTY: false, out: (t: string) => void (c.stdout += t), err: (t: string) => void (c.stderr += t) };
  return c;
}

async function dvs(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const c = io();
  const code = await runCli([...argv, '--project', project, '--target', 'embedded'], c);
  return { code, stdout: c.stdout, stderr: c.stderr };
}

let data: DashboardResult;
let broken: DashboardResult;
let kpis: Record<string, unknown>;

before(async () => {
  cpSync(SAMPLE, project, { recursive: true, filter: (src) => !/[\\/](\.dvs|target|logs|dbt_packages)$/.test(src) });
  const raw = await dvs(['generate-raw', '--users', '300']);
  assert.equal(raw.code, 0, raw.stderr);
  const load = await dvs(['load']);
  assert.equal(load.code, 0, load.stderr);

  const session = new ProjectSession(project, { env, targetName: 'embedded', purpose: 'read' });
  const target = session.project.target;
  assert.ok(target.ok);
  const wh = await openWarehouse(target.target, session.root);
  try {
    const files = readExportFiles(join(project, 'superset'), nodeFileSystem);
    const exported = readSupersetExport(files);
    const resolve = projectDatasetResolver(session.project);
    data = await buildDashboard(exported, wh, { exportDir: 'superset', target: 'embedded', resolve });
    kpis = (await wh.query('select purchases, purchases_change_pct, returns, returns_change_pct from mart.mart_monthly_kpis where is_current_month')).rows[0] ?? {};
    // Every query of every chart returns rows on the loaded marts.
    for (const chart of exported.charts.values()) {
      const dataset = exported.datasets.get(chart.datasetUuid ?? '');
      assert.ok(dataset);
      for (const q of chartQueries(chart, dataset, datasetSource(dataset, resolve(dataset)))) {
        const result = await wh.query(q.sql, q.params);
        assert.ok(result.rows.length > 0, `${chart.title} (${q.role}) returned no rows:\n${q.sql}`);
      }
    }
    // The same export with one dataset pointing at a table that was never built and one chart of a viz type this
    // editor does not draw.
    const edited = new Map(files);
    const returnsDataset = [...files.keys()].find((p) => p.endsWith('mart_returns.yaml')) ?? '';
    edited.set(returnsDataset, (files.get(returnsDataset) ?? '').replace('table_name: mart_returns', 'table_name: mart_returns_gone'));
    edited.set('charts/Added_to_Cart.yaml', (files.get('charts/Added_to_Cart.yaml') ?? '').replace(/viz_type: big_number/g, 'viz_type: sunburst_v2'));
    broken = await buildDashboard(readSupersetExport(edited), wh, { exportDir: 'superset', target: 'embedded', resolve });
  } finally {
    await wh.close();
  }
});

after(() => rmSync(work, { recursive: true, force: true }));

test('after a load of the sample, every chart is drawn from its mart with rows', () => {
  const nodes = chartNodes(data.layout);
  assert.equal(nodes.length, 10);
  for (const node of nodes) {
    const chart = data.charts[node.id];
    assert.ok(chart, node.id);
    assert.equal(chart.status, 'ok', `${chart.title}: ${chart.message ?? ''}`);
    assert.ok(chart.rows > 0, chart.title);
    assert.ok(chart.option, chart.title);
    assert.match(chart.relation ?? '', /^mart\.mart_/);
    assert.equal(chart.model?.path, `models/mart/${chart.relation?.slice('mart.'.length)}.sql`);
  }
  // The headline numbers and their change on last month agree with the mart's own figures for the current month.
  for (const [title, column] of [['Purchases', 'purchases'], ['Returns', 'returns']] as const) {
    const chart = Object.values(data.charts).find((c) => c.title === title);
    const titles = (chart?.option as { title: { text: string; subtext?: string }[] }).title;
    assert.equal(titles[1]?.text, String(kpis[column]), title);
    const pct = kpis[`${column}_change_pct`];
    const expected = pct === null || pct === undefined ? 'N/A' : `${Number(pct) >= 0 ? '+' : ''}${Number(pct).toFixed(1)}%`;
    assert.equal(titles[1]?.subtext, `${expected} to the last month`, title);
  }
});

test('a missing mart and an unsupported viz type are tiles that say what is wrong', () => {
  const charts = Object.values(broken.charts);
  const failed = charts.filter((c) => c.status === 'error');
  assert.deepEqual(failed.map((c) => c.title), ['Product Returns Analysis']);
  assert.match(failed[0]?.message ?? '', /mart_returns_gone/);
  assert.match(failed[0]?.message ?? '', /does not exist/);
  const placeholders = charts.filter((c) => c.status === 'unsupported');
  assert.deepEqual(placeholders.map((c) => c.title), ['Added to Cart']);
  assert.match(placeholders[0]?.message ?? '', /sunburst_v2/);
  assert.equal(charts.filter((c) => c.status === 'ok').length, 8);
});

test('dvs dashboard writes one self-contained HTML file under the target folder', async () => {
  const r = await dvs(['dashboard']);
  assert.equal(r.code, 0, r.stderr);
  const file = r.stdout.trim();
  assert.equal(file, join(project, 'target', 'dashboard.html'));
  const html = readFileSync(file, 'utf8');
  // ECharts and the data are inlined: no element loads anything from elsewhere.
  const markup = html.replace(/(<script\b[^>]*>)[\s\S]*?<\/script>/gi, '$1</script>');
  assert.equal(/<(script|link|img|iframe)\b[^>]*\b(src|href)=/i.exec(markup)?.[0], undefined);
  assert.equal((markup.match(/<script\b/g) ?? []).length, 3, 'the data, ECharts and the page script');
  assert.ok(html.length > 1_000_000, 'ECharts is inlined');
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  assert.match(html, /E-commerce Analytics Dashboard/);
  const out = join(work, 'elsewhere', 'd.html');
  const r2 = await dvs(['dashboard', '--out', out]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.ok(existsSync(out));
});

test('dvs dashboard on a project without a Superset export stops with exit 2 and says what it needs', async () => {
  const other = join(work, 'no-export');
  cpSync(join(__dirname, '..', 'fixtures', 'projects', 'modern'), other, { recursive: true });
  const c = io();
  const code = await runCli(['dashboard', '--project', other, '--target', 'embedded'], c);
  assert.equal(code, 2);
  assert.match(c.stderr, /no Superset export/);
  assert.equal(c.stdout, '');
});

async function ensureChromium(): Promise<void> {
  if (existsSync(CHROMIUM)) return;
  // The same provisioning the VS Code end-to-end tests use: apt as root, else a message saying what to install.
  const script = join(__dirname, '..', '..', 'scripts', 'e2e-provision.mjs');
  const provision = (await import(script)) as { ensureDebianPackages: (log?: (m: string) => void) => void };
  provision.ensureDebianPackages((m) => process.stderr.write(`${m}\n`));
}

interface PageReport {
  errors: string[];
  requests: string[];
  tiles: { chart: string; status: string; drawn: boolean; painted: number; message: string }[];
}

async function openInChromium(html: string, name: string): Promise<PageReport> {
  await ensureChromium();
  const path = join(work, `${name}.html`);
  writeFileSync(path, html);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-background-networking'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      requests.push(url);
      return route.abort();
    });
    await page.goto(`file://${path}`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    const tiles = await page.$$eval('section.tile', (sections) =>
      sections.map((s) => {
        const el = s as HTMLElement;
        let painted = 0;
        for (const canvas of Array.from(el.querySelectorAll('canvas'))) {
          const ctx = canvas.getContext('2d');
          if (!ctx || canvas.width === 0 || canvas.height === 0) continue;
          const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
          for (let i = 3; i < pixels.length; i += 4) if ((pixels[i] ?? 0) > 0) painted++;
        }
        return { chart: el.dataset.chart ?? '', status: el.dataset.status ?? '', drawn: el.dataset.drawn === 'true', painted, message: el.querySelector('.message')?.textContent ?? '' };
      }),
    );
    await page.screenshot({ path: join(work, `${name}.png`), fullPage: true });
    return { errors, requests, tiles };
  } finally {
    await browser.close();
  }
}

test('Chromium draws every chart of the HTML file on a canvas, with no console error and no request', async () => {
  const html = readFileSync(join(project, 'target', 'dashboard.html'), 'utf8');
  const report = await openInChromium(html, 'dashboard');
  assert.deepEqual(report.errors, []);
  assert.deepEqual(report.requests, []);
  assert.equal(report.tiles.length, 10);
  for (const tile of report.tiles) {
    assert.equal(tile.status, 'ok', tile.chart);
    assert.ok(tile.drawn, `${tile.chart} was not drawn`);
    // A chart with data paints far more than a blank canvas or a lone axis would.
    assert.ok(tile.painted > 2000, `${tile.chart} painted only ${tile.painted} pixels`);
  }
});

test('Chromium shows a failed chart\'s error and a placeholder in their tiles, the rest drawn', async () => {
  const report = await openInChromium(dashboardHtmlFile(broken), 'broken');
  assert.deepEqual(report.errors, []);
  const byStatus = (s: string) => report.tiles.filter((t) => t.status === s);
  assert.equal(byStatus('ok').length, 8);
  assert.ok(byStatus('ok').every((t) => t.drawn && t.painted > 2000));
  assert.match(byStatus('error')[0]?.message ?? '', /mart_returns_gone/);
  assert.match(byStatus('unsupported')[0]?.message ?? '', /sunburst_v2/);
});
