// The Playwright UI test: drives code-server (with the packaged .vsix installed) through Debian's chromium like a person
// would, saving a screenshot per step under test-results/e2e/. Started by scripts/e2e.mjs with DVS_E2E_URL,
// DVS_E2E_WORKSPACE, DVS_E2E_ARTEFACTS and DVS_E2E_PROFILE set; prints one `DVS_E2E_SUMMARY {…}` line.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as playwright from 'playwright-core';
import type { Locator, Page } from 'playwright-core';
import { UI_COMPLETION, UI_DASHBOARD, UI_DIAGRAM, UI_FIXTURES, UI_LOADS, UI_PREVIEW, UI_PROBLEM } from './ui-expectations';

const SUMMARY_PREFIX = 'DVS_E2E_SUMMARY ';
/** The language server starts, indexes the project and introspects the embedded database within this time. */
const SERVER_WAIT_MS = 90_000;

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; run this through scripts/e2e.mjs`);
  return value;
}

const url = required('DVS_E2E_URL');
const workspace = required('DVS_E2E_WORKSPACE');
const artefacts = required('DVS_E2E_ARTEFACTS');
const profile = required('DVS_E2E_PROFILE');

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(artefacts, `ui-${name}.png`) });
}

/**
 * Gives the keyboard back to the workbench when a webview (the dashboard, the diagram) holds it: keys pressed inside
 * its iframe reach VS Code only through the webview's own forwarding, which may drop or repeat F1 and Ctrl+P.
 * (A string, because a function here would be compiled with helpers the page does not have.)
 */
async function focusWorkbench(page: Page): Promise<void> {
  const inWebview = await page.evaluate("document.activeElement !== null && document.activeElement.tagName === 'IFRAME'");
  if (inWebview) await page.locator('.part.sidebar .composite.title').first().click();
}

async function quickInput(page: Page, key: string, text: string): Promise<Locator> {
  await focusWorkbench(page);
  await page.keyboard.press(key);
  const input = page.locator('.quick-input-widget input.input').first();
  await input.waitFor({ state: 'visible' });
  await input.fill(text);
  return input;
}

async function openFile(page: Page, fileName: string): Promise<void> {
  await quickInput(page, 'Control+P', fileName);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: fileName }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.tabs-container .tab.active', { hasText: fileName }).waitFor();
  await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().waitFor();
}

async function runCommand(page: Page, title: string): Promise<void> {
  await quickInput(page, 'F1', `>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}

