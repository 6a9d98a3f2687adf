// The client's views (Vault view groups, diagram columns and colours, client/src/modelKinds.ts) handle every kind the
// server's macro descriptor table (server/src/base/automate-dv-macros.ts) can send, and nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AUTOMATE_DV_MACROS, VAULT_MACRO_NAMES } from '../../server/src/base/automate-dv-macros';
import { DIAGRAM_COLUMNS, KIND_VIEW, VAULT_GROUPS, diagramColumnOf, kindColourStyles } from '../../client/src/modelKinds';
import { diagramSvg, layoutDiagram } from '../../client/src/diagramLayout';
import type { ModelKind, ProjectGraphResult } from '../../server/src/protocol';

const serverKinds = [...new Set<string>([...VAULT_MACRO_NAMES.map((m) => AUTOMATE_DV_MACROS[m].viewKind), 'model'])].sort();

test('every kind a macro descriptor gives has its views in the client, and the client knows no other kind', () => {
  assert.deepEqual(Object.keys(KIND_VIEW).sort(), serverKinds);
});

test('every kind is in exactly one Vault view group and in a diagram column', () => {
  for (const kind of serverKinds as ModelKind[]) {
    assert.equal(VAULT_GROUPS.filter((g) => g.kinds.includes(kind)).length, 1, `${kind} is in one Vault view group`);
    const column = diagramColumnOf(kind);
    assert.ok(column > 0 && column < DIAGRAM_COLUMNS.length, `${kind} has a diagram column after the sources`);
  }
  assert.equal(diagramColumnOf('source'), 0);
});

test('the Vault view groups and diagram colours are the ones the views always had', () => {
  assert.deepEqual(
    VAULT_GROUPS.map((g) => [g.label, [...g.kinds].sort()]),
    [
      ['Hubs', ['hub']],
      ['Links', ['link', 't_link']],
      ['Satellites', ['eff_sat', 'ma_sat', 'sat', 'xts']],
      ['Point-in-time & bridges', ['bridge', 'pit']],
      ['Stages', ['stage']],
      ['Other models', ['model']],
    ],
  );
  assert.equal(
    kindColourStyles(),
    [
      '.kind-hub rect { fill: #1f6feb33; stroke: #1f6feb; }',
      '.kind-link rect, .kind-t_link rect { fill: #2ea04333; stroke: #2ea043; }',
      '.kind-sat rect, .kind-eff_sat rect, .kind-ma_sat rect, .kind-xts rect { fill: #d2992233; stroke: #d29922; }',
    ].join('\n'),
  );
});

test('the diagram draws a model of every kind in its column', () => {
  const graph: ProjectGraphResult = {
    projectName: 'p',
    models: (serverKinds as ModelKind[]).map((kind) => ({ name: `m_${kind}`, kind, uri: `file:///p/${kind}.sql`, keyColumns: [] })),
    sources: [{ id: 'source:raw.t', sourceName: 'raw', table: 't', schema: 'raw' }],
    edges: [],
  };
  const layout = layoutDiagram(graph);
  const xOf = (id: string): number => layout.nodes.find((n) => n.id === id)!.x;
  assert.ok(xOf('m_stage') < xOf('m_hub') && xOf('m_hub') < xOf('m_link') && xOf('m_link') === xOf('m_t_link'));
  assert.ok(xOf('m_sat') === xOf('m_xts') && xOf('m_pit') === xOf('m_bridge') && xOf('m_bridge') < xOf('m_model'));
  assert.deepEqual(layout.columns.map((c) => c.title), DIAGRAM_COLUMNS.map((c) => c.title));
  for (const kind of serverKinds) assert.match(diagramSvg(layout), new RegExp(`class="node kind-${kind} clickable"`));
});
