// How model schemas are named: dbt's default `generate_schema_name` (`<target_schema>_<custom>`), the common
// project override that uses the custom schema as is, dbt's `generate_schema_name_for_env`, or any other override,
// which is rendered with our Jinja engine. Overrides of generate_alias_name/generate_database_name are only reported.
import type { Span } from '../base/text';
import { parseTemplate, render } from '../jinja/index';
import { callable, isNone, renderValue, type JDict, type JValue } from '../jinja/values';
import { relativePath, type FileSystem } from './file-system';

export type SchemaNamingKind = 'default' | 'as-is' | 'for-env' | 'custom';

export interface MacroDefinition {
  name: string;
  params: string[];
  /** The text between the macro tag and `endmacro`. */
  body: string;
  file: string;
  /** Span of the macro's name in its file. */
  nameSpan: Span;
}

export interface ProjectNotice {
  file: string;
  span?: Span;
  message: string;
}

export interface SchemaNaming {
  kind: SchemaNamingKind;
  /** The override's macro, when the project has one. */
  macro?: MacroDefinition;
  /**
   * The schema a model with config `schema: customSchema` builds into. `target` is the Jinja `target` object
   * (its `name` matters for generate_schema_name_for_env); `node` is passed to custom overrides.
   */
  schemaFor(customSchema: string | undefined, targetSchema: string, scope?: { target?: JDict; node?: JDict }): string;
}

/** Finds `{% macro name(params) %} … {% endmacro %}` blocks in a macro file. */
export function findMacros(text: string, file: string): MacroDefinition[] {
  const out: MacroDefinition[] = [];
  const open = /\{%-?\s*macro\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(([^)]*)\)\s*-?%\}/g;
  let m: RegExpExecArray | null;
  while ((m = open.exec(text))) {
    const name = m[1] as string;
    const bodyStart = m.index + m[0].length;
    const close = /\{%-?\s*endmacro\b[^%]*-?%\}/g;
    close.lastIndex = bodyStart;
    const c = close.exec(text);
    const bodyEnd = c ? c.index : text.length;
    const nameStart = m.index + m[0].indexOf(name, m[0].indexOf('macro') + 5);
    out.push({
      name,
      params: (m[2] ?? '')
        .split(',')
        .map((p) => p.split('=')[0]?.trim() ?? '')
        .filter(Boolean),
      body: text.slice(bodyStart, bodyEnd),
      file,
      nameSpan: { start: nameStart, end: nameStart + name.length },
    });
    open.lastIndex = c ? c.index + c[0].length : text.length;
  }
  return out;
}

/** Every macro defined in the project's macro folders, by name (the first definition wins, as a later one is a dbt error). */
export function findProjectMacros(macroDirs: readonly string[], files: FileSystem): Map<string, MacroDefinition> {
  const macros = new Map<string, MacroDefinition>();
  for (const dir of macroDirs) {
    for (const file of files.listFiles(dir, (p) => p.endsWith('.sql'))) {
      const text = files.readFile(file);
      if (text === undefined) continue;
      for (const macro of findMacros(text, file)) if (!macros.has(macro.name)) macros.set(macro.name, macro);
    }
  }
  return macros;
}

