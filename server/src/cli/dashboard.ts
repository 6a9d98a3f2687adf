// `dvs dashboard [--out FILE]`: the project's Superset dashboard as one self-contained HTML file (Apache ECharts and the
// data inlined, nothing remote), drawn from the marts of the chosen target. Prints the file's path on stdout.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { buildDashboard, findSupersetExport, projectDatasetResolver, readExportFiles, readSupersetExport } from '../dashboard/build';
import { dashboardPage } from '../dashboard/page';
import { nodeFileSystem } from '../project/file-system';
import type { DashboardResult } from '../protocol';
import { flagValue, type ParsedArgs } from './args';
import { CliFailure, type CliIo } from './io';
import { openSession } from './session';
import { openTargetWarehouse } from './warehouse';

/** ECharts' minified build: beside the bundle (scripts/build.mjs copies it to dist/), else from node_modules. */
export function echartsSource(): string {
  const candidates = [join(__dirname, 'echarts.min.js')];
  try {
    candidates.push(require.resolve('echarts/dist/echarts.min.js'));
  } catch {
    // Not installed as a package here: only the copy beside the bundle can serve.
  }
  for (const file of candidates) if (existsSync(file)) return readFileSync(file, 'utf8');
  throw new CliFailure(`Apache ECharts was not found (looked for ${candidates.join(', ')}). Run npm ci, or npm run build to copy it beside dist/cli.js.`);
}

export function dashboardHtmlFile(data: DashboardResult, echarts = echartsSource()): string {
  return dashboardPage(data, { nonce: randomBytes(16).toString('base64').replace(/[^A-Za-z0-9]/g, ''), mode: 'file', echarts: { inline: echarts } });
}

export async function runDashboardCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const session = openSession(args, io, 'read');
  const exportDir = findSupersetExport(session.root, nodeFileSystem);
  if (!exportDir) throw new CliFailure(`no Superset export in ${session.root}: dvs dashboard draws the dashboard of superset/ (an unzipped Superset dashboard export with dashboards/, charts/ and datasets/).`);
  const exported = readSupersetExport(readExportFiles(exportDir, nodeFileSystem));
  if (!exported.dashboards.length) throw new CliFailure(`${exportDir} holds no dashboard and no chart.`);
  const echarts = echartsSource();
  const out = resolve(io.cwd, flagValue(args, 'out') ?? join(session.root, session.project.settings.targetPath ?? 'target', 'dashboard.html'));
  const target = session.project.target;
  const wh = await openTargetWarehouse(session, io);
  let data: DashboardResult;
  try {
    data = await buildDashboard(exported, wh, {
      exportDir: relative(session.root, exportDir) || '.',
      target: target.ok ? target.target.name : 'embedded',
      resolve: projectDatasetResolver(session.project),
    });
  } finally {
    await wh.close();
  }
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, dashboardHtmlFile(data, echarts));
  const charts = Object.values(data.charts);
  const failed = charts.filter((c) => c.status === 'error');
  const unsupported = charts.filter((c) => c.status === 'unsupported');
  for (const problem of data.problems) io.err(`dvs: ${problem}\n`);
  for (const c of failed) io.err(`dvs: chart "${c.title}": ${c.message ?? 'failed'}\n`);
  for (const c of unsupported) io.err(`dvs: chart "${c.title}" (${c.vizType}) is shown as a placeholder\n`);
  io.err(`dvs: ${data.title}: ${charts.length - failed.length - unsupported.length} of ${charts.length} charts drawn\n`);
  io.out(`${out}\n`);
  // The file is written either way, with the error in the failed chart's tile; the exit code tells scripts.
  return failed.length ? 1 : 0;
}
