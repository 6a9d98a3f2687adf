// The file access the cloud flows need, as a small interface so tests and the editor can supply their own;
// `nodeFileAccess` is the real one on top of node:fs.
import { chmod, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';

export interface FileAccess {
  /** The file's text, or undefined when it does not exist. */
  readText(path: string): Promise<string | undefined>;
  /** Writes the file, creating missing parent folders; `mode` (e.g. 0o600) applies to a new or rewritten file. */
  writeText(path: string, text: string, options?: { mode?: number }): Promise<void>;
  /** Deletes the file if it exists. */
  remove(path: string): Promise<void>;
  /** Paths of every file under dir, relative to it, with forward slashes, sorted; empty when dir does not exist. */
  listFiles(dir: string): Promise<string[]>;
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function walk(root: string, dir: string, out: string[]): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await walk(root, path, out);
    else if (entry.isFile()) out.push(relative(root, path).split(sep).join('/'));
  }
}

export const nodeFileAccess: FileAccess = {
  async readText(path) {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  },
  async writeText(path, text, options) {
    // Parent folders of secrets (~/.postgresql) are created private too.
    await mkdir(dirname(path), { recursive: true, ...(options?.mode !== undefined ? { mode: 0o700 } : {}) });
    await writeFile(path, text, options?.mode !== undefined ? { mode: options.mode } : {});
    // writeFile applies the mode only when it creates the file; an existing file keeps its own without this.
    if (options?.mode !== undefined) await chmod(path, options.mode);
  },
  async remove(path) {
    await rm(path, { force: true });
  },
  async listFiles(dir) {
    try {
      if (!(await stat(dir)).isDirectory()) return [];
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
    const out: string[] = [];
    await walk(dir, dir, out);
    return out.sort();
  },
};
