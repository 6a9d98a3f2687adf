// Snapshot tests for the TextMate grammars in syntaxes/: every fixture in fixtures/ is tokenized and compared with the
// .snap file beside it, and the scopes users rely on (AutomateDV calls, parameters, YAML keys) are asserted by name.
// A new fixture's snapshot is written by `UPDATE_SNAPSHOTS=1 npm test -- test/grammar/`; without it, a missing or
// different snapshot fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as vsctm from 'vscode-textmate';
import * as oniguruma from 'vscode-oniguruma';

const repoRoot = join(__dirname, '..', '..');
const fixturesDir = join(__dirname, 'fixtures');
const syntaxesDir = join(repoRoot, 'syntaxes');

const JINJA_SQL = 'source.sql.jinja';
const PLAIN_SQL = 'source.sql';

interface GrammarContribution {
  language?: string;
  scopeName: string;
  path: string;
  injectTo?: string[];
  embeddedLanguages?: Record<string, string>;
}
interface LanguageContribution {
  id: string;
  aliases?: string[];
  extensions?: string[];
  filenamePatterns?: string[];
  configuration?: string;
}
interface Contributes {
  languages: LanguageContribution[];
  grammars: GrammarContribution[];
}

interface Token {
  line: number;
  column: number;
  text: string;
  scopes: string[];
}

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

// Once the fragment is merged into package.json the manifest is what VS Code reads, so it is checked; until then the
// proposed fragment in syntaxes/ is.
function loadContributes(): Contributes {
  const manifest = readJson(join(repoRoot, 'package.json')) as { contributes?: Partial<Contributes> };
  const merged = manifest.contributes;
  if (merged?.languages && merged.grammars?.some((g) => g.scopeName === JINJA_SQL)) {
    return { languages: merged.languages, grammars: merged.grammars };
  }
  return readJson(join(syntaxesDir, 'contributes.json')) as Contributes;
}

const contributes = loadContributes();

// The grammars come from the contributes fragment itself, so the test also proves its paths and scope names are right.
// VS Code's own SQL grammar is not installed here; a small stand-in with the same scope name hosts the injection.
function grammarPaths(): Map<string, string> {
  const paths = new Map<string, string>();
  for (const g of contributes.grammars) paths.set(g.scopeName, join(repoRoot, g.path));
  paths.set(PLAIN_SQL, join(__dirname, 'host-sql.tmLanguage.json'));
  return paths;
}

function injectionsByHost(): Map<string, string[]> {
  const byHost = new Map<string, string[]>();
  for (const g of contributes.grammars) {
    for (const host of g.injectTo ?? []) byHost.set(host, [...(byHost.get(host) ?? []), g.scopeName]);
  }
  return byHost;
}

