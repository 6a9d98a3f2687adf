// Python semantics of Jinja values as dbt's Jinja sees them: operators, equality and ordering, iteration,
// attribute and item access (with str, list and dict methods), and the two string formatting styles (% and format()).
import { JinjaError, argumentError, typeError, valueError } from './errors';
import {
  JUndefined,
  JUnknown,
  PyFloat,
  UNDEFINED,
  callable,
  floatValue,
  isCallable,
  isFloat,
  numberValue,
  isObject,
  isTuple,
  makeTuple,
  namedItem,
  pyFloat,
  renderValue,
  reprValue,
  truthy,
  type JDict,
  type JObject,
  type JValue,
} from './values';

/**
 * A Python iterator, which is what Jinja's select, reject, map, unique, batch, items and reverse filters return:
 * always truthy, without a length, and used up by the first loop over it. Its items are computed on first use.
 */
export class PyIterator implements JObject {
  readonly kind = 'object' as const;
  private consumed = false;
  constructor(
    /** Python's type name: 'generator', 'list_reverseiterator', 'zip'. */
    readonly pythonType: string,
    private readonly produce: () => JValue[],
  ) {}
  /** The remaining items; afterwards the iterator is exhausted. */
  take(): JValue[] {
    if (this.consumed) return [];
    this.consumed = true;
    return this.produce();
  }
  getAttr(name: string): JValue {
    return new JUndefined(name, `'${this.pythonType}' object has no attribute '${name}'`);
  }
  render(): string {
    return this.pythonType === 'generator' ? '<generator object>' : `<${this.pythonType} object>`;
  }
}

/** Python's type name of a value, for error messages. */
export function typeName(v: JValue): string {
  if (v instanceof PyIterator) return v.pythonType;
  if (v === null) return 'NoneType';
  if (v instanceof JUndefined) return 'Undefined';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (v instanceof PyFloat) return 'float';
  if (typeof v === 'string') return 'str';
  if (isTuple(v)) return 'tuple';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Map) return 'dict';
  if (isCallable(v)) return 'function';
  return 'object';
}

/** The error for using an undefined value, naming what was undefined. */
export function undefinedError(u: JUndefined, action?: string): JinjaError {
  const what = u.hint ?? (u.name ? `'${u.name}' is undefined` : 'the value is undefined');
  return new JinjaError(action ? `${what}, so ${action}` : what, 'DV011');
}

/** Dict keys are strings here; other keys take Python's str() of themselves. */
export function dictKey(v: JValue): string {
  return typeof v === 'string' ? v : renderValue(v);
}

/** The items a for loop or list() sees. */
export function iterate(v: JValue): JValue[] {
  if (Array.isArray(v)) return v.slice();
  if (v instanceof JUnknown) return [];
  if (typeof v === 'string') return Array.from(v);
  if (v instanceof Map) return [...v.keys()];
  if (v instanceof JUndefined) return [];
  if (v instanceof PyIterator) return v.take();
  if (isObject(v)) {
    const items = v.getAttr('__iter__');
    if (Array.isArray(items)) return items.slice();
  }
  throw typeError(`'${typeName(v)}' object is not iterable`);
}

export function length(v: JValue): number {
  if (typeof v === 'string') return Array.from(v).length;
  if (Array.isArray(v)) return v.length;
  if (v instanceof Map) return v.size;
  if (v instanceof JUndefined || v instanceof JUnknown) return 0;
  throw typeError(`object of type '${typeName(v)}' has no len()`);
}

const asNumber = numberValue;

export function pyEquals(a: JValue, b: JValue): boolean {
  if (a === b) return true;
  const na = asNumber(a);
  const nb = asNumber(b);
  if (na !== undefined && nb !== undefined) return na === nb;
  if (a instanceof JUndefined || b instanceof JUndefined) return a instanceof JUndefined && b instanceof JUndefined;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (isTuple(a) !== isTuple(b) || a.length !== b.length) return false;
    return a.every((x, i) => pyEquals(x, b[i] as JValue));
  }
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, x] of a) {
      if (!b.has(k) || !pyEquals(x, b.get(k) as JValue)) return false;
    }
    return true;
  }
  if (isObject(a) && a.equals) return a.equals(b);
  if (isObject(b) && b.equals) return b.equals(a);
  return false;
}

