// V8's code cache for the `dvs` command bundles, as Node 22's module.enableCompileCache() keeps one (dvs runs on
// Node 20, which has none). A cold `dvs check` of a large project runs most of the 0.9 MB check bundle, and V8 compiles
// each function to bytecode the first time it is called; with the bytecode of the last run's functions handed back,
// the 2,000-model bench project's check took about 60 ms less on its main thread. The cache holds only dvs's own code
// (never a project's data), lives in the user's cache folder, is keyed by the bundle's content, the Node version and
// the architecture, and V8 itself rejects one made with other flags: then the bundle compiles as usual and the cache is
// written again. `DVS_CODE_CACHE=off` turns it off.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

type Env = Readonly<Record<string, string | undefined>>;

/** Where the cache files are: `$XDG_CACHE_HOME/dvs/v8`, else `~/.cache/dvs/v8`. */
export function codeCacheDir(env: Env = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'dvs', 'v8');
}

/**
 * Loads the bundle `name` beside this one (dist/) with V8's code cache, so that the `require()` of it that follows
 * finds it loaded. Does nothing when the bundle is not there (run from the sources, as the tests do), is loaded
 * already, or the cache is turned off; a cache that cannot be read or written only means compiling as usual.
 */
export function loadSiblingWithCodeCache(name: string, env: Env = process.env): void {
  if (env.DVS_CODE_CACHE === 'off') return;
  const file = join(__dirname, name);
  if (require.cache[file] || !existsSync(file)) return;
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    return;
  }
  // V8 checks the cache's V8 version and flags, but of the source only its length: the content is in the name.
  const key = createHash('sha256').update(`${process.version} ${process.arch}\0`).update(source).digest('hex').slice(0, 32);
  let cacheFile: string;
  try {
    cacheFile = join(codeCacheDir(env), `${name}-${key}.bin`);
  } catch {
    return; // no home folder to keep it in
  }
  const cached = readCacheFile(cacheFile);
  const script = new Script(Module.wrap(source), { filename: file, cachedData: cached });
  // Loaded as require() would load it: its own module, exports and require, in the one module cache.
  const mod = new Module(file, require.main);
  mod.filename = file;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(file));
  require.cache[file] = mod;
  try {
    const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
    wrapper.call(mod.exports, mod.exports, createRequire(file), mod, file, dirname(file));
    mod.loaded = true;
  } catch (error) {
    delete require.cache[file];
    throw error;
  }
  if (cached && !script.cachedDataRejected) return;
  // At exit the cache holds the bytecode of every function this run called, not only of those compiled at load.
  process.once('exit', () => {
    try {
      const data = script.createCachedData();
      const dir = dirname(cacheFile);
      mkdirSync(dir, { recursive: true });
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(tmp, Buffer.concat([digest(data), data]));
      renameSync(tmp, cacheFile);
      // Caches of other builds of this bundle: the newest few stay (two installed versions of dvs used in turn, say
      // the editor's and one on the PATH, each keep theirs); older ones are never read again.
      const others = readdirSync(dir)
        .filter((f) => f.startsWith(`${name}-`) && f.endsWith('.bin') && f !== basename(cacheFile))
        .map((f) => ({ file: join(dir, f), time: statSync(join(dir, f)).mtimeMs }))
        .sort((a, b) => b.time - a.time);
      for (const old of others.slice(KEPT_OTHER_BUILDS)) rmSync(old.file, { force: true });
    } catch {
      // A read-only or full disk: the next run compiles as this one did.
    }
  });
}

const DIGEST_BYTES = 32;

/** How many caches of other builds of a bundle are kept beside the current build's. */
const KEPT_OTHER_BUILDS = 2;

function digest(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

/**
 * The cache data in `file` when its digest matches: V8 checks a cache's header (its V8 version, flags, source length
 * and payload length) but not the payload itself, so a damaged file must never reach it.
 */
function readCacheFile(file: string): Buffer | undefined {
  let content: Buffer;
  try {
    content = readFileSync(file);
  } catch {
    return undefined;
  }
  if (content.length <= DIGEST_BYTES) return undefined;
  const data = content.subarray(DIGEST_BYTES);
  return digest(data).equals(content.subarray(0, DIGEST_BYTES)) ? data : undefined;
}
