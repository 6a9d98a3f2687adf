// The built-in globals, filters and tests of Jinja2 as dbt configures it (plus dbt's own: fromyaml, fromjson,
// tojson, toyaml, zip, as_bool/as_number/as_native/as_text, local_md5). Python behaviour is the reference.
import { createHash } from 'node:crypto';
import { JinjaError, argumentError, typeError, valueError } from './errors';
import { PyIterator, arg, binaryOp, cased, contains, methodOf, dictKey, getItem, iterate, length, percentFormat, pyCompare, pyEquals, pyReplace, pyStrip, typeName, undefinedError } from './python';
import { dumpYaml, parseYamlLikeDbt } from './yaml';
import { JUndefined, PyFloat, UNDEFINED, callable, floatValue, isFloat, numberValue, isCallable, isObject, isTuple, makeTuple, renderValue, reprValue, truthy, type JDict, type JObject, type JValue } from './values';

/** What filters such as map() and select() need from the renderer: the other filters and tests. */
export interface FilterContext {
  callFilter(name: string, value: JValue, args: JValue[], kwargs: Map<string, JValue>): JValue;
  callTest(name: string, value: JValue, args: JValue[], kwargs: Map<string, JValue>): boolean;
}

export type FilterFunction = (value: JValue, args: JValue[], kwargs: Map<string, JValue>, ctx: FilterContext) => JValue;
export type TestFunction = (value: JValue, args: JValue[], kwargs: Map<string, JValue>, ctx: FilterContext) => boolean;

/** How built-ins report findings that are not failures (fromyaml returning none). */
export interface BuiltinHooks {
  warn(code: string, message: string): void;
}

// -----------------------------------------------------------------------------------------------------------------
// Helpers shared by several filters

function asInteger(v: JValue, what: string): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw typeError(`'${typeName(v)}' object cannot be interpreted as an integer (${what})`);
  return v;
}

/** Filters that Jinja applies to str only (they fail on other values instead of converting them). */
function requireString(v: JValue, filter: string): string {
  if (typeof v === 'string') return v;
  if (v instanceof JUndefined) throw undefinedError(v, `the '${filter}' filter has no text to work on`);
  throw typeError(`the '${filter}' filter needs a string, not ${typeName(v)}`);
}

function toStringValue(v: JValue): string {
  return renderValue(v);
}

/** Jinja's make_attrgetter: `a.b.0` looks up items (then attributes) step by step. */
function attributeGetter(attribute: JValue, caseSensitive: boolean, fallback?: JValue): (item: JValue) => JValue {
  const parts = attribute === null ? [] : typeof attribute === 'number' ? [attribute] : String(attribute).split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  return (item: JValue) => {
    let v = item;
    for (const p of parts) {
      v = getItem(v, p);
      if (v instanceof JUndefined && fallback !== undefined) {
        v = fallback;
        break;
      }
    }
    if (!caseSensitive && typeof v === 'string') return v.toLowerCase();
    return v;
  };
}

/** A key under which Python would consider two values equal for hashing (`1 == True`, `'a' != 1`). */
function hashKey(v: JValue): string {
  if (typeof v === 'boolean') return 'n:' + (v ? 1 : 0);
  if (typeof v === 'number') return 'n:' + v;
  if (v instanceof PyFloat) return 'n:' + v.value;
  if (typeof v === 'string') return 's:' + v;
  if (v === null) return 'None';
  if (isTuple(v)) return 't:' + v.map(hashKey).join('\u0000');
  if (Array.isArray(v) || v instanceof Map) throw typeError(`unhashable type: '${typeName(v)}'`);
  if (isObject(v)) return 'o:' + (v.repr ? v.repr() : v.render());
  return 'x:' + renderValue(v);
}

function sortValues(items: JValue[], key: (v: JValue) => JValue, reverse: boolean): JValue[] {
  const decorated = items.map((v, i) => ({ v, k: key(v), i }));
  // Python's sort is stable in both directions: equal items keep their original order even with reverse=True.
  decorated.sort((a, b) => (reverse ? pyCompare(b.k, a.k) : pyCompare(a.k, b.k)) || a.i - b.i);
  return decorated.map((d) => d.v);
}

