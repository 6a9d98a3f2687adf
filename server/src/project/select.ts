// dbt's node selection for `--select` / `--exclude`: names and fqn wildcards, path:, tag:, config.materialized:,
// file:, package:, graph operators (+name, name+, N+name, name+N, @name), space for union, comma for intersection.
// selectModels() works over any list of nodes; selectInProject() and selectResources() apply it to a project's graph
// for loads (engine/select.ts), `dvs seed` and `dvs test`.
import type { DbtProject, NodeKind, ProjectGraphNode, ProjectNode } from './project';

export interface SelectableModel {
  name: string;
  /** Path relative to the project, e.g. `models/dds/hub_user.sql`. */
  path: string;
  tags: string[];
  materialized: string;
  dependsOn: string[];
  /** Package (dbt project name) for fqn selectors such as `my_project.dds.*`. */
  package?: string;
}

export interface SelectOptions {
  /** Package of models that do not name one. */
  projectName?: string;
}

export interface Selection {
  /** Selected model names in graph order. */
  selected: string[];
  /** Selectors that matched nothing (dbt warns and goes on). */
  warnings: string[];
  /** Selectors that cannot be read (unknown method, bad syntax); the selection ignores them. */
  errors: string[];
}

interface Criterion {
  text: string;
  childrensParents: boolean;
  parents: number | undefined; // undefined: no parents; Infinity: all
  children: number | undefined;
  method: string;
  value: string;
}

const METHODS = new Set(['fqn', 'path', 'file', 'tag', 'config.materialized', 'package']);

/** Splits the arguments into selectors: separate args and space-separated ones both mean union. */
function splitSelectors(args: string[]): string[] {
  return args.flatMap((a) => a.split(/\s+/)).filter((s) => s.length > 0);
}

function parseCriterion(text: string): Criterion | string {
  const m = /^(@)?(?:(\d*)\+)?(.+?)(?:\+(\d*))?$/.exec(text);
  if (!m || !m[3]) return `cannot read selector '${text}'`;
  const [, at, up, body, down] = m;
  const depth = (s: string | undefined) => (s === undefined ? undefined : s === '' ? Infinity : Number(s));
  let method = 'fqn';
  let value = body as string;
  const colon = value.indexOf(':');
  if (colon > 0) {
    method = value.slice(0, colon);
    value = value.slice(colon + 1);
    if (!METHODS.has(method)) {
      return `unknown selector method '${method}' in '${text}' (known: ${[...METHODS].join(', ')})`;
    }
  } else if (/[/\\]/.test(value) || value.endsWith('.sql')) {
    method = 'path';
  }
  if (at && up !== undefined) return `selector '${text}' cannot combine @ with a leading +`;
  return { text, childrensParents: at === '@', parents: depth(up), children: depth(down), method, value };
}

/** fnmatch-style wildcards: `*`, `?`, `[abc]`. */
function globMatcher(pattern: string): (s: string) => boolean {
  if (!/[*?[]/.test(pattern)) return (s) => s === pattern;
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        const body = pattern.slice(i + 1, end).replace(/\\/g, '\\\\');
        re += '[' + (body.startsWith('!') ? '^' + body.slice(1) : body) + ']';
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  const compiled = new RegExp(`^${re}$`);
  return (s) => compiled.test(s);
}

function normalizePath(p: string): string {
  return p.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '');
}

function fqnOf(model: SelectableModel, options: SelectOptions): string[] {
  const parts = normalizePath(model.path).split('/');
  // The first segment is the model path (`models`); dbt's fqn has the folders below it.
  const folders = parts.slice(1, -1);
  return [model.package ?? options.projectName ?? '', ...folders, model.name];
}

function matchesMethod(model: SelectableModel, c: Criterion, options: SelectOptions): boolean {
  switch (c.method) {
    case 'fqn': {
      const parts = c.value.split('.');
      if (parts.length === 1 && globMatcher(c.value)(model.name)) return true;
      const fqn = fqnOf(model, options).flatMap((p) => p.split('.'));
      if (parts.length > fqn.length) return false;
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i] as string;
        if (part === '*') return true;
        if (!globMatcher(part)(fqn[i] ?? '')) return false;
      }
      return true;
    }
    case 'path': {
      const wanted = normalizePath(c.value);
      const path = normalizePath(model.path);
      const match = globMatcher(wanted);
      // The file itself, the file without .sql, or any folder above it.
      if (match(path) || match(path.replace(/\.sql$/, ''))) return true;
      const segments = path.split('/');
      for (let i = 1; i < segments.length; i++) if (match(segments.slice(0, i).join('/'))) return true;
      return false;
    }
    case 'file': {
      const base = normalizePath(model.path).split('/').pop() ?? '';
      const match = globMatcher(c.value);
      return match(base) || match(base.replace(/\.sql$/, ''));
    }
    case 'tag':
      return model.tags.some(globMatcher(c.value));
    case 'config.materialized':
      return globMatcher(c.value)(model.materialized);
    case 'package':
      return globMatcher(c.value)(fqnOf(model, options)[0] ?? '');
    default:
      return false;
  }
}

