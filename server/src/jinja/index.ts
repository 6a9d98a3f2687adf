// The Jinja engine's public face: parse a template to a spanned syntax tree, render it with dbt's Jinja semantics,
// and renderTemplate() for the compiler's own SQL templates, where any template error is a programmer error.
import { SourceText } from '../base/text';
import type { Expression, Template } from './ast';
import { parseTemplate } from './parser';
import { render, type RenderOptions } from './render';
import { PyFloat, floatValue, fromJs, makeTuple, type JDict, type JValue } from './values';

export type * from './ast';
export { parseTemplate, type ParseResult } from './parser';
export { render, type RenderOptions, type RenderResult } from './render';
export { parseYamlLikeDbt, dumpYaml, type YamlParseResult } from './yaml';
export { makeDatetime, makeDate, datetimeFromIso, strftime, isDateValue, PyDate, PyDatetime } from './datetime';
export { FILTERS, TESTS, Namespace, pyJsonDumps, type FilterFunction, type TestFunction, type FilterContext } from './builtins';
export { JINJA_CODES, JinjaError } from './errors';

const parsedTemplates = new Map<string, Template>();

function describe(text: string, span: { start: number } | undefined): string {
  if (!span) return '';
  const p = new SourceText(text).positionAt(span.start);
  return ` at line ${p.line + 1}, column ${p.character + 1}`;
}

/**
 * Renders one of our own SQL templates. Throws an Error naming the problem and its line when the template does not
 * parse or fails to render, because a broken built-in template is a bug, not user input.
 */
export function renderTemplate(text: string, vars: Record<string, unknown>, options: RenderOptions = {}): string {
  let template = parsedTemplates.get(text);
  if (!template) {
    const parsed = parseTemplate(text);
    const error = parsed.diagnostics.find((d) => d.severity === 'error');
    if (error) throw new Error(`Template syntax error ${error.code}${describe(text, error.span)}: ${error.message}`);
    template = parsed.template;
    if (parsedTemplates.size > 500) parsedTemplates.clear();
    parsedTemplates.set(text, template);
  }
  const globals = new Map<string, JValue>();
  for (const k of Object.keys(vars)) globals.set(k, fromJs(vars[k]));
  const result = render(template, globals, options);
  const error = result.diagnostics.find((d) => d.severity === 'error');
  if (error) throw new Error(`Template render error ${error.code}${describe(text, error.span)}: ${error.message}`);
  return result.output;
}

/** The value of an expression built only from literals (strings, numbers, booleans, none, lists, tuples, dicts), else undefined. */
export function literalValue(expr: Expression): JValue | undefined {
  switch (expr.kind) {
    case 'Const':
      return expr.float && typeof expr.value === 'number' ? floatValue(expr.value) : expr.value;
    case 'List':
    case 'Tuple': {
      const items: JValue[] = [];
      for (const item of expr.items) {
        const v = literalValue(item);
        if (v === undefined) return undefined;
        items.push(v);
      }
      return expr.kind === 'Tuple' ? makeTuple(items) : items;
    }
    case 'Dict': {
      const d: JDict = new Map();
      for (const item of expr.items) {
        const k = literalValue(item.key);
        const v = literalValue(item.value);
        if (k === undefined || v === undefined || (k !== null && typeof k === 'object')) return undefined;
        d.set(typeof k === 'string' ? k : String(k === null ? 'None' : k === true ? 'True' : k === false ? 'False' : k), v);
      }
      return d;
    }
    case 'Unary':
      if (expr.op === '-' || expr.op === '+') {
        const v = literalValue(expr.operand);
        if (typeof v === 'number') return expr.op === '-' ? -v : v;
        if (v instanceof PyFloat) return new PyFloat(expr.op === '-' ? -v.value : v.value);
      }
      return undefined;
    default:
      return undefined;
  }
}