async function loadOniguruma(): Promise<vsctm.IOnigLib> {
  const wasm = readFileSync(join(repoRoot, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  return {
    createOnigScanner: (patterns) => oniguruma.createOnigScanner(patterns),
    createOnigString: (s) => oniguruma.createOnigString(s),
  };
}

const onigLib = loadOniguruma();

const registry = new vsctm.Registry({
  onigLib,
  loadGrammar: async (scopeName) => {
    const path = grammarPaths().get(scopeName);
    return path ? vsctm.parseRawGrammar(readFileSync(path, 'utf8'), path) : null;
  },
  getInjections: (scopeName) => injectionsByHost().get(scopeName),
});

async function grammarFor(scopeName: string): Promise<vsctm.IGrammar> {
  const grammar = await registry.loadGrammar(scopeName);
  assert.ok(grammar, `grammar ${scopeName} did not load`);
  return grammar;
}

// Files named plain-sql-* stand for ordinary .sql files: the host SQL grammar plus the injection. The rest are dbt models.
function rootScopeForFixture(name: string): string {
  return name.startsWith('plain-sql-') ? PLAIN_SQL : JINJA_SQL;
}

function tokenize(grammar: vsctm.IGrammar, text: string): Token[] {
  const tokens: Token[] = [];
  let state = vsctm.INITIAL;
  const lines = text.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n');
  lines.forEach((lineText, index) => {
    const result = grammar.tokenizeLine(lineText, state);
    for (const t of result.tokens) {
      tokens.push({
        line: index + 1,
        column: t.startIndex + 1,
        text: lineText.slice(t.startIndex, t.endIndex),
        scopes: t.scopes,
      });
    }
    state = result.ruleStack;
  });
  return tokens;
}

function formatSnapshot(fixture: string, rootScope: string, tokens: Token[]): string {
  const header = `# ${fixture} tokenized with ${rootScope}: line:column "text" → scopes (the root scope left out)`;
  const rows = tokens.map((t) => {
    const inner = t.scopes.slice(1);
    return `${t.line}:${t.column} ${JSON.stringify(t.text)} → ${inner.length ? inner.join(' ') : '(root)'}`;
  });
  return [header, ...rows].join('\n') + '\n';
}

// A line diff (longest common subsequence) with two lines of context, so a failing snapshot shows what changed.
function readableDiff(expected: string, actual: string): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      const row = lcs[i]!;
      row[j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, row[j + 1]!);
    }
  }
  const ops: { kind: ' ' | '-' | '+'; text: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) ops.push({ kind: ' ', text: a[i++]! }), j++;
    else if (i < a.length && (j >= b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) ops.push({ kind: '-', text: a[i++]! });
    else ops.push({ kind: '+', text: b[j++]! });
  }
  const near = ops.map((_, k) => ops.slice(Math.max(0, k - 2), k + 3).some((o) => o.kind !== ' '));
  const out: string[] = [];
  ops.forEach((op, k) => {
    if (near[k]) out.push(`${op.kind} ${op.text}`);
    else if (near[k - 1]) out.push('  …');
  });
  const limit = 120;
  return out.length > limit ? [...out.slice(0, limit), `  … ${out.length - limit} more diff lines`].join('\n') : out.join('\n');
}

// A snapshot is only written when asked (UPDATE_SNAPSHOTS=1): a missing one fails, because a snapshot written by the
// run that checks it would pass without comparing anything.
function checkSnapshot(snapPath: string, actual: string, update: boolean): void {
  const name = basename(snapPath);
  if (update) {
    writeFileSync(snapPath, actual);
    return;
  }
  if (!existsSync(snapPath)) {
    assert.fail(`${name} is missing: run the grammar tests with UPDATE_SNAPSHOTS=1 to write it, review it, and commit it`);
  }
  const expected = readFileSync(snapPath, 'utf8').replace(/\r\n/g, '\n');
  if (expected !== actual) {
    assert.fail(
      `tokens differ from ${name} (- snapshot, + now). ` +
        `If the change is intended, rerun with UPDATE_SNAPSHOTS=1 and review the .snap diff.\n${readableDiff(expected, actual)}`,
    );
  }
}

const updateSnapshots = process.env['UPDATE_SNAPSHOTS'] === '1';

const fixtureNames = readdirSync(fixturesDir)
  .filter((f) => f.endsWith('.sql'))
  .sort();

test('there are fixtures for every kind of file the issue names', () => {
  assert.ok(fixtureNames.length >= 5, `expected at least 5 fixtures, found ${fixtureNames.length}`);
  assert.ok(fixtureNames.some((f) => rootScopeForFixture(f) === PLAIN_SQL), 'a plain-sql-* fixture exercises the injection');
});

test('every snapshot belongs to a fixture', () => {
  const orphans = readdirSync(fixturesDir).filter((f) => f.endsWith('.snap') && !fixtureNames.includes(f.slice(0, -'.snap'.length)));
  assert.deepEqual(orphans, [], 'delete the .snap files whose fixture is gone');
});

