// Macros of installed packages (dbt_packages/<package>/macros after `dbt deps`), so models that call them, qualified
// (`garden_utils.season_of()`) or not, compile as dbt would. AutomateDV itself is emulated, never read from disk.
import type { MacroNode } from '../jinja/ast';
import { parseTemplate } from '../jinja/parser';
import type { DbtProject } from '../project';
import { parseDbtProjectFile } from '../project/dbtProjectFile';
import { joinPath } from '../project/fileSystem';

export interface PackageMacros {
  /** The package's project name (`garden_utils`), the namespace its macros are called with. */
  name: string;
  macros: MacroNode[];
}

const EMULATED_PACKAGES = new Set(['automate_dv', 'dbtvault']);

/** Every installed package (one folder level below the install path) with the macros its macro paths define. */
export function installedPackageMacros(project: DbtProject): PackageMacros[] {
  const installDir = joinPath(project.root, project.settings.packagesInstallPath);
  const out: PackageMacros[] = [];
  for (const projectFile of project.files.listFiles(installDir, (p) => p.endsWith('/dbt_project.yml'))) {
    const root = projectFile.slice(0, -'/dbt_project.yml'.length);
    if (root.slice(installDir.length + 1).includes('/')) continue;
    const text = project.files.readFile(projectFile);
    if (text === undefined) continue;
    const settings = parseDbtProjectFile(text, projectFile, { env: project.env, lookupVar: () => undefined }).project;
    if (!settings.name || EMULATED_PACKAGES.has(settings.name)) continue;
    const macros: MacroNode[] = [];
    for (const dir of settings.macroPaths) {
      for (const file of project.files.listFiles(joinPath(root, dir), (p) => p.endsWith('.sql'))) {
        const source = project.files.readFile(file);
        if (source === undefined) continue;
        for (const st of parseTemplate(source).template.body) if (st.kind === 'Macro') macros.push(st);
      }
    }
    out.push({ name: settings.name, macros });
  }
  return out;
}
