// Renders a parsed template with Jinja2's semantics as dbt runs it: Python values and scoping (a set inside a loop
// stays in the loop), macros as callables, loop controls, and a step limit. It never throws: the first error stops
// rendering and becomes a diagnostic at the span of the expression that failed; the output so far is returned.
import { closestName, diagnostic, type Diagnostic } from '../base/diagnostic';
import type { Span } from '../base/text';
import type { AssignTarget, CallBlockNode, Expression, FilterCall, Keyword, MacroNode, MacroParam, Statement, Template } from './ast';
import { FILTERS, TESTS, builtinGlobals, type FilterContext, type FilterFunction, type TestFunction } from './builtins';
import { JinjaError, argumentError, typeError, valueError } from './errors';
import { binaryOp, contains, dictKey, getAttribute, getItem, iterate, pyCompare, pyEquals, sliceValue, typeName, undefinedError } from './python';
import { JUndefined, JUnknown, UNDEFINED, callable, floatValue, isCallable, isFloat, numberValue, isObject, makeTuple, renderValue, truthy, type JCallable, type JDict, type JObject, type JValue } from './values';

export interface RenderOptions {
  /** Upper bound on executed statements, loop iterations and calls; exceeding it is a DV015 diagnostic. */
  maxSteps?: number;
  /** Extra or overriding filters (dbt adapters add some). */
  filters?: ReadonlyMap<string, FilterFunction>;
  /** Extra or overriding tests. */
  tests?: ReadonlyMap<string, TestFunction>;
}

export interface RenderResult {
  output: string;
  diagnostics: Diagnostic[];
  /** The template's top-level variables and macros after rendering (what `set` and `macro` defined). */
  variables: Map<string, JValue>;
}

const DEFAULT_MAX_STEPS = 5_000_000;
const MAX_CALL_DEPTH = 200;

class BreakSignal {}
class ContinueSignal {}
/** dbt's `return(value)`: ends the macro with a value instead of its rendered text. */
class ReturnSignal {
  constructor(readonly value: JValue) {}
}

/** The first unknown value in `v`, looking a few levels into lists and dicts (metadata nests that deep). */
function unknownIn(v: JValue | undefined, depth = 4): JUnknown | undefined {
  if (v instanceof JUnknown) return v;
  if (depth === 0) return undefined;
  const items = Array.isArray(v) ? v : v instanceof Map ? [...v.values()] : undefined;
  if (!items) return undefined;
  for (const x of items) {
    const found = unknownIn(x, depth - 1);
    if (found) return found;
  }
  return undefined;
}

/** The first unknown value among a call's arguments (or inside them), if any. */
function unknownAmong(args: readonly JValue[], kwargs: ReadonlyMap<string, JValue>): JUnknown | undefined {
  for (const a of args) {
    const found = unknownIn(a);
    if (found) return found;
  }
  for (const a of kwargs.values()) {
    const found = unknownIn(a);
    if (found) return found;
  }
  return undefined;
}

/** Macros defined in templates (by any renderer): an error inside one is the template's, whatever its arguments. */
const TEMPLATE_MACROS = new WeakSet<JCallable>();

class Frame {
  readonly vars = new Map<string, JValue>();
  constructor(readonly parent?: Frame) {}
}

export function render(template: Template, globals: Map<string, JValue> | Record<string, JValue>, options: RenderOptions = {}): RenderResult {
  const renderer = new Renderer(globals instanceof Map ? globals : new Map(Object.entries(globals)), options);
  const root = new Frame();
  const out: string[] = [];
  const compileError =
    options.filters || options.tests
      ? unknownFilterOrTest(template.body, options.filters ? new Map([...FILTERS, ...options.filters]) : FILTERS, options.tests ? new Map([...TESTS, ...options.tests]) : TESTS)
      : unknownBuiltinFilterOrTest(template.body);
  if (compileError) return { output: '', diagnostics: [compileError], variables: root.vars };
  try {
    renderer.renderBody(template.body, root, out);
  } catch (e) {
    renderer.reportEscaped(e, template.span);
  }
  return { output: out.join(''), diagnostics: renderer.diagnostics, variables: root.vars };
}

/** Each macro definition's unknown filter or test with the built-in ones (null: none), found once per parse. */
const builtinCheckDone = new WeakMap<Statement, Diagnostic | null>();

