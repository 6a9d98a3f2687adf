// The VS Code end-to-end tests (CONTRACTS.md "End-to-end tests in code-server"): provisions chromium and code-server
// when missing, builds and packages the .vsix, then runs (1) the extension-host mocha suite in one code-server with the
// development folder loaded through the URL payload, and (2) the Playwright UI test in a second code-server with the
// .vsix installed. Prints `N passed, N failed` last; exits non-zero on any failure.
//   node scripts/e2e.mjs [--only host|ui] [--electron]   (--electron: run the host suite with @vscode/test-electron)
// Each run works on fresh copies of sample-project/ (or DVS_E2E_PROJECT) set to the embedded target; screenshots and
// logs go to test-results/e2e/.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { format } from 'node:util';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { ensureCodeServer, ensureDebianPackages } from './e2e-provision.mjs';
import { installVsix, launchChromium, startCodeServer } from './e2e-codeserver.mjs';
import { packageExtension } from './package.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const artefacts = join(root, 'test-results', 'e2e');
const SUMMARY_PREFIX = 'DVS_E2E_SUMMARY ';
const HOST_TIMEOUT_MS = 20 * 60_000;

const argv = process.argv.slice(2);
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
const useElectron = argv.includes('--electron');
const log = (msg) => console.error(`[e2e] ${msg}`);
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;

