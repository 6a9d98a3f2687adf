// The LSP conversions and small features that need no fixture project: diagnostics with quick fixes, merging engine
// and rule findings, code actions, document symbols, code lenses, and dvs/hashOf against AutomateDV's known bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diagnostic } from '../../server/src/base/diagnostic';
import { quickFixes } from '../../server/src/features/code-actions';
import { codeLenses } from '../../server/src/features/code-lens';
import { mergeFindings, toLspDiagnostics } from '../../server/src/features/diagnostics';
import { hashOf } from '../../server/src/features/hash-of';
import { documentSymbols } from '../../server/src/features/symbols';
import { parseModel } from '../../server/src/model/parse';

const satText = readFileSync(join(__dirname, '..', '..', 'sample-project', 'models', 'dds', 'sat_users.sql'), 'utf8');

test('a diagnostic with a fix becomes an LSP diagnostic whose quick fix edits the right range', () => {
  const text = "src_payload:\n  - 'EMIAL'\n";
  const start = text.indexOf('EMIAL');
  const d = diagnostic('DV302', 'error', 'EMIAL is not a column of stg_users. Did you mean EMAIL?', { start, end: start + 5 }, [
    { title: 'Change to EMAIL', span: { start, end: start + 5 }, newText: 'EMAIL' },
  ]);
  const [lsp] = toLspDiagnostics(text, [d]);
  assert.ok(lsp);
  assert.deepEqual(lsp.range, { start: { line: 1, character: 5 }, end: { line: 1, character: 10 } });
  assert.equal(lsp.severity, 1);
  assert.equal(lsp.code, 'DV302');
  const [action] = quickFixes('file:///m.sql', [lsp]);
  assert.equal(action?.title, 'Change to EMAIL');
  assert.equal(action?.isPreferred, true);
  assert.deepEqual(action?.edit?.changes?.['file:///m.sql'], [{ range: lsp.range, newText: 'EMAIL' }]);
});

test('a span past the end of the text is clamped into the document', () => {
  const [lsp] = toLspDiagnostics('ab', [diagnostic('DV010', 'error', 'x', { start: 5, end: 9 })]);
  assert.deepEqual(lsp?.range, { start: { line: 0, character: 2 }, end: { line: 0, character: 2 } });
});

test('merging: a coarse compiler finding gives way to the precise rule finding of the same code; repeats go', () => {
  const parsed = parseModel(satText);
  const call = parsed.calls[0];
  assert.ok(call);
  const coarse = diagnostic('DV502', 'warning', 'constant with a quote (compiler)', call.nameSpan);
  const precise = diagnostic('DV502', 'warning', 'constant with a quote (rule)', { start: 10, end: 15 });
  const other = diagnostic('DV201', 'error', 'missing', call.nameSpan);
  const merged = mergeFindings(parsed, [coarse, other, other], [precise]);
  assert.deepEqual(merged.map((d) => d.message), ['missing', 'constant with a quote (rule)']);
});

test('document symbols: the yaml block with its keys and the macro call with its parameters', () => {
  const symbols = documentSymbols(parseModel(satText));
  const block = symbols.find((s) => s.name === 'yaml_metadata');
  assert.deepEqual(block?.children?.map((c) => c.name), ['source_model', 'src_pk', 'src_hashdiff', 'src_payload', 'src_eff', 'src_ldts', 'src_source']);
  const call = symbols.find((s) => s.name === 'automate_dv.sat');
  assert.deepEqual(call?.children?.map((c) => c.name), ['src_pk', 'src_hashdiff', 'src_payload', 'src_eff', 'src_ldts', 'src_source', 'source_model']);
  for (const s of symbols) assert.ok(s.range.start.line <= s.selectionRange.start.line && s.selectionRange.end.line <= s.range.end.line, s.name);
});

test('code lenses: Preview SQL and Run load on the macro call, none on plain SQL', () => {
  const lenses = codeLenses('file:///sat_users.sql', 'sat_users', parseModel(satText));
  assert.deepEqual(lenses.map((l) => [l.command?.title, l.command?.command, l.command?.arguments]), [
    ['Preview SQL', 'dataVault.previewCompiledSql', ['file:///sat_users.sql']],
    ['Run load', 'dataVault.runLoads', [{ select: ['sat_users'] }]],
  ]);
  assert.deepEqual(codeLenses('file:///m.sql', 'm', parseModel("select * from {{ ref('x') }}")), []);
});

test('hashOf gives the bytes AutomateDV stores (spec §5 verified values) and the SQL that computes them', () => {
  const single = hashOf({ values: ['1001'] }, {});
  assert.equal(single.hash, '\\xb8c37e33defde51cf91e1e03e51657da');
  assert.equal(single.hashedString, '1001');
  assert.equal(single.sql, "DECODE(MD5(NULLIF(UPPER(TRIM(CAST('1001' AS VARCHAR))), '')), 'hex')");
  assert.equal(hashOf({ values: [' 1 '] }, {}).hash, '\\xc4ca4238a0b923820dcc509a6f75849b');
  const composite = hashOf({ values: ['a', null] }, {});
  assert.equal(composite.hashedString, 'A||^^');
  assert.equal(hashOf({ values: [null, ''] }, {}).hash, 'NULL');
  const diff = hashOf({ values: ['x'], isHashdiff: true }, {});
  assert.equal(diff.hashedString, 'X');
  assert.match(diff.sql, /^DECODE\(MD5\(COALESCE\(NULLIF\(UPPER/);
  const old = hashOf({ values: ['1'] }, { encoding: 'upper-hex-text' });
  assert.equal(Buffer.from(old.hash.slice(2), 'hex').toString('latin1'), 'C4CA4238A0B923820DCC509A6F75849B');
});
