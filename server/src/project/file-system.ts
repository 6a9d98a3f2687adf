// The only way the project model reads files: a small interface, so the language server can serve unsaved editor
// buffers and tests can use real temp folders. Paths are absolute, with '/' separators.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface FileSystem {
  /** The file's text, or undefined when it does not exist or cannot be read. */
  readFile(path: string): string | undefined;
  /** Every file below `dir` (recursively) whose absolute path passes `predicate`, sorted; [] when `dir` is missing. */
  listFiles(dir: string, predicate: (path: string) => boolean): string[];
  /** True when a file or folder exists at `path`. */
  exists(path: string): boolean;
  /**
   * The folders directly inside `dir`, following symbolic links (dbt deps links `local:` packages); [] when `dir` is
   * missing. A file system without links may leave it out.
   */
  folders?(dir: string): string[];
  /** The path with symbolic links resolved, or the path itself when it cannot be. */
  realPath?(path: string): string;
}

// Folders that hold installed packages or tooling, never the project's own models, even inside a model path.
const SKIPPED_FOLDERS = new Set(['node_modules', '.git', 'dbt_packages', 'dbt_modules']);

export const nodeFileSystem: FileSystem = {
  readFile(file: string): string | undefined {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  },
  listFiles(dir: string, predicate: (file: string) => boolean): string[] {
    const out: string[] = [];
    const walk = (d: string, normalised: string, depth: number) => {
      if (depth > 50) return;
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(d, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const p = childPath(normalised, e.name);
        if (e.isDirectory()) {
          if (!SKIPPED_FOLDERS.has(e.name)) walk(p, p, depth + 1);
        } else if ((e.isFile() || e.isSymbolicLink()) && predicate(p)) out.push(p);
      }
    };
    walk(dir, joinPath(dir), 0);
    return out.sort();
  },
  exists(file: string): boolean {
    return fs.existsSync(file);
  },
  folders(dir: string): string[] {
    let entries: string[];
    try {
      entries = fs.readdirSync(dir);
    } catch {
      return [];
    }
    return entries
      .map((e) => joinPath(dir, e))
      .filter((p) => {
        try {
          return fs.statSync(p).isDirectory();
        } catch {
          // A dangling link is no folder.
          return false;
        }
      });
  },
  realPath(p: string): string {
    try {
      return fs.realpathSync(p);
    } catch {
      return p;
    }
  },
};

/**
 * joinPath(dir, name) for a folder already normalised by joinPath and an entry name read from it. An absolute folder
 * and a name without slashes are joined as they are: path.posix.join normalises character by character, once for
 * each of a large project's thousands of files.
 */
function childPath(dir: string, name: string): string {
  if (!dir.startsWith('/') || name.includes('/') || name.includes('\\') || name === '.' || name === '..') return joinPath(dir, name);
  // joinPath keeps a folder's trailing slash ('/', or a folder given as 'models/'); the join has one slash.
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

/** Joins and normalises path parts with '/' separators (project paths are always shown that way). */
export function joinPath(...parts: string[]): string {
  return path.posix.join(...parts.map(toSlashes));
}

export function toSlashes(p: string): string {
  return p.replace(/\\/g, '/');
}

/** A path segment `.` or `..`, an empty segment, a trailing '/' or a backslash: a path path.posix.relative must normalise. */
const NOT_NORMAL = /(^|\/)\.{1,2}(\/|$)|\/\/|\/$|\\/;

/** `file` relative to `root`, with '/' separators. */
export function relativePath(root: string, file: string): string {
  // The common case, a file below the absolute, normalised root, is the rest of its path (asked for every model).
  if (file.length > root.length + 1 && file.charCodeAt(root.length) === 47 && file.startsWith(root) && root.startsWith('/') && !NOT_NORMAL.test(file)) {
    return file.slice(root.length + 1);
  }
  return path.posix.relative(toSlashes(root), toSlashes(file));
}

export function isAbsolutePath(p: string): boolean {
  return path.posix.isAbsolute(toSlashes(p)) || /^[A-Za-z]:[\\/]/.test(p);
}

export function dirName(p: string): string {
  return path.posix.dirname(toSlashes(p));
}

/** The file name without folder and without its last extension: `models/stg/stg_users.sql` → `stg_users`. */
export function fileStem(p: string): string {
  const base = path.posix.basename(toSlashes(p));
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** The nearest folder from `start` upward that holds a dbt_project.yml, or undefined. */
export function findProjectRoot(start: string, files: FileSystem): string | undefined {
  let dir = toSlashes(start);
  for (let i = 0; i < 100; i++) {
    if (files.exists(joinPath(dir, 'dbt_project.yml'))) return dir;
    const parent = dirName(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  return undefined;
}