/**
 * unknownFilterOrTest with the built-in filters and tests, remembered per statement: a model renders the same macro
 * statements (project macros, AutomateDV's) again and again, and the walk found the same each time.
 */
function unknownBuiltinFilterOrTest(body: Statement[]): Diagnostic | undefined {
  // A body rendered again (an AutomateDV template, a model's macros and body) is answered by one lookup.
  const known = builtinBodyCheck.get(body);
  if (known && known.length === body.length) return known.found ? { ...known.found } : undefined;
  const found = firstUnknownBuiltinFilterOrTest(body);
  builtinBodyCheck.set(body, { length: body.length, found: found ?? null });
  return found ? { ...found } : undefined;
}

/** The answer of unknownBuiltinFilterOrTest per body array, with the length it had (a body pushed to is checked again). */
const builtinBodyCheck = new WeakMap<Statement[], { length: number; found: Diagnostic | null }>();

function firstUnknownBuiltinFilterOrTest(body: Statement[]): Diagnostic | undefined {
  for (const st of body) {
    // Only macro definitions are shared between bodies (the project's macros come first in every model's); a model's
    // other statements are checked once with their body, and remembering each cost a weak-map entry per statement.
    let found = st.kind === 'Macro' ? builtinCheckDone.get(st) : undefined;
    if (found === undefined) {
      found = unknownFilterOrTest([st], FILTERS, TESTS) ?? null;
      if (st.kind === 'Macro') builtinCheckDone.set(st, found);
    }
    // A copy: whoever gets the diagnostic may add to it.
    if (found) return { ...found };
  }
  return undefined;
}

/**
 * Jinja2 resolves filters and tests when it compiles a template: an unknown one fails the whole template before
 * anything renders, unless it sits inside an if statement or an inline if, where the check waits until it runs.
 */
function unknownFilterOrTest(body: Statement[], filters: ReadonlyMap<string, FilterFunction>, tests: ReadonlyMap<string, TestFunction>): Diagnostic | undefined {
  let found: Diagnostic | undefined;
  const report = (kind: 'filter' | 'test', name: string, span: Span): void => {
    const known = kind === 'filter' ? filters : tests;
    if (found || known.has(name)) return;
    const suggestion = closestName(name, known.keys());
    found = diagnostic(kind === 'filter' ? 'DV013' : 'DV014', 'error', `No ${kind} named '${name}'.${suggestion ? ` Did you mean '${suggestion}'?` : ''}`, span);
  };
  const expr = (e: Expression | undefined, soft: boolean): void => {
    if (!e || found) return;
    switch (e.kind) {
      case 'Filter':
        if (!soft) report('filter', e.filter.name, e.filter.nameSpan);
        expr(e.value, soft);
        filterCall(e.filter, soft);
        return;
      case 'Test':
        if (!soft) report('test', e.name, e.nameSpan);
        expr(e.value, soft);
        for (const a of e.args) expr(a, soft);
        for (const k of e.kwargs) expr(k.value, soft);
        return;
      case 'CondExpr':
        expr(e.test, true);
        expr(e.then, true);
        expr(e.otherwise, true);
        return;
      case 'List':
      case 'Tuple':
        for (const x of e.items) expr(x, soft);
        return;
      case 'Dict':
        for (const x of e.items) {
          expr(x.key, soft);
          expr(x.value, soft);
        }
        return;
      case 'Getattr':
        expr(e.object, soft);
        return;
      case 'Getitem':
        expr(e.object, soft);
        expr(e.index, soft);
        return;
      case 'Slice':
        expr(e.start, soft);
        expr(e.stop, soft);
        expr(e.step, soft);
        return;
      case 'Call':
        expr(e.callee, soft);
        for (const a of e.args) expr(a, soft);
        for (const k of e.kwargs) expr(k.value, soft);
        expr(e.dynArgs, soft);
        expr(e.dynKwargs, soft);
        return;
      case 'Unary':
        expr(e.operand, soft);
        return;
      case 'Binary':
        expr(e.left, soft);
        expr(e.right, soft);
        return;
      case 'Compare':
        expr(e.first, soft);
        for (const o of e.ops) expr(o.expr, soft);
        return;
      default:
        return;
    }
  };
  const filterCall = (f: FilterCall, soft: boolean): void => {
    for (const a of f.args) expr(a, soft);
    for (const k of f.kwargs) expr(k.value, soft);
    expr(f.dynArgs, soft);
    expr(f.dynKwargs, soft);
  };
  const filterChain = (filters: FilterCall[], soft: boolean): void => {
    for (const f of filters) {
      if (!soft) report('filter', f.name, f.nameSpan);
      filterCall(f, soft);
    }
  };
  const statements = (list: Statement[], soft: boolean): void => {
    for (const st of list) {
      if (found) return;
      switch (st.kind) {
        case 'Output':
        case 'Do':
          expr(st.expr, soft);
          break;
        case 'If':
          for (const b of st.branches) {
            expr(b.test, true);
            statements(b.body, true);
          }
          if (st.elseBody) statements(st.elseBody, true);
          break;
        case 'For':
          expr(st.iter, soft);
          expr(st.filter, false);
          statements(st.body, false);
          if (st.elseBody) statements(st.elseBody, false);
          break;
        case 'Set':
          expr(st.value, soft);
          break;
        case 'SetBlock':
          filterChain(st.filters, soft);
          statements(st.body, false);
          break;
        case 'Macro':
          for (const p of st.params) expr(p.default, false);
          statements(st.body, false);
          break;
        case 'CallBlock':
          expr(st.call, soft);
          statements(st.body, false);
          break;
        case 'FilterBlock':
          filterChain(st.filters, soft);
          statements(st.body, false);
          break;
        case 'With':
          for (const a of st.assignments) expr(a.value, soft);
          statements(st.body, false);
          break;
        case 'NamedBlock':
          if (st.tag === 'snapshot' || st.tag === 'docs') statements(st.body, soft);
          break;
        default:
          break;
      }
    }
  };
  statements(body, false);
  return found;
}

