// parseYaml reads plain block YAML with the fast reader and leaves everything else to the `yaml` package: wherever the
// fast reading is taken it must equal the library's to the last value, span and diagnostic (diagnostics point into
// the .yml files), and text it does not know must fall back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseYaml, parseYamlFast, parseYamlWithLibrary } from '../../server/src/project/yaml-tree';
import { readYaml } from '../../server/src/jinja/yaml';

const ROOT = join(__dirname, '..', '..');

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === '.git' || name === '.dvs' || name === 'target') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yamlFiles(path, out);
    else if (/\.ya?ml$/.test(name)) out.push(path);
  }
  return out;
}

/** Compares the fast reading with the library's when the fast reader takes the text; true when it did. */
function sameAsLibrary(text: string, label: string): boolean {
  const fast = parseYamlFast(text, 'DV021');
  if (!fast) return false;
  assert.deepStrictEqual(fast, parseYamlWithLibrary(text, 'DV021'), label);
  return true;
}

const FILES = [...yamlFiles(join(ROOT, 'test', 'fixtures')), ...yamlFiles(join(ROOT, 'sample-project'))];

test('every fixture and sample-project YAML file reads the same by the fast reader as by the library', () => {
  let fast = 0;
  for (const file of FILES) if (sameAsLibrary(readFileSync(file, 'utf8'), file)) fast++;
  // Most of these files are plain block YAML: the fast reader must actually be taken, or this test proves nothing.
  assert.ok(fast >= FILES.length / 5, `fast reader took ${fast} of ${FILES.length} files`);
});

test('each fixture file with one line removed, or one line cut short, reads the same by both readers', () => {
  let fast = 0;
  let variants = 0;
  for (const file of FILES) {
    const lines = readFileSync(file, 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      const cut = [...lines.slice(0, i), line.slice(0, Math.ceil(line.length / 2)), ...lines.slice(i + 1)].join('\n');
      for (const text of [[...lines.slice(0, i), ...lines.slice(i + 1)].join('\n'), cut]) {
        variants++;
        if (sameAsLibrary(text, `${file} variant at line ${i + 1}`)) fast++;
      }
    }
  }
  assert.ok(fast > variants / 20, `fast reader took ${fast} of ${variants} variants`);
});

test('scalars: PyYAML booleans, nulls, decimal integers, y/n and other words, quotes, comments and duplicate keys', () => {
  const cases = [
    'a: yes\nb: No\nc: ON\nd: off\ne: True\nf: FALSE\n',
    'a: y\nb: n\nc: Y\nd: N\ne: yesno\n',
    'a: null\nb: Null\nc: NULL\nd: nil\n',
    'version: 2\nn: 0\nbig: 123456789012345\n',
    'huge: 1234567890123456789\n',
    'packages:\n  - package: a/b\n    version: 0.11.5\n  - version: 1.2.3.4\n',
    'a: 1.2\nb: 1.2.x\n',
    'a: 007\nb: 1_000\nc: 1.5\nd: -3\ne: +4\nf: 0x1F\ng: 1:20\nh: 2024-01-02\ni: .inf\n',
    "a: 'it''s'\nb: \"two words\"\nc: it's\nd: _under\ne: a,b\n",
    'models:\n  - name: m # the model\n    description: text here  # trailing\n    # a comment at the item\n  - name: n\n# at the end\n',
    'a: 1\na: 2\nb:\n  c: x\n  c: y\n',
    'on: 1\n',
    'null: 1\n',
    'key:\n  - x\n  -\n',
    'seeds:\n  +quote_columns: false\n',
    '',
    '# only a comment\n',
  ];
  for (const text of cases) {
    const fast = parseYamlFast(text, 'DV021');
    const library = parseYamlWithLibrary(text, 'DV021');
    if (fast) assert.deepStrictEqual(fast, library, JSON.stringify(text));
    assert.deepStrictEqual(parseYaml(text, 'DV021'), library, JSON.stringify(text));
  }
  // The readings the fast path takes here (so the comparison above ran on them).
  for (const i of [0, 1, 2, 3, 5, 8, 10]) assert.ok(parseYamlFast(cases[i] as string, 'DV021'), JSON.stringify(cases[i]));
  assert.equal(parseYamlFast('a: 007\n', 'DV021'), undefined);
  assert.equal(parseYamlFast('huge: 1234567890123456789\n', 'DV021'), undefined);
  assert.equal(parseYamlFast('on: 1\n', 'DV021'), undefined);
});