/** Python ordering; throws a type error where Python would. */
export function pyCompare(a: JValue, b: JValue, op = '<'): number {
  // An unknown value compares without error; which way is as unknown as the value itself.
  if (a instanceof JUnknown || b instanceof JUnknown) return 0;
  if (a instanceof JUndefined) throw undefinedError(a, `it cannot be compared with '${op}'`);
  if (b instanceof JUndefined) throw undefinedError(b, `it cannot be compared with '${op}'`);
  const na = asNumber(a);
  const nb = asNumber(b);
  if (na !== undefined && nb !== undefined) return na < nb ? -1 : na > nb ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b) && isTuple(a) === isTuple(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const x = a[i] as JValue;
      const y = b[i] as JValue;
      if (!pyEquals(x, y)) return pyCompare(x, y, op);
    }
    return a.length - b.length;
  }
  if (isObject(a) && a.compare) {
    const c = a.compare(b);
    if (c !== undefined) return c;
  }
  throw typeError(`'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

/** `item in container`. */
export function contains(container: JValue, item: JValue): boolean {
  if (container instanceof JUnknown || item instanceof JUnknown) return false;
  if (typeof container === 'string') {
    if (typeof item !== 'string') {
      if (item instanceof JUndefined) throw undefinedError(item, "it cannot be tested with 'in'");
      throw typeError(`'in <string>' requires string as left operand, not ${typeName(item)}`);
    }
    return container.includes(item);
  }
  if (Array.isArray(container)) return container.some((x) => pyEquals(x, item));
  if (container instanceof Map) return container.has(dictKey(item));
  if (container instanceof JUndefined) return false;
  throw typeError(`argument of type '${typeName(container)}' is not iterable`);
}

function checkDefined(v: JValue, op: string): void {
  if (v instanceof JUndefined) throw undefinedError(v, `it cannot be used with '${op}'`);
}

function unsupported(op: string, a: JValue, b: JValue): JinjaError {
  return typeError(`unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
}

export function binaryOp(op: string, a: JValue, b: JValue): JValue {
  if (op === '~') return renderValue(a) + renderValue(b);
  if (a instanceof JUnknown) return a;
  if (b instanceof JUnknown) return b;
  checkDefined(a, op);
  checkDefined(b, op);
  const na = asNumber(a);
  const nb = asNumber(b);
  const numeric = na !== undefined && nb !== undefined;
  // Python: an operation with a float operand gives a float; true division always does.
  const floats = isFloat(a) || isFloat(b);
  const num = (n: number): JValue => (floats ? floatValue(n) : n);
  switch (op) {
    case '+':
      if (numeric) return num(na + nb);
      if (typeof a === 'string' && typeof b === 'string') return a + b;
      if (Array.isArray(a) && Array.isArray(b) && isTuple(a) === isTuple(b)) return isTuple(a) ? makeTuple([...a, ...b]) : [...a, ...b];
      if (typeof a === 'string') throw typeError(`can only concatenate str (not "${typeName(b)}") to str`);
      if (Array.isArray(a) && !isTuple(a)) throw typeError(`can only concatenate list (not "${typeName(b)}") to list`);
      throw unsupported('+', a, b);
    case '-':
      if (numeric) return num(na - nb);
      throw unsupported('-', a, b);
    case '*':
      if (numeric) return num(na * nb);
      // Repeating a sequence takes an int (a bool counts), never a float.
      if (typeof a === 'string' && nb !== undefined && !isFloat(b)) return a.repeat(Math.max(0, nb));
      if (typeof b === 'string' && na !== undefined && !isFloat(a)) return b.repeat(Math.max(0, na));
      if (Array.isArray(a) && nb !== undefined && !isFloat(b)) return repeatList(a, nb);
      if (Array.isArray(b) && na !== undefined && !isFloat(a)) return repeatList(b, na);
      throw typeError(`can't multiply sequence by non-int of type '${typeName(typeof a === 'string' || Array.isArray(a) ? b : a)}'`);
    case '/':
      if (numeric) {
        if (nb === 0) throw valueError('division by zero');
        return floatValue(na / nb);
      }
      throw unsupported('/', a, b);
    case '//':
      if (numeric) {
        if (nb === 0) throw valueError('integer division or modulo by zero');
        return num(Math.floor(na / nb));
      }
      throw unsupported('//', a, b);
    case '%':
      if (typeof a === 'string') return percentFormat(a, b);
      if (numeric) {
        if (nb === 0) throw valueError('integer division or modulo by zero');
        return num(na - nb * Math.floor(na / nb));
      }
      throw unsupported('%', a, b);
    case '**':
      // A negative int exponent gives a float too.
      if (numeric) return floats || nb < 0 ? floatValue(na ** nb) : na ** nb;
      throw unsupported('** or pow()', a, b);
    default:
      throw typeError(`unknown operator '${op}'`);
  }
}

function repeatList(list: JValue[], n: number): JValue[] {
  const out: JValue[] = [];
  for (let i = 0; i < n; i++) out.push(...list);
  return isTuple(list) ? makeTuple(out) : out;
}

// -----------------------------------------------------------------------------------------------------------------
// Attribute and item access

/** `obj.name` as Jinja's getattr does it: the Python attribute (a method) first, then the item. */
export function getAttribute(obj: JValue, name: string): JValue {
  if (obj instanceof JUndefined) throw undefinedError(obj, `its attribute '${name}' cannot be read`);
  const method = methodOf(obj, name);
  if (method) return method;
  if (obj instanceof Map) {
    const v = obj.get(name);
    if (v !== undefined) return v;
  } else if (isObject(obj)) {
    const v = obj.getAttr(name);
    if (v !== undefined) return v;
  } else if (isCallable(obj) && (obj as { getAttr?: unknown }).getAttr) {
    // A callable with attributes, as dbt's `config` is (`config(...)` and `config.get(...)`).
    const v = (obj as unknown as JObject).getAttr(name);
    if (v !== undefined) return v;
  } else {
    // Jinja's getattr falls back to the item: `row.id` on an agate row.
    const v = namedItem(obj, name);
    if (v !== undefined) return v;
  }
  return missingAttribute(obj, name);
}

