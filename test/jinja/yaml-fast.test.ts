// The fast YAML reader (server/src/jinja/yaml-fast.ts) must give exactly the tree and the fromyaml value the YAML
// library gives, offsets included, on every text it accepts, and must accept the metadata blocks projects are made of.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseYamlLikeDbt, readYaml, readYamlFast } from '../../server/src/jinja/yaml';
import { renderTemplate } from '../../server/src/jinja/index';
import { writeLargeProject } from '../../bench/large-project';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

/** Asserts that the reading dvs uses equals the library's; true when the fast reader took the text. */
function assertSame(text: string): boolean {
  const library = readYaml(text, { library: true });
  const auto = readYaml(text);
  assert.deepStrictEqual(auto.root, library.root, `tree of ${JSON.stringify(text)}`);
  assert.deepStrictEqual(auto.result, library.result, `fromyaml value of ${JSON.stringify(text)}`);
  assert.deepStrictEqual(auto.errors, library.errors);
  return tookFast(text);
}

function tookFast(text: string): boolean {
  return readYamlFast(text) !== undefined;
}

/** The bodies of `{% set name %}…{% endset %}` blocks in the .sql files under `dir`. */
function metadataBlocks(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'node_modules' && name !== 'target') metadataBlocks(path, out);
    } else if (name.endsWith('.sql')) {
      const text = readFileSync(path, 'utf8');
      for (const m of text.matchAll(/\{%-?\s*set\s+\w+\s*-?%\}([\s\S]*?)\{%-?\s*endset\s*-?%\}/g)) {
        const body = m[1] as string;
        if (!body.includes('{')) out.push(body, body.trim(), body.replace(/^\s*\n/, ''));
      }
    }
  }
  return out;
}

test('the fast reader reads every metadata block of the fixtures exactly as the library does', () => {
  const blocks = metadataBlocks(join(__dirname, '..', 'fixtures'));
  assert.ok(blocks.length > 50, `found only ${blocks.length} blocks`);
  const left: string[] = [];
  for (const b of blocks) if (!assertSame(b) && readYaml(b).errors.length === 0) left.push(b);
  // Real blocks are plain block YAML: the fast reader must take every one the library reads without error.
  assert.deepEqual(left, []);
  const bad = blocks.filter((b) => readYaml(b).errors.length > 0);
  assert.ok(bad.length < blocks.length / 2);
});