/** Bundles the extension-host suite into out/e2e/suite (mocha and vscode stay external: the host provides them). */
async function bundleHostSuite() {
  const outdir = join(root, 'out', 'e2e', 'suite');
  rmSync(outdir, { recursive: true, force: true });
  const suiteDir = join(root, 'test', 'e2e', 'suite');
  const entryPoints = readdirSync(suiteDir).filter((f) => f === 'index.ts' || f.endsWith('.e2e.ts')).map((f) => join(suiteDir, f));
  await esbuild.build({
    entryPoints,
    outdir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return join(outdir, 'index.js');
}

/** A fresh copy of the sample project for one run, set to the embedded target (no server, no secrets). */
function prepareWorkspace(dir) {
  const source = process.env.DVS_E2E_PROJECT ?? join(root, 'sample-project');
  if (!existsSync(join(source, 'dbt_project.yml'))) throw new Error(`${source}/dbt_project.yml is missing: the e2e tests run on the sample project`);
  const ws = join(dir, 'data-vault-sample');
  cpSync(source, ws, { recursive: true, filter: (src) => !/[\\/](\.dvs|target|logs|dbt_packages)$/.test(src) });
  mkdirSync(join(ws, '.vscode'), { recursive: true });
  // Only the language server's completions, so a test cannot pass on words copied from the open file.
  const settings = { 'dataVault.target': 'embedded', 'editor.wordBasedSuggestions': 'off' };
  writeFileSync(join(ws, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
  return ws;
}

function parseSummary(lines) {
  for (const line of [...lines].reverse()) {
    const at = line.indexOf(SUMMARY_PREFIX);
    if (at >= 0) {
      try {
        return JSON.parse(line.slice(at + SUMMARY_PREFIX.length));
      } catch {
        /* a truncated line: keep looking */
      }
    }
  }
  return undefined;
}

/** (1) The extension-host suite inside code-server: the workbench reads the development folder from the URL payload. */
async function runHostSuiteInCodeServer(entry, workDir, suiteIndex) {
  const playwright = await import('playwright-core');
  const ws = prepareWorkspace(join(workDir, 'host-ws'));
  const server = await startCodeServer({ entry, dir: join(workDir, 'host-cs'), workspace: ws });
  const context = await launchChromium(playwright, join(workDir, 'host-chromium'));
  const lines = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    let finish;
    const exitCode = new Promise((resolve) => (finish = resolve));
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const text = format(...(Array.isArray(args) ? args : [args]));
      lines.push(text);
      process.stderr.write(`  ${text}\n`);
    });
    await page.exposeFunction('codeAutomationExit', (code) => finish(Number(code)));
    const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
    const payload = [
      ['extensionDevelopmentPath', remote(root)],
      ['extensionTestsPath', remote(suiteIndex)],
    ];
    const url = `${server.url}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    await page.goto(url);
    const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), HOST_TIMEOUT_MS));
    const code = await Promise.race([exitCode, timeout]);
    await page.screenshot({ path: join(artefacts, 'extension-host-final.png') }).catch(() => undefined);
    const summary = parseSummary(lines);
    if (code === 'timeout') {
      log(`the extension-host suite did not finish within ${HOST_TIMEOUT_MS / 60_000} minutes`);
      return { passed: summary?.passed ?? 0, failed: (summary?.failed ?? 0) + 1 };
    }
    if (!summary) {
      log(`the extension-host suite exited with ${code} without a summary (did the extension or the suite fail to load?)`);
      return { passed: 0, failed: 1 };
    }
    if (code !== 0 && summary.failed === 0) return { passed: summary.passed, failed: 1 };
    return summary;
  } finally {
    writeFileSync(join(artefacts, 'extension-host.log'), lines.join('\n') + '\n');
    writeFileSync(join(artefacts, 'code-server-host.log'), server.log());
    await context.close().catch(() => undefined);
    await server.stop();
  }
}

/** (1') The same suite under @vscode/test-electron, where VS Code can be downloaded. */
async function runHostSuiteInElectron(workDir, suiteIndex) {
  const { runTests } = await import('@vscode/test-electron');
  const ws = prepareWorkspace(join(workDir, 'electron-ws'));
  const summaryFile = join(workDir, 'electron-summary.json');
  let failure;
  try {
    await runTests({
      extensionDevelopmentPath: root,
      extensionTestsPath: suiteIndex,
      extensionTestsEnv: { DVS_E2E_SUMMARY_FILE: summaryFile },
      launchArgs: [ws, '--disable-extensions', '--disable-workspace-trust'],
    });
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
    log(`@vscode/test-electron: ${failure}`);
  }
  const summary = existsSync(summaryFile) ? JSON.parse(readFileSync(summaryFile, 'utf8')) : undefined;
  if (!summary) return { passed: 0, failed: 1 };
  return failure && summary.failed === 0 ? { passed: summary.passed, failed: 1 } : summary;
}

/** (2) The Playwright UI test against a second code-server with the packaged .vsix installed. */
async function runUiTest(entry, workDir, vsix) {
  const csDir = join(workDir, 'ui-cs');
  log(`installing ${vsix} into a fresh code-server profile`);
  installVsix(entry, csDir, vsix);
  const ws = prepareWorkspace(join(workDir, 'ui-ws'));
  const server = await startCodeServer({ entry, dir: csDir, workspace: ws });
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test', 'e2e', 'ui.ts')], {
      cwd: root,
      env: { ...process.env, DVS_E2E_URL: server.url, DVS_E2E_WORKSPACE: ws, DVS_E2E_ARTEFACTS: artefacts, DVS_E2E_PROFILE: join(workDir, 'ui-chromium') },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = [];
    child.stdout.on('data', (chunk) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line) continue;
        lines.push(line);
        process.stderr.write(`  ${line}\n`);
      }
    });
    const code = await new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
    const summary = parseSummary(lines);
    if (!summary) return { passed: 0, failed: 1 };
    if (code !== 0 && summary.failed === 0) return { passed: summary.passed, failed: 1 };
    return summary;
  } finally {
    writeFileSync(join(artefacts, 'code-server-ui.log'), server.log());
    await server.stop();
  }
}

async function main() {
  mkdirSync(artefacts, { recursive: true });
  const workDir = mkdtempSync(join(tmpdir(), 'dvs-e2e-'));
  const totals = { passed: 0, failed: 0 };
  const add = (name, r) => {
    totals.passed += r.passed;
    totals.failed += r.failed;
    log(`${name}: ${r.passed} passed, ${r.failed} failed (${elapsed()})`);
  };
  try {
    // code-server (and chromium) serve everything but an electron-only host run.
    const needsCodeServer = !(useElectron && only === 'host');
    if (needsCodeServer) ensureDebianPackages(log);
    const entry = needsCodeServer ? ensureCodeServer(root, log) : undefined;
    log(`building (${elapsed()})`);
    if (spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' }).status !== 0) throw new Error('the build failed');
    const suiteIndex = await bundleHostSuite();
    if (only !== 'ui') {
      log(`extension-host suite in ${useElectron ? '@vscode/test-electron' : 'code-server'} (${elapsed()})`);
      add('extension-host suite', useElectron ? await runHostSuiteInElectron(workDir, suiteIndex) : await runHostSuiteInCodeServer(entry, workDir, suiteIndex));
    }
    if (only !== 'host') {
      log(`packaging the .vsix (${elapsed()})`);
      const { path: vsix } = packageExtension();
      log(`Playwright UI test with the .vsix installed (${elapsed()})`);
      add('UI test', await runUiTest(entry, workDir, vsix));
    }
  } catch (error) {
    log(error instanceof Error ? error.stack ?? error.message : String(error));
    totals.failed += 1;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  log(`artefacts (screenshots, logs) in ${artefacts}; took ${elapsed()}`);
  console.log(`${totals.passed} passed, ${totals.failed} failed`);
  process.exit(totals.failed > 0 || totals.passed === 0 ? 1 : 0);
}

await main();
