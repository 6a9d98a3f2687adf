// A small regex stand-in for the model parser in project tests: ref(), source() and config() with literal arguments.
import type { ModelDependencies } from '../../server/src/project';
import type { JValue } from '../../server/src/jinja/values';

const QUOTED = `(['"])([^'"]*)\\`;

export function extractDependencies(text: string): ModelDependencies {
  const deps: ModelDependencies = { refs: [], sources: [], config: new Map() };
  const ref = new RegExp(`\\bref\\(\\s*${QUOTED}1\\s*(?:,\\s*${QUOTED}3\\s*)?\\)`, 'g');
  for (const m of text.matchAll(ref)) {
    const nameIsSecond = m[4] !== undefined;
    const name = (nameIsSecond ? m[4] : m[2]) as string;
    const literal = nameIsSecond ? `${m[3]}${m[4]}${m[3]}` : `${m[1]}${m[2]}${m[1]}`;
    const at = (m.index ?? 0) + m[0].lastIndexOf(literal) + 1;
    const r: ModelDependencies['refs'][number] = { name, span: { start: at, end: at + name.length } };
    if (nameIsSecond) r.package = m[2] as string;
    deps.refs.push(r);
  }
  const source = new RegExp(`\\bsource\\(\\s*${QUOTED}1\\s*,\\s*${QUOTED}3\\s*\\)`, 'g');
  for (const m of text.matchAll(source)) {
    const start = m.index ?? 0;
    deps.sources.push({ source: m[2] as string, table: m[4] as string, span: { start, end: start + m[0].length } });
  }
  const config = /\bconfig\(([^)]*)\)/.exec(text);
  if (config) {
    const args = /(\w+)\s*=\s*(\[[^\]]*\]|'[^']*'|"[^"]*"|True|False|true|false|\d+)/g;
    for (const a of (config[1] ?? '').matchAll(args)) deps.config.set(a[1] as string, literalValue(a[2] as string));
  }
  return deps;
}

function literalValue(text: string): JValue {
  if (text.startsWith('[')) return [...text.matchAll(/'([^']*)'|"([^"]*)"/g)].map((m) => (m[1] ?? m[2]) as string);
  if (/^(True|true)$/.test(text)) return true;
  if (/^(False|false)$/.test(text)) return false;
  if (/^\d+$/.test(text)) return Number(text);
  return text.slice(1, -1);
}
