// dbt's generic data tests declared in property files (`tests:` / `data_tests:` on models, seeds, snapshots, sources
// and their columns): unique, not_null, accepted_values and relationships, compiled to the SQL dbt runs (the failing
// rows, counted) and run against a warehouse. Each test keeps the file and span of its yml entry, so the CLI can name
// the line and the editor can show a failure there. Tests of other packages are listed as not run, never as errors.
import { foldedIdent, quoteIdent, quoteLiteral, type Relation } from '../base/relation';
import { SourceText, type Span } from '../base/text';
import type { NamedBlockNode, Statement } from '../jinja/ast';
import { render } from '../jinja';
import { parseTemplate } from '../jinja/parser';
import { callable, type JValue } from '../jinja/values';
import type { DbtProject, ProjectNode } from '../project';
import { parseDbtProjectFile } from '../project/dbt-project-file';
import { joinPath } from '../project/file-system';
import { parseYaml, scalarText, toJValue, valueOf, type YEntry, type YValue } from '../project/yaml-tree';
import { sqlErrorMessage } from '../warehouse/errors';
import type { SqlSession } from '../warehouse/warehouse';
import { selectResources } from '../project/select';

/** What the tests are discovered in and rendered with: only the project (engine/'s ProjectSession is one). */
export interface TestedProject {
  readonly project: DbtProject;
}

export type GenericTestKind = 'unique' | 'not_null' | 'accepted_values' | 'relationships';

export interface GenericTest {
  /** dbt's test name, e.g. `not_null_stg_orders_plant_id`, `source_unique_shop_orders_order_id`. */
  name: string;
  /** The test as written: `unique`, `accepted_values`, `dbt_utils.expression_is_true`. */
  testName: string;
  /** Set for the four built-in tests; undefined for custom tests (`custom`) and tests this module does not run. */
  kind: GenericTestKind | undefined;
  /** A custom generic test (`{% test name(model, column_name) %}` in the project or an installed package). */
  custom?: boolean;
  /** What the test is attached to: a node name, or `source:shop.orders`. */
  attachedTo: string;
  /** The model, seed or snapshot node, when attached to one. */
  node?: ProjectNode;
  /** The relation the test reads (undefined when it cannot be resolved; the reason is in `problem`). */
  relation?: Relation;
  column?: string;
  /** Absolute path of the property file and the span of the test's entry in it. */
  file: string;
  span: Span;
  /** 1-based line of the entry. */
  line: number;
  severity: 'error' | 'warn';
  /** The query returning the failing rows (dbt's test body), when compiled. */
  sql?: string;
  /** Why the test cannot run (unknown `to:` model, missing `values:` …). */
  problem?: string;
  /** Other nodes the test reads (the `to:` of relationships), for selection. */
  alsoReads: string[];
  warnIf: string;
  errorIf: string;
}

export type GenericTestStatus = 'pass' | 'fail' | 'warn' | 'error' | 'skipped';

export interface GenericTestResult {
  test: GenericTest;
  status: GenericTestStatus;
  /** Number of failing rows, when the query ran. */
  failures: number | null;
  message?: string;
  ms: number;
}

export interface TestSelection {
  select?: string[];
  exclude?: string[];
}

const BUILT_IN = new Set<string>(['unique', 'not_null', 'accepted_values', 'relationships']);

// ---------------------------------------------------------------------------------------------------------------
// Discovery.

interface Attachment {
  attachedTo: string;
  namePart: string;
  node?: ProjectNode;
  relation?: Relation;
  problem?: string;
}

