// `dvs deps`: installs packages.yml's packages into the packages install path, as `dbt deps` does (see dbt/deps.ts).
// The hub's address can be changed with DVS_HUB_URL (used by the tests, which serve a hub on 127.0.0.1).
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_HUB_URL, DepsError, installPackages, type PackageFiles } from '../dbt/deps';
import { parseDbtProjectFile } from '../project/dbt-project-file';
import { projectEnvironment } from '../project/environment';
import { nodeFileSystem } from '../project/file-system';
import type { ParsedArgs } from './args';
import { CliFailure, type CliIo } from './io';
import { projectRoot } from './session';

const execFileAsync = promisify(execFile);

/** The disk and the programs (git, tar) that dbt/deps.ts installs packages with. */
export const nodePackageFiles: PackageFiles = {
  exists: (path) => existsSync(path),
  readText: (path) => readFileSync(path, 'utf8'),
  writeFile: (path, data) => writeFileSync(path, data),
  makeDir: (path) => {
    mkdirSync(path, { recursive: true });
  },
  makeTempDir: (prefix) => mkdtempSync(prefix),
  tempRoot: () => tmpdir(),
  remove: (path) => rmSync(path, { recursive: true, force: true }),
  listDirs: (dir) => readdirSync(dir).filter((e) => statSync(join(dir, e)).isDirectory()),
  copyTree: (from, to, options) =>
    options?.skipGit
      ? cpSync(from, to, { recursive: true, dereference: false, filter: (src) => !src.split(/[\\/]/).includes('.git') })
      : cpSync(from, to, { recursive: true }),
  linkDir: (target, to) => symlinkSync(target, to, 'dir'),
  run: async (command, args, options) => ({ stdout: (await execFileAsync(command, [...args], { cwd: options?.cwd, env: options?.env })).stdout }),
};

export async function runDepsCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const root = projectRoot(args, io);
  const file = join(root, 'dbt_project.yml');
  const env = projectEnvironment(root, nodeFileSystem, io.env);
  const settings = parseDbtProjectFile(readFileSync(file, 'utf8'), file, { env, lookupVar: () => undefined }).project;
  try {
    const installed = await installPackages(root, settings.packagesInstallPath, nodePackageFiles, {
      hubUrl: io.env.DVS_HUB_URL || DEFAULT_HUB_URL,
      log: (line) => io.err(`dvs: ${line}\n`),
    });
    if (installed.length === 0) io.err('dvs: no packages to install (packages.yml declares none)\n');
    else io.err(`dvs: installed ${installed.length} package${installed.length === 1 ? '' : 's'} into ${settings.packagesInstallPath}/ and wrote package-lock.yml\n`);
    return 0;
  } catch (error) {
    if (error instanceof DepsError) throw new CliFailure(error.message);
    throw error;
  }
}