/** The 1-based line and column just after `marker` in a workspace file, as Ctrl+G takes them. */
function positionAfter(relPath: string, marker: string): { line: number; column: number } {
  const text = readFileSync(join(workspace, relPath), 'utf8');
  const at = text.indexOf(marker);
  if (at < 0) throw new Error(`${marker} not found in ${relPath}`);
  const before = text.slice(0, at + marker.length).split('\n');
  return { line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
}

async function goTo(page: Page, line: number, column: number): Promise<void> {
  await quickInput(page, 'Control+G', `:${line}:${column}`);
  // Enter before the quick input has read the line number would go nowhere.
  await page.locator('.quick-input-list .monaco-list-row', { hasText: `line ${line}` }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

type Step = { name: string; run: (page: Page) => Promise<void> };

const steps: Step[] = [
  {
    name: 'workbench',
    run: async (page) => {
      await page.goto(`${url}/?folder=${encodeURIComponent(workspace)}`);
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      // The status bar item appears once the extension is active.
      await page.locator('.statusbar-item', { hasText: 'embedded' }).or(page.locator('.statusbar-item', { hasText: 'Data Vault' })).first().waitFor({ timeout: SERVER_WAIT_MS });
    },
  },
  {
    name: 'problems-panel-shows-diagnostic',
    run: async (page) => {
      await openFile(page, basename(UI_PROBLEM.path));
      await page.keyboard.press('Control+Shift+M');
      await page.locator('.markers-panel .monaco-list-row', { hasText: UI_PROBLEM.text }).first().waitFor({ timeout: SERVER_WAIT_MS });
    },
  },
  {
    name: 'palette-generate-raw-data',
    run: async (page) => {
      await runCommand(page, 'Data Vault: Generate Sample Raw Data');
      await page.locator('.notifications-toasts', { hasText: 'wrote sample raw data' }).first().waitFor({ timeout: SERVER_WAIT_MS });
    },
  },
  {
    name: 'completion-offers-raw-column',
    run: async (page) => {
      await openFile(page, basename(UI_COMPLETION.path));
      const { line, column } = positionAfter(UI_COMPLETION.path, UI_COMPLETION.marker);
      await goTo(page, line, column);
      await page.keyboard.type(UI_COMPLETION.type);
      // A row's aria-label is "<label>, <kind>"; its text also holds the detail (type and origin).
      const row = page.locator(`.suggest-widget .monaco-list-row[aria-label^="${UI_COMPLETION.expect}, "]`).filter({ hasText: UI_COMPLETION.detail });
      // The first completion may wait for the schema; ask again until the raw column is offered.
      const until = Date.now() + SERVER_WAIT_MS;
      for (;;) {
        await page.keyboard.press('Control+Space');
        try {
          await row.first().waitFor({ timeout: 5_000 });
          break;
        } catch (error) {
          if (Date.now() > until) throw error;
          await page.keyboard.press('Escape');
        }
      }
    },
  },
  {
    name: 'sql-preview-from-palette',
    run: async (page) => {
      await page.keyboard.press('Escape');
      await openFile(page, basename(UI_PREVIEW.path));
      await runCommand(page, 'Data Vault: Preview Compiled SQL');
      await page.locator('.tabs-container .tab', { hasText: '.compiled.sql' }).first().waitFor({ timeout: SERVER_WAIT_MS });
      const preview = page.locator('.editor-group-container .monaco-editor .view-lines', { hasText: UI_PREVIEW.expect });
      await preview.first().waitFor({ timeout: SERVER_WAIT_MS });
    },
  },
  {
    name: 'peek-compiled-sql-under-the-macro',
    run: async (page) => {
      await openFile(page, basename(UI_PREVIEW.path));
      await runCommand(page, 'Data Vault: Peek Compiled SQL');
      await page.locator('.peekview-widget').first().waitFor({ timeout: SERVER_WAIT_MS });
      await page.locator('.peekview-widget .monaco-editor .view-lines', { hasText: UI_PREVIEW.expect }).first().waitFor({ timeout: SERVER_WAIT_MS });
    },
  },
  {
    name: 'raw-schema-view-and-table-grid',
    run: async (page) => {
      // The Data Vault side bar: the Raw Schema view lists the raw tables the generator wrote.
      await page.locator('.activitybar .action-item a[aria-label^="Data Vault"]').first().click();
      await page.locator('.pane-body .monaco-list-row', { hasText: 'users' }).first().waitFor({ timeout: SERVER_WAIT_MS });
      await shot(page, 'side-bar');
      await runCommand(page, 'Data Vault: Show Table');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'raw.users' }).first().waitFor();
      await page.keyboard.type('raw.users');
      await page.keyboard.press('Enter');
      const grid = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      await grid.locator('#info', { hasText: 'rows 1–100 of 500' }).waitFor({ timeout: SERVER_WAIT_MS });
      await grid.locator('#next').click();
      await grid.locator('#info', { hasText: 'rows 101–200 of 500' }).waitFor();
    },
  },
  {
    name: 'palette-command-vault-diagram',
    run: async (page) => {
      await runCommand(page, 'View: Close All Editors');
      await page.locator('.tabs-container .tab').first().waitFor({ state: 'detached' });
      await runCommand(page, 'Data Vault: Show Vault Diagram');
      await page.locator('.tabs-container .tab', { hasText: 'Vault:' }).first().waitFor({ timeout: SERVER_WAIT_MS });
      // A webview is an iframe holding the page's own iframe; the diagram is drawn there (no remote resources).
      const diagram = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      const node = diagram.locator('g.node', { hasText: UI_DIAGRAM.expect }).first();
      await node.waitFor({ timeout: SERVER_WAIT_MS });
      await shot(page, 'diagram');
      // Clicking a model's node opens the model.
      await node.click();
      await page.locator('.tabs-container .tab', { hasText: `${UI_DIAGRAM.expect}.sql` }).first().waitFor();
    },
  },
  {
    name: 'palette-run-loads-with-a-failing-model',
    run: async (page) => {
      // All models, the fixture with the unknown ref included: the others load, that one fails and the Data Vault
      // output opens at its error.
      await runCommand(page, 'Data Vault: Run Loads');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'All models' }).first().click();
      await page.locator('.notifications-toasts', { hasText: `${UI_LOADS.failing} failed to load` }).first().waitFor({ timeout: SERVER_WAIT_MS });
      await page.locator('.panel .monaco-editor .view-lines', { hasText: UI_LOADS.failing }).first().waitFor();
      await page.locator('.pane-body .monaco-list-row', { hasText: UI_LOADS.loaded }).filter({ hasText: 'rows' }).first().waitFor();
    },
  },
  {
    name: 'walkthrough',
    run: async (page) => {
      await runCommand(page, 'Welcome: Open Walkthrough...');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Data Vault Studio' }).first().click();
      await page.locator('.gettingStartedContainer', { hasText: 'Open the sample project' }).first().waitFor();
      await page.locator('.gettingStartedContainer', { hasText: 'Deploy to the cloud' }).first().waitFor();
      await page.locator('.gettingStartedContainer', { hasText: 'See the dashboard' }).first().waitFor();
    },
  },
  {
    name: 'show-dashboard-after-a-demo-load',
    run: async (page) => {
      // What `npm run demo` does, through the dvs CLI beside the open editor (it reaches the embedded database the
      // language server owns): another sync and a load of every model but the UI test's failing fixture.
      const cli = join(process.cwd(), 'dist', 'cli.js');
      // The completion step typed into this stage; the editor may have saved it. The load reads the files as shipped.
      const shipped = process.env.DVS_E2E_PROJECT ?? join(process.cwd(), 'sample-project');
      writeFileSync(join(workspace, UI_COMPLETION.path), readFileSync(join(shipped, UI_COMPLETION.path)));
      for (const args of [['generate-raw', '--syncs', '1'], ['load', '--exclude', UI_FIXTURES_SELECTOR]]) {
        const r = spawnSync(process.execPath, [cli, ...args, '--project', workspace, '--target', 'embedded'], { encoding: 'utf8', timeout: SERVER_WAIT_MS * 2 });
        if (r.status !== 0) {
          const why = (r.stderr ?? '').split('\n').filter((l) => /error|fail|refus|lock|dvs:/i.test(l)).join(' | ');
          throw new Error(`dvs ${args.join(' ')} exited with ${r.status}: ${why.slice(-3000)}`);
        }
      }
      await runCommand(page, 'View: Close All Editors');
      await runCommand(page, 'Data Vault: Show Dashboard');
      await page.locator('.tabs-container .tab', { hasText: 'Dashboard:' }).first().waitFor({ timeout: SERVER_WAIT_MS });
      const dashboard = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      await dashboard.locator('body[data-ready="true"]').waitFor({ timeout: SERVER_WAIT_MS });
      const drawn = dashboard.locator('section.tile[data-drawn="true"]');
      await drawn.nth(UI_DASHBOARD.charts - 1).waitFor({ timeout: SERVER_WAIT_MS });
      const tiles = await dashboard.locator('section.tile').count();
      const ok = await dashboard.locator('section.tile[data-status="ok"]').count();
      if (tiles !== UI_DASHBOARD.charts || ok !== UI_DASHBOARD.charts) throw new Error(`${ok} of ${tiles} dashboard tiles drawn, expected ${UI_DASHBOARD.charts}`);
      // Each chart's canvas holds a drawing.
      const painted = await dashboard.locator('section.tile canvas').evaluateAll((canvases) =>
        canvases.filter((c) => {
          const canvas = c as HTMLCanvasElement;
          const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data;
          if (!data) return false;
          for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) return true;
          return false;
        }).length,
      );
      if (painted < UI_DASHBOARD.charts) throw new Error(`only ${painted} dashboard canvases hold a drawing`);
      // A taller window shows the whole dashboard for the record (the charts follow the resize), then back; the panel
      // and the earlier steps' notifications would cover its lower half.
      if (await page.locator('.part.panel').first().isVisible()) await runCommand(page, 'View: Toggle Panel Visibility');
      await runCommand(page, 'Notifications: Clear All Notifications');
      const viewport = page.viewportSize();
      await page.setViewportSize({ width: 1600, height: 2000 });
      // The webview has grown when its window has; ECharts redraws on the frames after its resize handler.
      // (A string, because a function here would be compiled with helpers the page does not have.)
      await dashboard
        .locator('body')
        .evaluate('new Promise((resolve) => { (function check() { if (window.innerHeight > 1200) requestAnimationFrame(() => requestAnimationFrame(resolve)); else requestAnimationFrame(check); })(); })');
      await page.screenshot({ path: join(artefacts, 'dashboard.png') });
      if (viewport) {
        await page.setViewportSize(viewport);
        // Wait until the webview has shrunk back and laid out again, so the click lands on the link and not on where
        // it was a frame earlier.
        await dashboard
          .locator('body')
          .evaluate(`new Promise((resolve) => { (function check() { if (window.innerHeight <= ${viewport.height}) requestAnimationFrame(() => requestAnimationFrame(resolve)); else requestAnimationFrame(check); })(); })`);
      }
      // The chart names its mart; clicking the model opens it.
      const link = dashboard.locator('section.tile .source a', { hasText: UI_DASHBOARD.model }).first();
      await link.scrollIntoViewIfNeeded();
      await link.click();
      await page.locator('.tabs-container .tab', { hasText: `${UI_DASHBOARD.model}.sql` }).first().waitFor();
      // Run Loads redraws the open dashboard with data queried after the load (its "drawn at" line changes).
      const drawnAt = (await dashboard.locator('p.meta').first().textContent()) ?? '';
      await runCommand(page, 'Data Vault: Run Loads');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'All models' }).first().click();
      await dashboard.locator('p.meta', { hasNotText: drawnAt }).first().waitFor({ timeout: SERVER_WAIT_MS });
      await dashboard.locator('section.tile[data-drawn="true"]').nth(UI_DASHBOARD.charts - 1).waitFor();
    },
  },
];

