// dbt_project.yml: the project's name, profile, folders (dbt 1.x `model-paths`/`seed-paths` and the pre-1.0
// `source-paths`/`data-paths`), vars, required dbt version, quoting and the `models:`/`seeds:` config trees.
import { diagnostic, type Diagnostic } from '../base/diagnostic';
import type { Span } from '../base/text';
import type { JDict, JValue } from '../jinja/values';
import { entryOf, parseYaml, scalarText, stringList, toJValue, valueOf, type YScalar, type YValue } from './yaml-tree';
import { renderYamlString, type YamlRenderContext } from './yaml-jinja';

export interface ProjectQuoting {
  database: boolean;
  schema: boolean;
  identifier: boolean;
}

export interface DbtProjectFile {
  /** Absolute path of dbt_project.yml. */
  file: string;
  name: string;
  nameSpan?: Span;
  version?: string;
  configVersion?: number;
  profile?: string;
  profileSpan?: Span;
  modelPaths: string[];
  seedPaths: string[];
  macroPaths: string[];
  analysisPaths: string[];
  snapshotPaths: string[];
  testPaths: string[];
  targetPath: string;
  packagesInstallPath: string;
  /** True when the file uses pre-1.0 keys (`source-paths`, `data-paths`, `modules-path`) or config-version 1. */
  legacyLayout: boolean;
  /** `vars:` as written (not rendered: dbt renders a var's Jinja when var() reads it). */
  vars: JDict;
  /** Spans of the top-level var names, for hover and go-to-definition. */
  varSpans: Map<string, Span>;
  requireDbtVersion: string[];
  /** Project-level `quoting:` for models and seeds (dbt-postgres quotes everything by default). */
  quoting: ProjectQuoting;
  /**
   * Model-scoped `vars:` of a config-version 1 project (dbt 0.17 and older): a `vars:` mapping at any level of the
   * `models:` tree holds vars for the models at and below that level. Undefined when the project has none.
   */
  modelVars?: ModelVarsLevel;
  /** The raw `models:`, `seeds:`, `snapshots:` and `sources:` config trees. */
  configTrees: { models?: YValue; seeds?: YValue; snapshots?: YValue; sources?: YValue };
}

/** One level of the `models:` tree as config-version 1 scoped vars: the vars set there and the levels below. */
export interface ModelVarsLevel {
  vars: JDict;
  children: Map<string, ModelVarsLevel>;
}

/**
 * The `vars:` mappings inside a `models:` tree. dbt ≤ 0.17 (config-version 1, or no config-version at all) scopes
 * them to the models at and below their level; config-version 2 has no such vars, so a version-2 file yields none.
 */
export function modelVarsTree(models: YValue | undefined, configVersion: number | undefined): ModelVarsLevel | undefined {
  if (configVersion !== undefined && configVersion !== 1) return undefined;
  const read = (tree: YValue | undefined): ModelVarsLevel | undefined => {
    if (!tree || tree.kind !== 'map') return undefined;
    const level: ModelVarsLevel = { vars: new Map(), children: new Map() };
    let any = false;
    for (const e of tree.entries) {
      if (e.key === 'vars' || e.key === '+vars') {
        if (e.value?.kind === 'map') {
          for (const v of e.value.entries) level.vars.set(v.key, toJValue(v.value));
          any = true;
        }
      } else if (!e.key.startsWith('+') && e.value?.kind === 'map') {
        const child = read(e.value);
        if (child) {
          level.children.set(e.key, child);
          any = true;
        }
      }
    }
    return any ? level : undefined;
  };
  return read(models);
}

/** The model-scoped vars for a node's fqn (package, folders, name): the root's first, deeper levels override. */
export function modelVarsFor(tree: ModelVarsLevel | undefined, fqn: readonly string[]): JDict {
  const merged: JDict = new Map();
  let level = tree;
  for (let i = 0; level; i++) {
    for (const [k, v] of level.vars) merged.set(k, v);
    const part = fqn[i];
    level = part === undefined ? undefined : level.children.get(part);
  }
  return merged;
}

export interface ParsedProjectFile {
  project: DbtProjectFile;
  diagnostics: Diagnostic[];
}

// Hooks are rendered by dbt at run time, not when the project is read; vars are rendered when var() reads them.
const HOOK_KEYS = new Set(['pre-hook', 'post-hook', 'pre_hook', 'post_hook']);

/** Renders string values of project YAML with Jinja; collects what went wrong as diagnostics with spans. */
export function makeStringRenderer(ctx: YamlRenderContext, diagnostics: Diagnostic[], fileLabel: string): (s: YScalar) => JValue {
  return (s: YScalar): JValue => {
    const text = s.value as string;
    const r = renderYamlString(text, ctx, s.span);
    diagnostics.push(...r.diagnostics);
    for (const name of r.missingEnvVars) {
      diagnostics.push(
        diagnostic('DV104', 'error', `Environment variable '${name}' is used in ${fileLabel} without a default and is not set: set it (in the environment or the project's .env) or add a default: env_var('${name}', '…').`, s.span),
      );
    }
    for (const name of r.missingVars) {
      diagnostics.push(diagnostic('DV107', 'warning', `var('${name}') has no default and is not set: pass it with --vars or give a default.`, s.span));
    }
    return r.value;
  };
}