function ignoreCase(caseSensitive: boolean): (v: JValue) => JValue {
  return (v) => (!caseSensitive && typeof v === 'string' ? v.toLowerCase() : v);
}

/** Python's json.dumps with ensure_ascii. */
export function pyJsonDumps(value: JValue, options: { sortKeys?: boolean; indent?: number | string | null } = {}): string {
  const indentUnit = typeof options.indent === 'number' ? ' '.repeat(options.indent) : typeof options.indent === 'string' ? options.indent : null;
  const encodeString = (s: string): string =>
    '"' +
    s.replace(/[\\"\u0000-\u001f\u007f-\uffff]/g, (c) => {
      const map: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };
      return map[c] ?? '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');
    }) +
    '"';
  const walk = (v: JValue, depth: number): string => {
    if (v === null) return 'null';
    if (v === true) return 'true';
    if (v === false) return 'false';
    if (typeof v === 'number' || v instanceof PyFloat) {
      const n = numberValue(v) as number;
      if (Number.isNaN(n)) return 'NaN';
      if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
      return renderValue(v);
    }
    if (typeof v === 'string') return encodeString(v);
    const nl = indentUnit === null ? '' : '\n' + indentUnit.repeat(depth + 1);
    const close = indentUnit === null ? '' : '\n' + indentUnit.repeat(depth);
    const itemSep = indentUnit === null ? ', ' : ',';
    if (Array.isArray(v)) {
      if (!v.length) return '[]';
      return '[' + nl + v.map((x) => walk(x, depth + 1)).join(itemSep + nl) + close + ']';
    }
    if (v instanceof Map) {
      if (!v.size) return '{}';
      let entries = [...v];
      if (options.sortKeys) entries = entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return '{' + nl + entries.map(([k, x]) => `${encodeString(k)}: ${walk(x, depth + 1)}`).join(itemSep + nl) + close + '}';
    }
    throw typeError(`Object of type ${typeName(v) === 'object' ? 'object' : typeName(v)} is not JSON serializable`);
  };
  return walk(value, 0);
}

/** JSON text into Jinja values, keeping key order. */
export function fromJsonText(text: string): JValue {
  const parsed: unknown = JSON.parse(text);
  const convert = (v: unknown): JValue => {
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
    if (Array.isArray(v)) return v.map(convert);
    const m: JDict = new Map();
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) m.set(k, convert(x));
    return m;
  };
  return convert(parsed);
}

// -----------------------------------------------------------------------------------------------------------------
// Filters

function doIndent(s: string, width: JValue, first: boolean, blank: boolean): string {
  const indentation = typeof width === 'string' ? width : ' '.repeat(asInteger(width, 'width'));
  const lines = (s + '\n').split(/\r\n|\n|\r/);
  lines.pop();
  let rv: string;
  if (blank) rv = lines.join('\n' + indentation);
  else {
    rv = lines.shift() ?? '';
    if (lines.length) rv += '\n' + lines.map((l) => (l ? indentation + l : l)).join('\n');
  }
  return first ? indentation + rv : rv;
}

function pyRound(value: number, precision: number, method: string): number {
  const factor = 10 ** precision;
  if (method === 'ceil') return Math.ceil(value * factor) / factor;
  if (method === 'floor') return Math.floor(value * factor) / factor;
  if (method !== 'common') throw argumentError('method must be common, ceil or floor');
  if (!Number.isFinite(value) || precision < 0 || precision > 60) return Math.round(value * factor) / factor;
  // Python rounds the exact binary value, and exact halves to even; toFixed gives the exact decimal digits.
  const exact = Math.abs(value).toFixed(Math.min(100, precision + 40));
  const [intPart, frac = ''] = exact.split('.') as [string, string?];
  const kept = frac.slice(0, precision);
  const rest = frac.slice(precision);
  let digits = BigInt(intPart + kept);
  const tie = rest[0] === '5' && !/[1-9]/.test(rest.slice(1));
  if ((rest[0] ?? '0') > '5' || (rest[0] === '5' && !tie) || (tie && digits % 2n === 1n)) digits += 1n;
  const text = digits.toString().padStart(precision + 1, '0');
  const rounded = Number(precision ? `${text.slice(0, text.length - precision)}.${text.slice(text.length - precision)}` : text);
  return value < 0 ? -rounded : rounded;
}