/** Every generic test declared in the project's property files, in file order. */
export function discoverGenericTests(session: TestedProject): GenericTest[] {
  const project = session.project;
  const out: GenericTest[] = [];
  const customTests = findCustomTests(session);
  for (const props of project.propertyFiles) {
    const text = project.files.readFile(props.file);
    if (text === undefined) continue;
    const root = parseYaml(text, 'DV021').root;
    if (!root || root.kind !== 'map') continue;
    const lines = new SourceText(text);
    const add = (attachment: Attachment, entries: YValue | undefined, column: ColumnEntry | undefined): void => {
      if (!entries || entries.kind !== 'seq') return;
      for (const item of entries.items) {
        const test = readTest(session, attachment, item, column, props.file, lines, customTests);
        if (test) out.push(test);
      }
    };
    for (const kind of ['models', 'seeds', 'snapshots'] as const) {
      const list = valueOf(root, kind);
      if (!list || list.kind !== 'seq') continue;
      for (const entry of list.items) {
        const name = scalarText(valueOf(entry, 'name'));
        if (!name) continue;
        for (const attachment of nodeAttachments(session, kind, name, entry)) {
          add(attachment, testsOf(entry), undefined);
          for (const column of columnsOf(entry)) add(attachment, testsOf(column.entry), column);
        }
      }
    }
    const sources = valueOf(root, 'sources');
    if (sources && sources.kind === 'seq') {
      for (const source of sources.items) {
        const sourceName = scalarText(valueOf(source, 'name'));
        const tables = valueOf(source, 'tables');
        if (!sourceName || !tables || tables.kind !== 'seq') continue;
        for (const table of tables.items) {
          const tableName = scalarText(valueOf(table, 'name'));
          if (!tableName) continue;
          const relation = project.sourceRelation(sourceName, tableName);
          const attachment: Attachment = { attachedTo: `source:${sourceName}.${tableName}`, namePart: `source_%s_${sourceName}_${tableName}`, relation };
          if (project.sourceTable(sourceName, tableName)?.enabled === false) continue;
          add(attachment, testsOf(table), undefined);
          for (const column of columnsOf(table)) add(attachment, testsOf(column.entry), column);
        }
      }
    }
  }
  return out;
}

/** The nodes a properties entry describes: the node itself, or each version of a versioned model. */
function nodeAttachments(session: TestedProject, kind: 'models' | 'seeds' | 'snapshots', name: string, entry: YValue): Attachment[] {
  const project = session.project;
  const resource = kind === 'models' ? 'model' : kind === 'seeds' ? 'seed' : 'snapshot';
  const versions = valueOf(entry, 'versions');
  const names: string[] = [];
  if (kind === 'models' && versions && versions.kind === 'seq') {
    for (const v of versions.items) {
      const version = scalarText(valueOf(v, 'v'));
      if (version !== undefined) names.push(scalarText(valueOf(v, 'defined_in')) ?? `${name}_v${version}`);
    }
  } else names.push(name);
  const out: Attachment[] = [];
  for (const n of names) {
    const node = project.allNodes().find((x) => x.name === n && x.kind === resource);
    if (node && !node.enabled) continue;
    out.push(node ? { attachedTo: n, namePart: `%s_${n}`, node, relation: node.relation } : { attachedTo: n, namePart: `%s_${n}`, problem: `no ${resource} named '${n}' in this project` });
  }
  return out;
}

interface ColumnEntry {
  name: string;
  /** `quote: true` on the column: the name is used exactly as written. */
  quote: boolean;
  entry: YValue;
}

function columnsOf(entry: YValue): ColumnEntry[] {
  const columns = valueOf(entry, 'columns');
  if (!columns || columns.kind !== 'seq') return [];
  const out: ColumnEntry[] = [];
  for (const c of columns.items) {
    const name = scalarText(valueOf(c, 'name'));
    if (!name) continue;
    const quote = valueOf(c, 'quote');
    out.push({ name, quote: quote?.kind === 'scalar' && quote.value === true, entry: c });
  }
  return out;
}

/** `data_tests:` (dbt 1.8+) and `tests:` both declare tests; a file may use either. */
function testsOf(entry: YValue): YValue | undefined {
  const data = valueOf(entry, 'data_tests');
  const plain = valueOf(entry, 'tests');
  if (data && plain && data.kind === 'seq' && plain.kind === 'seq') return { kind: 'seq', items: [...data.items, ...plain.items], span: data.span };
  return data ?? plain;
}

function entryValue(map: YValue | undefined, key: string): YValue | undefined {
  return valueOf(map, key);
}

