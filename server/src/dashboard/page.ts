// The dashboard page: one HTML document that lays out the Superset grid and draws each chart's ECharts options. The
// same page serves the self-contained file of `dvs dashboard` (ECharts and the data inlined) and the editor's webview
// (ECharts from the extension's files, colours from VS Code's theme variables). It knows nothing of Superset or SQL:
// the server hands it finished options. No imports but types, so the VS Code client can use it too.
import type { DashboardResult } from '../protocol';

export interface DashboardPageOptions {
  nonce: string;
  /** `file`: a light page for a browser; `webview`: VS Code's theme colours and clicks that open models. */
  mode: 'file' | 'webview';
  /** ECharts inlined (the file) or loaded from a URL the CSP allows (the webview). */
  echarts: { inline: string } | { src: string };
  /** Extra CSP sources for the webview (its `cspSource`). */
  cspSource?: string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** JSON safe inside a <script> element: nothing in it can close the element or open a comment. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** ECharts' own text may hold `</script>`; split it so the inline element ends where it should. */
function inlineScript(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

export function dashboardCsp(nonce: string, cspSource?: string): string {
  const extra = cspSource ? ` ${cspSource}` : '';
  return [`default-src 'none'`, `img-src data:${extra}`, `style-src 'nonce-${nonce}'${extra}`, `script-src 'nonce-${nonce}'${extra}`, `font-src${extra || " 'none'"}`].join('; ');
}

const FILE_THEME = `:root { --dvs-bg: #f6f7f8; --dvs-tile: #ffffff; --dvs-fg: #1f2328; --dvs-muted: #5f6b76; --dvs-border: #dde1e5; --dvs-grid: #e8ebee; --dvs-link: #1a73c8; --dvs-error: #c62828; --dvs-font: Inter, "Segoe UI", Helvetica, Arial, sans-serif; }`;
const WEBVIEW_THEME = `:root { --dvs-bg: var(--vscode-editor-background); --dvs-tile: var(--vscode-editorWidget-background, var(--vscode-editor-background)); --dvs-fg: var(--vscode-foreground); --dvs-muted: var(--vscode-descriptionForeground); --dvs-border: var(--vscode-panel-border, var(--vscode-widget-border, #8884)); --dvs-grid: var(--vscode-editorIndentGuide-background1, var(--vscode-editorIndentGuide-background, #8883)); --dvs-link: var(--vscode-textLink-foreground); --dvs-error: var(--vscode-errorForeground); --dvs-font: var(--vscode-font-family); }`;

export const DASHBOARD_STYLE = `
* { box-sizing: border-box; }
body { margin: 0; padding: 16px; background: var(--dvs-bg); color: var(--dvs-fg); font-family: var(--dvs-font); font-size: 13px; }
h1 { font-size: 20px; font-weight: 600; margin: 0 0 4px; }
.meta { color: var(--dvs-muted); margin: 0 0 12px; }
.problems { color: var(--dvs-error); }
.row { display: flex; gap: 12px; margin-bottom: 12px; align-items: stretch; }
.column { display: flex; flex-direction: column; gap: 12px; min-width: 0; }
.section { font-weight: 600; margin: 18px 0 10px; padding-top: 10px; border-top: 1px solid var(--dvs-border); }
.section.size-large { font-size: 20px; } .section.size-medium { font-size: 16px; } .section.size-small { font-size: 13px; }
.markdown { min-width: 0; padding: 6px 4px; }
.markdown h2, .markdown h1, .markdown h3 { margin: 0 0 6px; font-size: 18px; }
.markdown p { color: var(--dvs-muted); margin: 0 0 6px; }
.tile { background: var(--dvs-tile); border: 1px solid var(--dvs-border); border-radius: 4px; padding: 10px 12px; display: flex; flex-direction: column; min-width: 0; }
.tile header { display: flex; flex-direction: column; gap: 2px; margin-bottom: 6px; }
.tile .title { font-weight: 600; font-size: 13px; }
.tile .source { color: var(--dvs-muted); font-size: 11px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.tile .source a { color: var(--dvs-link); cursor: pointer; text-decoration: none; }
.tile .source a:hover, .tile .source a:focus { text-decoration: underline; }
.tile .chart { flex: 1; min-height: 120px; }
.tile .message { flex: 1; display: flex; align-items: center; justify-content: center; text-align: center; padding: 12px; color: var(--dvs-muted); border: 1px dashed var(--dvs-border); border-radius: 4px; }
.tile.status-error .message { color: var(--dvs-error); }
.divider { border-top: 1px solid var(--dvs-border); margin: 8px 0 16px; }
`;

/** The page's script: builds the grid from the layout, draws every chart, and redraws on a `dashboard` message. */
export const DASHBOARD_SCRIPT = `
(function () {
  'use strict';
  var api = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : undefined;
  var root = document.getElementById('dashboard');
  var charts = [];
  var UNIT = 8;
  function css(name, fallback) {
    var v = getComputedStyle(document.body).getPropertyValue(name).trim();
    return v || fallback;
  }
  function theme() {
    var fg = css('--dvs-fg', '#333'), muted = css('--dvs-muted', '#666'), grid = css('--dvs-grid', '#ddd'), border = css('--dvs-border', '#ccc'), tile = css('--dvs-tile', '#fff');
    var axis = { axisLine: { lineStyle: { color: border } }, axisTick: { lineStyle: { color: border } }, axisLabel: { color: muted }, splitLine: { lineStyle: { color: grid } }, nameTextStyle: { color: muted } };
    return {
      backgroundColor: 'transparent',
      textStyle: { color: fg, fontFamily: css('--dvs-font', 'sans-serif') },
      title: { textStyle: { color: fg }, subtextStyle: { color: muted } },
      legend: { textStyle: { color: fg }, pageTextStyle: { color: muted } },
      tooltip: { backgroundColor: tile, borderColor: border, textStyle: { color: fg } },
      categoryAxis: axis, valueAxis: axis, timeAxis: axis, logAxis: axis
    };
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function markdown(text) {
    var box = el('div', 'markdown');
    String(text).split(/\\n\\s*\\n/).forEach(function (block) {
      var m = /^(#{1,3})\\s+(.*)$/.exec(block.trim());
      if (m) box.appendChild(el('h' + m[1].length, '', m[2]));
      else if (block.trim()) box.appendChild(el('p', '', block.trim().replace(/[*_\`]/g, '')));
    });
    return box;
  }
  function open(uri) { if (api && uri) api.postMessage({ type: 'open', uri: uri }); }
  function tile(node, data, inColumn) {
    var chart = data.charts[node.id] || { title: node.title || node.id, status: 'error', message: 'No data for this chart.', vizType: 'unknown', sql: [], rows: 0 };
    var box = el('section', 'tile status-' + chart.status);
    box.dataset.chart = node.id;
    box.dataset.status = chart.status;
    box.dataset.vizType = chart.vizType;
    box.style.height = (node.height * UNIT) + 'px';
    if (!inColumn) box.style.flex = '0 0 calc(' + (node.width / 12 * 100) + '% - ' + (12 - node.width / 12 * 12) + 'px)';
    var header = el('header');
    header.appendChild(el('div', 'title', chart.title));
    if (chart.relation) {
      var source = el('div', 'source');
      source.appendChild(document.createTextNode('reads ' + chart.relation + (chart.model ? ' \\u00b7 ' : '')));
      if (chart.model) {
        if (api) {
          var a = el('a', '', chart.model.path);
          a.tabIndex = 0;
          a.title = 'Open ' + chart.model.name;
          a.addEventListener('click', function () { open(chart.model.uri); });
          a.addEventListener('keydown', function (e) { if (e.key === 'Enter') open(chart.model.uri); });
          source.appendChild(a);
        } else source.appendChild(document.createTextNode(chart.model.path));
      }
      source.title = chart.description || '';
      header.appendChild(source);
    }
    box.appendChild(header);
    if (chart.status === 'ok' && chart.option) {
      var body = el('div', 'chart');
      box.appendChild(body);
      charts.push({ el: body, option: chart.option, tile: box });
    } else {
      box.appendChild(el('div', 'message', chart.message || 'Nothing to draw.'));
    }
    return box;
  }
  function build(nodes, data, parent, inColumn) {
    nodes.forEach(function (node) {
      if (node.type === 'row') {
        var row = el('div', 'row');
        build(node.children, data, row, false);
        parent.appendChild(row);
      } else if (node.type === 'column') {
        var col = el('div', 'column');
        col.style.flex = '0 0 calc(' + (node.width / 12 * 100) + '% - ' + (12 - node.width / 12 * 12) + 'px)';
        build(node.children, data, col, true);
        parent.appendChild(col);
      } else if (node.type === 'header') {
        parent.appendChild(el('div', 'section size-' + node.size, node.text));
      } else if (node.type === 'markdown') {
        var md = markdown(node.text);
        if (!inColumn) md.style.flex = '0 0 calc(' + (node.width / 12 * 100) + '% - ' + (12 - node.width / 12 * 12) + 'px)';
        parent.appendChild(md);
      } else if (node.type === 'divider') {
        parent.appendChild(el('div', 'divider'));
      } else if (node.type === 'chart') {
        parent.appendChild(tile(node, data, inColumn));
      }
    });
  }
  function render(data) {
    charts.forEach(function (c) { if (c.instance) c.instance.dispose(); });
    charts = [];
    root.textContent = '';
    root.appendChild(el('h1', '', data.title));
    var when = new Date(data.generatedAt);
    root.appendChild(el('p', 'meta', 'Target ' + data.target + ' \\u00b7 drawn from the Superset export in ' + data.exportDir + ' \\u00b7 ' + (isNaN(when) ? data.generatedAt : when.toLocaleString())));
    if (data.problems && data.problems.length) root.appendChild(el('p', 'meta problems', data.problems.join('; ')));
    build(data.layout, data, root, false);
    if (typeof echarts === 'undefined') {
      charts.forEach(function (c) { c.el.appendChild(el('div', 'message', 'ECharts did not load.')); c.tile.dataset.status = 'error'; });
      return;
    }
    echarts.registerTheme('dvs', theme());
    charts.forEach(function (c) {
      c.instance = echarts.init(c.el, 'dvs', { renderer: 'canvas' });
      c.instance.setOption(c.option);
      c.tile.dataset.drawn = 'true';
    });
    document.body.dataset.ready = 'true';
  }
  var current = JSON.parse(document.getElementById('dashboard-data').textContent);
  render(current);
  window.addEventListener('resize', function () { charts.forEach(function (c) { if (c.instance) c.instance.resize(); }); });
  window.addEventListener('message', function (event) {
    var m = event.data;
    if (m && m.type === 'dashboard' && m.dashboard) { current = m.dashboard; render(current); }
    if (m && m.type === 'theme') render(current);
  });
  if (api) {
    // VS Code changes the body's theme class when the colour theme changes; the charts take the new colours.
    new MutationObserver(function () { render(current); }).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }
})();
`;

/** The whole page. The data travels as JSON in a non-executed script element. */
export function dashboardPage(data: DashboardResult, options: DashboardPageOptions): string {
  const nonce = options.nonce;
  const echartsTag = 'inline' in options.echarts ? `<script nonce="${nonce}">${inlineScript(options.echarts.inline)}</script>` : `<script nonce="${nonce}" src="${escapeHtml(options.echarts.src)}"></script>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${dashboardCsp(nonce, options.cspSource)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(data.title)}</title>
<style nonce="${nonce}">${options.mode === 'file' ? FILE_THEME : WEBVIEW_THEME}${DASHBOARD_STYLE}</style>
</head>
<body>
<main id="dashboard"></main>
<script type="application/json" id="dashboard-data">${scriptJson(data)}</script>
${echartsTag}
<script nonce="${nonce}">${DASHBOARD_SCRIPT}</script>
</body>
</html>
`;
}