/** Where the UI test's fixture models live, as a dbt selector. */
const UI_FIXTURES_SELECTOR = `path:${dirname(Object.keys(UI_FIXTURES)[0] ?? 'models/e2e/x.sql')}`;

async function main(): Promise<void> {
  mkdirSync(artefacts, { recursive: true });
  for (const [rel, text] of Object.entries(UI_FIXTURES)) {
    mkdirSync(dirname(join(workspace, rel)), { recursive: true });
    writeFileSync(join(workspace, rel), text);
  }
  const context = await playwright.chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    viewport: { width: 1400, height: 900 },
  });
  context.setDefaultTimeout(30_000);
  let passed = 0;
  let failed = 0;
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    for (const [i, step] of steps.entries()) {
      const name = `${String(i + 1).padStart(2, '0')}-${step.name}`;
      const t0 = Date.now();
      try {
        await step.run(page);
        passed++;
        console.log(`  ✔ ${step.name} (${Date.now() - t0} ms)`);
        await shot(page, name);
      } catch (error) {
        failed++;
        console.log(`  ✘ ${step.name}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
        await shot(page, `${name}-FAILED`).catch(() => undefined);
        await page.keyboard.press('Escape').catch(() => undefined);
      }
    }
  } finally {
    await context.close();
  }
  console.log(`${SUMMARY_PREFIX}${JSON.stringify({ passed, failed })}`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((error: unknown) => {
  console.log(`UI test could not run: ${error instanceof Error ? error.stack : String(error)}`);
  console.log(`${SUMMARY_PREFIX}${JSON.stringify({ passed: 0, failed: 1 })}`);
  process.exitCode = 1;
});
