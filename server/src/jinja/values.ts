// Values of our Jinja engine, modelled on Python's as dbt's Jinja sees them. Dicts keep insertion order (Map),
// `none` is null, an undefined name is UNDEFINED (falsy, renders as ''), and host objects (relations, datetimes,
// macro namespaces) implement JObject. Tuples are arrays marked by makeTuple(); whole-number floats (1.0) are
// PyFloat objects so they render as Python does. The compiler receives macro arguments as these values.

export class JUndefined {
  /**
   * @param name the name or attribute that was missing, for messages.
   * @param hint why it is undefined, e.g. "'dict object' has no attribute 'x'", used when it is later misused.
   */
  constructor(
    readonly name: string = '',
    readonly hint?: string,
  ) {}
  toString(): string {
    return '';
  }
}
export const UNDEFINED = new JUndefined();

export type JDict = Map<string, JValue>;

export interface JCallable {
  readonly kind: 'callable';
  readonly name: string;
  call(args: JValue[], kwargs: Map<string, JValue>): JValue;
}

/**
 * The stand-in for a value dvs cannot know: what a macro of a package that is not installed returned, an unset var.
 * Every use of it is accepted (attributes, items, calls, iteration, comparison, arithmetic, filters) and gives the
 * same stand-in back, so one unknown value never turns into errors further down the template; it loops zero times,
 * is truthy (a macro's rendered text usually is), and prints `text` (an SQL comment saying what was not expanded).
 */
export class JUnknown implements JObject {
  readonly kind = 'object' as const;
  constructor(
    /** What it prints as: usually an SQL comment naming the macro that was not expanded. */
    readonly text: string,
  ) {}
  getAttr(): JValue {
    return this;
  }
  render(): string {
    return this.text;
  }
  repr(): string {
    return this.text;
  }
  setAttr(): void {
    // Assigning into an unknown value changes nothing dvs could know.
  }
  equals(other: JValue): boolean {
    return other === this;
  }
  compare(): number {
    return 0;
  }
}

export function isUnknown(v: JValue | undefined): v is JUnknown {
  return v instanceof JUnknown;
}

/** A host object: attribute access, optional rendering as text. */
export interface JObject {
  readonly kind: 'object';
  /** An attribute or method; UNDEFINED (or null) when the object has none of that name. */
  getAttr(name: string): JValue;
  render(): string;
  /** Python's repr(), used when the object sits inside a rendered list or dict; defaults to render(). */
  repr?(): string;
  /** `{% set obj.name = value %}`: only namespaces accept it. */
  setAttr?(name: string, value: JValue): void;
  /** Python equality with another value, when the object has value semantics (dates). */
  equals?(other: JValue): boolean;
  /** Ordering against another object of its kind: negative, zero, positive; undefined when not comparable. */
  compare?(other: JValue): number | undefined;
}

/**
 * A Python float whose value is a whole number (1.0, 10 / 2, YAML `1.0`). JS has one number type, so whole floats
 * are boxed to keep rendering `1.0` as Python does; every other float is a plain JS number with a fraction.
 */
export class PyFloat implements JObject {
  readonly kind = 'object' as const;
  constructor(readonly value: number) {}
  getAttr(name: string): JValue {
    if (name === 'real') return this;
    if (name === 'imag') return new PyFloat(0);
    if (name === 'is_integer') return callable('is_integer', () => true);
    return new JUndefined(name, `'float' object has no attribute '${name}'`);
  }
  render(): string {
    return pyFloat(this.value);
  }
  equals(other: JValue): boolean {
    return other instanceof PyFloat ? other.value === this.value : (typeof other === 'number' || typeof other === 'boolean') && Number(other) === this.value;
  }
  compare(other: JValue): number | undefined {
    const n = numberValue(other);
    return n === undefined ? undefined : this.value - n;
  }
}

/** A Python float result: a plain number when it has a fraction (or is inf/nan), a PyFloat when it is whole. */
export function floatValue(n: number): number | PyFloat {
  return Number.isInteger(n) ? new PyFloat(n) : n;
}

/** The number a value stands for in arithmetic (bools count as 0/1, as in Python), or undefined. */
export function numberValue(v: JValue | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof PyFloat) return v.value;
  return undefined;
}

/** Whether Python would see a float (not an int or bool). */
export function isFloat(v: JValue): boolean {
  return v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v));
}

const TUPLE = Symbol('jinja.tuple');

/** A Python tuple: an array that renders as `(a, b)`. */
export function makeTuple(items: JValue[]): JValue[] {
  Object.defineProperty(items, TUPLE, { value: true, enumerable: false });
  return items;
}
export function isTuple(v: JValue): v is JValue[] {
  return Array.isArray(v) && (v as unknown as Record<symbol, unknown>)[TUPLE] === true;
}