/** `obj[key]` as Jinja's getitem does it: the item first, then (for string keys) the attribute. */
export function getItem(obj: JValue, key: JValue): JValue {
  if (obj instanceof JUndefined) throw undefinedError(obj, `the item [${reprValue(key)}] cannot be read`);
  if (obj instanceof JUnknown) return obj;
  if (key instanceof JUndefined) throw undefinedError(key, 'it cannot be used as a key');
  if (key instanceof JUnknown) return key;
  if (obj instanceof Map) {
    const v = obj.get(dictKey(key));
    if (v !== undefined) return v;
  } else if (typeof obj === 'string' || Array.isArray(obj)) {
    const n = asNumber(key);
    if (n !== undefined && Number.isInteger(n)) {
      const items = typeof obj === 'string' ? Array.from(obj) : obj;
      const i = n < 0 ? items.length + n : n;
      if (i >= 0 && i < items.length) return items[i] as JValue;
      return new JUndefined(String(n), `${typeName(obj)} index ${n} out of range`);
    }
    if (typeof key === 'string') {
      const v = namedItem(obj, key);
      if (v !== undefined) return v;
    }
  } else if (isObject(obj) && typeof key === 'string') {
    const v = obj.getAttr(key);
    if (v !== undefined) return v;
  }
  if (typeof key === 'string') {
    const method = methodOf(obj, key);
    if (method) return method;
  }
  return missingAttribute(obj, typeof key === 'string' ? key : renderValue(key));
}

function missingAttribute(obj: JValue, name: string): JUndefined {
  const owner = obj === null ? "'None'" : isObject(obj) ? `'${obj.render()}'` : `'${typeName(obj)} object'`;
  return new JUndefined(name, `${owner} has no attribute '${name}'`);
}

/** Python slicing of a str, list or tuple. */
export function sliceValue(obj: JValue, start: JValue, stop: JValue, step: JValue): JValue {
  if (obj instanceof JUndefined) throw undefinedError(obj, 'it cannot be sliced');
  if (obj instanceof JUnknown) return obj;
  // Jinja compiles a slice to a plain Python subscript, so slicing anything else is an error.
  if (obj instanceof Map) throw typeError("unhashable type: 'slice'");
  if (typeof obj !== 'string' && !Array.isArray(obj)) throw typeError(`'${typeName(obj)}' object is not subscriptable`);
  const items: JValue[] = typeof obj === 'string' ? Array.from(obj) : obj;
  const toInt = (v: JValue, what: string): number | undefined => {
    if (v === null || v instanceof JUndefined) return undefined;
    const n = asNumber(v);
    if (n === undefined || !Number.isInteger(n)) throw typeError(`slice ${what} must be an integer or None`);
    return n;
  };
  const st = toInt(step, 'step') ?? 1;
  if (st === 0) throw valueError('slice step cannot be zero');
  const len = items.length;
  const clamp = (v: number | undefined, dflt: number, lo: number, hi: number): number => {
    if (v === undefined) return dflt;
    const x = v < 0 ? v + len : v;
    return Math.min(Math.max(x, lo), hi);
  };
  const out: JValue[] = [];
  if (st > 0) {
    const b = clamp(toInt(start, 'indices'), 0, 0, len);
    const e = clamp(toInt(stop, 'indices'), len, 0, len);
    for (let i = b; i < e; i += st) out.push(items[i] as JValue);
  } else {
    const b = clamp(toInt(start, 'indices'), len - 1, -1, len - 1);
    const e = clamp(toInt(stop, 'indices'), -1, -1, len - 1);
    for (let i = b; i > e; i += st) out.push(items[i] as JValue);
  }
  if (typeof obj === 'string') return out.join('');
  return isTuple(obj) ? makeTuple(out) : out;
}

// -----------------------------------------------------------------------------------------------------------------
// Methods of str, list and dict

/** Positional-or-keyword argument lookup for built-in methods. */
export function arg(args: JValue[], kwargs: Map<string, JValue>, index: number, name: string, fallback?: JValue): JValue {
  if (index < args.length) return args[index] as JValue;
  const k = kwargs.get(name);
  if (k !== undefined) return k;
  if (fallback === undefined) throw argumentError(`missing required argument '${name}'`);
  return fallback;
}

function str(v: JValue, what: string): string {
  if (typeof v !== 'string') throw typeError(`${what} must be str, not ${typeName(v)}`);
  return v;
}

function optionalInt(v: JValue, what: string): number | undefined {
  if (v === null) return undefined;
  const n = asNumber(v);
  if (n === undefined || !Number.isInteger(n)) throw typeError(`${what} must be an integer`);
  return n;
}

const PY_WHITESPACE = ' \t\n\r\v\f\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';

export function pyStrip(s: string, chars: JValue, left: boolean, right: boolean): string {
  const set = chars === null || chars === undefined ? PY_WHITESPACE : str(chars, 'strip arg');
  let b = 0;
  let e = s.length;
  if (left) while (b < e && set.includes(s[b] as string)) b++;
  if (right) while (e > b && set.includes(s[e - 1] as string)) e--;
  return s.slice(b, e);
}

