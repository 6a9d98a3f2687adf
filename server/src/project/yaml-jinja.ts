// Jinja inside project YAML values ("{{ env_var('DBT_HOST', 'localhost') }}", "{{ var('raw_schema') }}"), rendered
// with our Jinja engine the way dbt renders dbt_project.yml, profiles.yml and property files: values are strings.
import { diagnostic, type Diagnostic } from '../base/diagnostic';
import type { Span } from '../base/text';
import { parseTemplate, render } from '../jinja/index';
import { callable, renderValue, type JValue } from '../jinja/values';
import type { ProjectEnvironment } from './environment';

export interface YamlRenderContext {
  readonly env: ProjectEnvironment;
  /** `var(name)`: the value, or undefined when the var is not set. */
  lookupVar(name: string): JValue | undefined;
  /** Further names the template may use, e.g. `target` (never holding a password). */
  readonly globals?: ReadonlyMap<string, JValue>;
}

export interface RenderedYamlString {
  value: string;
  /** Environment variables read with env_var() without a default that are not set. */
  missingEnvVars: string[];
  /** Every environment variable env_var() was asked for, set or not. */
  usedEnvVars: string[];
  /** Vars read with var() without a default that are not set. */
  missingVars: string[];
  /** Jinja syntax or render errors, placed on `span`. */
  diagnostics: Diagnostic[];
}

/** True when a YAML string holds Jinja that dbt would render. */
export function hasJinja(text: string): boolean {
  return text.includes('{{') || text.includes('{%');
}

/**
 * Renders one YAML string value. Text without Jinja comes back unchanged. A missing env var without a default makes
 * dbt fail; here it renders as '' and is listed in `missingEnvVars` so the caller can say which variable to set.
 */
export function renderYamlString(text: string, ctx: YamlRenderContext, span: Span): RenderedYamlString {
  const result: RenderedYamlString = { value: text, missingEnvVars: [], usedEnvVars: [], missingVars: [], diagnostics: [] };
  if (!hasJinja(text)) return result;
  const envVar = callable('env_var', (args, kwargs) => {
    const name = typeof args[0] === 'string' ? args[0] : renderValue(args[0] ?? null);
    if (!result.usedEnvVars.includes(name)) result.usedEnvVars.push(name);
    const fromEnv = ctx.env.get(name);
    if (fromEnv !== undefined) return fromEnv;
    if (args.length > 1) return args[1] ?? null;
    if (kwargs.has('default')) return kwargs.get('default') ?? null;
    if (!result.missingEnvVars.includes(name)) result.missingEnvVars.push(name);
    return '';
  });
  const varFn = callable('var', (args, kwargs) => {
    const name = typeof args[0] === 'string' ? args[0] : renderValue(args[0] ?? null);
    const value = ctx.lookupVar(name);
    if (value !== undefined) return value;
    if (args.length > 1) return args[1] ?? null;
    if (kwargs.has('default')) return kwargs.get('default') ?? null;
    if (!result.missingVars.includes(name)) result.missingVars.push(name);
    return '';
  });
  const globals = new Map<string, JValue>([
    ...(ctx.globals ?? []),
    ['env_var', envVar],
    ['var', varFn],
  ]);
  const parsed = parseTemplate(text);
  const rendered = render(parsed.template, globals);
  result.value = rendered.output;
  for (const d of [...parsed.diagnostics, ...rendered.diagnostics]) {
    // The engine's spans are offsets inside the string; the YAML value's span is the useful place in the file.
    result.diagnostics.push(diagnostic(d.code, d.severity, d.message, span));
  }
  return result;
}
