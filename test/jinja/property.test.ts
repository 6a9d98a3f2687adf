// Property tests: whatever the text, parsing and rendering never throw, and every span (diagnostics and syntax
// tree nodes) lies within the text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Span } from '../../server/src/base/text';
import { parseTemplate, render } from '../../server/src/jinja/index';
import { callable, fromJs, type JValue } from '../../server/src/jinja/values';

const PIECES = [
  '{{', '}}', '{%', '%}', '{#', '#}', '-', '+', ' ', '\n', '\r\n', '"', "'", '\\', '(', ')', '[', ']', '{', '}', ',', ':', '.', '|', '=',
  'if', 'elif', 'else', 'endif', 'for', 'in', 'endfor', 'set', 'endset', 'macro', 'endmacro', 'call', 'endcall', 'raw', 'endraw',
  'filter', 'endfilter', 'do', 'with', 'endwith', 'break', 'not', 'and', 'or', 'is', 'none', 'true', 'x', 'xs', 'f', 'loop',
  'lower', 'join', 'defined', '1', '2.5', '0x1', '~', '*', '**', '/', '//', '%', '<', '==', 'é', '\t',
];

const templateText = fc.oneof(
  fc.array(fc.constantFrom(...PIECES), { maxLength: 60 }).map((parts) => parts.join('')),
  fc.string({ maxLength: 80 }),
);

function spanInside(span: Span | undefined, length: number): boolean {
  return !!span && span.start >= 0 && span.start <= span.end && span.end <= length;
}

function allNodeSpans(node: unknown, out: Span[]): void {
  if (Array.isArray(node)) {
    for (const n of node) allNodeSpans(n, out);
    return;
  }
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'span' || key.endsWith('Span')) out.push(value as Span);
    else allNodeSpans(value, out);
  }
}

test('parseTemplate never throws and keeps every span inside the text', () => {
  fc.assert(
    fc.property(templateText, (text) => {
      const { template, diagnostics } = parseTemplate(text);
      for (const d of diagnostics) {
        assert.ok(spanInside(d.span, text.length), `diagnostic span ${JSON.stringify(d)} in ${JSON.stringify(text)}`);
        assert.match(d.code, /^DV00[1-5]$/);
      }
      const spans: Span[] = [];
      allNodeSpans(template, spans);
      for (const s of spans) assert.ok(spanInside(s, text.length), `node span ${JSON.stringify(s)} in ${JSON.stringify(text)}`);
    }),
    { numRuns: 3000 },
  );
});

test('render never throws on whatever parsed, and its diagnostics point inside the text', () => {
  const globals: Record<string, JValue> = { xs: fromJs([1, 'a', null]), x: 'x', f: callable('f', (args) => args[0] ?? null) };
  fc.assert(
    fc.property(templateText, (text) => {
      const { template } = parseTemplate(text);
      const result = render(template, globals, { maxSteps: 5000 });
      assert.equal(typeof result.output, 'string');
      for (const d of result.diagnostics) {
        assert.ok(spanInside(d.span, text.length), `render diagnostic ${JSON.stringify(d)} in ${JSON.stringify(text)}`);
        assert.match(d.code, /^DV0(0\d|1\d)$/);
      }
    }),
    { numRuns: 3000 },
  );
});
