// dbt's fromyaml/toyaml: PyYAML safe_load semantics (YAML 1.1 scalars: yes/no/on/off booleans, 2020-01-01 dates,
// 0o-less octal ints, sexagesimal numbers), key order kept. Any YAML error, including an unknown tag such as
// `!CSV`, makes the value None, as in dbt; the error is returned beside it so callers can point at it.
import { Document, isMap, isScalar, isSeq, parseDocument, Scalar, type Node, type ScalarTag } from 'yaml';
import { PyDate, PyDatetime } from './datetime';
import { readSimpleYaml, type YamlNode, type YamlRange } from './yaml-fast';

export type { YamlNode, YamlPair, YamlRange } from './yaml-fast';
import { JUndefined, PyFloat, floatValue, isObject, isTuple, pyNumber, renderValue, type JDict, type JValue } from './values';

export interface YamlParseResult {
  value: JValue;
  error?: { message: string; offset: number };
}

const BOOL_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const BOOL_FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;
const INT_RE = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT_RE = /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const NULL_RE = /^(?:~|null|Null|NULL|)$/;
const TIMESTAMP_RE = /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/;
const TIMESTAMP_PARTS =
  /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9]{1,2})(?::([0-9]{2}))?))?)?$/;

function sexagesimal(text: string): number {
  let value = 0;
  for (const part of text.split(':')) value = value * 60 + Number(part);
  return value;
}

function constructInt(source: string): number {
  let s = source.replace(/_/g, '');
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s.startsWith('-')) sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s.startsWith('0b')) return sign * parseInt(s.slice(2), 2);
  if (s.startsWith('0x')) return sign * parseInt(s.slice(2), 16);
  if (s.startsWith('0')) return sign * parseInt(s, 8);
  if (s.includes(':')) return sign * sexagesimal(s);
  return sign * Number(s);
}

function constructFloat(source: string): number {
  let s = source.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s.startsWith('-')) sign = -1;
    s = s.slice(1);
  }
  if (s === '.inf') return sign * Infinity;
  if (s === '.nan') return NaN;
  if (s.includes(':')) return sign * sexagesimal(s);
  return sign * Number(s);
}

function constructTimestamp(source: string, onError: (message: string) => void): unknown {
  const m = TIMESTAMP_PARTS.exec(source);
  if (!m) {
    onError(`invalid timestamp '${source}'`);
    return source;
  }
  const [, y, mo, d, h, mi, s, frac, tz, tzSign, tzHour, tzMinute] = m;
  try {
    if (h === undefined) return new PyDate(Number(y), Number(mo), Number(d));
    const micro = frac ? Number(frac.slice(0, 6).padEnd(6, '0')) : 0;
    let offset: number | null = null;
    if (tzSign) offset = (tzSign === '-' ? -1 : 1) * (Number(tzHour) * 60 + Number(tzMinute ?? 0));
    else if (tz) offset = 0;
    return new PyDatetime(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s), micro, offset);
  } catch (e) {
    onError(e instanceof Error ? e.message : String(e));
    return source;
  }
}

// PyYAML's implicit resolvers, in its order of precedence.
const PYYAML_TAGS: ScalarTag[] = [
  { tag: 'tag:yaml.org,2002:null', default: true, test: NULL_RE, resolve: () => null },
  { tag: 'tag:yaml.org,2002:bool', default: true, test: BOOL_TRUE, resolve: () => true },
  { tag: 'tag:yaml.org,2002:bool', default: true, test: BOOL_FALSE, resolve: () => false },
  { tag: 'tag:yaml.org,2002:int', default: true, test: INT_RE, resolve: (s: string) => constructInt(s) },
  { tag: 'tag:yaml.org,2002:float', default: true, test: FLOAT_RE, resolve: (s: string) => floatValue(constructFloat(s)) },
  { tag: 'tag:yaml.org,2002:timestamp', default: true, test: TIMESTAMP_RE, resolve: (s: string, onError: (m: string) => void) => constructTimestamp(s, onError) },
  {
    // PyYAML resolves a lone `=` to the "value" tag, for which safe_load has no constructor.
    tag: 'tag:yaml.org,2002:value',
    default: true,
    test: /^=$/,
    resolve: (_s: string, onError: (m: string) => void) => {
      onError("could not determine a constructor for the tag 'tag:yaml.org,2002:value'");
      return null;
    },
  },
];

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).trim();
}