const NAMES = Symbol('jinja.names');

/**
 * A sequence whose items can also be read by name, as agate's rows and column lists are (`row[0]`, `row['id']`,
 * `table.columns['id']`): an ordinary list (iterates, indexes, has a length) that also answers string keys.
 */
export function makeNamedSequence(items: JValue[], names: readonly string[]): JValue[] {
  const index = new Map<string, number>();
  names.forEach((n, i) => {
    if (!index.has(n)) index.set(n, i);
  });
  Object.defineProperty(items, NAMES, { value: index, enumerable: false });
  return items;
}
/** The item of a named sequence under `name`, or undefined when it has no such name (or is no named sequence). */
export function namedItem(v: JValue, name: string): JValue | undefined {
  if (!Array.isArray(v)) return undefined;
  const index = (v as unknown as Record<symbol, Map<string, number> | undefined>)[NAMES];
  const i = index?.get(name);
  return i === undefined ? undefined : (v[i] as JValue);
}

export type JValue = null | boolean | number | string | JValue[] | JDict | JUndefined | JCallable | JObject;

export function isDict(v: JValue | undefined): v is JDict {
  return v instanceof Map;
}
export function isList(v: JValue | undefined): v is JValue[] {
  return Array.isArray(v);
}
export function isUndefined(v: JValue | undefined): v is JUndefined {
  return v instanceof JUndefined;
}
/** `none` or undefined: what AutomateDV treats as "not given". */
export function isNone(v: JValue | undefined): v is null | JUndefined | undefined {
  return v === null || v === undefined || v instanceof JUndefined;
}
export function isCallable(v: JValue | undefined): v is JCallable {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && (v as { kind?: string }).kind === 'callable';
}
export function isObject(v: JValue | undefined): v is JObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && (v as { kind?: string }).kind === 'object';
}

export function callable(name: string, fn: (args: JValue[], kwargs: Map<string, JValue>) => JValue): JCallable {
  return { kind: 'callable', name, call: fn };
}

/** Converts plain JS data (JSON-like objects, arrays, scalars) into Jinja values. */
export function fromJs(v: unknown): JValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map(fromJs);
  if (v instanceof Map) {
    const m: JDict = new Map();
    for (const [k, x] of v) m.set(String(k), fromJs(x));
    return m;
  }
  if (v instanceof JUndefined) return v;
  if (typeof v === 'object' && ((v as { kind?: string }).kind === 'callable' || (v as { kind?: string }).kind === 'object')) {
    return v as JValue;
  }
  if (typeof v === 'object') {
    const m: JDict = new Map();
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) m.set(k, fromJs(o[k]));
    return m;
  }
  return String(v);
}

/** Python's truthiness. */
export function truthy(v: JValue): boolean {
  if (v === null || v instanceof JUndefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (v instanceof PyFloat) return v.value !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  return true;
}

/** The text Jinja prints for a value (`{{ x }}`), following Python's str(). */
export function renderValue(v: JValue): string {
  if (v === null) return 'None';
  if (v instanceof JUndefined) return '';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return pyNumber(v);
  if (typeof v === 'string') return v;
  if (isTuple(v)) return v.length === 1 ? `(${reprValue(v[0] as JValue)},)` : '(' + v.map(reprValue).join(', ') + ')';
  if (Array.isArray(v)) return '[' + v.map(reprValue).join(', ') + ']';
  if (v instanceof Map) return '{' + [...v].map(([k, x]) => `${reprValue(k)}: ${reprValue(x)}`).join(', ') + '}';
  if (isObject(v)) return v.render();
  return `<function ${(v as JCallable).name}>`;
}

/** Python's repr(), used inside list and dict rendering. */
export function reprValue(v: JValue): string {
  if (typeof v === 'string') return pyStringRepr(v);
  if (v instanceof JUndefined) return 'Undefined';
  if (isObject(v) && v.repr) return v.repr();
  return renderValue(v);
}

/** Python's repr() of a str: single quotes unless the text has a single quote and no double quote. */
export function pyStringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + quote;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || (code >= 0x7f && code <= 0xa0) || code === 0xad) out += '\\x' + code.toString(16).padStart(2, '0');
    else if (code === 0x2028 || code === 0x2029) out += '\\u' + code.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + quote;
}

/** Python's str() of a number. Integral values print as ints (JS has one number type; see the module notes). */
export function pyNumber(n: number): string {
  if (Number.isInteger(n)) return Math.abs(n) < 1e21 ? String(n) : BigInt(n).toString();
  return pyFloat(n);
}

/** Python's repr() of a float: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
export function pyFloat(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : n < 0 ? '-inf' : 'nan';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = n.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${intPart}.${frac || '0'}`;
}
