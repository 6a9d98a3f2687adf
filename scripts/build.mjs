// One build for the three bundles: the VS Code client, the language server and the `dvs` CLI.
// PGlite's .wasm/.data files are copied beside the bundles because esbuild does not inline them.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { writeTemplateTexts } from './template-texts.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
mkdirSync(dist, { recursive: true });
// The compiler's SQL templates are compiled into the sources from templates/automate-dv/ (scripts/template-texts.mjs).
writeTemplateTexts();

// PGlite finds its .wasm/.data files through import.meta.url, which a CommonJS bundle lacks: point it at the bundle.
const importMetaUrl = "const __dvs_import_meta_url = require('url').pathToFileURL(__filename).href;";
const common = {
  bundle: true,
  define: { 'import.meta.url': '__dvs_import_meta_url' },
  banner: { js: importMetaUrl },
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  absWorkingDir: root,
};

// The `dvs` entry dist/cli.js holds only the argument parser and the command table; each command's module is a sibling
// bundle that the table's `import('./check')` loads when the command runs (the plugin below rewrites those imports into
// `require('./cli-check.js')`), so `dvs check` never compiles the code of the other commands. sql-formatter is its own
// bundle too: only `dvs compile --pretty` and `dvs check --verify-emulation` load it. A command module missing from
// this list is simply bundled into dist/cli.js.
const CLI_COMMAND_BUNDLES = [
  { outfile: 'dist/cli-check.js', modules: ['./check'] },
  { outfile: 'dist/cli-compile.js', modules: ['./compile'] },
  {
    outfile: 'dist/cli-commands.js',
    modules: ['./load', './seed', './run-tests', './query', './generate', './deps', './dashboard'],
  },
];
const siblingOf = (outfile) => `./${outfile.slice('dist/'.length)}`;
// The errors the entry tells apart with instanceof (a usage error exits 2 with the help hint, a CliFailure with its own
// code) are thrown inside the commands: every CLI bundle takes these modules from the one sibling dist/cli-base.js, so
// the entry and the commands share their classes.
const CLI_BASE_MODULES = ['server/src/cli/args.ts', 'server/src/cli/io.ts'].map((f) => join(root, f));
const cliBase = {
  name: 'cli-base-sibling',
  setup(build) {
    build.onResolve({ filter: /^\./ }, (args) => {
      const file = join(args.resolveDir, args.path);
      return CLI_BASE_MODULES.includes(`${file}.ts`) || CLI_BASE_MODULES.includes(file) ? { path: './cli-base.js', external: true } : undefined;
    });
  },
};
const sqlFormatterSibling = {
  name: 'sql-formatter-sibling',
  setup(build) {
    build.onResolve({ filter: /^sql-formatter$/ }, () => ({ path: './sql-formatter.js', external: true }));
  },
};
const commandSiblings = {
  name: 'cli-command-siblings',
  setup(build) {
    build.onResolve({ filter: /^\.\// }, (args) => {
      if (args.kind !== 'dynamic-import' || !/[\\/]server[\\/]src[\\/]cli[\\/]commands\.ts$/.test(args.importer)) return undefined;
      const bundle = CLI_COMMAND_BUNDLES.find((b) => b.modules.includes(args.path));
      return bundle ? { path: siblingOf(bundle.outfile), external: true } : undefined;
    });
  },
};
const commandBundles = CLI_COMMAND_BUNDLES.map((b) =>
  esbuild.build({
    ...common,
    stdin: {
      contents: b.modules.map((m) => `export * from '${m}';`).join('\n'),
      resolveDir: join(root, 'server/src/cli'),
      sourcefile: b.outfile.replace(/\.js$/, '.ts'),
      loader: 'ts',
    },
    outfile: b.outfile,
    plugins: [cliBase, sqlFormatterSibling],
  }),
);

await Promise.all([
  ...commandBundles,
  esbuild.build({
    ...common,
    stdin: { contents: CLI_BASE_MODULES.map((f) => `export * from '${f}';`).join('\n'), resolveDir: root, sourcefile: 'dist/cli-base.ts', loader: 'ts' },
    outfile: 'dist/cli-base.js',
  }),
  esbuild.build({ ...common, entryPoints: ['sql-formatter'], outfile: 'dist/sql-formatter.js' }),
  esbuild.build({ ...common, entryPoints: ['client/src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] }),
  esbuild.build({ ...common, entryPoints: ['server/src/server.ts'], outfile: 'dist/server.js' }),
  // The language server runs the embedded database in this worker thread (server/src/warehouse/embedded.ts).
  esbuild.build({ ...common, entryPoints: ['server/src/warehouse/pglite-worker.ts'], outfile: 'dist/pglite-worker.js' }),
  // `dvs check` of a large project checks parts of it in these worker threads (server/src/cli/check-parallel.ts).
  esbuild.build({ ...common, entryPoints: ['server/src/cli/check-worker.ts'], outfile: 'dist/check-worker.js', plugins: [sqlFormatterSibling] }),
  esbuild.build({ ...common, entryPoints: ['server/src/features/background-check-worker.ts'], outfile: 'dist/background-check-worker.js' }),
  esbuild.build({
    ...common,
    entryPoints: ['server/src/cli.ts'],
    outfile: 'dist/cli.js',
    banner: { js: `#!/usr/bin/env node\n${importMetaUrl}` },
    plugins: [commandSiblings, cliBase, sqlFormatterSibling],
    // The siblings are CommonJS bundles: load them with require() rather than through Node's ES module loader.
    supported: { 'dynamic-import': false },
  }),
]);
chmodSync(join(dist, 'cli.js'), 0o755);

// PGlite loads its runtime files relative to the bundle that imports it.
const require = createRequire(import.meta.url);
const pgliteDist = dirname(require.resolve('@electric-sql/pglite'));
for (const file of readdirSync(pgliteDist)) {
  if (file.endsWith('.wasm') || file.endsWith('.data')) copyFileSync(join(pgliteDist, file), join(dist, file));
}
// Apache ECharts draws the dashboard: the CLI inlines this file into its HTML and the webview loads it from dist/.
copyFileSync(require.resolve('echarts/dist/echarts.min.js'), join(dist, 'echarts.min.js'));
const cliParts = ['dist/cli-base.js', ...CLI_COMMAND_BUNDLES.map((b) => b.outfile), 'dist/sql-formatter.js'].join(', ');
console.error(`built dist/extension.js, dist/server.js, dist/pglite-worker.js, dist/cli.js (+ ${cliParts}), dist/check-worker.js, dist/background-check-worker.js (+ PGlite runtime files, echarts.min.js)`);