test('a missing snapshot fails unless UPDATE_SNAPSHOTS=1 asks for it to be written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-snap-'));
  try {
    const snap = join(dir, 'new-fixture.sql.snap');
    assert.throws(() => checkSnapshot(snap, 'tokens\n', false), /new-fixture\.sql\.snap is missing: .*UPDATE_SNAPSHOTS=1/);
    assert.equal(existsSync(snap), false, 'the failing check wrote nothing');
    checkSnapshot(snap, 'tokens\n', true);
    assert.equal(readFileSync(snap, 'utf8'), 'tokens\n');
    checkSnapshot(snap, 'tokens\n', false);
    assert.throws(() => checkSnapshot(snap, 'other\n', false), /tokens differ from new-fixture\.sql\.snap[^]*- tokens\n\+ other/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const fixture of fixtureNames) {
  test(`snapshot: ${fixture}`, async () => {
    const rootScope = rootScopeForFixture(fixture);
    const grammar = await grammarFor(rootScope);
    const actual = formatSnapshot(fixture, rootScope, tokenize(grammar, readFileSync(join(fixturesDir, fixture), 'utf8')));
    checkSnapshot(join(fixturesDir, `${fixture}.snap`), actual, updateSnapshots);
  });
}

async function fixtureTokens(fixture: string): Promise<Token[]> {
  const grammar = await grammarFor(rootScopeForFixture(fixture));
  return tokenize(grammar, readFileSync(join(fixturesDir, fixture), 'utf8'));
}

async function tokensOf(rootScope: string, text: string): Promise<Token[]> {
  return tokenize(await grammarFor(rootScope), text);
}

// The scopes of the first token with exactly `text` on the first line that contains `lineMarker`.
function scopesAt(tokens: Token[], lineMarker: string, text: string): string[] {
  const lines = new Map<number, string>();
  for (const t of tokens) lines.set(t.line, (lines.get(t.line) ?? '') + t.text);
  const lineNumber = [...lines].find(([, content]) => content.includes(lineMarker))?.[0];
  assert.ok(lineNumber !== undefined, `no line contains ${JSON.stringify(lineMarker)}`);
  const token = tokens.find((t) => t.line === lineNumber && t.text === text);
  assert.ok(token, `line ${lineNumber} has no token ${JSON.stringify(text)}`);
  return token.scopes;
}

function assertHasScope(scopes: string[], scope: string, what: string): void {
  assert.ok(scopes.includes(scope), `${what}: expected scope ${scope}, got ${scopes.join(' ')}`);
}

function assertLacksScope(scopes: string[], prefix: string, what: string): void {
  assert.ok(!scopes.some((s) => s.startsWith(prefix)), `${what}: expected no ${prefix}* scope, got ${scopes.join(' ')}`);
}

test('an AutomateDV macro call: the macro name is a support function, under both package names', async () => {
  const hub = await fixtureTokens('hub-variables-style.sql');
  assertHasScope(scopesAt(hub, 'automate_dv.hub(', 'hub'), 'support.function.automate-dv.jinja', 'hub');
  assertHasScope(scopesAt(hub, 'automate_dv.hub(', 'automate_dv'), 'entity.name.namespace.automate-dv.jinja', 'automate_dv');
  assertHasScope(scopesAt(hub, 'automate_dv.hub(', 'hub'), 'meta.function-call.automate-dv.jinja', 'hub call');
  const sat = await fixtureTokens('sat-dbtvault-in-cte.sql');
  assertHasScope(scopesAt(sat, 'dbtvault.sat(', 'sat'), 'support.function.automate-dv.jinja', 'dbtvault.sat');
});

test('AutomateDV parameter names are parameters as set targets, keyword arguments and values', async () => {
  const hub = await fixtureTokens('hub-variables-style.sql');
  assertHasScope(scopesAt(hub, 'set src_pk =', 'src_pk'), 'variable.parameter.automate-dv.jinja', 'set target');
  const inCall = hub.filter((t) => t.text === 'src_pk' && t.line === 10);
  assert.equal(inCall.length, 2, 'src_pk=src_pk has the keyword and the value');
  for (const t of inCall) assertHasScope(t.scopes, 'variable.parameter.automate-dv.jinja', 'src_pk in the call');
  const stage = await fixtureTokens('stage-yaml-style.sql');
  assertHasScope(scopesAt(stage, 'include_source_columns=true', 'include_source_columns'), 'variable.parameter.automate-dv.jinja', 'kwarg');
  // A keyword argument that is not an AutomateDV parameter is still a parameter, of the generic kind.
  assertHasScope(scopesAt(hub, 'materialized=', 'materialized'), 'variable.parameter.keyword-argument.jinja', 'materialized=');
});

test('the YAML inside a yaml_metadata block set is YAML, and the block ends at endset', async () => {
  const stage = await fixtureTokens('stage-yaml-style.sql');
  const key = scopesAt(stage, 'derived_columns:', 'derived_columns');
  assertHasScope(key, 'entity.name.tag.yaml', 'top-level key');
  assertHasScope(key, 'meta.embedded.block.yaml', 'top-level key');
  assertHasScope(scopesAt(stage, 'raw: ', 'raw'), 'entity.name.tag.yaml', 'nested key');
  assertHasScope(scopesAt(stage, "- 'customer_id'", '-'), 'punctuation.definition.block.sequence.item.yaml', 'list dash');
  assertHasScope(scopesAt(stage, '# Airbyte', '#'), 'comment.line.number-sign.yaml', 'comment');
  assertHasScope(scopesAt(stage, '# Airbyte', '#'), 'meta.embedded.block.yaml', 'comment');
  assertHasScope(scopesAt(stage, 'RECORD_SOURCE:', '!AIRBYTE.ORDERS'), 'constant.other.constant.automate-dv.yaml', '! constant');
  assertHasScope(scopesAt(stage, 'RECORD_SOURCE:', '!AIRBYTE.ORDERS'), 'string.quoted.single.yaml', '! constant');
  assertHasScope(scopesAt(stage, 'SOURCE_SYSTEM:', '!CSV'), 'storage.type.tag-handle.yaml', 'unquoted ! is a tag');
  assertHasScope(scopesAt(stage, 'is_hashdiff: true', 'true'), 'constant.language.yaml', 'YAML boolean');
  assertHasScope(scopesAt(stage, 'start: 2024', '2024-01-31'), 'constant.other.timestamp.yaml', 'YAML date');
  // Jinja inside a YAML value is still Jinja.
  assertHasScope(scopesAt(stage, 'LOAD_DATE:', 'run_started_at'), 'support.variable.dbt.jinja', 'Jinja in YAML');
  assertHasScope(scopesAt(stage, 'LOAD_DATE:', 'run_started_at'), 'meta.embedded.block.yaml', 'Jinja in YAML');
  // The endset tag is a Jinja statement again, and what follows it is outside the YAML.
  const endset = scopesAt(stage, 'endset', 'endset');
  assertHasScope(endset, 'keyword.control.set.jinja', 'endset');
  assertLacksScope(endset, 'meta.embedded.block.yaml', 'endset');
  const after = scopesAt(stage, 'set metadata_dict', 'fromyaml');
  assertHasScope(after, 'support.function.dbt.jinja', 'fromyaml');
  assertLacksScope(after, 'meta.embedded.block.yaml', 'after the block');
});

test('a block set with another name is YAML when its body looks like YAML, SQL when it does not', async () => {
  const yamlBody = await tokensOf(JINJA_SQL, '{% set columns %}\nsrc_pk: CUSTOMER_HK\n{% endset %}\nselect 1');
  assertHasScope(scopesAt(yamlBody, 'src_pk:', 'src_pk'), 'entity.name.tag.yaml', 'sniffed YAML');
  assertLacksScope(scopesAt(yamlBody, 'select 1', 'select'), 'meta.embedded.block.yaml', 'after endset');
  const ww = await fixtureTokens('whitespace-control-and-comments.sql');
  const select = scopesAt(ww, 'select 1 as one', 'select');
  assertHasScope(select, 'keyword.other.sql', 'SQL body of a block set');
  assertLacksScope(select, 'meta.embedded.block.yaml', 'SQL body of a block set');
});

test('Jinja delimiters, whitespace control, statements and comments', async () => {
  const ww = await fixtureTokens('whitespace-control-and-comments.sql');
  assertHasScope(scopesAt(ww, '{%- macro cents_to_dollars', '{%'), 'punctuation.section.embedded.begin.jinja', '{%');
  assertHasScope(scopesAt(ww, '{%- macro cents_to_dollars', '-'), 'keyword.operator.whitespace-control.jinja', '{%-');
  assertHasScope(scopesAt(ww, '{%- macro cents_to_dollars', 'cents_to_dollars'), 'entity.name.function.macro.jinja', 'macro name');
  assertHasScope(scopesAt(ww, '{%- macro cents_to_dollars', 'scale'), 'variable.parameter.function.jinja', 'macro parameter');
  assertHasScope(scopesAt(ww, '{%+ macro audit_columns', '+'), 'keyword.operator.whitespace-control.jinja', '{%+');
  assertHasScope(scopesAt(ww, 'A multi-line Jinja comment', '   A multi-line Jinja comment: {{ not_an_expression }} and {% not_a_statement %}'), 'comment.block.jinja', 'multi-line comment');
  assertHasScope(scopesAt(ww, 'a SQL comment', 'ref'), 'support.function.dbt.jinja', 'Jinja in a SQL comment');
  assertHasScope(scopesAt(ww, 'a SQL comment', 'ref'), 'comment.line.double-dash.sql', 'Jinja in a SQL comment');
  assertHasScope(scopesAt(ww, '{% call statement', 'call'), 'keyword.control.call.jinja', 'call');
  assertHasScope(scopesAt(ww, '{% do log(', 'do'), 'keyword.control.do.jinja', 'do');
  const raw = scopesAt(ww, 'this stays literal', '    {{ this stays literal }} {% and this %}');
  assertHasScope(raw, 'meta.raw.jinja', 'raw body');
  assertLacksScope(raw, 'meta.template.expression', 'raw body');
  const mart = await fixtureTokens('mart-if-for-ref.sql');
  assertHasScope(scopesAt(mart, '{% if is_incremental() %}', 'if'), 'keyword.control.conditional.jinja', 'if');
  assertHasScope(scopesAt(mart, '{% if is_incremental() %}', 'is_incremental'), 'support.function.dbt.jinja', 'is_incremental');
  assertHasScope(scopesAt(mart, '{% for status in statuses', 'for'), 'keyword.control.loop.jinja', 'for');
  assertHasScope(scopesAt(mart, '{% endfor %}', 'endfor'), 'keyword.control.loop.jinja', 'endfor');
  assertHasScope(scopesAt(mart, 'from {{ this }}', 'this'), 'support.variable.dbt.jinja', 'this');
  assertHasScope(scopesAt(mart, '| default(', 'default'), 'support.function.filter.jinja', 'filter');
  assertHasScope(scopesAt(mart, 'is not none', 'none'), 'constant.language.jinja', 'none after is not');
  assertHasScope(scopesAt(mart, 'loop.last', 'loop'), 'variable.language.jinja', 'loop');
  assertHasScope(scopesAt(mart, 'loop.last', 'last'), 'variable.other.property.jinja', 'loop.last');
});

test('SQL outside Jinja: keywords, strings with Jinja inside, quoted identifiers, numbers, operators', async () => {
  const mart = await fixtureTokens('mart-if-for-ref.sql');
  assertHasScope(scopesAt(mart, 'with orders as', 'with'), 'keyword.other.sql', 'with');
  assertHasScope(scopesAt(mart, 'o."Order Number"', 'Order Number'), 'variable.other.quoted-identifier.sql', 'quoted identifier');
  assertHasScope(scopesAt(mart, 'amount::numeric', '::'), 'keyword.operator.cast.sql', '::');
  assertHasScope(scopesAt(mart, 'amount::numeric', '12'), 'constant.numeric.sql', 'number');
  assertHasScope(scopesAt(mart, 'amount::numeric', 'numeric'), 'storage.type.sql', 'type');
  const inString = scopesAt(mart, "<= '{{ run_started_at }}'", 'run_started_at');
  assertHasScope(inString, 'string.quoted.single.sql', 'Jinja inside a SQL string');
  assertHasScope(inString, 'meta.template.expression.jinja', 'Jinja inside a SQL string');
  assertHasScope(scopesAt(mart, "source('raw'", 'source'), 'support.function.dbt.jinja', 'source');
});

test('the injection highlights Jinja in plain SQL, also inside its strings and comments', async () => {
  const plain = await fixtureTokens('plain-sql-with-jinja.sql');
  const begin = scopesAt(plain, "from {{ ref('customers') }}", '{{');
  assert.equal(begin[0], PLAIN_SQL, 'the root is the plain SQL grammar');
  assertHasScope(begin, 'punctuation.section.embedded.begin.jinja', '{{ in plain SQL');
  assertHasScope(scopesAt(plain, "from {{ ref('customers') }}", 'ref'), 'support.function.dbt.jinja', 'ref in plain SQL');
  assertHasScope(scopesAt(plain, '\'{{ var("region") }}\'', 'var'), 'string.quoted.single.sql', 'Jinja in a host string');
  assertHasScope(scopesAt(plain, '\'{{ var("region") }}\'', 'var'), 'support.function.dbt.jinja', 'Jinja in a host string');
  assertHasScope(scopesAt(plain, "-- {{ 'rendered' }}", '{{'), 'comment.line.double-dash.sql', 'Jinja in a host comment');
  assertHasScope(scopesAt(plain, "-- {{ 'rendered' }}", '{{'), 'punctuation.section.embedded.begin.jinja', 'Jinja in a host comment');
  assertHasScope(scopesAt(plain, '{%- if target.name', 'if'), 'keyword.control.conditional.jinja', 'if in plain SQL');
  assertHasScope(scopesAt(plain, '{# a Jinja comment #}', '{#'), 'comment.block.jinja', 'Jinja comment in plain SQL');
  // Without the injection the same text is just SQL: the injection is what adds the Jinja scopes.
  const hostOnly = new vsctm.Registry({
    onigLib,
    loadGrammar: async (scopeName) => {
      const path = scopeName === PLAIN_SQL ? grammarPaths().get(PLAIN_SQL) : undefined;
      return path ? vsctm.parseRawGrammar(readFileSync(path, 'utf8'), path) : null;
    },
  });
  const bare = await hostOnly.loadGrammar(PLAIN_SQL);
  assert.ok(bare);
  assertLacksScope(scopesAt(tokenize(bare, "from {{ ref('x') }}"), 'from', 'x'), 'meta.template', 'host alone');
});

test('an injected block set still closes at its endset tag', async () => {
  const tokens = await tokensOf(PLAIN_SQL, '{%- set yaml_metadata -%}\nsource_model: raw\n{%- endset -%}\nselect 1');
  assertHasScope(scopesAt(tokens, 'source_model:', 'source_model'), 'entity.name.tag.yaml', 'YAML key');
  assertLacksScope(scopesAt(tokens, 'select 1', 'select'), 'meta.template', 'after endset');
});

test('every regular expression in the grammars compiles in Oniguruma', async () => {
  await onigLib;
  const failures: string[] = [];
  const visit = (node: unknown, path: string): void => {
    if (Array.isArray(node)) node.forEach((n, k) => visit(n, `${path}[${k}]`));
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if ((key === 'match' || key === 'begin' || key === 'end') && typeof value === 'string') {
          // End patterns may refer back to begin captures (\2); those are filled in at run time, so test with a stand-in.
          const source = key === 'end' ? value.replace(/\\(\d)/g, 'x') : value;
          try {
            oniguruma.createOnigScanner([source]).dispose();
          } catch (e) {
            failures.push(`${path}.${key}: ${String(e)}`);
          }
        } else visit(value, `${path}.${key}`);
      }
    }
  };
  for (const g of contributes.grammars) visit(readJson(join(repoRoot, g.path)), g.path);
  assert.deepEqual(failures, []);
});