/** A test's arguments: dbt 1.10's `arguments:` block, or the keys beside `config:`. */
function argument(spec: YValue | undefined, key: string): YValue | undefined {
  return entryValue(entryValue(spec, 'arguments'), key) ?? entryValue(spec, key);
}

function readTest(
  session: TestedProject,
  attachment: Attachment,
  item: YValue,
  column: ColumnEntry | undefined,
  file: string,
  lines: SourceText,
  customTests: Map<string, NamedBlockNode>,
): GenericTest | undefined {
  let testName: string | undefined;
  let spec: YValue | undefined;
  if (item.kind === 'scalar') testName = scalarText(item);
  else if (item.kind === 'map') {
    const explicit = scalarText(valueOf(item, 'test_name'));
    if (explicit) {
      testName = explicit;
      spec = item;
    } else {
      const first: YEntry | undefined = item.entries[0];
      testName = first?.key;
      spec = first?.value;
    }
  }
  if (!testName) return undefined;
  const config = entryValue(spec, 'config');
  const enabled = entryValue(config, 'enabled') ?? entryValue(spec, 'enabled');
  if (enabled?.kind === 'scalar' && (enabled.value === false || /^false$/i.test(String(enabled.value)))) return undefined;
  const severityText = (scalarText(entryValue(config, 'severity') ?? entryValue(spec, 'severity')) ?? 'error').toLowerCase();
  const columnName = column?.name ?? scalarText(argument(spec, 'column_name'));
  const test: GenericTest = {
    name: '',
    testName,
    kind: BUILT_IN.has(testName) ? (testName as GenericTestKind) : undefined,
    attachedTo: attachment.attachedTo,
    file,
    span: item.span,
    line: lines.positionAt(item.span.start).line + 1,
    severity: severityText === 'warn' ? 'warn' : 'error',
    alsoReads: [],
    warnIf: scalarText(entryValue(config, 'warn_if')) ?? '!= 0',
    errorIf: scalarText(entryValue(config, 'error_if')) ?? '!= 0',
  };
  if (attachment.node) test.node = attachment.node;
  if (attachment.relation) test.relation = attachment.relation;
  if (columnName !== undefined) test.column = columnName;
  const suffix: string[] = [];
  if (attachment.problem) test.problem = attachment.problem;
  else if (!test.relation) test.problem = `${attachment.attachedTo} cannot be resolved to a relation`;
  if (test.kind && !test.problem) {
    const where = scalarText(entryValue(config, 'where') ?? entryValue(spec, 'where'));
    const model = test.relation ? modelSql(test.relation, where) : '';
    const col = columnName === undefined ? undefined : columnSql(columnName, column?.quote === true || truthyScalar(argument(spec, 'quote_columns')));
    if (col === undefined) test.problem = `${testName} needs a column: put it under a column's tests, or give column_name:`;
    else if (test.kind === 'not_null') test.sql = `select ${col} from ${model} where ${col} is null`;
    else if (test.kind === 'unique') test.sql = `select ${col} as unique_field, count(*) as n_records from ${model} where ${col} is not null group by ${col} having count(*) > 1`;
    else if (test.kind === 'accepted_values') {
      const values = argument(spec, 'values');
      const quote = argument(spec, 'quote');
      const quoted = !(quote?.kind === 'scalar' && (quote.value === false || /^false$/i.test(String(quote.value))));
      if (!values || values.kind !== 'seq' || values.items.length === 0) test.problem = 'accepted_values needs values: [...]';
      else {
        const list = values.items.map((v) => scalarText(v) ?? '');
        suffix.push(...list);
        const literals = list.map((v) => (quoted ? quoteLiteral(v) : v)).join(', ');
        test.sql = `with all_values as (select ${col} as value_field, count(*) as n_records from ${model} group by ${col}) select * from all_values where value_field not in (${literals})`;
      }
    } else if (test.kind === 'relationships') {
      const to = scalarText(argument(spec, 'to'));
      const field = scalarText(argument(spec, 'field'));
      const parent = to === undefined ? undefined : resolveTo(session, to);
      if (!to || !field) test.problem = 'relationships needs to: ref(...) and field:';
      else if (!parent || !parent.relation) test.problem = `relationships: to: ${to} does not name a model, seed or source of this project`;
      else {
        if (parent.node) test.alsoReads.push(parent.node);
        suffix.push(field, to.replace(/[^A-Za-z0-9_]+/g, '_'));
        test.sql =
          `with child as (select ${col} as from_field from ${model} where ${col} is not null), ` +
          `parent as (select ${columnSql(field, false)} as to_field from ${parent.relation.render()}) ` +
          'select from_field from child left join parent on child.from_field = parent.to_field where parent.to_field is null';
      }
    }
  } else if (!test.kind && !test.problem) {
    const block = customTests.get(testName);
    if (block && test.relation) {
      test.custom = true;
      const where = scalarText(entryValue(config, 'where') ?? entryValue(spec, 'where'));
      const compiled = renderCustomTest(session, block, test.relation, where, columnName, spec);
      if (compiled.sql !== undefined) test.sql = compiled.sql;
      else test.problem = `${testName} does not render: ${compiled.error ?? 'unknown error'}`;
    } else {
      test.problem = `${testName} is not one of dbt's built-in generic tests (unique, not_null, accepted_values, relationships) nor a {% test %} of this project or an installed package; dvs test does not run it`;
    }
  }
  const base = attachment.namePart.replace('%s', testName.replace(/\./g, '_'));
  test.name = [base + (columnName !== undefined ? `_${columnName.replace(/[^A-Za-z0-9_]+/g, '_')}` : ''), ...suffix].join('__');
  return test;
}

