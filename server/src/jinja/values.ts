// Values of our Jinja engine, modelled on Python's as dbt's Jinja sees them. Dicts keep insertion order (Map),
// `none` is null, an undefined name is UNDEFINED (falsy, renders as ''), and host objects (relations, datetimes,
// macro namespaces) implement JObject. The compiler receives macro arguments as these values.

export class JUndefined {
  constructor(readonly name: string = '') {}
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

/** A host object: attribute access, optional rendering as text. */
export interface JObject {
  readonly kind: 'object';
  getAttr(name: string): JValue;
  render(): string;
}

export type JValue = null | boolean | number | string | JValue[] | JDict | JUndefined | JCallable | JObject;

export function isDict(v: JValue): v is JDict {
  return v instanceof Map;
}
export function isList(v: JValue): v is JValue[] {
  return Array.isArray(v);
}
export function isUndefined(v: JValue): v is JUndefined {
  return v instanceof JUndefined;
}
/** `none` or undefined: what AutomateDV treats as "not given". */
export function isNone(v: JValue | undefined): v is null | JUndefined | undefined {
  return v === null || v === undefined || v instanceof JUndefined;
}
export function isCallable(v: JValue): v is JCallable {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && (v as { kind?: string }).kind === 'callable';
}
export function isObject(v: JValue): v is JObject {
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
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) m.set(k, fromJs(x));
    return m;
  }
  return String(v);
}

/** Python's truthiness. */
export function truthy(v: JValue): boolean {
  if (v === null || v instanceof JUndefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
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
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : pyFloat(v);
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return '[' + v.map(reprValue).join(', ') + ']';
  if (v instanceof Map) return '{' + [...v].map(([k, x]) => `${reprValue(k)}: ${reprValue(x)}`).join(', ') + '}';
  if (isObject(v)) return v.render();
  return `<function ${(v as JCallable).name}>`;
}

/** Python's repr(), used inside list and dict rendering. */
export function reprValue(v: JValue): string {
  if (typeof v === 'string') return "'" + v.replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'";
  return renderValue(v);
}

function pyFloat(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : n < 0 ? '-inf' : 'nan';
  const s = String(n);
  return s.includes('.') || s.includes('e') ? s : s + '.0';
}