class LoopContext implements JObject {
  readonly kind = 'object' as const;
  private lastChanged: JValue[] | undefined;
  index0 = 0;
  constructor(
    private readonly items: JValue[],
    private readonly depth0: number,
  ) {}
  render(): string {
    return `<LoopContext ${this.index0 + 1}/${this.items.length}>`;
  }
  getAttr(name: string): JValue {
    const n = this.items.length;
    const i = this.index0;
    switch (name) {
      case 'index':
        return i + 1;
      case 'index0':
        return i;
      case 'revindex':
        return n - i;
      case 'revindex0':
        return n - i - 1;
      case 'first':
        return i === 0;
      case 'last':
        return i === n - 1;
      case 'length':
        return n;
      case 'depth':
        return this.depth0 + 1;
      case 'depth0':
        return this.depth0;
      case 'previtem':
        return i > 0 ? (this.items[i - 1] as JValue) : new JUndefined('previtem', 'there is no previous item');
      case 'nextitem':
        return i < n - 1 ? (this.items[i + 1] as JValue) : new JUndefined('nextitem', 'there is no next item');
      case 'cycle':
        return callable('loop.cycle', (args) => {
          if (!args.length) throw argumentError('no items for cycling given');
          return args[i % args.length] as JValue;
        });
      case 'changed':
        return callable('loop.changed', (args) => {
          if (this.lastChanged && pyEquals(this.lastChanged, args)) return false;
          this.lastChanged = args;
          return true;
        });
      default:
        return new JUndefined(name, `'LoopContext' object has no attribute '${name}'`);
    }
  }
}

/** Names a macro body reads, to know whether it accepts extra arguments (varargs, kwargs) as Jinja decides. */
function namesRead(body: Statement[]): Set<string> {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const x of node) visit(x);
      return;
    }
    const n = node as { kind?: string; name?: string };
    if (n.kind === 'Name' && typeof n.name === 'string') names.add(n.name);
    if (n.kind === 'Macro') return;
    for (const [key, value] of Object.entries(node)) if (key !== 'span' && typeof value === 'object') visit(value);
  };
  visit(body);
  return names;
}

/**
 * The names each macro body reads, kept per syntax tree node for the life of the tree: a package's macros are parsed
 * once and defined again for every model, and walking every body each time cost seconds per model.
 */
const MACRO_NAMES = new WeakMap<Statement[], Set<string>>();