/** Python's str() of a mapping key; dict keys are strings here (fromyaml's and the model parser's alike). */
export function yamlKeyText(key: unknown): string {
  if (typeof key === 'string') return key;
  if (key === null || key === undefined) return 'None';
  if (typeof key === 'boolean') return key ? 'True' : 'False';
  if (typeof key === 'number') return pyNumber(key);
  if (key instanceof PyDate || key instanceof PyDatetime || key instanceof PyFloat) return key.render();
  return String(key);
}

function toJValue(v: unknown): JValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof PyDate || v instanceof PyDatetime || v instanceof PyFloat) return v;
  if (Array.isArray(v)) return v.map(toJValue);
  if (v instanceof Map) {
    const d: JDict = new Map();
    for (const [k, x] of v) d.set(yamlKeyText(k), toJValue(x));
    return d;
  }
  if (v instanceof Set) return [...v].map(toJValue);
  if (typeof v === 'object') {
    const d: JDict = new Map();
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) d.set(k, toJValue(x));
    return d;
  }
  return String(v);
}

/** The library's message, reworded where a dbt user needs the cause (tags, indentation), with the line it is on. */
function explainYamlError(text: string, message: string, offset: number): string {
  let m = firstLine(message);
  const tag = /^Unresolved tag: (\S+)/.exec(m);
  if (tag) m = `unknown tag ${tag[1]}: an unquoted value starting with '!' is a YAML tag; quote it ('${tag[1]}')`;
  else if (m.startsWith('Source contains multiple documents')) m = 'the text holds more than one document (a line with --- starts a new one)';
  const firstContent = text.split(/\r?\n/).find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  if (firstContent && /^[ \t]/.test(firstContent) && !tag) m += '; the first line is indented, but top-level keys must start in column 1';
  const line = text.slice(0, offset).split('\n').length;
  return `${m} (line ${line} of the YAML)`;
}

export interface YamlIssue {
  message: string;
  pos: readonly [number, number];
  /** The library's code, e.g. TAG_RESOLVE_FAILED. */
  code: string;
}

/** One reading of a YAML text: the tree, the library's errors and warnings, and what fromyaml returns for it. */
export interface YamlReading {
  root: YamlNode | null;
  errors: YamlIssue[];
  warnings: YamlIssue[];
  result: YamlParseResult;
}

const DBT_YAML_OPTIONS = {
  version: '1.1',
  schema: 'failsafe',
  customTags: PYYAML_TAGS,
  uniqueKeys: false,
  merge: true,
  prettyErrors: false,
  strict: false,
} as const;

function nodeOf(node: unknown): YamlNode | null {
  if (node === null || node === undefined) return null;
  const n = node as Node;
  const r = n.range ?? [0, 0, 0];
  const range: YamlRange = [r[0], r[1], r[2]];
  if (isMap(n)) return { kind: 'map', pairs: n.items.map((p) => ({ key: nodeOf(p.key), value: nodeOf(p.value) })), range };
  if (isSeq(n)) return { kind: 'seq', items: n.items.map((i) => nodeOf(i) ?? { kind: 'other', range }), range };
  if (isScalar(n)) {
    const quote = n.type === Scalar.QUOTE_SINGLE ? 'single' : n.type === Scalar.QUOTE_DOUBLE ? 'double' : n.type === Scalar.BLOCK_FOLDED || n.type === Scalar.BLOCK_LITERAL ? 'block' : 'plain';
    return { kind: 'scalar', value: n.value, quote, range };
  }
  return { kind: 'other', range };
}

/** The reading by the YAML library: any YAML at all, errors included. */
function readWithLibrary(text: string): YamlReading {
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, DBT_YAML_OPTIONS);
  } catch (e) {
    return { root: null, errors: [], warnings: [], result: { value: null, error: { message: e instanceof Error ? firstLine(e.message) : String(e), offset: 0 } } };
  }
  const issue = (e: { message: string; pos: [number, number]; code: string }): YamlIssue => ({ message: e.message, pos: [e.pos[0], e.pos[1]], code: e.code });
  const reading: YamlReading = { root: nodeOf(doc.contents), errors: doc.errors.map(issue), warnings: doc.warnings.map(issue), result: { value: null } };
  const problem = doc.errors[0] ?? doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
  if (problem) reading.result = { value: null, error: { message: explainYamlError(text, problem.message, problem.pos[0]), offset: problem.pos[0] } };
  else {
    try {
      reading.result = { value: toJValue(doc.toJS({ mapAsMap: true, maxAliasCount: 1000 })) };
    } catch (e) {
      reading.result = { value: null, error: { message: e instanceof Error ? firstLine(e.message) : String(e), offset: 0 } };
    }
  }
  return reading;
}