test('the contributes fragment: grammar files match their scope names, no claim on every .sql file', () => {
  for (const g of contributes.grammars) {
    const grammar = readJson(join(repoRoot, g.path)) as { scopeName?: string; injectionSelector?: string };
    assert.equal(grammar.scopeName, g.scopeName, `${g.path} declares the scope name the fragment registers`);
    if (g.injectTo) assert.match(grammar.injectionSelector ?? '', /^L:source\.sql\b/, 'the injection targets source.sql');
  }
  const lang = contributes.languages.find((l) => l.id === 'jinja-sql');
  assert.ok(lang, 'the jinja-sql language is contributed');
  assert.ok(!(lang.extensions ?? []).includes('.sql'), 'jinja-sql must not take every .sql file');
  assert.ok(!(lang.filenamePatterns ?? []).some((p) => p === '*.sql' || p === '**/*.sql'), 'no catch-all .sql pattern');
  for (const folder of ['models', 'macros', 'analyses', 'snapshots', 'tests']) {
    assert.ok(lang.filenamePatterns?.includes(`**/${folder}/**/*.sql`), `${folder}/ is covered`);
  }
  assert.ok(lang.configuration && existsSync(join(repoRoot, lang.configuration)), 'the language configuration exists');
  const main = contributes.grammars.find((g) => g.language === 'jinja-sql');
  assert.equal(main?.scopeName, JINJA_SQL);
  assert.equal(main?.embeddedLanguages?.['meta.embedded.block.yaml'], 'yaml');
});

