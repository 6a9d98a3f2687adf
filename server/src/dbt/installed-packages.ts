// Installed packages' own macros rendered as dbt renders them, for one model: every package's macros and the project's
// become callables over the model's context; `pkg.macro()` reaches a package's macro, a bare name the project's macro
// first (its overrides) and then the calling package's own; adapter.dispatch searches the project and the namespace
// (or dbt_project.yml's `dispatch:` search order) for postgres__ then default__. With AutomateDV installed this is
// how its hubs, links and satellites compile: by its own macros, so forks, patched and future releases are exact.
// Nothing is parsed here: package-macros.ts parses each file once per process, when one of its macros is first used.
import { SourceText } from '../base/text';
import { CompileError } from '../base/compile-error';
import type { MacroNode } from '../jinja/ast';
import { JinjaError } from '../jinja/errors';
import { defineMacros } from '../jinja/render';
import { JUndefined, isList, type JCallable, type JObject, type JValue } from '../jinja/values';
import { relativePath } from '../project/file-system';
import type { PackageMacros } from './package-macros';

/**
 * An error raised inside a package macro (exceptions.raise_compiler_error, or a template error): it fails the model at
 * the model's own call, as dbt reports "Compilation Error in model …", with where in the package it was raised.
 */
export class PackageMacroError extends CompileError {}

export interface MacroWorldOptions {
  /** The root project's name: its macros are reachable as `<name>.macro()` and searched first by dispatch. */
  projectName: string;
  projectMacros: readonly MacroNode[];
  packages: readonly PackageMacros[];
  /** dbt_project.yml `dispatch:`: namespace → packages to search, in order. */
  dispatchOrder: ReadonlyMap<string, readonly string[]>;
  /** The model's context (ref, this, config, var, adapter …) without any macro. */
  globals: ReadonlyMap<string, JValue>;
  /** What dispatch answers when no package implements a macro of a namespace that is not installed. */
  unresolvedDispatch?: (macro: string, namespace: string | undefined) => JCallable;
}

export interface MacroWorld {
  /** `automate_dv`, `dbt_utils`, … → the package's namespace object. */
  namespaces: Map<string, JObject>;
  /** The project's own macros as callables (what package code reaches by bare name). */
  projectCallables: Map<string, JCallable>;
  /** adapter.dispatch(macro_name, macro_namespace) as dbt resolves it. */
  dispatch(macro: string, namespace: string | undefined, packages?: JValue): JCallable;
  /** Sets a name in every scope (the model's and each package's), e.g. `adapter` once dispatch exists. */
  setGlobal(name: string, value: JValue): void;
}

const ADAPTER_PREFIXES = ['postgres', 'default'];

/** Line of a span start in a file, 1-based, for "in macro x (file line n)". */
function lineOf(text: string, offset: number): number {
  return new SourceText(text).positionAt(offset).line + 1;
}

/**
 * Wraps a package macro so that what fails inside it fails the model's call with the package location, once (the
 * innermost macro names the place; the ones around it pass the error on).
 */
function atBoundary(pkg: PackageMacros, node: MacroNode, fn: JCallable, projectRoot: string | undefined): JCallable {
  return {
    kind: 'callable',
    name: fn.name,
    call(args, kwargs) {
      try {
        return fn.call(args, kwargs);
      } catch (e) {
        if (e instanceof PackageMacroError) throw e;
        if (!(e instanceof Error)) throw e;
        const where = pkg.fileOf?.get(node);
        let location = '';
        if (where) {
          const span = e instanceof JinjaError ? e.span : undefined;
          const file = projectRoot ? relativePath(projectRoot, where.file) : where.file;
          location = ` (in macro ${pkg.name}.${node.name}, ${file}${span ? ` line ${lineOf(where.text, span.start)}` : ''})`;
        }
        const code = (e as { code?: unknown }).code;
        throw new PackageMacroError(`${e.message}${location}`, typeof code === 'string' && /^DV\d{3}$/.test(code) && code !== 'DV010' ? code : 'DV200');
      }
    },
  };
}

function namespaceOf(name: string, members: Map<string, JCallable>): JObject {
  return {
    kind: 'object',
    // dbt fails on a macro the installed version lacks (nh_link before 0.11.5, say): so does this, saying which.
    getAttr: (attr) => members.get(attr) ?? new JUndefined(`${name}.${attr}`, `the installed package '${name}' has no macro '${attr}'`),
    render: () => `<package ${name}>`,
  };
}

/** A package's macros grouped by the file that defines them, files and macros in their order. */
function macrosByFile(pkg: PackageMacros): MacroNode[][] {
  const groups = new Map<string, MacroNode[]>();
  for (const m of pkg.macros) {
    const file = pkg.fileOf?.get(m)?.file ?? '';
    const group = groups.get(file);
    if (group) group.push(m);
    else groups.set(file, [m]);
  }
  return [...groups.values()];
}

