// The pure parts of the client's webviews: the CSP frame, the vault diagram's layout and markup, the results CSV.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagramSvg, layoutDiagram } from '../../client/src/diagramLayout';
import { toCsv } from '../../client/src/resultsCsv';
import { contentSecurityPolicy, escapeHtml, newNonce, scriptJson, webviewPage } from '../../client/src/webviewPage';
import type { ProjectGraphResult } from '../../server/src/protocol';

const graph: ProjectGraphResult = {
  projectName: 'shop',
  sources: [{ id: 'source:raw.users', sourceName: 'raw', table: 'users', schema: 'raw' }],
  models: [
    { name: 'stg_users', kind: 'stage', uri: 'file:///p/models/stg/stg_users.sql', keyColumns: ['USER_HK'] },
    { name: 'hub_users', kind: 'hub', uri: 'file:///p/models/dds/hub_users.sql', keyColumns: ['USER_HK'], businessKeys: ['ID'] },
    { name: 'sat_users', kind: 'sat', uri: 'file:///p/models/dds/sat_users.sql', keyColumns: ['USER_HK'], parents: ['hub_users'] },
    { name: '<script>x', kind: 'model', uri: 'file:///p/models/mart/evil.sql', keyColumns: [] },
  ],
  edges: [
    { from: 'source:raw.users', to: 'stg_users' },
    { from: 'stg_users', to: 'hub_users' },
    { from: 'stg_users', to: 'sat_users' },
    { from: 'hub_users', to: 'nowhere' },
  ],
};

test('the diagram puts each layer in its own column, left to right', () => {
  const layout = layoutDiagram(graph);
  const x = (id: string) => layout.nodes.find((n) => n.id === id)?.x ?? -1;
  assert.ok(x('source:raw.users') < x('stg_users'));
  assert.ok(x('stg_users') < x('hub_users'));
  assert.ok(x('hub_users') < x('sat_users'));
  assert.ok(x('sat_users') < x('<script>x'));
  assert.deepEqual(layout.columns.map((c) => c.title), ['Raw sources', 'Stages', 'Hubs', 'Satellites', 'Other models']);
  // The edge to an unknown node is dropped, not drawn to nowhere.
  assert.equal(layout.edges.length, 3);
});

test('the diagram markup escapes names and makes only models clickable', () => {
  const svg = diagramSvg(layoutDiagram(graph));
  assert.ok(!svg.includes('<script>'));
  assert.ok(svg.includes('&lt;script&gt;x'));
  assert.equal((svg.match(/data-uri=/g) ?? []).length, 4);
  assert.ok(svg.includes('data-uri="file:///p/models/dds/hub_users.sql"'));
  assert.equal((svg.match(/class="edge"/g) ?? []).length, 3);
});

test('webview pages carry a nonce-only CSP and no remote resources', () => {
  const nonce = newNonce();
  assert.match(nonce, /^[A-Za-z0-9]{16,}$/);
  assert.notEqual(nonce, newNonce());
  const csp = contentSecurityPolicy(nonce);
  assert.ok(csp.startsWith("default-src 'none'"));
  assert.ok(csp.includes(`script-src 'nonce-${nonce}'`));
  assert.ok(!/https?:/.test(csp));
  const html = webviewPage({ nonce, title: 'a <b>', style: 'body{}', body: '<p>x</p>', script: 'let a = 1;' });
  assert.ok(html.includes(`<script nonce="${nonce}">`));
  assert.ok(html.includes('<title>a &lt;b&gt;</title>'));
  assert.ok(!/src="https?:/.test(html));
});

test('JSON for a script element cannot close it', () => {
  const json = scriptJson({ s: '</script><script>alert(1)</script>' });
  assert.ok(!json.includes('</script>'));
  assert.deepEqual(JSON.parse(json), { s: '</script><script>alert(1)</script>' });
  assert.equal(escapeHtml(`"'&`), '&quot;&#39;&amp;');
});

test('CSV export quotes what needs quoting and writes NULL as empty', () => {
  const csv = toCsv(
    [{ name: 'id' }, { name: 'name' }, { name: 'address' }, { name: 'note' }],
    [
      ['1', 'Ann "A"', { city: 'Oslo' }, null],
      [2, 'B, C', null, 'line\nbreak'],
    ],
  );
  assert.equal(csv, 'id,name,address,note\r\n1,"Ann ""A""","{""city"":""Oslo""}",\r\n2,"B, C",,"line\nbreak"\r\n');
});
