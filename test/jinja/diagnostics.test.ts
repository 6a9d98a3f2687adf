// Diagnostic fixtures: `fixtures/errors/NAME.jinja` must parse with exactly the diagnostics listed in
// `NAME.diagnostics`, and `fixtures/render-errors/NAME.jinja` must parse cleanly and render with exactly those.
// Each line is `CODE severity line:col-line:col «spanned text» message`, so a wrong span shows as wrong text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from '../../server/src/base/diagnostic';
import { SourceText } from '../../server/src/base/text';
import { parseTemplate, render } from '../../server/src/jinja/index';
import { fromJs, type JValue } from '../../server/src/jinja/values';

const update = process.env.UPDATE_FIXTURES === '1';

function describe(text: string, diagnostics: Diagnostic[]): string {
  const src = new SourceText(text);
  return diagnostics
    .map((d) => {
      if (!d.span) return `${d.code} ${d.severity} (no span)`;
      const a = src.positionAt(d.span.start);
      const b = src.positionAt(d.span.end);
      return `${d.code} ${d.severity} ${a.line + 1}:${a.character + 1}-${b.line + 1}:${b.character + 1} «${text.slice(d.span.start, d.span.end)}» ${d.message}`;
    })
    .join('\n');
}

function check(dir: string, run: (text: string, vars: Record<string, unknown>) => Diagnostic[]): void {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.jinja')).sort()) {
    const name = file.slice(0, -'.jinja'.length);
    test(`${dir.split('/').pop()} ${name}`, () => {
      const text = readFileSync(join(dir, file), 'utf8');
      const varsPath = join(dir, `${name}.json`);
      const vars = existsSync(varsPath) ? (JSON.parse(readFileSync(varsPath, 'utf8')) as Record<string, unknown>) : {};
      const diagnostics = run(text, vars);
      for (const d of diagnostics) {
        assert.ok(d.span && d.span.start >= 0 && d.span.end <= text.length && d.span.start <= d.span.end, `span within the text: ${JSON.stringify(d)}`);
        assert.match(d.code, /^DV0(0\d|1\d)$/, 'codes DV001–DV019');
      }
      const actual = describe(text, diagnostics);
      const expectedPath = join(dir, `${name}.diagnostics`);
      if (update) writeFileSync(expectedPath, actual + '\n');
      assert.equal(actual, readFileSync(expectedPath, 'utf8').trimEnd());
    });
  }
}

check(join(__dirname, 'fixtures', 'errors'), (text) => {
  const parsed = parseTemplate(text);
  assert.ok(parsed.diagnostics.length > 0, 'an error fixture must produce a diagnostic');
  return parsed.diagnostics;
});

check(join(__dirname, 'fixtures', 'render-errors'), (text, vars) => {
  const parsed = parseTemplate(text);
  assert.deepEqual(parsed.diagnostics, [], 'render-error fixtures must parse cleanly');
  const globals = new Map<string, JValue>(Object.entries(vars).map(([k, v]) => [k, fromJs(v)]));
  const result = render(parsed.template, globals);
  assert.ok(result.diagnostics.length > 0, 'a render-error fixture must produce a diagnostic');
  return result.diagnostics;
});
