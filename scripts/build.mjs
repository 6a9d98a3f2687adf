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

await Promise.all([
  esbuild.build({ ...common, entryPoints: ['client/src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] }),
  esbuild.build({ ...common, entryPoints: ['server/src/server.ts'], outfile: 'dist/server.js' }),
  // The language server runs the embedded database in this worker thread (server/src/warehouse/embedded.ts).
  esbuild.build({ ...common, entryPoints: ['server/src/warehouse/pglite-worker.ts'], outfile: 'dist/pglite-worker.js' }),
  // `dvs check` of a large project checks parts of it in these worker threads (server/src/cli/check-parallel.ts).
  esbuild.build({ ...common, entryPoints: ['server/src/cli/check-worker.ts'], outfile: 'dist/check-worker.js' }),
  esbuild.build({ ...common, entryPoints: ['server/src/features/background-check-worker.ts'], outfile: 'dist/background-check-worker.js' }),
  esbuild.build({
    ...common,
    entryPoints: ['server/src/cli.ts'],
    outfile: 'dist/cli.js',
    banner: { js: `#!/usr/bin/env node\n${importMetaUrl}` },
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
console.error('built dist/extension.js, dist/server.js, dist/pglite-worker.js, dist/cli.js, dist/check-worker.js, dist/background-check-worker.js (+ PGlite runtime files, echarts.min.js)');