test('the fast reader reads the large benchmark project blocks as the library does', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-yaml-fast-'));
  try {
    writeLargeProject(dir, { tables: 6, columnsPerTable: 12, models: 24 });
    const blocks = metadataBlocks(dir);
    assert.ok(blocks.length > 0);
    for (const b of blocks) assert.ok(assertSame(b), `fast reader left a generated block to the library:\n${b}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('hand-picked texts: values, comments, blank lines, sequences at the key indent, quotes', () => {
  const texts = [
    'a: 1\n',
    'a: 1',
    'a: yes\nb: No\nc: ON\nd: off\ne: y\nf: n\ng: 012\nh: 0x1F\ni: 1_000\nj: 1e5\nk: 1.5e+3\nl: .5\nn: .inf\np: 190:20:30\nq: 0b101\nr: True\ns: NULL\nu: "1"\nv: 1.25\nw: 2020-01-01\nx: 2001-12-14 21:59:43.10\n',
    "source_model: 'stg'   # the stage\nsrc_pk: \"HK\"\n\n# a comment\nsrc_payload:\n  - 'A'   \n  - B # b\n  - 'it''s'\n",
    'list:\n- a\n- b\nnext: c\n',
    '  indented: map\n  second: 2\n',
    'outer:\n    inner:\n        deep: x\n    other: y\nlast: z\n',
    'a: x:y\nb: http://h/p?q=1#frag\nc: a,b[0]{1}\n',
    'a: b\n\n\n',
    'a:\n  - x\n\n  # c\n  - y\n# trailing\n',
    'k: v\nk: w\n',
    'a: "x" #c\nb: \'y\'#notcomment\n',
    'a: !RAW.X\n',
    "a: '!RAW.X'\n",
    'a: [1, 2]\n',
    'a: |\n  text\n',
    'a:\n',
    'a: b\n  c\n',
    'yes: 1\n',
    '- a\n- b\n',
    '- a\n-\n',
    'a: =\n',
    'a: ~\n',
    'a: -5\n',
    'a: "x\\ty"\n',
  ];
  for (const t of texts) assertSame(t);
  assert.ok(tookFast(texts[3] as string) && tookFast(texts[4] as string) && tookFast(texts[6] as string), 'the plain block texts take the fast reader');
});

const scalars = fc.constantFrom(
  'A01', 'stg_customers', 'true', 'False', 'yes', 'no', 'on', 'OFF', 'y', 'n', 'null', 'Null', '~', '0', '1', '-3', '012', '0x1F', '1_000', '1:30',
  '1.5', '.5', '1e5', '.inf', '.NaN', '2020-01-01', '2020-1-1 10:00:00', 'a b c', 'x:y', 'a #b', 'a# b', "'q'", "'it''s'", '"dq"', '"a: b"',
  "'!RAW.X'", '!RAW', '=', '[1]', '{a: 1}', "\"_airbyte_extracted_at AT TIME ZONE 'UTC'\"", 'CAST(x AS date)', '|', '>', '&a', '*a', '?', '@x', '%x',
);
const keys = fc.constantFrom('a', 'src_pk', 'source_model', 'HASHDIFF', 'is_hashdiff', 'columns', 'yes', 'null', '1', 'a b', 'k_1', '"q"');
const pad = fc.constantFrom('', ' ', '  ', '   # c', ' #c');
const gap = fc.constantFrom('', '', '', '\n', '\n# c\n', '\n   \n', '  # x\n', ' # z\n', '    # w\n', '# a\n  # b\n');

type Tree = string | Tree[] | [string, Tree][];
const tree: fc.Arbitrary<Tree> = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalars, tie('seq'), tie('map')),
  seq: fc.array(scalars, { minLength: 1, maxLength: 4 }),
  map: fc.array(fc.tuple(keys, tie('node')), { minLength: 1, maxLength: 4 }),
})).node as fc.Arbitrary<Tree>;

function render(t: Tree, indent: string, step: string, sameIndentSeq: boolean, pads: string[], gaps: string[]): string {
  let n = 0;
  const p = () => pads[n++ % pads.length] as string;
  const g = () => gaps[n % gaps.length] as string;
  const walk = (x: Tree, ind: string): string => {
    if (typeof x === 'string') return `${ind}${x}${p()}\n`;
    if (x.length && typeof x[0] === 'string') return (x as string[]).map((s) => `${g()}${ind}- ${s}${p()}\n`).join('');
    return (x as [string, Tree][])
      .map(([k, v]) => {
        if (typeof v === 'string') return `${g()}${ind}${k}: ${v}${p()}\n`;
        const inner = Array.isArray(v) && typeof v[0] === 'string' && sameIndentSeq ? ind : ind + step;
        return `${g()}${ind}${k}:${p()}\n${walk(v, inner)}`;
      })
      .join('');
  };
  return walk(t, indent);
}

test('property: on any generated text the fast reader accepts, it agrees with the library', () => {
  let taken = 0;
  let runs = 0;
  fc.assert(
    fc.property(tree, fc.constantFrom('', ' '), fc.constantFrom('  ', '    ', ' '), fc.boolean(), fc.array(pad, { minLength: 1, maxLength: 5 }), fc.array(gap, { minLength: 1, maxLength: 5 }), fc.boolean(), (t, indent, step, same, pads, gaps, trimEnd) => {
      let text = render(t, indent, step, same, pads, gaps);
      if (trimEnd) text = text.replace(/\n+$/, '');
      runs++;
      if (assertSame(text)) taken++;
    }),
    { numRuns: 3000, seed: 20261207 },
  );
  // The generator mixes plain and exotic scalars; a good share of texts must be plain enough for the fast reader.
  assert.ok(taken > runs * 0.1, `fast reader took ${taken} of ${runs} texts`);
});

test('fromyaml hands out a fresh value each time: a template that changes its dict does not change the next one', () => {
  const yaml = 'a: 1\nl:\n  - x\n';
  const first = renderTemplate("{% set d = fromyaml(y) %}{% do d.update({'a': 2}) %}{% do d['l'].append('z') %}{{ d['a'] }} {{ d['l'] }}", { y: yaml });
  const second = renderTemplate("{% set d = fromyaml(y) %}{{ d['a'] }} {{ d['l'] }}", { y: yaml });
  assert.equal(first, "2 ['x', 'z']");
  assert.equal(second, "1 ['x']");
  const a = parseYamlLikeDbt(yaml);
  const b = parseYamlLikeDbt(yaml);
  assert.notEqual(a.value, b.value);
  assert.deepStrictEqual(a.value, b.value);
});
