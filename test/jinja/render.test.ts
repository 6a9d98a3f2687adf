// Render fixtures: each `fixtures/render/NAME.jinja` renders (with `NAME.json` as variables, when present) to exactly
// `NAME.out`. The expected outputs were produced by Python's Jinja2 configured as dbt configures it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseTemplate, render } from '../../server/src/jinja/index';
import { makeDatetime } from '../../server/src/jinja/datetime';
import { fromJs, type JValue } from '../../server/src/jinja/values';

const dir = join(__dirname, 'fixtures', 'render');

for (const file of readdirSync(dir).filter((f) => f.endsWith('.jinja')).sort()) {
  const name = file.slice(0, -'.jinja'.length);
  test(`render ${name}`, () => {
    const text = readFileSync(join(dir, file), 'utf8');
    const expected = readFileSync(join(dir, `${name}.out`), 'utf8');
    const varsPath = join(dir, `${name}.json`);
    const vars = existsSync(varsPath) ? (JSON.parse(readFileSync(varsPath, 'utf8')) as Record<string, unknown>) : {};
    const globals = new Map<string, JValue>();
    for (const [k, v] of Object.entries(vars)) {
      globals.set(k, k === 'run_started_at' ? makeDatetime(new Date(String(v))) : fromJs(v));
    }
    const parsed = parseTemplate(text);
    assert.deepEqual(parsed.diagnostics, [], 'parse diagnostics');
    const result = render(parsed.template, globals);
    assert.deepEqual(result.diagnostics, [], 'render diagnostics');
    assert.equal(result.output, expected);
  });
}