/**
 * Defines macros as callables over `globals` without rendering anything, as dbt loads a package's macros: each call
 * renders the macro's body then and there, and `globals` is read at call time, so it may be filled in afterwards (a
 * macro of a package reaching the others of its package by name). Errors inside a call are thrown to the caller as
 * JinjaErrors; `diagnostics` collects the warnings the calls make.
 */
export function defineMacros(
  macros: readonly MacroNode[],
  globals: Map<string, JValue>,
  options: RenderOptions = {},
): { callables: Map<string, JCallable>; diagnostics: Diagnostic[] } {
  const renderer = new Renderer(globals, options);
  const root = new Frame();
  const callables = new Map<string, JCallable>();
  for (const m of macros) callables.set(m.name, renderer.macroCallable(m, root));
  return { callables, diagnostics: renderer.diagnostics };
}

class Renderer implements FilterContext {
  readonly diagnostics: Diagnostic[] = [];
  private steps = 0;
  private readonly maxSteps: number;
  private depth = 0;
  private loopDepth = 0;
  private callSpan: Span | undefined;
  /** Made on the first lookup that reaches them: most renders (AutomateDV's templates) never do. */
  private builtins: Map<string, JValue> | undefined;
  private readonly filters: ReadonlyMap<string, FilterFunction>;
  private readonly tests: ReadonlyMap<string, TestFunction>;

  constructor(
    private readonly globals: Map<string, JValue>,
    options: RenderOptions,
  ) {
    this.maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
    this.filters = options.filters ? new Map([...FILTERS, ...options.filters]) : FILTERS;
    this.tests = options.tests ? new Map([...TESTS, ...options.tests]) : TESTS;
  }

  /** Turns whatever escaped the template into a diagnostic. */
  reportEscaped(e: unknown, templateSpan: Span): void {
    if (e instanceof ReturnSignal) return;
    if (e instanceof BreakSignal || e instanceof ContinueSignal) {
      this.diagnostics.push(diagnostic('DV019', 'error', "'break' and 'continue' are only allowed inside a for loop.", templateSpan));
      return;
    }
    const err = this.wrapError(e, templateSpan);
    this.diagnostics.push(diagnostic(err.code, 'error', err.message, err.span ?? templateSpan));
  }

  private tick(): void {
    if (++this.steps > this.maxSteps) {
      throw new JinjaError(`Rendering stopped after ${this.maxSteps} steps: a loop or a recursive macro does not end.`, 'DV015');
    }
  }

