// Config inheritance as dbt applies it: dbt_project.yml (the `models:` root, then the package, then each folder and
// the model's own entry) → the model's `config:` in a properties .yml → `config()` in the model file. `tags` and
// hooks accumulate, `meta`-like dicts merge key by key, everything else is replaced by the more specific level.
import type { Span } from '../base/text';
import type { JDict, JValue } from '../jinja/values';
import { isDict, isList, isNone } from '../jinja/values';
import { isLateRenderedKey } from './dbt-project-file';
import { toJValue, type YScalar, type YValue } from './yaml-tree';

/** One folder level of a `models:`/`seeds:` tree in dbt_project.yml: its configs and its sub-folders. */
export interface ConfigLevel {
  configs: Map<string, { value: JValue; keySpan: Span; valueSpan: Span }>;
  children: Map<string, ConfigLevel>;
  keySpan?: Span;
}

/** Where a config value was set. */
export interface ConfigOrigin {
  level: 'project' | 'properties' | 'file' | 'default';
  /** Absolute path of the file that set it (dbt_project.yml, a properties .yml, the model file). */
  file?: string;
  span?: Span;
}

export interface ConfigLayer {
  values: Map<string, JValue>;
  origin: ConfigOrigin;
  /** Spans of individual keys inside `origin.file`, when known. */
  spans?: Map<string, Span>;
}

export interface EffectiveConfig {
  /** The merged config: keys as dbt's config() uses them (`materialized`, `schema`, `tags`, `pre_hook`, …). */
  values: JDict;
  /** Where each key got its final value (the most specific level that set it). */
  origins: Map<string, ConfigOrigin>;
}

// dbt's merge behaviours (NodeConfig): these append, these update dict keys, everything else is replaced.
const APPEND_KEYS = new Set(['tags', 'pre_hook', 'post_hook']);
const UPDATE_KEYS = new Set(['meta', 'quoting', 'column_types', 'docs', 'grants', 'labels']);
// In config-version 1 projects, these known dict-valued configs could be written without `+`.
const BARE_DICT_CONFIGS = new Set(['meta', 'persist_docs', 'column_types', 'grants', 'quoting']);

/** dbt accepts `pre-hook` in YAML and `pre_hook` in config(); both mean the same config. */
export function normalizeConfigKey(key: string): string {
  const k = key.replace(/^\+\s*/, '').trim();
  if (k === 'pre-hook') return 'pre_hook';
  if (k === 'post-hook') return 'post_hook';
  return k;
}

export interface ConfigTreeOptions {
  /** Renders a string value (Jinja inside YAML); hooks are never rendered. */
  renderString: (s: YScalar) => JValue;
  /** Treat bare dict-valued known configs (`meta: {…}`) as configs, as config-version 1 did. */
  bareDictConfigs: boolean;
}

/**
 * Reads a `models:` (or `seeds:`) tree into folder levels. At each level a key is a config when it starts with `+`
 * or its value is not a mapping (dbt's rule); a mapping under a bare key is a sub-folder (or package, or model).
 */
export function buildConfigTree(tree: YValue | undefined, options: ConfigTreeOptions): ConfigLevel {
  const level: ConfigLevel = { configs: new Map(), children: new Map() };
  if (!tree || tree.kind !== 'map') return level;
  for (const e of tree.entries) {
    const isPlus = e.key.startsWith('+');
    const isMapValue = e.value?.kind === 'map';
    const bareDict = !isPlus && isMapValue && options.bareDictConfigs && BARE_DICT_CONFIGS.has(e.key);
    if (isPlus || !isMapValue || bareDict) {
      const key = normalizeConfigKey(e.key);
      const value = isLateRenderedKey(e.key) ? toJValue(e.value) : toJValue(e.value, options.renderString);
      level.configs.set(key, { value, keySpan: e.keySpan, valueSpan: e.value?.span ?? e.keySpan });
    } else {
      const child = buildConfigTree(e.value, options);
      child.keySpan = e.keySpan;
      level.children.set(e.key, child);
    }
  }
  return level;
}

/** The project config layers for a node: the tree's root, then each fqn part (package, folders, name) that exists. */
export function projectConfigLayers(tree: ConfigLevel, fqn: readonly string[], file: string): ConfigLayer[] {
  const layers: ConfigLayer[] = [];
  let level: ConfigLevel | undefined = tree;
  const push = (l: ConfigLevel) => {
    if (l.configs.size === 0) return;
    const values = new Map<string, JValue>();
    const spans = new Map<string, Span>();
    for (const [k, c] of l.configs) {
      values.set(k, c.value);
      spans.set(k, c.keySpan);
    }
    layers.push({ values, spans, origin: { level: 'project', file } });
  };
  push(tree);
  for (const part of fqn) {
    level = level.children.get(part);
    if (!level) break;
    push(level);
  }
  return layers;
}

/** Merges layers from least to most specific with dbt's per-key behaviour. */
export function mergeConfigLayers(layers: readonly ConfigLayer[], defaults: ReadonlyMap<string, JValue> = new Map()): EffectiveConfig {
  const values: JDict = new Map();
  const origins = new Map<string, ConfigOrigin>();
  for (const [k, v] of defaults) {
    values.set(k, v);
    origins.set(k, { level: 'default' });
  }
  for (const layer of layers) {
    for (const [rawKey, value] of layer.values) {
      const key = normalizeConfigKey(rawKey);
      const origin: ConfigOrigin = { ...layer.origin };
      const span = layer.spans?.get(rawKey);
      if (span) origin.span = span;
      const previous = values.get(key);
      if (APPEND_KEYS.has(key)) {
        const merged = key === 'tags' ? uniqueStrings([...asList(previous), ...asList(value)]) : [...asList(previous), ...asList(value)];
        values.set(key, merged);
      } else if (UPDATE_KEYS.has(key) && isDict(value) && previous !== undefined && isDict(previous)) {
        const merged: JDict = new Map(previous);
        for (const [k, v] of value) merged.set(k, v);
        values.set(key, merged);
      } else {
        values.set(key, value);
      }
      origins.set(key, origin);
    }
  }
  return { values, origins };
}

function asList(v: JValue | undefined): JValue[] {
  if (v === undefined || isNone(v)) return [];
  return isList(v) ? v : [v];
}

function uniqueStrings(values: JValue[]): JValue[] {
  const seen = new Set<string>();
  const out: JValue[] = [];
  for (const v of values) {
    const s = typeof v === 'string' ? v : String(v);
    if (!seen.has(s)) {
      seen.add(s);
      out.push(s);
    }
  }
  return out;
}

/** A config value as text (`schema`, `alias`, `materialized`), or undefined when unset or none. */
export function configString(config: EffectiveConfig, key: string): string | undefined {
  const v = config.values.get(key);
  if (v === undefined || isNone(v)) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** A config flag: YAML booleans, and the strings Jinja renders ("True", "false"), as dbt's validation accepts them. */
export function configBoolean(config: EffectiveConfig, key: string, fallback: boolean): boolean {
  const v = config.values.get(key);
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (t === 'true' || t === 'yes' || t === '1') return true;
    if (t === 'false' || t === 'no' || t === '0') return false;
  }
  if (typeof v === 'number') return v !== 0;
  return fallback;
}

/** The `tags` config as a list of strings. */
export function configTags(config: EffectiveConfig): string[] {
  return asList(config.values.get('tags')).map((t) => (typeof t === 'string' ? t : String(t)));
}
