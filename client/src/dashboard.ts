// "Show Dashboard": the project's Superset dashboard drawn in a webview with Apache ECharts, from the chart data the
// server computes (`dvs/dashboard`). Strict CSP with a nonce; ECharts loads from the extension's dist/ folder; colours
// come from VS Code's theme. Clicking a chart's model opens it; the view redraws after Run Loads.
import * as vscode from 'vscode';
import { dashboardPage } from '../../server/src/dashboard/page';
import { Dashboard, type DashboardResult } from '../../server/src/protocol';
import { describeFailure, sendDvsRequest } from './languageClient';
import type { Services } from './services';
import { newNonce } from './webviewPage';

interface OpenDashboard {
  panel: vscode.WebviewPanel;
  data: DashboardResult;
}

/** The open panel of each activation (one per window): Show Dashboard reveals it, Run Loads refreshes it. */
const openPanels = new WeakMap<vscode.ExtensionContext, OpenDashboard>();

async function fetchDashboard(services: Services): Promise<DashboardResult | undefined> {
  try {
    return await sendDvsRequest(await services.client(), Dashboard, {});
  } catch (error) {
    const message = describeFailure(error, 'Show Dashboard');
    services.output.error(message);
    void vscode.window.showErrorMessage(`Data Vault: ${message}`);
    return undefined;
  }
}

function modelUris(data: DashboardResult): Set<string> {
  return new Set(Object.values(data.charts).flatMap((c) => (c.model ? [c.model.uri] : [])));
}

export async function showDashboardCommand(services: Services): Promise<vscode.WebviewPanel | undefined> {
  const data = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Data Vault: querying the dashboard' }, () => fetchDashboard(services));
  if (!data) return undefined;
  const open = openPanels.get(services.context);
  if (open) {
    open.data = data;
    open.panel.reveal();
    void open.panel.webview.postMessage({ type: 'dashboard', dashboard: data });
    return open.panel;
  }
  const dist = vscode.Uri.joinPath(services.context.extensionUri, 'dist');
  const panel = vscode.window.createWebviewPanel('dataVault.dashboard', `Dashboard: ${data.title}`, vscode.ViewColumn.Active, {
    enableScripts: true,
    retainContextWhenHidden: true,
    localResourceRoots: [dist],
  });
  const webview = panel.webview;
  webview.html = dashboardPage(data, {
    nonce: newNonce(),
    mode: 'webview',
    echarts: { src: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'echarts.min.js')).toString() },
    cspSource: webview.cspSource,
  });
  const state: OpenDashboard = { panel, data };
  openPanels.set(services.context, state);
  webview.onDidReceiveMessage(
    async (message: { type?: string; uri?: unknown }) => {
      if (message.type !== 'open' || typeof message.uri !== 'string') return;
      // Only the model files the server named are opened, whatever the page sends.
      if (!modelUris(state.data).has(message.uri)) return;
      await vscode.window.showTextDocument(vscode.Uri.parse(message.uri), { viewColumn: vscode.ViewColumn.Beside });
    },
    undefined,
    services.context.subscriptions,
  );
  panel.onDidDispose(() => {
    if (openPanels.get(services.context) === state) openPanels.delete(services.context);
  });
  return panel;
}

/** Redraws an open dashboard with fresh data (after loads changed the marts); does nothing when none is open. */
export async function refreshDashboard(services: Services): Promise<void> {
  const current = openPanels.get(services.context);
  if (!current) return;
  const data = await fetchDashboard(services);
  if (!data || openPanels.get(services.context) !== current) return;
  current.data = data;
  await current.panel.webview.postMessage({ type: 'dashboard', dashboard: data });
}