// Property files are mostly sequences of mappings (`- name: x` with the other keys under `name`): generated trees of
// them, with comments and blank lines anywhere, read the same by both readers, and by fromyaml's reader too.
// Mostly what the fast reader takes, sometimes what it leaves to the library (so both sides of each branch run).
const scalars = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('stg_customers', 'a b c', 'true', 'No', 'on', 'y', 'null', 'Null', '0', '7', '0.11.5', "'q'", "'it''s'", '"dq"', '"a: b"', 'x:y', 'a,b') },
  { weight: 1, arbitrary: fc.constantFrom('~', '012', '-3', '1.5', '2020-01-01', '1:30', 'a #b', '[a, b]', '{a: 1}', '|', '&a', '*a', '!t', '=', '@x') },
);
const keys = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('name', 'description', 'columns', 'tests', 'config', 'k_1') },
  { weight: 1, arbitrary: fc.constantFrom('yes', 'null', '1', 'a b', '+schema', 'k-1') },
);
const pad = fc.constantFrom('', ' ', '  ', '   # c', ' #c');
const gap = fc.constantFrom('', '', '', '\n', '\n# c\n', '\n   \n', '  # x\n', ' # z\n', '    # w\n', '# a\n  # b\n', '      # deep\n');

type Tree = string | { seq: Tree[] } | [string, Tree][];
const tree: fc.Arbitrary<Tree> = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalars, tie('seq'), tie('map')),
  seq: fc.array(fc.oneof(scalars, tie('map')), { minLength: 1, maxLength: 4 }).map((seq) => ({ seq: seq as Tree[] })),
  map: fc.array(fc.tuple(keys, tie('node')), { minLength: 1, maxLength: 4 }),
})).node as fc.Arbitrary<Tree>;

function render(t: Tree, step: string, dash: string, sameIndentSeq: boolean, pads: string[], gaps: string[]): string {
  let n = 0;
  const p = () => pads[n++ % pads.length] as string;
  const g = () => gaps[n % gaps.length] as string;
  // `first` is what the first line starts with in place of the indent (a sequence item's dash).
  const walk = (x: Tree, ind: string, first = ind): string => {
    if (typeof x === 'string') return `${first}${x}${p()}\n`;
    if (!Array.isArray(x)) {
      return x.seq
        .map((item) => {
          const lead = `${g()}${ind}-${dash}`;
          if (typeof item === 'string') return `${lead}${item}${p()}\n`;
          return walk(item, ind + ' '.repeat(1 + dash.length), lead);
        })
        .join('');
    }
    return x
      .map(([k, v], i) => {
        const at = i === 0 ? first : `${g()}${ind}`;
        if (typeof v === 'string') return `${at}${k}: ${v}${p()}\n`;
        const inner = !Array.isArray(v) && sameIndentSeq ? ind : ind + step;
        return `${at}${k}:${p()}\n${walk(v, inner)}`;
      })
      .join('');
  };
  return walk(t, '');
}

test('property: generated property files (sequences of mappings, comments, blank lines) read the same by both readers', () => {
  let taken = 0;
  let runs = 0;
  fc.assert(
    fc.property(tree, fc.constantFrom('  ', '    ', ' '), fc.constantFrom(' ', '  ', '   '), fc.boolean(), fc.array(pad, { minLength: 1, maxLength: 5 }), fc.array(gap, { minLength: 1, maxLength: 5 }), (t, step, dash, same, pads, gaps) => {
      const text = render(t, step, dash, same, pads, gaps);
      runs++;
      if (sameAsLibrary(text, JSON.stringify(text))) taken++;
      const auto = readYaml(text);
      const library = readYaml(text, { library: true });
      assert.deepStrictEqual(auto.root, library.root, `fromyaml tree of ${JSON.stringify(text)}`);
      assert.deepStrictEqual(auto.result, library.result, `fromyaml value of ${JSON.stringify(text)}`);
    }),
    { numRuns: 3000, seed: 20261207 },
  );
  assert.ok(taken > runs * 0.08, `fast reader took ${taken} of ${runs} texts`);
});
