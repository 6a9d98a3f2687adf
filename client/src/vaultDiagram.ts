// "Show Vault Diagram": a webview drawing the project graph (`dvs/projectGraph`) under a strict CSP with a nonce and no
// remote resources; clicking a model's node opens the model.
import * as vscode from 'vscode';
import { diagramSvg, layoutDiagram } from './diagramLayout';
import { kindColourStyles } from './modelKinds';
import type { Services } from './services';
import { escapeHtml, newNonce, webviewPage } from './webviewPage';

const STYLE = `
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 8px; }
.column-title { fill: var(--vscode-descriptionForeground); font-size: 12px; font-weight: 600; }
.node rect { stroke: var(--vscode-panel-border); stroke-width: 1; fill: var(--vscode-editorWidget-background); }
.node text { fill: var(--vscode-editor-foreground); font-size: 12px; font-family: var(--vscode-editor-font-family); pointer-events: none; }
.node.clickable { cursor: pointer; }
.node.clickable:hover rect, .node.clickable:focus rect { stroke: var(--vscode-focusBorder); stroke-width: 2; }
${kindColourStyles()}
.kind-source rect { fill: transparent; stroke-dasharray: 4 3; }
.edge { fill: none; stroke: var(--vscode-descriptionForeground); stroke-opacity: 0.6; }
.arrowhead { fill: var(--vscode-descriptionForeground); }
p.legend { color: var(--vscode-descriptionForeground); }
`;

const SCRIPT = `
const vscode = acquireVsCodeApi();
function open(node) { if (node && node.dataset.uri) vscode.postMessage({ type: 'open', uri: node.dataset.uri }); }
document.addEventListener('click', (e) => open(e.target.closest('[data-uri]')));
document.addEventListener('keydown', (e) => { if (e.key === 'Enter') open(document.activeElement && document.activeElement.closest('[data-uri]')); });
`;

export async function showVaultDiagramCommand(services: Services): Promise<vscode.WebviewPanel | undefined> {
  const graph = await services.vault.reload();
  if (!graph) {
    void vscode.window.showErrorMessage(`Data Vault: cannot draw the vault diagram. ${services.vault.problem() ?? 'No dbt project was found.'}`);
    return undefined;
  }
  const panel = vscode.window.createWebviewPanel('dataVault.diagram', `Vault: ${graph.projectName}`, vscode.ViewColumn.Active, {
    enableScripts: true,
    localResourceRoots: [],
  });
  const layout = layoutDiagram(graph);
  const body =
    `<p class="legend">${escapeHtml(graph.projectName)}: ${graph.models.length} models. Click a model to open it.</p>` + diagramSvg(layout);
  panel.webview.html = webviewPage({ nonce: newNonce(), title: `Vault: ${graph.projectName}`, style: STYLE, body, script: SCRIPT });
  panel.webview.onDidReceiveMessage(
    async (message: { type?: string; uri?: unknown }) => {
      if (message.type !== 'open' || typeof message.uri !== 'string') return;
      // Only URIs the graph gave us are opened, whatever the page sends.
      if (!graph.models.some((m) => m.uri === message.uri)) return;
      await vscode.window.showTextDocument(vscode.Uri.parse(message.uri), { viewColumn: vscode.ViewColumn.Beside });
    },
    undefined,
    services.context.subscriptions,
  );
  return panel;
}