function doInt(value: JValue, dflt: JValue, base: number): JValue {
  if (typeof value === 'number' || value instanceof PyFloat) return Math.trunc(numberValue(value) as number);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    const s = value.trim().replace(/_/g, '');
    const prefixed = /^([+-]?)0([xob])([0-9a-f]+)$/i.exec(s);
    if (base === 10 && /^[+-]?\d+$/.test(s)) return Number(s);
    if (base !== 10) {
      const cleaned = prefixed ? (prefixed[1] ?? '') + (prefixed[3] ?? '') : s;
      const n = parseInt(cleaned, base);
      if (!Number.isNaN(n)) return n;
    }
    const f = Number(s);
    if (s !== '' && Number.isFinite(f)) return Math.trunc(f);
  }
  return dflt;
}

function doFloat(value: JValue, dflt: JValue): JValue {
  const n = numberValue(value);
  if (n !== undefined) return floatValue(n);
  if (typeof value === 'string') {
    const s = value.trim().replace(/_/g, '').toLowerCase();
    if (/^[+-]?(inf|infinity)$/.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
    if (/^[+-]?nan$/.test(s)) return NaN;
    if (s !== '' && /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(s)) return floatValue(Number(s));
  }
  return typeof dflt === 'number' ? floatValue(dflt) : dflt;
}

function doTruncate(s: string, len: number, killwords: boolean, end: string, leeway: number): string {
  if (s.length <= len + leeway) return s;
  if (killwords) return s.slice(0, len - end.length) + end;
  const cut = s.slice(0, len - end.length);
  const idx = cut.lastIndexOf(' ');
  return (idx >= 0 ? cut.slice(0, idx) : cut) + end;
}

function selectOrReject(value: JValue, args: JValue[], kwargs: Map<string, JValue>, ctx: FilterContext, keep: boolean, byAttribute: boolean): JValue {
  let rest = args;
  let getter: (v: JValue) => JValue = (v) => v;
  if (byAttribute) {
    const attribute = rest[0];
    if (attribute === undefined) throw argumentError('selectattr/rejectattr need an attribute name');
    getter = attributeGetter(attribute, true);
    rest = rest.slice(1);
  }
  const testName = rest[0];
  const testArgs = rest.slice(1);
  const test = (v: JValue): boolean => (testName === undefined ? truthy(v) : ctx.callTest(String(testName), v, testArgs, kwargs));
  // Jinja checks `if seq:` first, so a falsy non-sequence selects nothing instead of failing.
  return new PyIterator('generator', () => (truthy(value) ? iterate(value).filter((item) => test(getter(item)) === keep) : []));
}

function htmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');
}