const TEST_SPEC_KEYS = new Set(['config', 'arguments', 'name', 'test_name', 'column_name', 'where', 'severity', 'enabled', 'description']);

/** Renders a custom generic test's body with dbt's arguments: model, column_name and the yml's own arguments. */
function renderCustomTest(
  session: TestedProject,
  block: NamedBlockNode,
  relation: Relation,
  where: string | undefined,
  columnName: string | undefined,
  spec: YValue | undefined,
): { sql?: string; error?: string } {
  const project = session.project;
  const globals = new Map<string, JValue>();
  const args = entryValue(spec, 'arguments');
  for (const source of [spec, args]) {
    if (source?.kind !== 'map') continue;
    for (const e of source.entries) if (!TEST_SPEC_KEYS.has(e.key) || source === args) globals.set(e.key, toJValue(e.value));
  }
  // `model` renders as the relation, or as dbt's where-subquery when the test has a where config.
  globals.set('model', where ? { kind: 'object', getAttr: (a: string) => relation.getAttr(a), render: () => modelSql(relation, where) } : relation);
  if (columnName !== undefined) globals.set('column_name', columnName);
  globals.set('ref', callable('ref', (a, k) => {
    const names = a.map(String);
    const version = k.get('v') ?? k.get('version');
    return project.resolveRef((names.length >= 2 ? names[1] : names[0]) ?? '', names.length >= 2 ? names[0] : undefined, version === undefined || version === null ? undefined : String(version)) ?? null;
  }));
  globals.set('source', callable('source', (a) => project.sourceRelation(String(a[0] ?? ''), String(a[1] ?? '')) ?? null));
  globals.set('var', callable('var', (a) => project.varOf(String(a[0] ?? ''), a[1] ?? null)));
  globals.set('target', project.targetValue);
  const result = render({ kind: 'Template', span: block.span, body: block.body }, globals);
  const failure = result.diagnostics.find((d) => d.severity === 'error');
  if (failure) return { error: failure.message };
  return { sql: result.output.trim().replace(/;\s*$/, '') };
}