test('the language configuration: comments, Jinja brackets, word pattern and folding markers work', () => {
  const config = readJson(join(syntaxesDir, 'language-configuration.json')) as {
    comments: { lineComment: string; blockComment: [string, string] };
    brackets: [string, string][];
    autoClosingPairs: { open: string; close: string }[];
    wordPattern: string;
    folding: { markers: { start: string; end: string } };
  };
  assert.equal(config.comments.lineComment, '--');
  assert.deepEqual(config.comments.blockComment, ['{#', '#}']);
  for (const pair of [['{{', '}}'], ['{%', '%}'], ['(', ')']]) assert.ok(config.brackets.some((b) => b[0] === pair[0] && b[1] === pair[1]));
  assert.ok(config.autoClosingPairs.some((p) => p.open === '{%' && p.close.endsWith('%}')));
  const word = new RegExp(config.wordPattern, 'g');
  assert.deepEqual('src_pk=automate_dv.hub(1.5)'.match(word), ['src_pk', 'automate_dv', 'hub', '1.5']);
  const start = new RegExp(config.folding.markers.start);
  const end = new RegExp(config.folding.markers.end);
  assert.ok(start.test('{%- set yaml_metadata -%}'), 'a block set folds');
  assert.ok(start.test('  {% if is_incremental() %}'), 'an if folds');
  assert.ok(!start.test('{%- set src_pk = "X" -%}'), 'an inline set does not fold');
  assert.ok(end.test('{%- endset -%}') && end.test('  {% endif %}'));
});