function walk(start: Set<string>, edges: Map<string, string[]>, depth: number): Set<string> {
  const out = new Set<string>();
  let frontier = [...start];
  for (let level = 0; level < depth && frontier.length > 0; level++) {
    const next: string[] = [];
    for (const name of frontier) {
      for (const neighbour of edges.get(name) ?? []) {
        if (!out.has(neighbour) && !start.has(neighbour)) {
          out.add(neighbour);
          next.push(neighbour);
        }
      }
    }
    frontier = next;
  }
  return out;
}

/** The models a dbt selection names: (union of select, or all when empty) minus the union of exclude. */
export function selectModels(graph: SelectableModel[], select: string[], exclude: string[], options: SelectOptions = {}): Selection {
  const names = new Set(graph.map((m) => m.name));
  const parents = new Map<string, string[]>();
  const children = new Map<string, string[]>();
  for (const m of graph) {
    const deps = m.dependsOn.filter((d) => names.has(d));
    parents.set(m.name, deps);
    for (const d of deps) children.set(d, [...(children.get(d) ?? []), m.name]);
  }
  const warnings: string[] = [];
  const errors: string[] = [];

  const evaluate = (criterion: Criterion): Set<string> => {
    const direct = new Set(graph.filter((m) => matchesMethod(m, criterion, options)).map((m) => m.name));
    const out = new Set(direct);
    if (criterion.childrensParents) {
      const down = new Set([...direct, ...walk(direct, children, Infinity)]);
      for (const n of down) out.add(n);
      for (const n of walk(down, parents, Infinity)) out.add(n);
      return out;
    }
    if (criterion.parents !== undefined) for (const n of walk(direct, parents, criterion.parents)) out.add(n);
    if (criterion.children !== undefined) for (const n of walk(direct, children, criterion.children)) out.add(n);
    return out;
  };

  const union = (selectors: string[], warnIfEmpty: boolean): Set<string> => {
    const out = new Set<string>();
    for (const selector of splitSelectors(selectors)) {
      let acc: Set<string> | undefined;
      for (const part of selector.split(',').filter((p) => p.length > 0)) {
        const parsed = parseCriterion(part);
        if (typeof parsed === 'string') {
          errors.push(parsed);
          acc = new Set();
          continue;
        }
        const hit = evaluate(parsed);
        acc = acc === undefined ? hit : new Set([...acc].filter((n) => hit.has(n)));
      }
      if (warnIfEmpty && (acc === undefined || acc.size === 0)) warnings.push(`The selection criterion '${selector}' does not match any models`);
      for (const n of acc ?? []) out.add(n);
    }
    return out;
  };

  const chosen = splitSelectors(select).length === 0 ? names : union(select, true);
  const dropped = union(exclude, false);
  return { selected: graph.map((m) => m.name).filter((n) => chosen.has(n) && !dropped.has(n)), warnings, errors };
}

/** dbt selection over the project's graph nodes that `include` keeps (all by default), with --exclude. */
export function selectInProject(project: DbtProject, select: string[], exclude: string[], include: (n: ProjectGraphNode) => boolean = () => true): Selection {
  const graph = project
    .projectGraphNodes()
    .filter(include)
    .map((n) => ({ name: n.name, path: n.path, tags: n.tags, materialized: n.materialized, dependsOn: n.dependsOn, package: project.name }));
  return selectModels(graph, select, exclude, { projectName: project.name });
}

export interface ResourceSelection {
  nodes: ProjectNode[];
  warnings: string[];
  errors: string[];
}

/**
 * The enabled nodes of the given kinds that `select` (all when empty) minus `exclude` names, ordered by path: seeds for
 * `dvs seed`; models, seeds and snapshots for the models that `dvs test` tests. The selectors see the whole graph.
 */
export function selectResources(project: DbtProject, kinds: readonly NodeKind[], select: string[], exclude: string[]): ResourceSelection {
  const selection = selectInProject(project, select, exclude);
  const chosen = new Set(selection.selected);
  const nodes = project.allNodes().filter((n) => n.enabled && kinds.includes(n.kind) && chosen.has(n.name));
  // A selector that matched only other kinds of nodes matched nothing of these (dbt says so per resource type).
  return { nodes, warnings: selection.warnings, errors: selection.errors };
}
