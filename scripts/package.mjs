// `npm run package`: builds the bundles, then packages dist/data-vault-studio.vsix with @vscode/vsce. Everything runs
// from esbuild's bundles, so node_modules stay out; the script checks the runtime files the extension needs are in.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'data-vault-studio.vsix');
const require = createRequire(import.meta.url);
const vsce = join(dirname(require.resolve('@vscode/vsce/package.json')), 'vsce');

/** Files a working installation cannot do without (a .vsix without PGlite's runtime fails only after install). */
const REQUIRED = [
  'extension/package.json',
  'extension/dist/extension.js',
  'extension/dist/server.js',
  'extension/dist/pglite-worker.js',
  'extension/dist/pglite.wasm',
  'extension/dist/pglite.data',
  'extension/dist/initdb.wasm',
  'extension/dist/echarts.min.js',
];
const REQUIRED_FOLDERS = ['extension/sample-project/', 'extension/templates/', 'extension/syntaxes/', 'extension/client/media/'];

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (r.status !== 0) {
    process.stdout.write(r.stdout ?? '');
    throw new Error(`${[cmd, ...args].join(' ')} exited with ${r.status}`);
  }
  return r.stdout;
}

export function packageExtension() {
  run(process.execPath, [join(root, 'scripts', 'build.mjs')]);
  mkdirSync(dirname(out), { recursive: true });
  rmSync(out, { force: true });
  run(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links', '--out', out]);
  if (!existsSync(out)) throw new Error(`vsce reported success but ${out} is missing`);
  const listing = run('unzip', ['-Z1', out]).split('\n').filter(Boolean);
  const missing = REQUIRED.filter((f) => !listing.includes(f));
  for (const folder of REQUIRED_FOLDERS) if (!listing.some((f) => f.startsWith(folder))) missing.push(`${folder}…`);
  const leaked = listing.filter((f) => f.includes('/node_modules/') || f.endsWith('.map') || /\/\.env$/.test(f));
  if (missing.length) throw new Error(`the .vsix lacks ${missing.join(', ')}; check .vscodeignore and scripts/build.mjs`);
  if (leaked.length) throw new Error(`the .vsix holds files it must not: ${leaked.slice(0, 5).join(', ')}`);
  return { path: out, files: listing.length };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const { path, files } = packageExtension();
    console.error(`packaged ${path} (${files} files)`);
  } catch (error) {
    console.error(`package: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
