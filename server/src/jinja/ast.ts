// The syntax tree of a Jinja template. Every node carries the span of the source text it came from, and names and
// values inside nodes (keyword names, dict keys, string contents) carry their own spans, so the editor can point at them.
import type { Span } from '../base/text';

export interface Template {
  kind: 'Template';
  span: Span;
  body: Statement[];
}

// ---------------------------------------------------------------------------------------------------------------
// Statements (template-level nodes)

/** Literal template text, after whitespace control and newline normalisation. */
export interface TextNode {
  kind: 'Text';
  span: Span;
  value: string;
}

export interface CommentNode {
  kind: 'Comment';
  span: Span;
}

/** `{{ expr }}`. */
export interface OutputNode {
  kind: 'Output';
  span: Span;
  expr: Expression;
}

export interface IfBranch {
  /** The `{% if %}` or `{% elif %}` tag. */
  tagSpan: Span;
  test: Expression;
  body: Statement[];
}

export interface IfNode {
  kind: 'If';
  span: Span;
  branches: IfBranch[];
  elseBody?: Statement[];
  elseTagSpan?: Span;
  endTagSpan?: Span;
}

export interface ForNode {
  kind: 'For';
  span: Span;
  tagSpan: Span;
  target: AssignTarget;
  iter: Expression;
  /** `for x in xs if cond`. */
  filter?: Expression;
  recursive: boolean;
  body: Statement[];
  elseBody?: Statement[];
  elseTagSpan?: Span;
  endTagSpan?: Span;
}

/** `{% set target = value %}`. */
export interface SetNode {
  kind: 'Set';
  span: Span;
  target: AssignTarget;
  value: Expression;
}

/** `{% set name %}…{% endset %}`, optionally `{% set name | filter %}`. */
export interface SetBlockNode {
  kind: 'SetBlock';
  span: Span;
  tagSpan: Span;
  target: AssignTarget;
  filters: FilterCall[];
  body: Statement[];
  endTagSpan?: Span;
}

export interface MacroParam {
  span: Span;
  name: string;
  nameSpan: Span;
  default?: Expression;
}

export interface MacroNode {
  kind: 'Macro';
  span: Span;
  tagSpan: Span;
  name: string;
  nameSpan: Span;
  params: MacroParam[];
  body: Statement[];
  endTagSpan?: Span;
}

/** `{% call(params) some_macro(args) %}body{% endcall %}`: the body becomes `caller()` inside the macro. */
export interface CallBlockNode {
  kind: 'CallBlock';
  span: Span;
  tagSpan: Span;
  params: MacroParam[];
  call: CallExpr;
  body: Statement[];
  endTagSpan?: Span;
}

/** `{% filter upper %}…{% endfilter %}`. */
export interface FilterBlockNode {
  kind: 'FilterBlock';
  span: Span;
  tagSpan: Span;
  filters: FilterCall[];
  body: Statement[];
  endTagSpan?: Span;
}

/** `{% do expr %}` (dbt enables jinja2.ext.do). */
export interface DoNode {
  kind: 'Do';
  span: Span;
  expr: Expression;
}

export interface RawNode {
  kind: 'Raw';
  span: Span;
  contentSpan: Span;
  value: string;
}

export interface WithAssignment {
  target: AssignTarget;
  value: Expression;
}

export interface WithNode {
  kind: 'With';
  span: Span;
  tagSpan: Span;
  assignments: WithAssignment[];
  body: Statement[];
  endTagSpan?: Span;
}

/** `{% break %}` / `{% continue %}` (dbt enables jinja2.ext.loopcontrols). */
export interface LoopControlNode {
  kind: 'Break' | 'Continue';
  span: Span;
}

/**
 * dbt's own block tags: `{% snapshot name %}`, `{% docs name %}`, `{% test name(args) %}`, `{% data_test … %}` and
 * `{% materialization name, adapter='x' %}`. dbt cuts these out of a file before rendering; the renderer renders a
 * snapshot's or docs block's body in place and nothing for the definitions (tests, materializations).
 */
export interface NamedBlockNode {
  kind: 'NamedBlock';
  span: Span;
  tagSpan: Span;
  tag: 'snapshot' | 'docs' | 'test' | 'data_test' | 'materialization';
  name: string;
  nameSpan: Span;
  body: Statement[];
  endTagSpan?: Span;
}