/** Parses dbt_project.yml text. Never throws; problems are DV104 (invalid project) or DV021 diagnostics. */
export function parseDbtProjectFile(text: string, file: string, ctx: YamlRenderContext): ParsedProjectFile {
  const parsed = parseYaml(text, 'DV104');
  const diagnostics = [...parsed.diagnostics];
  const root = parsed.root;
  const render = makeStringRenderer(ctx, diagnostics, 'dbt_project.yml');
  const renderScalar = (v: YValue | undefined): string | undefined => {
    if (!v || v.kind !== 'scalar' || v.value === null) return undefined;
    if (typeof v.value !== 'string') return scalarText(v);
    const rendered = render(v);
    return typeof rendered === 'string' ? rendered : String(rendered);
  };
  const pathList = (key: string): string[] | undefined => {
    const e = entryOf(root, key);
    if (!e) return undefined;
    return stringList(e.value).map((p) => renderScalar({ kind: 'scalar', value: p.value, span: p.span, quoted: true }) ?? p.value);
  };

  if (root && root.kind !== 'map') diagnostics.push(diagnostic('DV104', 'error', 'dbt_project.yml must be a mapping of keys (name:, version:, profile:, …).', root.span));
  const nameEntry = entryOf(root, 'name');
  const name = renderScalar(nameEntry?.value);
  if (root && root.kind === 'map' && !name) {
    diagnostics.push(diagnostic('DV104', 'error', 'dbt_project.yml has no `name:`; add the project name, e.g. `name: my_project`.', root.span));
  } else if (name && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    diagnostics.push(
      diagnostic('DV104', 'error', `Project name '${name}' is not valid: dbt accepts letters, digits and underscores, starting with a letter or underscore.`, nameEntry?.value?.span),
    );
  }
  const configVersionText = scalarText(valueOf(root, 'config-version'));
  const configVersion = configVersionText !== undefined && /^\d+$/.test(configVersionText) ? Number(configVersionText) : undefined;
  const sourcePaths = pathList('source-paths');
  const dataPaths = pathList('data-paths');
  const legacyLayout = sourcePaths !== undefined || dataPaths !== undefined || entryOf(root, 'modules-path') !== undefined || configVersion === 1;

  const varsValue = valueOf(root, 'vars');
  const vars: JDict = new Map();
  const varSpans = new Map<string, Span>();
  if (varsValue && varsValue.kind === 'map') {
    for (const e of varsValue.entries) {
      vars.set(e.key, toJValue(e.value));
      varSpans.set(e.key, e.keySpan);
    }
  } else if (varsValue && !(varsValue.kind === 'scalar' && varsValue.value === null)) {
    diagnostics.push(diagnostic('DV104', 'error', '`vars:` must be a mapping of names to values.', varsValue.span));
  }

  const quotingValue = valueOf(root, 'quoting');
  const quotingFlag = (key: keyof ProjectQuoting): boolean => {
    const v = valueOf(quotingValue, key);
    return v && v.kind === 'scalar' && typeof v.value === 'boolean' ? v.value : true;
  };

  const project: DbtProjectFile = {
    file,
    name: name ?? '',
    modelPaths: pathList('model-paths') ?? sourcePaths ?? ['models'],
    seedPaths: pathList('seed-paths') ?? dataPaths ?? [legacyLayout ? 'data' : 'seeds'],
    macroPaths: pathList('macro-paths') ?? ['macros'],
    analysisPaths: pathList('analysis-paths') ?? ['analyses'],
    snapshotPaths: pathList('snapshot-paths') ?? ['snapshots'],
    testPaths: pathList('test-paths') ?? [legacyLayout ? 'test' : 'tests'],
    targetPath: renderScalar(valueOf(root, 'target-path')) ?? 'target',
    packagesInstallPath: renderScalar(valueOf(root, 'packages-install-path')) ?? renderScalar(valueOf(root, 'modules-path')) ?? (legacyLayout ? 'dbt_modules' : 'dbt_packages'),
    legacyLayout,
    vars,
    varSpans,
    requireDbtVersion: stringList(valueOf(root, 'require-dbt-version')).map((v) => v.value),
    quoting: { database: quotingFlag('database'), schema: quotingFlag('schema'), identifier: quotingFlag('identifier') },
    configTrees: {
      models: valueOf(root, 'models'),
      seeds: valueOf(root, 'seeds'),
      snapshots: valueOf(root, 'snapshots'),
      sources: valueOf(root, 'sources'),
    },
  };
  const modelVars = modelVarsTree(project.configTrees.models, configVersion);
  if (modelVars) project.modelVars = modelVars;
  if (nameEntry?.value) project.nameSpan = nameEntry.value.span;
  const version = renderScalar(valueOf(root, 'version'));
  if (version !== undefined) project.version = version;
  if (configVersion !== undefined) project.configVersion = configVersion;
  const profileEntry = entryOf(root, 'profile');
  const profile = renderScalar(profileEntry?.value);
  if (profile) {
    project.profile = profile;
    if (profileEntry?.value) project.profileSpan = profileEntry.value.span;
  }
  return { project, diagnostics };
}

/** True when a config key (with or without `+`) is a hook that dbt renders late, at run time. */
export function isLateRenderedKey(key: string): boolean {
  return HOOK_KEYS.has(key.replace(/^\+\s*/, ''));
}