/** A callable that looks its macro up on first call. */
function deferredCallable(name: string, resolve: () => JCallable | undefined): JCallable {
  let fn: JCallable | undefined;
  return {
    kind: 'callable',
    name,
    call(args, kwargs) {
      fn ??= resolve();
      if (!fn) throw new CompileError(`macro '${name}' could not be defined`, 'DV200');
      return fn.call(args, kwargs);
    },
  };
}

/** Builds the macro scopes of one model render. Cheap: it defines closures; nothing renders until a macro is called. */
export function buildMacroWorld(options: MacroWorldOptions, projectRoot?: string): MacroWorld {
  const scopes: Map<string, JValue>[] = [];
  const packageCallables = new Map<string, Map<string, JCallable>>();
  const ownScopes = new Map<string, Map<string, JValue>>();
  for (const pkg of options.packages) {
    const scope = new Map(options.globals);
    scopes.push(scope);
    ownScopes.set(pkg.name, scope);
    const wrapped = new Map<string, JCallable>();
    // A later definition of one name wins, as dbt keeps one macro per name and package. The macros of one file are
    // defined together when one of them is first called: defining reads a macro's body, and package-macros.ts parses
    // a file only when its body is first read, so a model never waits for the files it does not reach.
    for (const group of macrosByFile(pkg)) {
      let defined: Map<string, JCallable> | undefined;
      const define = (): Map<string, JCallable> => (defined ??= defineMacros(group, scope).callables);
      for (const m of group) wrapped.set(m.name, atBoundary(pkg, m, deferredCallable(m.name, () => define().get(m.name)), projectRoot));
    }
    packageCallables.set(pkg.name, wrapped);
  }
  const projectScope = new Map(options.globals);
  scopes.push(projectScope);
  const projectCallables = defineMacros(options.projectMacros, projectScope).callables;

  const namespaces = new Map<string, JObject>();
  for (const [name, members] of packageCallables) namespaces.set(name, namespaceOf(name, members));
  if (options.projectName && !namespaces.has(options.projectName)) namespaces.set(options.projectName, namespaceOf(options.projectName, projectCallables));

  const setGlobal = (name: string, value: JValue): void => {
    for (const scope of scopes) scope.set(name, value);
  };
  for (const [name, ns] of namespaces) setGlobal(name, ns);
  // Bare names: the project's macros for everyone (dbt's root namespace), then a package's own macros in its scope.
  for (const [name, fn] of projectCallables) setGlobal(name, fn);
  for (const [pkgName, scope] of ownScopes) {
    for (const [name, fn] of packageCallables.get(pkgName) ?? []) if (!projectCallables.has(name) && !namespaces.has(name)) scope.set(name, fn);
  }

  const lookup = (pkg: string | undefined, name: string): JCallable | undefined => {
    if (pkg === undefined || pkg === options.projectName) return projectCallables.get(name);
    return packageCallables.get(pkg)?.get(name);
  };
  const dispatch = (macro: string, namespace: string | undefined, packages?: JValue): JCallable => {
    if (macro.includes('.')) {
      const [ns, name] = macro.split('.', 2) as [string, string];
      throw new CompileError(`In adapter.dispatch, do not include the namespace in the macro name: write adapter.dispatch('${name}', macro_namespace='${ns}') instead of adapter.dispatch('${macro}').`, 'DV200');
    }
    let search: (string | undefined)[] = [undefined];
    if (isList(packages)) search = packages.map((p) => String(p));
    else if (namespace !== undefined) {
      const order = options.dispatchOrder.get(namespace);
      if (order?.length) search = [...order];
      else if (packageCallables.has(namespace) || namespace === options.projectName) search = [options.projectName, namespace];
    }
    const attempts: string[] = [];
    for (const pkg of search) {
      for (const prefix of ADAPTER_PREFIXES) {
        const name = `${prefix}__${macro}`;
        attempts.push(pkg === undefined ? name : `${pkg}.${name}`);
        const found = lookup(pkg, name);
        if (found) return found;
      }
    }
    const installed = namespace !== undefined && (packageCallables.has(namespace) || namespace === options.projectName);
    if (!installed && options.unresolvedDispatch) return options.unresolvedDispatch(macro, namespace);
    throw new CompileError(`In dispatch: No macro named '${macro}' found within namespace: '${namespace ?? 'None'}'. Searched for: ${attempts.map((a) => `'${a}'`).join(', ')}`, 'DV200');
  };
  return { namespaces, projectCallables, dispatch, setGlobal };
}
