// The dashboard page's markup: a nonce-only CSP in both modes, ECharts inlined in the file and loaded from the given
// webview URI in the editor, the data as non-executed JSON that cannot close its element, the theme from VS Code's
// variables in the webview.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dashboardCsp, dashboardPage } from '../../server/src/dashboard/page';
import type { DashboardResult } from '../../server/src/protocol';

const data: DashboardResult = {
  title: 'Sales </script><script>alert(1)</script>',
  exportDir: 'superset',
  layout: [{ type: 'row', id: 'ROW-1', children: [{ type: 'chart', id: 'CHART-1', chartUuid: 'u', width: 12, height: 50 }] }],
  charts: { 'CHART-1': { title: '<b>x</b>', vizType: 'big_number', status: 'ok', option: { title: [{ text: '</script>' }] }, sql: [], rows: 1 } },
  target: 'embedded',
  generatedAt: '2024-06-23T12:00:00.000Z',
  problems: [],
};

test('the file: ECharts and the data inlined under a nonce-only CSP, nothing loaded', () => {
  const html = dashboardPage(data, { nonce: 'abc123', mode: 'file', echarts: { inline: 'var echarts = {}; // "</script>" inside the library' } });
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'nonce-abc123'; script-src 'nonce-abc123'; font-src 'none'">/);
  assert.doesNotMatch(html, /\bsrc="/);
  assert.doesNotMatch(html, /https?:\/\//);
  // Every executed script carries the nonce; the data element is JSON and is not executed.
  const scripts = [...html.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1] ?? '');
  assert.deepEqual(scripts, [' type="application/json" id="dashboard-data"', ' nonce="abc123"', ' nonce="abc123"']);
  // Nothing in the title, the options or the library closes its element early.
  assert.equal(html.split('</script>').length - 1, 3);
  assert.match(html, /<title>Sales &lt;\/script&gt;/);
  assert.match(html, /--dvs-bg: #f6f7f8/);
});

test('the webview: ECharts from the extension through the webview URI, VS Code theme colours', () => {
  const html = dashboardPage(data, { nonce: 'n0nce', mode: 'webview', echarts: { src: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/echarts.min.js' }, cspSource: 'https://*.vscode-cdn.net' });
  assert.match(html, /<script nonce="n0nce" src="https:\/\/file\+\.vscode-resource\.vscode-cdn\.net\/ext\/dist\/echarts\.min\.js"><\/script>/);
  assert.equal(dashboardCsp('n0nce', 'https://*.vscode-cdn.net'), "default-src 'none'; img-src data: https://*.vscode-cdn.net; style-src 'nonce-n0nce' https://*.vscode-cdn.net; script-src 'nonce-n0nce' https://*.vscode-cdn.net; font-src https://*.vscode-cdn.net");
  assert.match(html, /--dvs-fg: var\(--vscode-foreground\)/);
  assert.doesNotMatch(html, /'unsafe-inline'|'unsafe-eval'/);
});