/** A macro body reduced to its shape: no comments, no whitespace, no whitespace-control dashes, one quote style. */
function shapeOf(body: string): string {
  return body
    .replace(/\{#[\s\S]*?#\}/g, '')
    .replace(/\{%-/g, '{%')
    .replace(/-%\}/g, '%}')
    .replace(/\{\{-/g, '{{')
    .replace(/-\}\}/g, '}}')
    .replace(/"/g, "'")
    .replace(/\s+/g, '');
}

/** dbt's own generate_schema_name. */
export function defaultSchemaFor(customSchema: string | undefined, targetSchema: string): string {
  return customSchema === undefined ? targetSchema : `${targetSchema}_${customSchema.trim()}`;
}

/** Recognises the usual shapes of a generate_schema_name override without running it. */
export function classifySchemaMacro(body: string): SchemaNamingKind {
  const s = shapeOf(body);
  const outputs = [...s.matchAll(/\{\{(.*?)\}\}/g)].map((m) => m[1] as string);
  if (outputs.length === 1 && /^generate_schema_name_for_env\(custom_schema_name(,node)?\)(\|trim)?$/.test(outputs[0] as string)) return 'for-env';
  if (outputs.length === 1 && /^default__generate_schema_name\(custom_schema_name(,node)?\)(\|trim)?$/.test(outputs[0] as string)) return 'default';
  // Logic that depends on the target, the node, env vars or vars is rendered, not guessed.
  if (/target\.name|node\.|node\[|env_var|var\(|return\(|\{%(?!set|if|else|endif|elif)/.test(s.replace(/\{%setdefault_schema=target\.schema%\}/g, ''))) return 'custom';
  const defaultRef = /^(default_schema|target\.schema)(\|trim)?$/;
  const customRef = /^custom_schema_name(\|trim)?$/;
  const prefixed = /\{\{(default_schema|target\.schema)(\|trim)?\}\}_\{\{custom_schema_name(\|trim)?\}\}|(default_schema|target\.schema)~'_'~custom_schema_name/.test(s);
  if (prefixed && outputs.every((o) => defaultRef.test(o) || customRef.test(o) || /~'_'~/.test(o))) return 'default';
  if (!prefixed && outputs.some((o) => customRef.test(o)) && outputs.every((o) => defaultRef.test(o) || customRef.test(o))) return 'as-is';
  return 'custom';
}

/** Builds the schema naming of a project from its macros. */
export function schemaNamingFrom(macros: ReadonlyMap<string, MacroDefinition>): SchemaNaming {
  const macro = macros.get('generate_schema_name');
  if (!macro) return { kind: 'default', schemaFor: (custom, targetSchema) => defaultSchemaFor(custom, targetSchema) };
  const kind = classifySchemaMacro(macro.body);
  switch (kind) {
    case 'default':
      return { kind, macro, schemaFor: (custom, targetSchema) => defaultSchemaFor(custom, targetSchema) };
    case 'as-is':
      return { kind, macro, schemaFor: (custom, targetSchema) => (custom === undefined ? targetSchema : custom.trim()) };
    case 'for-env':
      return { kind, macro, schemaFor: (custom, targetSchema, scope) => forEnvSchema(custom, targetSchema, scope?.target) };
    case 'custom':
      return { kind, macro, schemaFor: (custom, targetSchema, scope) => renderSchemaMacro(macro, custom, targetSchema, scope) };
  }
}

/** dbt's generate_schema_name_for_env: the custom schema as is on a target named `prod`, else the target schema. */
function forEnvSchema(custom: string | undefined, targetSchema: string, target: JDict | undefined): string {
  const name = target?.get('name');
  return name === 'prod' && custom !== undefined ? custom.trim() : targetSchema;
}

/** Renders an unusual override with our Jinja engine; if it produces nothing usable, dbt's default is used. */
function renderSchemaMacro(macro: MacroDefinition, custom: string | undefined, targetSchema: string, scope?: { target?: JDict; node?: JDict }): string {
  const target: JDict = new Map(scope?.target ?? []);
  target.set('schema', targetSchema);
  const customValue: JValue = custom === undefined ? null : custom;
  const globals = new Map<string, JValue>([
    [macro.params[0] ?? 'custom_schema_name', customValue],
    [macro.params[1] ?? 'node', scope?.node ?? new Map()],
    ['target', target],
    ['default__generate_schema_name', callable('default__generate_schema_name', (args) => defaultSchemaFor(argText(args[0]), targetSchema))],
    ['generate_schema_name_for_env', callable('generate_schema_name_for_env', (args) => forEnvSchema(argText(args[0]), targetSchema, target))],
  ]);
  try {
    const parsed = parseTemplate(macro.body);
    const result = render(parsed.template, globals);
    const out = result.output.trim();
    const failed = [...parsed.diagnostics, ...result.diagnostics].some((d) => d.severity === 'error');
    if (failed || !out) return defaultSchemaFor(custom, targetSchema);
    return out;
  } catch {
    return defaultSchemaFor(custom, targetSchema);
  }
}

function argText(v: JValue | undefined): string | undefined {
  if (v === undefined || isNone(v)) return undefined;
  return typeof v === 'string' ? v : renderValue(v);
}

/** Notes for overrides of generate_alias_name / generate_database_name that do more than dbt's default. */
export function macroOverrideNotices(macros: ReadonlyMap<string, MacroDefinition>, projectRoot: string): ProjectNotice[] {
  const notices: ProjectNotice[] = [];
  const alias = macros.get('generate_alias_name');
  if (alias && !isUsualOverride(alias.body, 'custom_alias_name', /^(node\.name|node\[['"]name['"]\])(\|trim)?$/)) {
    notices.push({
      file: alias.file,
      span: alias.nameSpan,
      message: `generate_alias_name is overridden in ${relativePath(projectRoot, alias.file)} and is not emulated: dvs names each relation after its alias config or its model name.`,
    });
  }
  const database = macros.get('generate_database_name');
  if (database && !isUsualOverride(database.body, 'custom_database_name', /^(target\.database|target\.dbname|default_database)(\|trim)?$/)) {
    notices.push({
      file: database.file,
      span: database.nameSpan,
      message: `generate_database_name is overridden in ${relativePath(projectRoot, database.file)} and is not emulated: dvs uses the database config or the target's database.`,
    });
  }
  const schema = macros.get('generate_schema_name');
  if (schema && classifySchemaMacro(schema.body) === 'custom') {
    notices.push({
      file: schema.file,
      span: schema.nameSpan,
      message: `generate_schema_name in ${relativePath(projectRoot, schema.file)} has custom logic; dvs renders it with its own Jinja engine for each model.`,
    });
  }
  return notices;
}

function isUsualOverride(body: string, customParam: string, defaultOutput: RegExp): boolean {
  const s = shapeOf(body).replace(/\{%setdefault_database=target\.database%\}/g, '');
  const outputs = [...s.matchAll(/\{\{(.*?)\}\}/g)].map((m) => m[1] as string);
  const custom = new RegExp(`^${customParam}(\\|trim)?$`);
  // dbt's default alias macro also handles versioned models with a return(); that is still the usual behaviour.
  const versioned = /^return\(node\.name~'_v'~/;
  return outputs.length > 0 && outputs.every((o) => custom.test(o) || defaultOutput.test(o) || versioned.test(o));
}