export function pySplit(s: string, sep: JValue, maxsplit: number): string[] {
  if (sep === null) {
    const out: string[] = [];
    let rest = pyStrip(s, null, true, false);
    while (rest.length) {
      if (maxsplit >= 0 && out.length >= maxsplit) {
        out.push(pyStrip(rest, null, false, true));
        break;
      }
      let i = 0;
      while (i < rest.length && !PY_WHITESPACE.includes(rest[i] as string)) i++;
      out.push(rest.slice(0, i));
      rest = pyStrip(rest.slice(i), null, true, false);
    }
    return out;
  }
  const separator = str(sep, 'separator');
  if (separator === '') throw valueError('empty separator');
  const parts = s.split(separator);
  if (maxsplit < 0 || parts.length <= maxsplit + 1) return parts;
  return [...parts.slice(0, maxsplit), parts.slice(maxsplit).join(separator)];
}

function pyTitle(s: string): string {
  return s.replace(/[\p{L}\p{M}]+/gu, (w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase());
}

export function cased(s: string): { upper: boolean; lower: boolean } {
  let upper = false;
  let lower = false;
  for (const ch of s) {
    if (ch.toLowerCase() !== ch) upper = true;
    else if (ch.toUpperCase() !== ch) lower = true;
  }
  return { upper, lower };
}

function prefixMatches(s: string, prefix: JValue, test: (s: string, p: string) => boolean): boolean {
  if (Array.isArray(prefix)) return prefix.some((p) => test(s, str(p, 'tuple item')));
  return test(s, str(prefix, 'startswith/endswith first arg'));
}

function findIndex(s: string, sub: JValue, reverse: boolean): number {
  const needle = str(sub, 'substring');
  return reverse ? s.lastIndexOf(needle) : s.indexOf(needle);
}

function pad(s: string, width: JValue, fill: JValue, where: 'left' | 'right' | 'center'): string {
  const w = optionalInt(width, 'width') ?? 0;
  const f = fill === null ? ' ' : str(fill, 'fill character');
  const len = Array.from(s).length;
  if (len >= w) return s;
  const total = w - len;
  if (where === 'left') return f.repeat(total) + s;
  if (where === 'right') return s + f.repeat(total);
  // Python's center puts the extra character on the right when the string length is odd… and on the left otherwise.
  const left = Math.floor(total / 2) + (total & w & 1);
  return f.repeat(left) + s + f.repeat(total - left);
}

const STR_METHODS: Record<string, (s: string, args: JValue[], kw: Map<string, JValue>) => JValue> = {
  upper: (s) => s.toUpperCase(),
  lower: (s) => s.toLowerCase(),
  casefold: (s) => s.toLowerCase(),
  swapcase: (s) => Array.from(s, (c) => (c.toUpperCase() === c ? c.toLowerCase() : c.toUpperCase())).join(''),
  title: (s) => pyTitle(s),
  capitalize: (s) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(),
  strip: (s, a, k) => pyStrip(s, arg(a, k, 0, 'chars', null), true, true),
  lstrip: (s, a, k) => pyStrip(s, arg(a, k, 0, 'chars', null), true, false),
  rstrip: (s, a, k) => pyStrip(s, arg(a, k, 0, 'chars', null), false, true),
  split: (s, a, k) => pySplit(s, arg(a, k, 0, 'sep', null), optionalInt(arg(a, k, 1, 'maxsplit', -1), 'maxsplit') ?? -1),
  rsplit: (s, a, k) => {
    const sep = arg(a, k, 0, 'sep', null);
    const max = optionalInt(arg(a, k, 1, 'maxsplit', -1), 'maxsplit') ?? -1;
    if (max < 0) return pySplit(s, sep, -1);
    const reversed = pySplit(Array.from(s).reverse().join(''), sep === null ? null : Array.from(str(sep, 'sep')).reverse().join(''), max);
    return reversed.map((p) => Array.from(p).reverse().join('')).reverse();
  },
  splitlines: (s, a, k) => {
    const keep = truthy(arg(a, k, 0, 'keepends', false));
    const out: string[] = [];
    const re = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/g;
    let last = 0;
    for (let m = re.exec(s); m; m = re.exec(s)) {
      out.push(s.slice(last, keep ? m.index + m[0].length : m.index));
      last = m.index + m[0].length;
    }
    if (last < s.length) out.push(s.slice(last));
    return out;
  },
  replace: (s, a, k) => {
    const old = str(arg(a, k, 0, 'old'), 'replace() argument 1');
    const rep = str(arg(a, k, 1, 'new'), 'replace() argument 2');
    const count = optionalInt(arg(a, k, 2, 'count', -1), 'count') ?? -1;
    return pyReplace(s, old, rep, count);
  },
  startswith: (s, a, k) => prefixMatches(s.slice(optionalInt(arg(a, k, 1, 'start', null), 'start') ?? 0), arg(a, k, 0, 'prefix'), (x, p) => x.startsWith(p)),
  endswith: (s, a, k) => prefixMatches(s, arg(a, k, 0, 'suffix'), (x, p) => x.endsWith(p)),
  find: (s, a, k) => findIndex(s, arg(a, k, 0, 'sub'), false),
  rfind: (s, a, k) => findIndex(s, arg(a, k, 0, 'sub'), true),
  index: (s, a, k) => {
    const i = findIndex(s, arg(a, k, 0, 'sub'), false);
    if (i < 0) throw valueError('substring not found');
    return i;
  },
  rindex: (s, a, k) => {
    const i = findIndex(s, arg(a, k, 0, 'sub'), true);
    if (i < 0) throw valueError('substring not found');
    return i;
  },
  count: (s, a, k) => {
    const sub = str(arg(a, k, 0, 'sub'), 'substring');
    if (sub === '') return Array.from(s).length + 1;
    return s.split(sub).length - 1;
  },
  join: (s, a, k) => iterate(arg(a, k, 0, 'iterable')).map((x) => {
    if (typeof x !== 'string') throw typeError(`sequence item: expected str instance, ${typeName(x)} found`);
    return x;
  }).join(s),
  format: (s, a, k) => strFormat(s, a, k),
  isdigit: (s) => s.length > 0 && /^\p{Nd}+$/u.test(s),
  isdecimal: (s) => s.length > 0 && /^\p{Nd}+$/u.test(s),
  isnumeric: (s) => s.length > 0 && /^\p{N}+$/u.test(s),
  isalpha: (s) => s.length > 0 && /^\p{L}+$/u.test(s),
  isalnum: (s) => s.length > 0 && /^[\p{L}\p{N}]+$/u.test(s),
  isspace: (s) => s.length > 0 && Array.from(s).every((c) => PY_WHITESPACE.includes(c)),
  isupper: (s) => {
    const c = cased(s);
    return c.upper && !c.lower;
  },
  islower: (s) => {
    const c = cased(s);
    return c.lower && !c.upper;
  },
  isidentifier: (s) => /^[\p{L}_][\p{L}\p{N}_]*$/u.test(s),
  zfill: (s, a, k) => {
    const w = optionalInt(arg(a, k, 0, 'width'), 'width') ?? 0;
    const sign = s.startsWith('-') || s.startsWith('+') ? (s[0] as string) : '';
    const body = s.slice(sign.length);
    return sign + body.padStart(Math.max(0, w - sign.length), '0');
  },
  ljust: (s, a, k) => pad(s, arg(a, k, 0, 'width'), arg(a, k, 1, 'fillchar', ' '), 'right'),
  rjust: (s, a, k) => pad(s, arg(a, k, 0, 'width'), arg(a, k, 1, 'fillchar', ' '), 'left'),
  center: (s, a, k) => pad(s, arg(a, k, 0, 'width'), arg(a, k, 1, 'fillchar', ' '), 'center'),
  partition: (s, a, k) => {
    const sep = str(arg(a, k, 0, 'sep'), 'separator');
    const i = s.indexOf(sep);
    return makeTuple(i < 0 ? [s, '', ''] : [s.slice(0, i), sep, s.slice(i + sep.length)]);
  },
  rpartition: (s, a, k) => {
    const sep = str(arg(a, k, 0, 'sep'), 'separator');
    const i = s.lastIndexOf(sep);
    return makeTuple(i < 0 ? ['', '', s] : [s.slice(0, i), sep, s.slice(i + sep.length)]);
  },
  removeprefix: (s, a, k) => {
    const p = str(arg(a, k, 0, 'prefix'), 'prefix');
    return p && s.startsWith(p) ? s.slice(p.length) : s;
  },
  removesuffix: (s, a, k) => {
    const p = str(arg(a, k, 0, 'suffix'), 'suffix');
    return p && s.endsWith(p) ? s.slice(0, s.length - p.length) : s;
  },
};

export function pyReplace(s: string, old: string, rep: string, count: number): string {
  if (count < 0) {
    if (old === '') return rep + Array.from(s).join(rep) + rep;
    return s.split(old).join(rep);
  }
  let out = '';
  let rest = s;
  for (let n = 0; n < count; n++) {
    const i = old === '' ? (n === 0 ? 0 : 1) : rest.indexOf(old);
    if (i < 0 || (old === '' && n > 0 && rest.length === 0)) break;
    out += rest.slice(0, i) + rep;
    rest = rest.slice(i + old.length);
  }
  return out + rest;
}

const LIST_METHODS: Record<string, (list: JValue[], args: JValue[], kw: Map<string, JValue>) => JValue> = {
  append: (l, a, k) => {
    l.push(arg(a, k, 0, 'object'));
    return null;
  },
  extend: (l, a, k) => {
    l.push(...iterate(arg(a, k, 0, 'iterable')));
    return null;
  },
  insert: (l, a, k) => {
    let i = optionalInt(arg(a, k, 0, 'index'), 'index') ?? 0;
    if (i < 0) i = Math.max(0, l.length + i);
    l.splice(Math.min(i, l.length), 0, arg(a, k, 1, 'object'));
    return null;
  },
  pop: (l, a, k) => {
    if (!l.length) throw valueError('pop from empty list');
    let i = optionalInt(arg(a, k, 0, 'index', -1), 'index') ?? -1;
    if (i < 0) i += l.length;
    if (i < 0 || i >= l.length) throw valueError('pop index out of range');
    return l.splice(i, 1)[0] as JValue;
  },
  remove: (l, a, k) => {
    const x = arg(a, k, 0, 'value');
    const i = l.findIndex((y) => pyEquals(x, y));
    if (i < 0) throw valueError(`list.remove(x): x not in list`);
    l.splice(i, 1);
    return null;
  },
  index: (l, a, k) => {
    const x = arg(a, k, 0, 'value');
    const i = l.findIndex((y) => pyEquals(x, y));
    if (i < 0) throw valueError(`${reprValue(x)} is not in list`);
    return i;
  },
  count: (l, a, k) => {
    const x = arg(a, k, 0, 'value');
    return l.filter((y) => pyEquals(x, y)).length;
  },
  reverse: (l) => {
    l.reverse();
    return null;
  },
  sort: (l, a, k) => {
    // list.sort takes reverse only by keyword; `key=` (a function) has no Jinja equivalent.
    const reverse = truthy(k.get('reverse') ?? false);
    const sorted = l.slice().sort((x, y) => (reverse ? pyCompare(y, x) : pyCompare(x, y)));
    l.splice(0, l.length, ...sorted);
    return null;
  },
  copy: (l) => l.slice(),
  clear: (l) => {
    l.length = 0;
    return null;
  },
};

const TUPLE_METHODS = new Set(['index', 'count']);

const DICT_METHODS: Record<string, (d: JDict, args: JValue[], kw: Map<string, JValue>) => JValue> = {
  get: (d, a, k) => {
    const v = d.get(dictKey(arg(a, k, 0, 'key')));
    return v === undefined ? arg(a, k, 1, 'default', null) : v;
  },
  items: (d) => [...d].map(([key, v]) => makeTuple([key, v])),
  keys: (d) => [...d.keys()],
  values: (d) => [...d.values()],
  update: (d, a, k) => {
    const other = a[0];
    if (other instanceof Map) for (const [key, v] of other) d.set(key, v);
    else if (Array.isArray(other)) {
      for (const pair of other) {
        const items = iterate(pair);
        if (items.length !== 2) throw valueError('dictionary update sequence element has wrong length; 2 is required');
        d.set(dictKey(items[0] as JValue), items[1] as JValue);
      }
    } else if (other !== undefined && other !== null) throw typeError(`'${typeName(other)}' object is not iterable`);
    for (const [key, v] of k) d.set(key, v);
    return null;
  },
  pop: (d, a, k) => {
    const key = dictKey(arg(a, k, 0, 'key'));
    const v = d.get(key);
    if (v !== undefined) {
      d.delete(key);
      return v;
    }
    if (a.length > 1) return a[1] as JValue;
    throw valueError(`KeyError: ${reprValue(key)}`);
  },
  setdefault: (d, a, k) => {
    const key = dictKey(arg(a, k, 0, 'key'));
    const v = d.get(key);
    if (v !== undefined) return v;
    const dflt = arg(a, k, 1, 'default', null);
    d.set(key, dflt);
    return dflt;
  },
  copy: (d) => new Map(d),
  clear: (d) => {
    d.clear();
    return null;
  },
};

/** A bound method of a str, list, tuple or dict, or undefined when the type has no such method. */
export function methodOf(obj: JValue, name: string): JValue | undefined {
  if (typeof obj === 'string') {
    const m = STR_METHODS[name];
    return m && Object.hasOwn(STR_METHODS, name) ? callable(`str.${name}`, (a, k) => m(obj, a, k)) : undefined;
  }
  if (Array.isArray(obj)) {
    if (isTuple(obj) && !TUPLE_METHODS.has(name)) return undefined;
    const m = LIST_METHODS[name];
    return m && Object.hasOwn(LIST_METHODS, name) ? callable(`list.${name}`, (a, k) => m(obj, a, k)) : undefined;
  }
  if (obj instanceof Map) {
    const m = DICT_METHODS[name];
    return m && Object.hasOwn(DICT_METHODS, name) ? callable(`dict.${name}`, (a, k) => m(obj, a, k)) : undefined;
  }
  return undefined;
}

// -----------------------------------------------------------------------------------------------------------------
// String formatting

interface Spec {
  fill: string;
  align: string;
  sign: string;
  alt: boolean;
  zero: boolean;
  width: number;
  grouping: string;
  precision: number | undefined;
  type: string;
}

function formatNumber(n: number, spec: Spec, float = false): string {
  const t = spec.type;
  const abs = Math.abs(n);
  let body: string;
  const prec = spec.precision;
  switch (t) {
    case 'd':
    case 'i':
    case 'u':
      body = renderValue(Math.trunc(abs));
      break;
    case 'f':
    case 'F':
      body = abs.toFixed(prec ?? 6);
      break;
    case 'e':
    case 'E': {
      const [m, e] = abs.toExponential(prec ?? 6).split('e') as [string, string];
      const exp = Number(e);
      body = `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
      if (t === 'E') body = body.toUpperCase();
      break;
    }
    case 'g':
    case 'G':
    case '': {
      if (t === '' && prec === undefined) {
        body = float ? pyFloat(abs) : renderValue(abs);
        break;
      }
      const p = prec === undefined ? 6 : prec === 0 ? 1 : prec;
      const exp = abs === 0 ? 0 : Math.floor(Math.log10(abs));
      if (exp < -4 || exp >= p) {
        const [m, e] = abs.toExponential(p - 1).split('e') as [string, string];
        const ee = Number(e);
        const mm = spec.alt ? m : m.replace(/\.?0+$/, '');
        body = `${mm}e${ee < 0 ? '-' : '+'}${String(Math.abs(ee)).padStart(2, '0')}`;
      } else {
        body = abs.toFixed(Math.max(0, p - 1 - exp));
        if (!spec.alt && body.includes('.')) body = body.replace(/\.?0+$/, '');
      }
      if (t === 'G') body = body.toUpperCase();
      break;
    }
    case 'x':
    case 'X':
    case 'o':
    case 'b': {
      // Hexadecimal, octal and binary; '#' adds the prefix, in upper case with the digits for 'X', as Python does.
      const radix = t === 'b' ? 2 : t === 'o' ? 8 : 16;
      body = (spec.alt ? `0${t}` : '') + Math.trunc(abs).toString(radix);
      if (t === 'X') body = body.toUpperCase();
      break;
    }
    case '%':
      body = (abs * 100).toFixed(prec ?? 6) + '%';
      break;
    default:
      throw valueError(`Unknown format code '${t}' for a number`);
  }
  if (spec.grouping) {
    const [i, f] = body.split('.') as [string, string | undefined];
    body = i.replace(/\B(?=(\d{3})+(?!\d))/g, spec.grouping) + (f !== undefined ? '.' + f : '');
  }
  const sign = n < 0 || Object.is(n, -0) ? '-' : spec.sign === '+' ? '+' : spec.sign === ' ' ? ' ' : '';
  if (spec.zero && spec.align === '') return sign + body.padStart(Math.max(0, spec.width - sign.length), '0');
  return align(sign + body, spec, '>');
}

function align(s: string, spec: Spec, defaultAlign: string): string {
  const len = Array.from(s).length;
  if (len >= spec.width) return s;
  const fill = spec.fill === '\0' ? ' ' : spec.fill;
  const total = spec.width - len;
  const a = spec.align || defaultAlign;
  if (a === '<') return s + fill.repeat(total);
  if (a === '>') return fill.repeat(total) + s;
  if (a === '^') return fill.repeat(Math.floor(total / 2)) + s + fill.repeat(total - Math.floor(total / 2));
  // '=': padding after the sign.
  const signLen = /^[+\- ]/.test(s) ? 1 : 0;
  return s.slice(0, signLen) + fill.repeat(total) + s.slice(signLen);
}

function parseFormatSpec(text: string): Spec {
  const m = /^(?:(.)?([<>=^]))?([+\- ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/su.exec(text);
  if (!m) throw valueError(`Invalid format specifier '${text}'`);
  return {
    fill: m[1] ?? (m[5] && !m[2] ? '0' : '\0'),
    align: m[2] ?? (m[5] ? '=' : ''),
    sign: m[3] ?? '',
    alt: !!m[4],
    zero: false,
    width: m[6] ? Number(m[6]) : 0,
    grouping: m[7] ?? '',
    precision: m[8] !== undefined ? Number(m[8]) : undefined,
    type: m[9] ?? '',
  };
}

/** Python's format(value, spec). */
export function formatWithSpec(value: JValue, specText: string): string {
  if (value instanceof JUndefined) return '';
  if (!specText) return renderValue(value);
  const spec = parseFormatSpec(specText);
  const n = numberValue(value);
  if (n !== undefined && !(typeof value === 'boolean' && spec.type === '')) {
    if (spec.type === 'd' && isFloat(value)) throw valueError("Unknown format code 'd' for object of type 'float'");
    return formatNumber(n, spec, isFloat(value));
  }
  if (isObject(value)) {
    const f = value.getAttr('__format__');
    if (isCallable(f)) return renderValue(f.call([specText], new Map()));
  }
  if (spec.type && spec.type !== 's') throw valueError(`Unknown format code '${spec.type}' for object of type '${typeName(value)}'`);
  let s = renderValue(value);
  if (spec.precision !== undefined) s = Array.from(s).slice(0, spec.precision).join('');
  return align(s, spec, '<');
}

/** Python's str.format(): positional `{}`/`{0}`, named `{name}`, `.attr` and `[key]` lookups, `!r`/`!s`, and format specs. */
export function strFormat(fmt: string, args: JValue[], kwargs: Map<string, JValue>): string {
  let out = '';
  let auto = 0;
  let i = 0;
  while (i < fmt.length) {
    const c = fmt[i] as string;
    if (c === '{' && fmt[i + 1] === '{') {
      out += '{';
      i += 2;
      continue;
    }
    if (c === '}' && fmt[i + 1] === '}') {
      out += '}';
      i += 2;
      continue;
    }
    if (c === '}') throw valueError("Single '}' encountered in format string");
    if (c !== '{') {
      out += c;
      i++;
      continue;
    }
    let depth = 1;
    let j = i + 1;
    while (j < fmt.length && depth > 0) {
      if (fmt[j] === '{') depth++;
      else if (fmt[j] === '}') depth--;
      if (depth > 0) j++;
    }
    if (depth > 0) throw valueError("Single '{' encountered in format string");
    const field = fmt.slice(i + 1, j);
    i = j + 1;
    const m = /^([^.[!:]*)((?:\.[^.[!:]+|\[[^\]]*\])*)(?:!([rsa]))?(?::(.*))?$/s.exec(field);
    if (!m) throw valueError(`Invalid format field '{${field}}'`);
    const [, head = '', path = '', conversion, specRaw = ''] = m;
    let value: JValue;
    if (head === '') {
      value = args[auto] ?? UNDEFINED;
      if (auto >= args.length) throw valueError(`Replacement index ${auto} out of range for positional args tuple`);
      auto++;
    } else if (/^\d+$/.test(head)) {
      const n = Number(head);
      if (n >= args.length) throw valueError(`Replacement index ${n} out of range for positional args tuple`);
      value = args[n] as JValue;
    } else {
      const v = kwargs.get(head);
      if (v === undefined) throw valueError(`KeyError: '${head}'`);
      value = v;
    }
    for (const part of path.match(/\.[^.[]+|\[[^\]]*\]/g) ?? []) {
      if (part.startsWith('.')) value = getAttribute(value, part.slice(1));
      else {
        const key = part.slice(1, -1);
        value = getItem(value, /^\d+$/.test(key) ? Number(key) : key);
      }
    }
    if (conversion === 'r' || conversion === 'a') value = reprValue(value);
    else if (conversion === 's') value = renderValue(value);
    const spec = specRaw.replace(/\{([^}]*)\}/g, (_, name: string) => renderValue(name === '' ? (args[auto++] ?? null) : /^\d+$/.test(name) ? (args[Number(name)] ?? null) : (kwargs.get(name) ?? null)));
    out += formatWithSpec(value, spec);
  }
  return out;
}

/** Python's printf-style `fmt % values`. */
export function percentFormat(fmt: string, values: JValue): string {
  const positional: JValue[] = isTuple(values) ? values : [values];
  const mapping = values instanceof Map ? values : undefined;
  let next = 0;
  let usedMapping = false;
  const re = /%(?:\(([^)]*)\))?([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([diouxXeEfFgGcrsa%])/g;
  let out = '';
  let last = 0;
  for (let m = re.exec(fmt); m; m = re.exec(fmt)) {
    out += fmt.slice(last, m.index);
    last = m.index + m[0].length;
    const [, key, flags = '', widthRaw, precRaw, conv = 's'] = m;
    if (conv === '%' && m[0] === '%%') {
      out += '%';
      continue;
    }
    const take = (): JValue => {
      if (next >= positional.length) throw typeError('not enough arguments for format string');
      return positional[next++] as JValue;
    };
    const width = widthRaw === '*' ? Number(take()) : widthRaw ? Number(widthRaw) : 0;
    const precision = precRaw === '*' ? Number(take()) : precRaw !== undefined ? Number(precRaw) : undefined;
    let value: JValue;
    if (key !== undefined) {
      if (!mapping) throw typeError('format requires a mapping');
      const v = mapping.get(key);
      if (v === undefined) throw valueError(`KeyError: '${key}'`);
      value = v;
      usedMapping = true;
    } else value = take();
    const spec: Spec = {
      fill: ' ',
      align: flags.includes('-') ? '<' : '>',
      sign: flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '',
      alt: flags.includes('#'),
      zero: false,
      width,
      grouping: '',
      precision,
      type: conv,
    };
    let text: string;
    if (conv === 's' || conv === 'r' || conv === 'a') {
      text = conv === 's' ? renderValue(value) : reprValue(value);
      if (precision !== undefined) text = text.slice(0, precision);
      text = align(text, spec, '>');
    } else if (conv === 'c') {
      text = align(typeof value === 'number' ? String.fromCodePoint(value) : renderValue(value), spec, '>');
    } else {
      const n = asNumber(value);
      if (n === undefined) throw typeError(`%${conv} format: a real number is required, not ${typeName(value)}`);
      if (flags.includes('0') && !flags.includes('-')) {
        spec.align = '';
        spec.zero = true;
      }
      const t = conv === 'i' || conv === 'u' ? 'd' : conv;
      text = formatNumber(t === 'd' ? Math.trunc(n) : n, { ...spec, type: t });
    }
    out += text;
  }
  out += fmt.slice(last);
  // Python lets a list or dict argument go unused (they count as mappings); anything else left over is an error.
  const leftover = isTuple(values) ? next < positional.length : next === 0 && !usedMapping && !(values instanceof Map) && !Array.isArray(values);
  if (leftover) throw typeError('not all arguments converted during string formatting');
  return out;
}
