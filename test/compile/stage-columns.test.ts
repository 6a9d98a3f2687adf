// The stage's column bookkeeping (spec §4.2), driven by fixtures/stage-columns: one JSON file per case with the
// source catalog, the stage arguments, and the expected lists, origins, hash components and diagnostics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bindArguments } from '../../server/src/compile/automate-dv/signatures';
import { readStageConfig } from '../../server/src/compile/automate-dv/stage-config';
import { stageColumnLists, stageOutputColumns } from '../../server/src/compile/automate-dv/stage-columns';
import type { Diagnostic } from '../../server/src/base/diagnostic';
import { kwargs } from './context-fixture';

interface StageColumnsCase {
  description: string;
  catalog: string[];
  args: Record<string, unknown>;
  final: string[];
  derivedPassThrough?: string[];
  nullPassThrough?: string[];
  hashedPassThrough?: string[];
  origins?: Record<string, string>;
  hashes?: Record<string, string[]>;
  diagnostics?: string[];
}

const folder = join(__dirname, 'fixtures', 'stage-columns');
for (const file of readdirSync(folder).filter((f) => f.endsWith('.json'))) {
  const c = JSON.parse(readFileSync(join(folder, file), 'utf8')) as StageColumnsCase;
  test(`stage columns (${file}): ${c.description}`, () => {
    const args = bindArguments('stage', [], kwargs(c.args));
    const reported: Omit<Diagnostic, 'span'>[] = [];
    const config = readStageConfig(args, (d) => reported.push(d));
    const lists = stageColumnLists(config, c.catalog);
    assert.deepEqual(lists.final, c.final, 'final columns');
    if (c.derivedPassThrough) assert.deepEqual(lists.derivedPassThrough, c.derivedPassThrough, 'derived pass-through');
    if (c.nullPassThrough) assert.deepEqual(lists.nullPassThrough, c.nullPassThrough, 'null pass-through');
    if (c.hashedPassThrough) assert.deepEqual(lists.hashedPassThrough, c.hashedPassThrough, 'hashed pass-through');
    assert.deepEqual(reported.map((d) => d.code), c.diagnostics ?? [], 'diagnostics');

    const output = stageOutputColumns(args, c.catalog.map((name) => ({ name, dataType: 'text' })));
    assert.deepEqual(output.map((o) => o.name), c.final, 'stageOutputColumns names');
    for (const [name, origin] of Object.entries(c.origins ?? {})) {
      assert.equal(output.find((o) => o.name === name)?.origin, origin, `origin of ${name}`);
    }
    for (const [name, components] of Object.entries(c.hashes ?? {})) {
      assert.deepEqual(output.find((o) => o.name === name)?.hash?.columns, components, `hash components of ${name}`);
    }
  });
}

test('source columns carry their catalog type in stageOutputColumns', () => {
  const args = bindArguments('stage', [], kwargs({ source_model: 'raw', derived_columns: { RS: '!X' } }));
  const output = stageOutputColumns(args, [{ name: 'amount', dataType: 'numeric(10,2)' }]);
  assert.deepEqual(output[0], { name: 'amount', origin: 'source', dataType: 'numeric(10,2)' });
  assert.deepEqual(output[1], { name: 'RS', origin: 'derived', expression: '!X' });
});

test('unknown source columns give only the generated columns', () => {
  const args = bindArguments('stage', [], kwargs({ source_model: 'raw', hashed_columns: { HK: 'id' } }));
  assert.deepEqual(stageOutputColumns(args, undefined).map((c) => c.name), ['HK']);
});