const F: Record<string, FilterFunction> = {
  abs: (v) => {
    if (typeof v === 'number') return Math.abs(v);
    if (v instanceof PyFloat) return new PyFloat(Math.abs(v.value));
    if (typeof v === 'boolean') return v ? 1 : 0;
    throw typeError(`bad operand type for abs(): '${typeName(v)}'`);
  },
  // attr() reads a Python attribute only, never a dict item: `d | attr("items")` is the method.
  attr: (v, a, k) => {
    const name = String(arg(a, k, 0, 'name'));
    const method = methodOf(v, name);
    if (method) return method;
    return isObject(v) ? (v.getAttr(name) ?? UNDEFINED) : new JUndefined(name, `'${typeName(v)} object' has no attribute '${name}'`);
  },
  batch: (v, a, k) => {
    const size = asInteger(arg(a, k, 0, 'linecount'), 'linecount');
    const fill = arg(a, k, 1, 'fill_with', null);
    return new PyIterator('generator', () => batchItems(iterate(v), size, fill));
  },
  capitalize: (v) => {
    const s = toStringValue(v);
    return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
  },
  center: (v, a, k) => {
    const s = toStringValue(v);
    const w = asInteger(arg(a, k, 0, 'width', 80), 'width');
    const total = w - s.length;
    if (total <= 0) return s;
    const left = Math.floor(total / 2) + (total & w & 1);
    return ' '.repeat(left) + s + ' '.repeat(total - left);
  },
  default: (v, a, k) => {
    const dflt = arg(a, k, 0, 'default_value', '');
    const boolean = truthy(arg(a, k, 1, 'boolean', false));
    if (v instanceof JUndefined || (boolean && !truthy(v))) return dflt;
    return v;
  },
  dictsort: (v, a, k) => {
    if (!(v instanceof Map)) throw typeError('dictsort expects a mapping');
    const caseSensitive = truthy(arg(a, k, 0, 'case_sensitive', false));
    const by = String(arg(a, k, 1, 'by', 'key'));
    const reverse = truthy(arg(a, k, 2, 'reverse', false));
    const pos = by === 'key' ? 0 : by === 'value' ? 1 : -1;
    if (pos < 0) throw valueError("You can only sort by either 'key' or 'value'");
    const items = [...v].map(([key, x]) => makeTuple([key, x]));
    const norm = ignoreCase(caseSensitive);
    return sortValues(items, (t) => norm((t as JValue[])[pos] as JValue), reverse);
  },
  escape: (v) => htmlEscape(toStringValue(v)),
  first: (v) => {
    const items = iterate(v);
    return items.length ? (items[0] as JValue) : new JUndefined('first', 'No first item, sequence was empty.');
  },
  float: (v, a, k) => {
    if (v instanceof JUndefined) throw undefinedError(v, 'it cannot be converted to a number');
    return doFloat(v, arg(a, k, 0, 'default', 0));
  },
  forceescape: (v) => htmlEscape(toStringValue(v)),
  format: (v, a, k) => {
    if (a.length && k.size) throw argumentError("can't handle positional and keyword arguments at the same time");
    return percentFormat(toStringValue(v), k.size ? new Map(k) : makeTuple(a));
  },
  groupby: (v, a, k) => {
    const getter = attributeGetter(arg(a, k, 0, 'attribute'), true, k.get('default'));
    const caseSensitive = truthy(arg(a, k, 2, 'case_sensitive', false));
    const norm = ignoreCase(caseSensitive);
    const sorted = sortValues(iterate(v), (x) => norm(getter(x)), false);
    const groups: JValue[] = [];
    let current: { key: JValue; norm: JValue; list: JValue[] } | undefined;
    for (const item of sorted) {
      const key = getter(item);
      if (!current || !pyEquals(current.norm, norm(key))) {
        current = { key, norm: norm(key), list: [] };
        groups.push(makeTuple([key, current.list]));
      }
      current.list.push(item);
    }
    return groups;
  },
  indent: (v, a, k) => doIndent(requireString(v, 'indent'), arg(a, k, 0, 'width', 4), truthy(arg(a, k, 1, 'first', false)), truthy(arg(a, k, 2, 'blank', false))),
  int: (v, a, k) => {
    if (v instanceof JUndefined) throw undefinedError(v, 'it cannot be converted to a number');
    return doInt(v, arg(a, k, 0, 'default', 0), asInteger(arg(a, k, 1, 'base', 10), 'base'));
  },
  items: (v) =>
    new PyIterator('generator', () => {
      if (v instanceof JUndefined) return [];
      if (!(v instanceof Map)) throw typeError('Can only get item pairs from a mapping.');
      return [...v].map(([key, x]) => makeTuple([key, x]));
    }),
  join: (v, a, k) => {
    const sep = toStringValue(arg(a, k, 0, 'd', ''));
    const attribute = arg(a, k, 1, 'attribute', null);
    let items = iterate(v);
    if (attribute !== null) items = items.map(attributeGetter(attribute, true));
    return items.map(toStringValue).join(sep);
  },
  last: (v) => {
    if (v instanceof PyIterator) throw typeError(`'${v.pythonType}' object is not reversible`);
    const items = iterate(v);
    return items.length ? (items[items.length - 1] as JValue) : new JUndefined('last', 'No last item, sequence was empty.');
  },
  length: (v) => length(v),
  list: (v) => iterate(v),
  lower: (v) => toStringValue(v).toLowerCase(),
  map: (v, a, k, ctx) =>
    new PyIterator('generator', () => {
      const items = truthy(v) ? iterate(v) : [];
      if (k.has('attribute')) {
        const getter = attributeGetter(k.get('attribute') as JValue, true, k.get('default'));
        return items.map(getter);
      }
      const name = a[0];
      if (name === undefined) return items;
      const rest = a.slice(1);
      return items.map((item) => ctx.callFilter(String(name), item, rest, k));
    }),
  max: (v, a, k) => minMax(v, a, k, 1),
  min: (v, a, k) => minMax(v, a, k, -1),
  pprint: (v) => reprValue(v),
  reject: (v, a, k, ctx) => selectOrReject(v, a, k, ctx, false, false),
  rejectattr: (v, a, k, ctx) => selectOrReject(v, a, k, ctx, false, true),
  replace: (v, a, k) => {
    const s = toStringValue(v);
    const count = arg(a, k, 2, 'count', null);
    return pyReplace(s, toStringValue(arg(a, k, 0, 'old')), toStringValue(arg(a, k, 1, 'new')), count === null ? -1 : asInteger(count, 'count'));
  },
  reverse: (v) => {
    if (typeof v === 'string') return Array.from(v).reverse().join('');
    // Python's reversed() gives a lazy iterator for lists and dicts; anything else becomes a reversed list.
    if (Array.isArray(v) || v instanceof Map) return new PyIterator(Array.isArray(v) ? 'list_reverseiterator' : 'dict_reversekeyiterator', () => iterate(v).reverse());
    return iterate(v).reverse();
  },
  round: (v, a, k) => {
    const n = numberValue(v);
    if (n === undefined) throw typeError(`type ${typeName(v)} doesn't define __round__ method`);
    const method = String(arg(a, k, 1, 'method', 'common'));
    const rounded = pyRound(n, asInteger(arg(a, k, 0, 'precision', 0), 'precision'), method);
    // round(int, n) stays an int in Python; ceil and floor divide, so they give floats.
    return isFloat(v) || method !== 'common' ? floatValue(rounded) : rounded;
  },
  safe: (v) => (typeof v === 'string' ? v : toStringValue(v)),
  select: (v, a, k, ctx) => selectOrReject(v, a, k, ctx, true, false),
  selectattr: (v, a, k, ctx) => selectOrReject(v, a, k, ctx, true, true),
  slice: (v, a, k) => {
    const slices = asInteger(arg(a, k, 0, 'slices'), 'slices');
    const fill = arg(a, k, 1, 'fill_with', null);
    return new PyIterator('generator', () => sliceItems(iterate(v), slices, fill));
  },
  sort: (v, a, k) => {
    const reverse = truthy(arg(a, k, 0, 'reverse', false));
    const caseSensitive = truthy(arg(a, k, 1, 'case_sensitive', false));
    const attribute = arg(a, k, 2, 'attribute', null);
    const getter = attribute === null ? ignoreCase(caseSensitive) : attributeGetter(attribute, caseSensitive);
    return sortValues(iterate(v), getter, reverse);
  },
  string: (v) => toStringValue(v),
  striptags: (v) => toStringValue(v).replace(/<!--[\s\S]*?-->|<[^>]*>/g, '').replace(/\s+/g, ' ').trim(),
  sum: (v, a, k) => {
    const attribute = arg(a, k, 0, 'attribute', null);
    let total: JValue = arg(a, k, 1, 'start', 0);
    let items = iterate(v);
    if (attribute !== null) items = items.map(attributeGetter(attribute, true));
    for (const x of items) total = binaryOp('+', total, x);
    return total;
  },
  // Jinja starts a word after whitespace, '-', and opening brackets only ("a,b" stays "A,b").
  title: (v) =>
    toStringValue(v)
      .split(/([-\s({[<]+)/u)
      .map((w) => (w ? w.charAt(0).toUpperCase() + w.slice(1).toLowerCase() : w))
      .join(''),
  tojson: (v, a, k) => {
    const indent = arg(a, k, 0, 'indent', null);
    return pyJsonDumps(v, { sortKeys: true, indent: typeof indent === 'number' || typeof indent === 'string' ? indent : null })
      .replace(/</g, '\\u003c')
      .replace(/>/g, '\\u003e')
      .replace(/&/g, '\\u0026')
      .replace(/'/g, '\\u0027');
  },
  trim: (v, a, k) => pyStrip(toStringValue(v), arg(a, k, 0, 'chars', null), true, true),
  truncate: (v, a, k) =>
    doTruncate(toStringValue(v), asInteger(arg(a, k, 0, 'length', 255), 'length'), truthy(arg(a, k, 1, 'killwords', false)), toStringValue(arg(a, k, 2, 'end', '...')), asInteger(arg(a, k, 3, 'leeway', 5), 'leeway')),
  unique: (v, a, k) => {
    const caseSensitive = truthy(arg(a, k, 0, 'case_sensitive', false));
    const attribute = arg(a, k, 1, 'attribute', null);
    const getter = attribute === null ? ignoreCase(caseSensitive) : attributeGetter(attribute, caseSensitive);
    return new PyIterator('generator', () => {
      const seen = new Set<string>();
      const out: JValue[] = [];
      for (const item of iterate(v)) {
        const key = hashKey(getter(item));
        if (!seen.has(key)) {
          seen.add(key);
          out.push(item);
        }
      }
      return out;
    });
  },
  upper: (v) => toStringValue(v).toUpperCase(),
  wordcount: (v) => (toStringValue(v).match(/\w+/gu) ?? []).length,
  // dbt's text-mode markers render their argument unchanged.
  as_bool: (v) => v,
  as_native: (v) => v,
  as_number: (v) => v,
  as_text: (v) => (v instanceof JUndefined ? '' : toStringValue(v)),
};
F.d = F.default as FilterFunction;
F.e = F.escape as FilterFunction;
F.count = F.length as FilterFunction;

function sliceItems(items: JValue[], slices: number, fill: JValue): JValue[] {
  const per = Math.floor(items.length / slices);
  const extra = items.length % slices;
  const out: JValue[] = [];
  let offset = 0;
  for (let i = 0; i < slices; i++) {
    const start = offset + i * per;
    if (i < extra) offset++;
    const end = offset + (i + 1) * per;
    const chunk = items.slice(start, end);
    if (fill !== null && i >= extra) chunk.push(fill);
    out.push(chunk);
  }
  return out;
}

function batchItems(items: JValue[], size: number, fill: JValue): JValue[] {
  if (size < 1) throw valueError('batch size must be at least 1');
  const out: JValue[] = [];
  for (let i = 0; i < items.length; i += size) {
    const chunk = items.slice(i, i + size);
    if (chunk.length < size && fill !== null) while (chunk.length < size) chunk.push(fill);
    out.push(chunk);
  }
  return out;
}

function minMax(v: JValue, a: JValue[], k: Map<string, JValue>, sign: 1 | -1): JValue {
  const caseSensitive = truthy(arg(a, k, 0, 'case_sensitive', false));
  const attribute = arg(a, k, 1, 'attribute', null);
  const getter = attribute === null ? ignoreCase(caseSensitive) : attributeGetter(attribute, caseSensitive);
  const items = iterate(v);
  if (!items.length) return new JUndefined(sign > 0 ? 'max' : 'min', `No aggregated item, sequence was empty.`);
  let best = items[0] as JValue;
  for (const item of items.slice(1)) if (pyCompare(getter(item), getter(best)) * sign > 0) best = item;
  return best;
}

export const FILTERS: ReadonlyMap<string, FilterFunction> = new Map(Object.entries(F));

// -----------------------------------------------------------------------------------------------------------------
// Tests

function compareTest(op: (c: number) => boolean, name: string): TestFunction {
  return (v, a, k) => op(pyCompare(v, arg(a, k, 0, 'other'), name));
}

const T: Record<string, TestFunction> = {
  boolean: (v) => typeof v === 'boolean',
  // Jinja's Undefined has __call__ (it raises), so Python's callable() says yes.
  callable: (v) => isCallable(v) || v instanceof JUndefined,
  defined: (v) => !(v instanceof JUndefined),
  divisibleby: (v, a, k) => {
    const x = numberValue(v);
    const n = numberValue(arg(a, k, 0, 'num'));
    if (x === undefined || n === undefined) throw typeError('divisibleby needs numbers');
    if (n === 0) throw valueError('integer division or modulo by zero');
    return x % n === 0;
  },
  eq: (v, a, k) => pyEquals(v, arg(a, k, 0, 'other')),
  escaped: () => false,
  even: (v) => {
    const n = numberValue(v);
    if (n === undefined) throw typeError(`not all arguments converted during string formatting`);
    return n % 2 === 0;
  },
  false: (v) => v === false,
  float: (v) => isFloat(v),
  ge: compareTest((c) => c >= 0, '>='),
  gt: compareTest((c) => c > 0, '>'),
  in: (v, a, k) => contains(arg(a, k, 0, 'seq'), v),
  integer: (v) => typeof v === 'number' && Number.isInteger(v),
  iterable: (v) => typeof v === 'string' || Array.isArray(v) || v instanceof Map || v instanceof JUndefined || v instanceof PyIterator,
  le: compareTest((c) => c <= 0, '<='),
  // Jinja tests str(value).islower(): it needs at least one cased character.
  lower: (v) => {
    const c = cased(renderValue(v));
    return c.lower && !c.upper;
  },
  lt: compareTest((c) => c < 0, '<'),
  mapping: (v) => v instanceof Map,
  ne: (v, a, k) => !pyEquals(v, arg(a, k, 0, 'other')),
  none: (v) => v === null,
  number: (v) => typeof v === 'number' || typeof v === 'boolean' || v instanceof PyFloat,
  odd: (v) => {
    const n = numberValue(v);
    if (n === undefined) throw typeError(`not all arguments converted during string formatting`);
    return Math.abs(n % 2) === 1;
  },
  sameas: (v, a, k) => {
    const other = arg(a, k, 0, 'other');
    return v === other || (v instanceof JUndefined && other instanceof JUndefined);
  },
  sequence: (v) => typeof v === 'string' || Array.isArray(v) || v instanceof Map || v instanceof JUndefined,
  string: (v) => typeof v === 'string',
  true: (v) => v === true,
  undefined: (v) => v instanceof JUndefined,
  upper: (v) => {
    const c = cased(renderValue(v));
    return c.upper && !c.lower;
  },
};
T.equalto = T.eq as TestFunction;
T['=='] = T.eq as TestFunction;
T['!='] = T.ne as TestFunction;
T['<'] = T.lt as TestFunction;
T['<='] = T.le as TestFunction;
T['>'] = T.gt as TestFunction;
T['>='] = T.ge as TestFunction;
T.lessthan = T.lt as TestFunction;
T.greaterthan = T.gt as TestFunction;

// Tests of the value alone reject extra arguments, as the Python functions behind them do.
for (const name of ['boolean', 'callable', 'defined', 'escaped', 'even', 'false', 'float', 'integer', 'iterable', 'lower', 'mapping', 'none', 'number', 'odd', 'sequence', 'string', 'true', 'undefined', 'upper']) {
  const test = T[name] as TestFunction;
  T[name] = (v, a, k, ctx) => {
    if (a.length || k.size) throw argumentError(`test_${name}() takes 1 positional argument but ${1 + a.length + k.size} were given`);
    return test(v, a, k, ctx);
  };
}

export const TESTS: ReadonlyMap<string, TestFunction> = new Map(Object.entries(T));

// -----------------------------------------------------------------------------------------------------------------
// Globals

/** Jinja2's namespace(): the one object whose attributes `{% set ns.x = … %}` may assign. */
export class Namespace implements JObject {
  readonly kind = 'object' as const;
  constructor(readonly attrs: JDict = new Map()) {}
  getAttr(name: string): JValue {
    return this.attrs.get(name) ?? new JUndefined(name, `'Namespace' object has no attribute '${name}'`);
  }
  setAttr(name: string, value: JValue): void {
    this.attrs.set(name, value);
  }
  render(): string {
    return `<Namespace ${reprValue(this.attrs)}>`;
  }
}

const MAX_RANGE = 100000;

function pyRange(args: JValue[]): JValue[] {
  const ints = args.map((x) => asInteger(x, 'range() argument'));
  const [start, stop, step] = ints.length === 1 ? [0, ints[0] as number, 1] : [ints[0] as number, ints[1] as number, ints[2] ?? 1];
  if (ints.length === 0 || ints.length > 3) throw argumentError(`range expected 1 to 3 arguments, got ${ints.length}`);
  if (step === 0) throw valueError('range() arg 3 must not be zero');
  const count = Math.max(0, Math.ceil((stop - start) / step));
  if (count > MAX_RANGE) throw new JinjaError(`Range too big. The sandbox blocks ranges larger than MAX_RANGE (${MAX_RANGE}).`, 'DV017');
  const out: JValue[] = [];
  for (let i = 0; i < count; i++) out.push(start + i * step);
  return out;
}

function dictFromArgs(args: JValue[], kwargs: Map<string, JValue>): JDict {
  const d: JDict = new Map();
  const source = args[0];
  if (source instanceof Map) for (const [k, v] of source) d.set(k, v);
  else if (source !== undefined && source !== null) {
    for (const pair of iterate(source)) {
      const items = iterate(pair);
      if (items.length !== 2) throw valueError('dictionary update sequence element has wrong length; 2 is required');
      d.set(dictKey(items[0] as JValue), items[1] as JValue);
    }
  }
  for (const [k, v] of kwargs) d.set(k, v);
  return d;
}

/** The globals every template sees (the host adds dbt's context: ref, source, var, run_started_at …). */
export function builtinGlobals(hooks: BuiltinHooks): Map<string, JValue> {
  const g = new Map<string, JValue>();
  g.set('range', callable('range', (a) => pyRange(a)));
  g.set('dict', callable('dict', (a, k) => dictFromArgs(a, k)));
  g.set('namespace', callable('namespace', (a, k) => new Namespace(dictFromArgs(a, k))));
  g.set(
    'zip',
    callable('zip', (a) => {
      const lists = a.map(iterate);
      const n = lists.length ? Math.min(...lists.map((l) => l.length)) : 0;
      const out: JValue[] = [];
      for (let i = 0; i < n; i++) out.push(makeTuple(lists.map((l) => l[i] as JValue)));
      return new PyIterator('zip', () => out);
    }),
  );
  g.set(
    'joiner',
    callable('joiner', (a, k) => {
      const sep = toStringValue(arg(a, k, 0, 'sep', ', '));
      let used = false;
      return callable('joiner', () => {
        if (used) return sep;
        used = true;
        return '';
      });
    }),
  );
  g.set(
    'cycler',
    callable('cycler', (items) => {
      let pos = 0;
      const obj: JObject = {
        kind: 'object',
        render: () => '<Cycler>',
        getAttr: (name) => {
          if (name === 'current') return items[pos] ?? null;
          if (name === 'next')
            return callable('next', () => {
              const v = items[pos] ?? null;
              pos = (pos + 1) % Math.max(1, items.length);
              return v;
            });
          if (name === 'reset')
            return callable('reset', () => {
              pos = 0;
              return null;
            });
          return UNDEFINED;
        },
      };
      return obj;
    }),
  );
  g.set(
    'fromyaml',
    callable('fromyaml', (a, k) => {
      const text = arg(a, k, 0, 'value');
      const dflt = arg(a, k, 1, 'default', null);
      if (text instanceof JUndefined) throw undefinedError(text, 'fromyaml() has no text to parse');
      const parsed = parseYamlLikeDbt(toStringValue(text));
      if (parsed.error) {
        hooks.warn('DV018', `fromyaml() returned none because the YAML does not parse: ${parsed.error.message}. dbt returns none here too, so lookups on the result fail.`);
        return dflt;
      }
      return parsed.value;
    }),
  );
  // dbt's toyaml, fromjson and tojson return their `default` argument (second, none if absent) when conversion fails.
  const orDefault = (name: string, convert: (a: JValue[], k: Map<string, JValue>) => JValue): void => {
    g.set(
      name,
      callable(name, (a, k) => {
        try {
          return convert(a, k);
        } catch {
          return arg(a, k, 1, 'default', null);
        }
      }),
    );
  };
  orDefault('toyaml', (a, k) => dumpYaml(arg(a, k, 0, 'value'), truthy(arg(a, k, 2, 'sort_keys', false))));
  orDefault('fromjson', (a, k) => fromJsonText(toStringValue(arg(a, k, 0, 'string'))));
  orDefault('tojson', (a, k) => pyJsonDumps(arg(a, k, 0, 'value'), { sortKeys: truthy(arg(a, k, 2, 'sort_keys', false)) }));
  g.set('local_md5', callable('local_md5', (a, k) => createHash('md5').update(toStringValue(arg(a, k, 0, 'value')), 'utf8').digest('hex')));
  return g;
}