  /** Gives an error the span of the code that raised it (the innermost one wins) and a DV code. */
  private wrapError(e: unknown, span: Span): JinjaError {
    if (e instanceof JinjaError) {
      if (!e.span) e.span = span;
      return e;
    }
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      return new JinjaError('Rendering stopped: macros call each other too deeply (recursion without end?).', 'DV015', span);
    }
    if (e instanceof Error) {
      const code = (e as { code?: unknown }).code;
      return new JinjaError(e.message, typeof code === 'string' && /^DV\d{3}$/.test(code) ? code : 'DV010', span);
    }
    return new JinjaError(String(e), 'DV010', span);
  }

  private at<T>(span: Span, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof BreakSignal || e instanceof ContinueSignal || e instanceof ReturnSignal) throw e;
      throw this.wrapError(e, span);
    }
  }

  private makeBuiltins(): Map<string, JValue> {
    const builtins = builtinGlobals({
      warn: (code, message) => this.diagnostics.push(diagnostic(code, 'warning', message, this.callSpan)),
    });
    builtins.set(
      'return',
      callable('return', (args) => {
        throw new ReturnSignal(args[0] ?? null);
      }),
    );
    return builtins;
  }

  private lookup(name: string, frame: Frame): JValue {
    for (let f: Frame | undefined = frame; f; f = f.parent) {
      const v = f.vars.get(name);
      if (v !== undefined) return v;
    }
    const g = this.globals.get(name);
    if (g !== undefined) return g;
    const b = (this.builtins ??= this.makeBuiltins()).get(name);
    if (b !== undefined) return b;
    return new JUndefined(name, `'${name}' is undefined`);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Statements

  renderBody(body: Statement[], frame: Frame, out: string[]): void {
    for (const node of body) {
      this.tick();
      this.renderStatement(node, frame, out);
    }
  }

  private renderStatement(node: Statement, frame: Frame, out: string[]): void {
    switch (node.kind) {
      case 'Text':
      case 'Raw':
        out.push(node.value);
        return;
      case 'Comment':
        return;
      case 'Output': {
        const v = this.evaluate(node.expr, frame);
        out.push(v instanceof JUndefined ? '' : renderValue(v));
        return;
      }
      case 'If':
        for (const branch of node.branches) {
          if (truthy(this.evaluate(branch.test, frame))) {
            this.renderBody(branch.body, frame, out);
            return;
          }
        }
        if (node.elseBody) this.renderBody(node.elseBody, frame, out);
        return;
      case 'For':
        this.renderFor(node, frame, out);
        return;
      case 'Set':
        this.assign(node.target, this.evaluate(node.value, frame), frame);
        return;
      case 'SetBlock': {
        const captured: string[] = [];
        this.renderBody(node.body, new Frame(frame), captured);
        let value: JValue = captured.join('');
        for (const f of node.filters) value = this.applyFilter(f, value, frame, f.span);
        this.assign(node.target, value, frame);
        return;
      }
      case 'Macro':
        frame.vars.set(node.name, this.defineMacro(node.name, node.params, node.body, frame));
        return;
      case 'CallBlock':
        out.push(this.renderCallBlock(node, frame));
        return;
      case 'FilterBlock': {
        const captured: string[] = [];
        this.renderBody(node.body, new Frame(frame), captured);
        let value: JValue = captured.join('');
        for (const f of node.filters) value = this.applyFilter(f, value, frame, f.span);
        out.push(value instanceof JUndefined ? '' : renderValue(value));
        return;
      }
      case 'Do':
        this.evaluate(node.expr, frame);
        return;
      case 'With': {
        const inner = new Frame(frame);
        for (const a of node.assignments) this.assign(a.target, this.evaluate(a.value, frame), inner);
        this.renderBody(node.body, inner, out);
        return;
      }
      case 'NamedBlock':
        if (node.tag === 'snapshot' || node.tag === 'docs') this.renderBody(node.body, frame, out);
        return;
      case 'Break':
        if (!this.loopDepth) throw new JinjaError("'break' is only allowed inside a for loop.", 'DV019', node.span);
        throw new BreakSignal();
      case 'Continue':
        if (!this.loopDepth) throw new JinjaError("'continue' is only allowed inside a for loop.", 'DV019', node.span);
        throw new ContinueSignal();
    }
  }

  private renderFor(node: Extract<Statement, { kind: 'For' }>, frame: Frame, out: string[]): void {
    const iterable = this.evaluate(node.iter, frame);
    // An undefined value loops zero times, as Jinja's Undefined does.
    let items = this.at(node.iter.span, () => iterate(iterable));
    if (node.filter) {
      const test = node.filter;
      items = items.filter((item) => {
        const f = new Frame(frame);
        this.assign(node.target, item, f);
        return truthy(this.evaluate(test, f));
      });
    }
    if (!items.length) {
      if (node.elseBody) this.renderBody(node.elseBody, new Frame(frame), out);
      return;
    }
    const outerLoop = this.lookup('loop', frame);
    const depth0 = outerLoop instanceof LoopContext ? (outerLoop.getAttr('depth') as number) : 0;
    const loop = new LoopContext(items, node.recursive ? depth0 : 0);
    this.loopDepth++;
    try {
      for (let i = 0; i < items.length; i++) {
        this.tick();
        loop.index0 = i;
        const f = new Frame(frame);
        this.assign(node.target, items[i] as JValue, f);
        f.vars.set('loop', loop);
        try {
          this.renderBody(node.body, f, out);
        } catch (e) {
          if (e instanceof BreakSignal) break;
          if (e instanceof ContinueSignal) continue;
          throw e;
        }
      }
    } finally {
      this.loopDepth--;
    }
  }

  private assign(target: AssignTarget, value: JValue, frame: Frame): void {
    switch (target.kind) {
      case 'Name':
        frame.vars.set(target.name, value);
        return;
      case 'Tuple': {
        if (value instanceof JUnknown) {
          for (const t of target.items) this.assign(t as AssignTarget, value, frame);
          return;
        }
        const items = this.at(target.span, () => iterate(value));
        if (items.length !== target.items.length) {
          const message =
            items.length > target.items.length
              ? `too many values to unpack (expected ${target.items.length})`
              : `not enough values to unpack (expected ${target.items.length}, got ${items.length})`;
          throw new JinjaError(message, 'DV017', target.span);
        }
        target.items.forEach((t, i) => this.assign(t as AssignTarget, items[i] as JValue, frame));
        return;
      }
      case 'Getattr': {
        const obj = this.evaluate(target.object, frame);
        if (!isObject(obj) || !obj.setAttr) {
          throw new JinjaError(`Cannot assign the attribute '${target.attr}': only a namespace() accepts '{% set ns.attr = … %}'.`, 'DV012', target.span);
        }
        obj.setAttr(target.attr, value);
        return;
      }
      default:
        return;
    }
  }

  private usesName(body: Statement[], name: string): boolean {
    let names = MACRO_NAMES.get(body);
    if (!names) {
      names = namesRead(body);
      MACRO_NAMES.set(body, names);
    }
    return names.has(name);
  }

  macroCallable(node: MacroNode, defining: Frame): JCallable {
    return this.defineMacro(node.name, node.params, node.body, defining);
  }

  private defineMacro(name: string, params: MacroParam[], body: Statement[], defining: Frame): JCallable {
    const acceptsVarargs = this.usesName(body, 'varargs');
    const acceptsKwargs = this.usesName(body, 'kwargs');
    const acceptsCaller = this.usesName(body, 'caller');
    const macro = callable(name, (args, kwargs) => {
      if (++this.depth > MAX_CALL_DEPTH) {
        this.depth--;
        throw new JinjaError(`Rendering stopped: macro '${name}' is nested more than ${MAX_CALL_DEPTH} calls deep (recursion without end?).`, 'DV015');
      }
      try {
        const f = new Frame(defining);
        const rest = new Map(kwargs);
        if (args.length > params.length && !acceptsVarargs) {
          throw argumentError(`macro '${name}' takes not more than ${params.length} argument(s), but ${args.length} were given`);
        }
        params.forEach((p, i) => {
          if (i < args.length) {
            if (rest.has(p.name)) throw argumentError(`macro '${name}' got multiple values for argument '${p.name}'`);
            f.vars.set(p.name, args[i] as JValue);
          } else if (rest.has(p.name)) {
            f.vars.set(p.name, rest.get(p.name) as JValue);
            rest.delete(p.name);
          } else if (p.default) {
            f.vars.set(p.name, this.evaluate(p.default, f));
          } else {
            f.vars.set(p.name, new JUndefined(p.name, `parameter '${p.name}' was not provided`));
          }
        });
        const caller = rest.get('caller');
        if (caller !== undefined && (acceptsCaller || !params.some((p) => p.name === 'caller'))) {
          rest.delete('caller');
          f.vars.set('caller', caller);
        }
        if (rest.size && !acceptsKwargs) {
          throw argumentError(`macro '${name}' takes no keyword argument '${[...rest.keys()][0] as string}'`);
        }
        f.vars.set('varargs', makeTuple(args.slice(params.length)));
        f.vars.set('kwargs', rest as JDict);
        const out: string[] = [];
        try {
          this.renderBody(body, f, out);
        } catch (e) {
          if (e instanceof ReturnSignal) return e.value;
          throw e;
        }
        return out.join('');
      } finally {
        this.depth--;
      }
    });
    TEMPLATE_MACROS.add(macro);
    return macro;
  }

  private renderCallBlock(node: CallBlockNode, frame: Frame): string {
    const caller = this.defineMacro('caller', node.params, node.body, frame);
    const call = node.call;
    const fn = this.evaluate(call.callee, frame);
    const { args, kwargs } = this.evaluateArguments(call.args, call.kwargs, call.dynArgs, call.dynKwargs, frame);
    kwargs.set('caller', caller);
    const result = this.invoke(fn, args, kwargs, call.span, call.callee);
    return result instanceof JUndefined ? '' : renderValue(result);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Expressions

  evaluate(expr: Expression, frame: Frame): JValue {
    switch (expr.kind) {
      case 'Const':
        return expr.float && typeof expr.value === 'number' ? floatValue(expr.value) : expr.value;
      case 'Name':
        return this.lookup(expr.name, frame);
      case 'List':
        return expr.items.map((x) => this.evaluate(x, frame));
      case 'Tuple':
        return makeTuple(expr.items.map((x) => this.evaluate(x, frame)));
      case 'Dict': {
        const d: JDict = new Map();
        for (const item of expr.items) {
          const key = this.evaluate(item.key, frame);
          d.set(dictKey(key), this.evaluate(item.value, frame));
        }
        return d;
      }
      case 'Getattr': {
        const obj = this.evaluate(expr.object, frame);
        return this.at(expr.span, () => getAttribute(obj, expr.attr));
      }
      case 'Getitem': {
        const obj = this.evaluate(expr.object, frame);
        if (expr.index.kind === 'Slice') {
          const s = expr.index;
          const part = (e: Expression | undefined): JValue => (e ? this.evaluate(e, frame) : null);
          const start = part(s.start);
          const stop = part(s.stop);
          const step = part(s.step);
          return this.at(expr.span, () => sliceValue(obj, start, stop, step));
        }
        const key = this.evaluate(expr.index, frame);
        return this.at(expr.span, () => getItem(obj, key));
      }
      case 'Slice':
        throw new JinjaError('A slice is only allowed inside [ ].', 'DV019', expr.span);
      case 'Call': {
        const fn = this.evaluate(expr.callee, frame);
        const { args, kwargs } = this.evaluateArguments(expr.args, expr.kwargs, expr.dynArgs, expr.dynKwargs, frame);
        return this.invoke(fn, args, kwargs, expr.span, expr.callee);
      }
      case 'Filter': {
        const value = this.evaluate(expr.value, frame);
        return this.applyFilter(expr.filter, value, frame, expr.span);
      }
      case 'Test': {
        const value = this.evaluate(expr.value, frame);
        const test = this.tests.get(expr.name);
        if (!test) {
          const suggestion = closestName(expr.name, this.tests.keys());
          throw new JinjaError(`No test named '${expr.name}'.${suggestion ? ` Did you mean '${suggestion}'?` : ''}`, 'DV014', expr.nameSpan);
        }
        const { args, kwargs } = this.evaluateArguments(expr.args, expr.kwargs, undefined, undefined, frame);
        this.tick();
        const result = this.at(expr.span, () => {
          try {
            return test(value, args, kwargs, this);
          } catch (e) {
            // A test that cannot judge an unknown value answers no, as it would for a value of another type.
            if (unknownIn(value) || unknownAmong(args, kwargs)) return false;
            throw e;
          }
        });
        return expr.negated ? !result : result;
      }
      case 'Unary': {
        const v = this.evaluate(expr.operand, frame);
        if (expr.op === 'not') return !truthy(v);
        if (v instanceof JUnknown) return v;
        return this.at(expr.span, () => {
          if (v instanceof JUndefined) throw undefinedError(v, `it cannot be used with unary '${expr.op}'`);
          const n = numberValue(v);
          if (n === undefined) throw typeError(`bad operand type for unary ${expr.op}: '${typeName(v)}'`);
          const result = expr.op === '-' ? -n : n;
          return isFloat(v) ? floatValue(result) : result;
        });
      }
      case 'Binary': {
        const left = this.evaluate(expr.left, frame);
        if (expr.op === 'and') return truthy(left) ? this.evaluate(expr.right, frame) : left;
        if (expr.op === 'or') return truthy(left) ? left : this.evaluate(expr.right, frame);
        const right = this.evaluate(expr.right, frame);
        return this.at(expr.span, () => binaryOp(expr.op, left, right));
      }
      case 'Compare': {
        let left = this.evaluate(expr.first, frame);
        for (const operand of expr.ops) {
          const right = this.evaluate(operand.expr, frame);
          const ok = this.at(expr.span, () => compare(operand.op, left, right));
          if (!ok) return false;
          left = right;
        }
        return true;
      }
      case 'CondExpr':
        if (truthy(this.evaluate(expr.test, frame))) return this.evaluate(expr.then, frame);
        return expr.otherwise ? this.evaluate(expr.otherwise, frame) : new JUndefined('', 'the inline if-expression evaluated to false and has no else section');
      case 'Invalid':
        return UNDEFINED;
    }
  }

  private evaluateArguments(
    argExprs: Expression[],
    kwargExprs: Keyword[],
    dynArgs: Expression | undefined,
    dynKwargs: Expression | undefined,
    frame: Frame,
  ): { args: JValue[]; kwargs: Map<string, JValue> } {
    const args = argExprs.map((a) => this.evaluate(a, frame));
    if (dynArgs) {
      const extra = this.evaluate(dynArgs, frame);
      args.push(...this.at(dynArgs.span, () => iterate(extra)));
    }
    const kwargs = new Map<string, JValue>();
    for (const k of kwargExprs) kwargs.set(k.name, this.evaluate(k.value, frame));
    if (dynKwargs) {
      const extra = this.evaluate(dynKwargs, frame);
      if (extra instanceof JUnknown) return { args, kwargs };
      if (!(extra instanceof Map)) throw new JinjaError(`Argument after ** must be a mapping, not ${typeName(extra)}`, 'DV012', dynKwargs.span);
      for (const [k, v] of extra) kwargs.set(k, v);
    }
    return { args, kwargs };
  }

  private invoke(fn: JValue, args: JValue[], kwargs: Map<string, JValue>, span: Span, callee: Expression): JValue {
    if (fn instanceof JUndefined) throw new JinjaError(undefinedError(fn, 'it cannot be called').message, 'DV011', callee.span);
    if (fn instanceof JUnknown) return fn;
    if (!isCallable(fn)) throw new JinjaError(`'${typeName(fn)}' object is not callable`, 'DV012', span);
    this.tick();
    const previous = this.callSpan;
    this.callSpan = span;
    try {
      return fn.call(args, kwargs);
    } catch (e) {
      if (e instanceof ReturnSignal || e instanceof BreakSignal || e instanceof ContinueSignal) throw e;
      // A function of the host (ref, a vault macro, a dbt context function) that fails on an unknown argument may well
      // succeed on the real value: its result is unknown too, not an error.
      const unknown = TEMPLATE_MACROS.has(fn) ? undefined : unknownAmong(args, kwargs);
      if (unknown) return unknown;
      throw this.wrapError(e, span);
    } finally {
      this.callSpan = previous;
    }
  }

  private applyFilter(filter: FilterCall, value: JValue, frame: Frame, span: Span): JValue {
    const fn = this.filters.get(filter.name);
    if (!fn) {
      const suggestion = closestName(filter.name, this.filters.keys());
      throw new JinjaError(`No filter named '${filter.name}'.${suggestion ? ` Did you mean '${suggestion}'?` : ''}`, 'DV013', filter.nameSpan);
    }
    const { args, kwargs } = this.evaluateArguments(filter.args, filter.kwargs, filter.dynArgs, filter.dynKwargs, frame);
    this.tick();
    if (value instanceof JUnknown) return value;
    const previous = this.callSpan;
    this.callSpan = span;
    try {
      return this.at(span, () => {
        try {
          return fn(value, args, kwargs, this);
        } catch (e) {
          const unknown = unknownIn(value) ?? unknownAmong(args, kwargs);
          if (unknown) return unknown;
          throw e;
        }
      });
    } finally {
      this.callSpan = previous;
    }
  }

  // FilterContext: what map(), select() and friends call back into.
  callFilter(name: string, value: JValue, args: JValue[], kwargs: Map<string, JValue>): JValue {
    const fn = this.filters.get(name);
    if (!fn) throw new JinjaError(`No filter named '${name}'.`, 'DV013');
    this.tick();
    if (value instanceof JUnknown) return value;
    return fn(value, args, kwargs, this);
  }
  callTest(name: string, value: JValue, args: JValue[], kwargs: Map<string, JValue>): boolean {
    const fn = this.tests.get(name);
    if (!fn) throw new JinjaError(`No test named '${name}'.`, 'DV014');
    this.tick();
    return fn(value, args, kwargs, this);
  }
}

function compare(op: string, left: JValue, right: JValue): boolean {
  switch (op) {
    case '==':
      return pyEquals(left, right);
    case '!=':
      return !pyEquals(left, right);
    case '<':
      return pyCompare(left, right, op) < 0;
    case '<=':
      return pyCompare(left, right, op) <= 0;
    case '>':
      return pyCompare(left, right, op) > 0;
    case '>=':
      return pyCompare(left, right, op) >= 0;
    case 'in':
      return contains(right, left);
    case 'not in':
      return !contains(right, left);
    default:
      throw valueError(`unknown comparison '${op}'`);
  }
}
