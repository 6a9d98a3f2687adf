// An on-disk cache of whole-project analysis results under `<project>/.dvs/analysis/`, so running `dvs check` again
// over files that did not change answers without parsing, compiling or checking anything. A result is keyed by
// everything it can depend on: the content of every project file (models, yml, seeds, macros, installed packages,
// the schema cache that is the catalog), profiles.yml wherever dbt would read it, the environment variables the files
// read, the command's flags and the dvs build itself. A cache that is missing, unreadable, corrupt or written for
// other inputs is ignored (and rewritten); it is never trusted beyond its key.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

const FORMAT = 1;
const CACHE_DIR = join('.dvs', 'analysis');
/** Folders that never hold project input (build output, logs, tooling); `.dvs` adds only its schema cache. */
const SKIPPED = new Set(['.git', 'node_modules', 'target', 'logs', '.dvs', '.venv', '__pycache__']);
const INPUT = /\.(sql|ya?ml|csv|md|env|jinja|j2)$|^\.env$/i;

export interface AnalysisKeyInput {
  root: string;
  /** The command and every flag that changes its result. */
  command: unknown;
  env: Readonly<Record<string, string | undefined>>;
  /** --profiles-dir, when given. */
  profilesDir?: string;
}

/** A build id of the running dvs: its bundle's (or entry file's) content, so another build never reads this one's results. */
let buildId: string | undefined;
function dvsBuild(): string {
  if (buildId !== undefined) return buildId;
  const hash = createHash('sha256');
  // Run from source (tests, tsx) the code is many files, not one bundle: every source file of the server counts.
  const sources = __filename.endsWith('.ts') ? projectSources(resolve(__dirname, '..')) : [];
  for (const file of [require.main?.filename, __filename, ...sources]) {
    if (!file) continue;
    try {
      hash.update(file).update(readFileSync(file));
    } catch {
      hash.update('unreadable');
    }
  }
  buildId = hash.digest('hex');
  return buildId;
}

/**
 * The files below `dir` whose name `keep` accepts, in walk order: folders named in `skip` are not entered, nor folders
 * deeper than `maxDepth`, and an unreadable folder counts as empty.
 */
function filesBelow(dir: string, keep: (name: string) => boolean, skip: ReadonlySet<string> = new Set(), maxDepth = Infinity): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number) => {
    if (depth > maxDepth) return;
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(d, e.name);
      if (e.isDirectory()) {
        if (!skip.has(e.name)) walk(path, depth + 1);
      } else if (keep(e.name)) out.push(path);
    }
  };
  walk(dir, 0);
  return out;
}

/** The TypeScript files under `dir`, sorted. */
function projectSources(dir: string): string[] {
  return filesBelow(dir, (name) => name.endsWith('.ts')).sort();
}

function projectFiles(root: string): string[] {
  const out = filesBelow(root, (name) => INPUT.test(name), SKIPPED, 30);
  // The catalog: introspection results the check reads columns from.
  out.push(join(root, '.dvs', 'schema-cache.json'));
  return out.sort();
}

/** The files a result depends on, listed before any is read, and what reading them for the key found. */
export interface AnalysisInputs {
  /** Every input file: the project's (and the schema cache), then profiles.yml wherever dbt would read it. */
  files: string[];
  /** .sql files among them (models, macros, tests, installed packages): an upper bound of the project's models. */
  sqlFiles: number;
  /** The text of each file the key read, so that opening the project need not read it again. */
  texts: Map<string, string>;
}

/** The input files of the project at `root`: one walk over its folders, no file read yet. */
export function analysisInputs(input: Pick<AnalysisKeyInput, 'root' | 'env' | 'profilesDir'>): AnalysisInputs {
  const profiles = [input.profilesDir, input.env.DBT_PROFILES_DIR, join(homedir(), '.dbt')].filter((d): d is string => !!d).map((d) => join(resolve(input.root, d), 'profiles.yml'));
  const files = [...projectFiles(input.root), ...profiles];
  return { files, sqlFiles: files.filter((f) => f.endsWith('.sql')).length, texts: new Map() };
}

/** The key of a result: a hash over every input the analysis reads (the texts read are kept in `inputs.texts`). */
export function analysisKey(input: AnalysisKeyInput, inputs: AnalysisInputs = analysisInputs(input)): string {
  const hash = createHash('sha256');
  hash.update(`dvs-analysis ${FORMAT}\n${dvsBuild()}\n${JSON.stringify(input.command)}\n`);
  const texts: string[] = [];
  for (const file of inputs.files) {
    let content: Buffer | undefined;
    try {
      content = readFileSync(file);
    } catch {
      content = undefined;
    }
    hash.update(`${file}\0${content === undefined ? 'missing' : content.length}\0`);
    if (content !== undefined) {
      hash.update(content);
      const text = content.toString('utf8');
      texts.push(text);
      inputs.texts.set(file, text);
    }
  }
  // Environment variables: those the files read with env_var('NAME'), dbt's and dvs's own; every one when a file
  // reads a name that is not a literal.
  const names = new Set<string>();
  let dynamic = false;
  for (const text of texts) {
    if (!text.includes('env_var')) continue;
    dynamic ||= /env_var\(\s*[^'"\s)]/.test(text);
    for (const m of text.matchAll(/env_var\(\s*['"]([^'"]+)['"]/g)) names.add(m[1] as string);
  }
  for (const name of Object.keys(input.env).sort()) {
    if (dynamic || names.has(name) || /^(DBT_|DVS_)/.test(name)) hash.update(`${name}=${input.env[name] ?? ''}\0`);
  }
  return hash.digest('hex');
}

interface CacheFile<T> {
  format: number;
  key: string;
  value: T;
}

/** True when a result named `name` is stored (current or not): without one, the analysis is certainly cold. */
export function hasAnalysisCache(root: string, name: string): boolean {
  return existsSync(cacheFile(root, name));
}

function cacheFile(root: string, name: string): string {
  return join(root, CACHE_DIR, `${name}.json`);
}

/** The cached value for `key`, or undefined when there is none, it is unreadable or it was written for other inputs. */
export function readAnalysisCache<T>(root: string, name: string, key: string, isValue: (v: unknown) => v is T): T | undefined {
  try {
    const file = cacheFile(root, name);
    if (!statSync(file).isFile()) return undefined;
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<CacheFile<unknown>> | null;
    if (!parsed || parsed.format !== FORMAT || parsed.key !== key || !isValue(parsed.value)) return undefined;
    return parsed.value;
  } catch {
    return undefined;
  }
}

/** Stores a value for `key`; a failure to write (read-only folder, full disk) only means the next run is cold. */
export function writeAnalysisCache<T>(root: string, name: string, key: string, value: T): void {
  try {
    const file = cacheFile(root, name);
    mkdirSync(join(root, CACHE_DIR), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    const content: CacheFile<T> = { format: FORMAT, key, value };
    writeFileSync(tmp, JSON.stringify(content));
    renameSync(tmp, file);
  } catch {
    // Nothing to do: the cache is an optimisation.
  }
}