/** `{% test name %}` blocks in the project's test and macro paths and in installed packages (as `package.name` too). */
function findCustomTests(session: TestedProject): Map<string, NamedBlockNode> {
  const project = session.project;
  const found = new Map<string, NamedBlockNode>();
  const scan = (root: string, dirs: readonly string[], namespace: string | undefined): void => {
    for (const dir of dirs) {
      for (const file of project.files.listFiles(joinPath(root, dir), (p) => p.endsWith('.sql'))) {
        const text = project.files.readFile(file);
        if (text === undefined || !/\{%-?\s*(test|data_test)\s/.test(text)) continue;
        const visit = (body: Statement[]): void => {
          for (const st of body) {
            if (st.kind !== 'NamedBlock' || (st.tag !== 'test' && st.tag !== 'data_test')) continue;
            if (namespace) found.set(`${namespace}.${st.name}`, st);
            if (!found.has(st.name)) found.set(st.name, st);
          }
        };
        visit(parseTemplate(text).template.body);
      }
    }
  };
  scan(project.root, [...project.settings.testPaths, ...project.settings.macroPaths], project.name);
  const installDir = joinPath(project.root, project.settings.packagesInstallPath);
  for (const projectFile of project.files.listFiles(installDir, (p) => p.endsWith('/dbt_project.yml'))) {
    const root = projectFile.slice(0, -'/dbt_project.yml'.length);
    if (root.slice(installDir.length + 1).includes('/')) continue;
    const settings = parseDbtProjectFile(project.files.readFile(projectFile) ?? '', projectFile, { env: project.env, lookupVar: () => undefined }).project;
    scan(root, [...settings.macroPaths, ...settings.testPaths], settings.name || undefined);
  }
  return found;
}

function truthyScalar(v: YValue | undefined): boolean {
  return v?.kind === 'scalar' && (v.value === true || /^true$/i.test(String(v.value)));
}

/** A column as dbt writes it into test SQL: as written, which PostgreSQL folds unless quoted. */
function columnSql(name: string, quote: boolean): string {
  if (quote) return quoteIdent(name);
  // A plain identifier is quoted in its folded form (the same column); anything else is an expression the user wrote.
  return foldedIdent(name) ?? name;
}

function modelSql(relation: Relation, where: string | undefined): string {
  return where ? `(select * from ${relation.render()} where ${where}) dbt_subquery` : relation.render();
}

/** `ref('m')`, `ref('pkg', 'm')`, `ref('m', v=2)` or `source('s', 't')` as written in `to:`. */
function resolveTo(session: TestedProject, to: string): { relation?: Relation; node?: string } | undefined {
  const project = session.project;
  const args = (inner: string) => [...inner.matchAll(/['"]([^'"]+)['"]/g)].map((m) => m[1] as string);
  const ref = /^\s*ref\s*\((.*)\)\s*$/s.exec(to);
  if (ref) {
    const version = /\bv(?:ersion)?\s*=\s*['"]?([A-Za-z0-9_.]+)/.exec(ref[1] as string)?.[1];
    const names = args((ref[1] as string).replace(/\bv(?:ersion)?\s*=.*$/s, ''));
    const name = names.length >= 2 ? names[1] : names[0];
    if (!name) return undefined;
    const pkg = names.length >= 2 ? names[0] : undefined;
    const node = pkg === undefined || pkg === project.name ? project.refNode(name, version) : undefined;
    const relation = project.resolveRef(name, pkg, version);
    return relation ? { relation, ...(node ? { node: node.name } : {}) } : undefined;
  }
  const source = /^\s*source\s*\((.*)\)\s*$/s.exec(to);
  if (source) {
    const [s, t] = args(source[1] as string);
    const relation = s && t ? project.sourceRelation(s, t) : undefined;
    return relation ? { relation } : undefined;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Selection and running.

/**
 * The tests a dbt selection picks: tests attached to (or reading, for relationships) the selected models, seeds and
 * snapshots; `source:name` / `source:name.table` for source tests; `test_name:unique`; or a test's own name.
 */
export function selectGenericTests(session: TestedProject, tests: GenericTest[], selection: TestSelection): GenericTest[] {
  const pick = (words: string[], all: boolean): Set<GenericTest> => {
    if (words.length === 0) return new Set(all ? tests : []);
    const out = new Set<GenericTest>();
    const resourceWords: string[] = [];
    for (const word of words) {
      const direct = tests.filter((t) => t.name === word || matchesTestMethod(t, word));
      if (direct.length || /^(source|test_name|test_type):/.test(word)) direct.forEach((t) => out.add(t));
      else resourceWords.push(word);
    }
    if (resourceWords.length) {
      const nodes = new Set(selectResources(session.project, ['model', 'seed', 'snapshot'], resourceWords, []).nodes.map((n) => n.name));
      for (const t of tests) if ((t.node && nodes.has(t.node.name)) || t.alsoReads.some((n) => nodes.has(n))) out.add(t);
    }
    return out;
  };
  const chosen = pick(split(selection.select ?? []), true);
  for (const t of pick(split(selection.exclude ?? []), false)) chosen.delete(t);
  return tests.filter((t) => chosen.has(t));
}

function split(words: string[]): string[] {
  return words.flatMap((w) => w.split(/\s+/)).filter((w) => w.length > 0);
}

function matchesTestMethod(test: GenericTest, word: string): boolean {
  const [method, value] = word.includes(':') ? [word.slice(0, word.indexOf(':')), word.slice(word.indexOf(':') + 1)] : ['', word];
  if (method === 'test_name') return test.testName === value || test.testName.endsWith(`.${value}`);
  if (method === 'test_type') return value === 'generic' || value === 'data';
  if (method === 'source') {
    if (!test.attachedTo.startsWith('source:')) return false;
    const [s, t] = test.attachedTo.slice('source:'.length).split('.');
    const [ws, wt] = value.split('.');
    return (ws === '*' || ws === s) && (wt === undefined || wt === '*' || wt === t);
  }
  return false;
}

/** dbt's warn_if / error_if: a comparison applied to the failure count ("!= 0", ">10", ">= 5"). */
export function thresholdHit(condition: string, failures: number): boolean {
  const m = /^\s*(!=|<>|>=|<=|==|=|>|<)\s*(-?\d+)\s*$/.exec(condition);
  if (!m) return failures !== 0;
  const n = Number(m[2]);
  switch (m[1]) {
    case '!=':
    case '<>':
      return failures !== n;
    case '>=':
      return failures >= n;
    case '<=':
      return failures <= n;
    case '>':
      return failures > n;
    case '<':
      return failures < n;
    default:
      return failures === n;
  }
}

/** Runs one test: counts the failing rows its query returns and applies severity, warn_if and error_if. */
export async function runGenericTest(wh: SqlSession, test: GenericTest): Promise<GenericTestResult> {
  const started = Date.now();
  if (!test.sql) return { test, status: 'skipped', failures: null, message: test.problem ?? 'not compiled', ms: 0 };
  try {
    const r = await wh.query(`select count(*) as failures from (${test.sql}) dbt_internal_test`);
    const failures = Number(r.rows[0]?.failures ?? 0);
    let status: GenericTestStatus = 'pass';
    if (test.severity === 'error' && thresholdHit(test.errorIf, failures)) status = 'fail';
    else if (thresholdHit(test.warnIf, failures)) status = 'warn';
    const result: GenericTestResult = { test, status, failures, ms: Date.now() - started };
    if (status !== 'pass') result.message = `Got ${failures} result${failures === 1 ? '' : 's'}, configured to ${status === 'fail' ? 'fail' : 'warn'} if ${status === 'fail' ? test.errorIf : test.warnIf}`;
    return result;
  } catch (error) {
    const message = sqlErrorMessage(error);
    const hint = /does not exist/.test(message) ? ' Build it first (dvs seed / dvs load).' : '';
    return { test, status: 'error', failures: null, message: message + hint, ms: Date.now() - started };
  }
}

/**
 * Discovers, selects and runs the project's generic tests against a warehouse, in discovery order. The language
 * server uses the results (file, span) to show failures on the yml line; the CLI prints them.
 */
export async function runGenericTests(session: TestedProject, wh: SqlSession, selection: TestSelection = {}): Promise<GenericTestResult[]> {
  const tests = selectGenericTests(session, discoverGenericTests(session), selection);
  const results: GenericTestResult[] = [];
  for (const test of tests) results.push(await runGenericTest(wh, test));
  return results;
}
