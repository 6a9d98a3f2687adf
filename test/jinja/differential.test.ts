// Differential corpus: randomly generated templates rendered by Python's Jinja2 (configured as dbt configures it,
// see oracle/generate.py). Each line holds a template and Jinja2's output, or the error Jinja2 raised; we must
// produce the same output, or an error diagnostic where Jinja2 failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTemplate, render } from '../../server/src/jinja/index';
import { fromJs, type JValue } from '../../server/src/jinja/values';

const VARS = { xs: [3, 1, 2], d: { k: 1, j: 'v' }, s: 'abc', n: 7 };

for (const corpus of ['whitespace', 'expressions']) {
  test(`differential corpus: ${corpus}`, () => {
    const lines = readFileSync(join(__dirname, 'fixtures', 'differential', `${corpus}.jsonl`), 'utf8').split('\n').filter(Boolean);
    assert.ok(lines.length > 100);
    const failures: string[] = [];
    for (const line of lines) {
      const c = JSON.parse(line) as { tpl: string; out?: string; error?: string };
      const globals = new Map<string, JValue>(Object.entries(VARS).map(([k, v]) => [k, fromJs(v)]));
      const parsed = parseTemplate(c.tpl);
      const result = parsed.diagnostics.length ? { output: '', diagnostics: parsed.diagnostics } : render(parsed.template, globals);
      const failed = result.diagnostics.some((d) => d.severity === 'error');
      if (c.error !== undefined) {
        if (!failed) failures.push(`expected an error (${c.error}) for ${JSON.stringify(c.tpl)}, got ${JSON.stringify(result.output)}`);
      } else if (failed || result.output !== c.out) {
        failures.push(`${JSON.stringify(c.tpl)}: expected ${JSON.stringify(c.out)}, got ${failed ? result.diagnostics[0]?.message : JSON.stringify(result.output)}`);
      }
    }
    assert.deepEqual(failures.slice(0, 5), []);
  });
}
