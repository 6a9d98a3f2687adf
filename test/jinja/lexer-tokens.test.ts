// The lexer reads plain ASCII names and operators without its Unicode name regex (the common case, for speed): the
// tokens must be the same as Jinja2's wherever a name touches a non-ASCII letter, a digit or the end of the text, and
// wherever an operator's first character could also start a two-character one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lexTemplate, type TagChunk } from '../../server/src/jinja/lexer';

/** The tokens of the one tag in `text`, as `type:value` strings. */
function tokens(text: string): string[] {
  const { chunks } = lexTemplate(text);
  const tag = chunks.find((c): c is TagChunk => c.kind === 'tag');
  assert.ok(tag, `no tag in ${text}`);
  return tag.tokens.map((t) => `${t.type}:${t.value}`);
}

test('names: ASCII, with digits and underscores, and running on into non-ASCII letters and digits', () => {
  assert.deepEqual(tokens('{{ src_pk }}'), ['name:src_pk']);
  assert.deepEqual(tokens('{{ _a1_B2 }}'), ['name:_a1_B2']);
  assert.deepEqual(tokens('{{ café }}'), ['name:café']);
  assert.deepEqual(tokens('{{ caféx1 + b }}'), ['name:caféx1', 'op:+', 'name:b']);
  assert.deepEqual(tokens('{{ éa }}'), ['name:éa']);
  assert.deepEqual(tokens('{{ a٣ }}'), ['name:a٣']); // an Arabic-Indic digit is a Unicode digit (\p{N})
  assert.deepEqual(tokens('{{ aé.b }}'), ['name:aé', 'op:.', 'name:b']);
  assert.deepEqual(tokens('{{ a\u00a0b }}'), ['name:a', 'name:b']); // a no-break space separates, as Python's isspace() says
  assert.deepEqual(tokens('{{ x.y[0](z=1) }}'), ['name:x', 'op:.', 'name:y', 'op:[', 'int:0', 'op:]', 'op:(', 'name:z', 'op:=', 'int:1', 'op:)']);
});

test('a name at the very end of an unterminated tag ends with the text', () => {
  const { chunks, diagnostics } = lexTemplate('{{ abc');
  const tag = chunks[0] as TagChunk;
  assert.deepEqual(
    tag.tokens.map((t) => [t.value, t.span.start, t.span.end]),
    [['abc', 3, 6]],
  );
  assert.equal(diagnostics[0]?.code, 'DV001');
});

test('operators: two-character ones first, one-character ones otherwise', () => {
  assert.deepEqual(tokens('{{ a // b ** c == d != e >= f <= g }}'), ['name:a', 'op://', 'name:b', 'op:**', 'name:c', 'op:==', 'name:d', 'op:!=', 'name:e', 'op:>=', 'name:f', 'op:<=', 'name:g']);
  assert.deepEqual(tokens('{{ a/b*c%d~e }}'), ['name:a', 'op:/', 'name:b', 'op:*', 'name:c', 'op:%', 'name:d', 'op:~', 'name:e']);
  assert.deepEqual(tokens('{{ a</b }}'), ['name:a', 'op:<', 'op:/', 'name:b']);
  assert.deepEqual(tokens('{{ a=*b }}'), ['name:a', 'op:=', 'op:*', 'name:b']);
  assert.deepEqual(tokens('{{ -1 }}'), ['op:-', 'int:1']);
  const bang = lexTemplate('{{ a ! b }}');
  assert.deepEqual(bang.diagnostics.map((d) => d.code), ['DV002']);
});

test('strings: the first quote closes unless a backslash escapes it; an unclosed one ends at the tag', () => {
  assert.deepEqual(tokens(`{{ 'a' ~ "b" }}`), ['string:a', 'op:~', 'string:b']);
  assert.deepEqual(tokens(`{{ 'it\\'s' }}`), ["string:it's"]);
  assert.deepEqual(tokens(`{{ "a\\\\" ~ 'b' }}`), ['string:a\\', 'op:~', 'string:b']);
  assert.deepEqual(tokens(`{{ 'x"y' }}`), ['string:x"y']);
  assert.deepEqual(tokens(`{{ '' }}`), ['string:']);
  const open = lexTemplate(`{{ 'abc }}\nrest`);
  assert.deepEqual(open.diagnostics.map((d) => d.code), ['DV001']);
  const tag = open.chunks.find((c): c is TagChunk => c.kind === 'tag') as TagChunk;
  assert.deepEqual(tag.tokens.map((t) => [t.type, t.value]), [['string', 'abc']]);
  const escapedToEnd = lexTemplate(`{{ 'a\\' }}`);
  assert.deepEqual(escapedToEnd.diagnostics.map((d) => d.code), ['DV001']);
});
