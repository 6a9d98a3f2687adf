// dvs/dashboard: the project's Superset dashboard with each chart's data queried from the marts of the current target
// and turned into ECharts options; the client only draws them. A project without an export is an error for people.
import { relative } from 'node:path';
import { buildDashboard, findSupersetExport, projectDatasetResolver, readExportFiles, readSupersetExport } from '../dashboard/build';
import type { ProjectSession } from '../engine/session';
import type { FileSystem } from '../project/file-system';
import type { DashboardResult } from '../protocol';
import type { SqlSession } from '../warehouse/warehouse';
import { pathToUri } from './uris';

export class NoDashboardError extends Error {}

/** `openDb` is called only once the project is known to have an export, so a project without one is told that
 *  rather than why its target cannot be reached. */
export async function dashboardData(session: ProjectSession, openDb: () => Promise<SqlSession>, target: string, fs: FileSystem): Promise<DashboardResult> {
  const exportDir = findSupersetExport(session.root, fs);
  if (!exportDir) {
    throw new NoDashboardError(
      `${session.project.name} has no Superset export: Show Dashboard draws the dashboard of the project's superset/ folder (an unzipped Superset dashboard export with dashboards/, charts/ and datasets/).`,
    );
  }
  const exported = readSupersetExport(readExportFiles(exportDir, fs));
  if (!exported.dashboards.length) throw new NoDashboardError(`${exportDir} holds no dashboard and no chart.`);
  return buildDashboard(exported, await openDb(), {
    exportDir: relative(session.root, exportDir) || '.',
    target,
    resolve: projectDatasetResolver(session.project),
    uriOf: pathToUri,
  });
}