export type Statement =
  | TextNode
  | CommentNode
  | OutputNode
  | IfNode
  | ForNode
  | SetNode
  | SetBlockNode
  | MacroNode
  | CallBlockNode
  | FilterBlockNode
  | DoNode
  | RawNode
  | WithNode
  | NamedBlockNode
  | LoopControlNode;

// ---------------------------------------------------------------------------------------------------------------
// Expressions

export interface ConstExpr {
  kind: 'Const';
  span: Span;
  value: string | number | boolean | null;
  /** A float literal (`1.0`, `1e3`): Python keeps it a float even when it is whole. */
  float?: boolean;
  /** For strings: the text between the quotes (of the first to the last piece when adjacent strings are joined). */
  contentSpan?: Span;
}

export interface NameExpr {
  kind: 'Name';
  span: Span;
  name: string;
}

export interface ListExpr {
  kind: 'List';
  span: Span;
  items: Expression[];
}

export interface TupleExpr {
  kind: 'Tuple';
  span: Span;
  items: Expression[];
}

export interface DictItem {
  span: Span;
  key: Expression;
  value: Expression;
}

export interface DictExpr {
  kind: 'Dict';
  span: Span;
  items: DictItem[];
}

/** `obj.attr`. */
export interface GetattrExpr {
  kind: 'Getattr';
  span: Span;
  object: Expression;
  attr: string;
  attrSpan: Span;
}

/** `obj[index]`; the index may be a slice. */
export interface GetitemExpr {
  kind: 'Getitem';
  span: Span;
  object: Expression;
  index: Expression;
}

export interface SliceExpr {
  kind: 'Slice';
  span: Span;
  start?: Expression;
  stop?: Expression;
  step?: Expression;
}

export interface Keyword {
  span: Span;
  name: string;
  nameSpan: Span;
  value: Expression;
}

export interface CallExpr {
  kind: 'Call';
  span: Span;
  callee: Expression;
  args: Expression[];
  kwargs: Keyword[];
  /** `*args` */
  dynArgs?: Expression;
  /** `**kwargs` */
  dynKwargs?: Expression;
}

/** A filter application without its input: used by filter expressions, `{% filter %}` and `{% set x | f %}`. */
export interface FilterCall {
  span: Span;
  name: string;
  nameSpan: Span;
  args: Expression[];
  kwargs: Keyword[];
  dynArgs?: Expression;
  dynKwargs?: Expression;
}

/** `value | name(args)`. */
export interface FilterExpr {
  kind: 'Filter';
  span: Span;
  value: Expression;
  filter: FilterCall;
}

/** `value is [not] name(args)`. */
export interface TestExpr {
  kind: 'Test';
  span: Span;
  value: Expression;
  negated: boolean;
  name: string;
  nameSpan: Span;
  args: Expression[];
  kwargs: Keyword[];
}

export interface UnaryExpr {
  kind: 'Unary';
  span: Span;
  op: 'not' | '-' | '+';
  operand: Expression;
}

export type BinaryOperator = '+' | '-' | '*' | '/' | '//' | '%' | '**' | '~' | 'and' | 'or';

export interface BinaryExpr {
  kind: 'Binary';
  span: Span;
  op: BinaryOperator;
  opSpan: Span;
  left: Expression;
  right: Expression;
}

export type CompareOperator = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in';

export interface CompareOperand {
  op: CompareOperator;
  opSpan: Span;
  expr: Expression;
}

/** `a < b <= c`, `x in xs`: chained as in Python. */
export interface CompareExpr {
  kind: 'Compare';
  span: Span;
  first: Expression;
  ops: CompareOperand[];
}

/** `then if test else otherwise`. */
export interface CondExpr {
  kind: 'CondExpr';
  span: Span;
  test: Expression;
  then: Expression;
  otherwise?: Expression;
}

/** Where the parser could not make sense of an expression; it renders as nothing and a diagnostic says why. */
export interface InvalidExpr {
  kind: 'Invalid';
  span: Span;
}

export type Expression =
  | ConstExpr
  | NameExpr
  | ListExpr
  | TupleExpr
  | DictExpr
  | GetattrExpr
  | GetitemExpr
  | SliceExpr
  | CallExpr
  | FilterExpr
  | TestExpr
  | UnaryExpr
  | BinaryExpr
  | CompareExpr
  | CondExpr
  | InvalidExpr;

/** What `set`, `for` and `with` may assign to: a name, a tuple of names, or `namespace.attr`. */
export type AssignTarget = NameExpr | TupleExpr | GetattrExpr | InvalidExpr;