/**
 * fromyaml's result for each text read lately, so the renderer does not parse again what the model parser read.
 * The values are never handed out: each caller gets its own copy, because a template may change the dict it got.
 */
const results = new Map<string, YamlParseResult>();
const RESULTS_KEPT = 4096;

function remember(text: string, result: YamlParseResult): void {
  if (results.size >= RESULTS_KEPT) {
    const oldest = results.keys().next();
    if (!oldest.done) results.delete(oldest.value);
  }
  results.set(text, result);
}

/** A copy of a value that shares nothing mutable with it (dates and floats are immutable and shared). */
function copyValue(v: JValue): JValue {
  if (Array.isArray(v)) return v.map(copyValue);
  if (v instanceof Map) {
    const d: JDict = new Map();
    for (const [k, x] of v) d.set(k, copyValue(x));
    return d;
  }
  return v;
}

function copyResult(r: YamlParseResult): YamlParseResult {
  return r.error ? { value: null, error: { ...r.error } } : { value: copyValue(r.value) };
}

/** A plain scalar as PyYAML's implicit resolvers read it; undefined where the resolver reports an error. */
function resolvePlain(source: string): { value: unknown } | undefined {
  for (const tag of PYYAML_TAGS) {
    if (!(tag.test as RegExp).test(source)) continue;
    let failed = false;
    const value = tag.resolve(source, () => (failed = true), {} as never);
    return failed ? undefined : { value };
  }
  return { value: source };
}

/** fromyaml's value of a tree the fast reader read (no aliases, merges or errors there). */
function valueOf(node: YamlNode | null): JValue {
  if (!node) return null;
  switch (node.kind) {
    case 'map': {
      const d: JDict = new Map();
      for (const p of node.pairs) d.set(yamlKeyText(p.key?.kind === 'scalar' ? p.key.value : null), valueOf(p.value));
      return d;
    }
    case 'seq':
      return node.items.map(valueOf);
    case 'scalar':
      return toJValue(node.value);
    case 'other':
      return null;
  }
}

/** The fast reader's reading (server/src/jinja/yaml-fast.ts), or undefined when the text is more than plain block YAML. */
export function readYamlFast(text: string): YamlReading | undefined {
  const root = readSimpleYaml(text, resolvePlain);
  return root ? { root, errors: [], warnings: [], result: { value: valueOf(root) } } : undefined;
}

function readOnce(text: string, fast: boolean): YamlReading {
  return (fast ? readYamlFast(text) : undefined) ?? readWithLibrary(text);
}

/**
 * Reads a YAML text once for both the model parser (the tree) and fromyaml (the value, remembered by text).
 * `library: true` always reads with the YAML library (tests compare the two readers).
 */
export function readYaml(text: string, options: { library?: boolean } = {}): YamlReading {
  const reading = readOnce(text, options.library !== true);
  const result = reading.result;
  remember(text, result);
  // Copied only when read: the model parser reads the tree alone.
  return {
    root: reading.root,
    errors: reading.errors,
    warnings: reading.warnings,
    get result() {
      return copyResult(result);
    },
  };
}

/** Parses YAML as dbt's fromyaml does (PyYAML safe_load); on any error the value is None and the error says where. */
export function parseYamlLikeDbt(text: string): YamlParseResult {
  const known = results.get(text);
  if (known) return copyResult(known);
  return readYaml(text).result;
}

/** dbt's toyaml: block style, keys in their order (sorted on request), like PyYAML's safe_dump. */
export function dumpYaml(value: JValue, sortKeys: boolean): string {
  const toPlain = (v: JValue): unknown => {
    if (v instanceof JUndefined) throw new Error('cannot represent an undefined value');
    if (v instanceof Map) {
      const entries = [...v];
      if (sortKeys) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return new Map(entries.map(([k, x]) => [k, toPlain(x)]));
    }
    if (Array.isArray(v) || isTuple(v)) return v.map(toPlain);
    if (isObject(v)) return renderValue(v);
    if (typeof v === 'function') throw new Error('cannot represent a function');
    return v;
  };
  // The 1.1 schema would write a Map as !!omap; a plain mapping is what PyYAML's safe_dump writes.
  const doc = new Document(toPlain(value), { version: '1.1', customTags: (tags) => tags.filter((t) => (typeof t === 'string' ? t : t.tag) !== 'tag:yaml.org,2002:omap') });
  return doc.toString({ indentSeq: false, lineWidth: 0 });
}
