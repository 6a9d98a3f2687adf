// Builds the template syntax tree from the lexer's chunks with Jinja2's grammar and operator precedence.
// It never throws: a bad tag becomes a diagnostic (DV002 unexpected token, DV003 unknown or unclosed statement,
// DV004 bad assignment target, DV005 bad call arguments) and parsing resumes at the next tag.
import { diagnostic, type Diagnostic } from '../base/diagnostic';
import type { Span } from '../base/text';
import type {
  AssignTarget,
  CallBlockNode,
  CallExpr,
  CompareOperand,
  CompareOperator,
  DictItem,
  Expression,
  FilterBlockNode,
  FilterCall,
  ForNode,
  IfBranch,
  IfNode,
  Keyword,
  MacroNode,
  MacroParam,
  NamedBlockNode,
  SetBlockNode,
  Statement,
  Template,
  WithAssignment,
  WithNode,
} from './ast';

/** The blocks that have a body and one end tag, and nothing between. */
type ClosedBlockNode = SetBlockNode | MacroNode | CallBlockNode | FilterBlockNode | NamedBlockNode | WithNode;
import { lexTemplate, type Chunk, type TagChunk, type Token } from './lexer';

export interface ParseResult {
  template: Template;
  diagnostics: Diagnostic[];
}

export function parseTemplate(text: string): ParseResult {
  const lexed = lexTemplate(text);
  const lexCount = lexed.diagnostics.length;
  const parser = new TemplateParser(lexed.chunks, lexed.diagnostics);
  const body = parser.parseAll();
  // Inside a tag the lexer already complained about, the parser's complaints only repeat the same problem.
  const noisy = lexed.chunks.filter((c): c is TagChunk => c.kind === 'tag' && c.hasLexError).map((c) => c.span);
  const diagnostics = parser.diagnostics.filter((d, i) => {
    if (i < lexCount || !d.span) return true;
    const at = d.span.start;
    return !noisy.some((s) => at >= s.start && at <= s.end);
  });
  return { template: { kind: 'Template', span: { start: 0, end: text.length }, body }, diagnostics };
}

/** Thrown inside one tag's expression parsing; caught at the tag so the rest of the template still parses. */
class TagSyntaxError extends Error {
  constructor(
    message: string,
    readonly span: Span,
    readonly code: string = 'DV002',
  ) {
    super(message);
  }
}

const DBT_BLOCKS = new Set(['snapshot', 'docs', 'test', 'data_test', 'materialization']);
const CLOSING_KEYWORDS = new Set(['elif', 'else', 'endif', 'endfor', 'endset', 'endmacro', 'endcall', 'endfilter', 'endwith', 'endraw', ...[...DBT_BLOCKS].map((b) => 'end' + b)]);
const UNSUPPORTED = new Set(['block', 'extends', 'include', 'import', 'from', 'autoescape', 'trans', 'pluralize']);

interface Terminator {
  name: string;
  tag: TagChunk;
  stream: TokenStream;
}

interface BodyResult {
  body: Statement[];
  terminator?: Terminator;
}

class TemplateParser {
  private index = 0;
  /** End-tag names each enclosing open block is waiting for, innermost last. */
  private readonly open: Set<string>[] = [];

  constructor(
    private readonly chunks: Chunk[],
    readonly diagnostics: Diagnostic[],
  ) {}

  parseAll(): Statement[] {
    return this.parseBody(new Set()).body;
  }

  private error(code: string, message: string, span: Span): void {
    this.diagnostics.push(diagnostic(code, 'error', message, span));
  }

  private parseBody(ends: Set<string>): BodyResult {
    const body: Statement[] = [];
    this.open.push(ends);
    try {
      while (this.index < this.chunks.length) {
        const chunk = this.chunks[this.index] as Chunk;
        if (chunk.kind === 'data') {
          this.index++;
          if (chunk.value !== '') body.push({ kind: 'Text', span: chunk.span, value: chunk.value });
          continue;
        }
        if (chunk.kind === 'comment') {
          this.index++;
          body.push({ kind: 'Comment', span: chunk.span });
          continue;
        }
        if (chunk.kind === 'raw') {
          this.index++;
          body.push({ kind: 'Raw', span: chunk.span, contentSpan: chunk.contentSpan, value: chunk.value });
          continue;
        }
        if (chunk.tag === 'variable') {
          this.index++;
          const stream = new TokenStream(chunk);
          const expr = this.guardExpression(stream, () => {
            if (stream.atEnd()) throw new TagSyntaxError("Empty expression: write a value or a name between '{{' and '}}'.", chunk.span);
            return parseTupleExpression(stream, { explicitParens: false });
          });
          this.expectTagEnd(stream);
          body.push({ kind: 'Output', span: chunk.span, expr });
          continue;
        }
        const stream = new TokenStream(chunk);
        const first = stream.peek();
        if (!first || first.type !== 'name') {
          this.index++;
          this.error('DV003', first ? `Expected a statement name such as 'if', 'for' or 'set' after '{%', found '${first.value}'.` : "Empty statement '{% %}': write a statement such as 'if', 'for' or 'set'.", first ? first.span : chunk.span);
          continue;
        }
        const name = first.value;
        if (ends.has(name)) {
          this.index++;
          stream.next();
          return { body, terminator: { name, tag: chunk, stream } };
        }
        if (CLOSING_KEYWORDS.has(name) && this.open.some((s) => s.has(name))) {
          // An enclosing block's end tag: the current block was never closed; let the caller report it.
          return { body };
        }
        this.index++;
        stream.next();
        const statement = this.parseStatement(name, first, chunk, stream);
        if (statement) body.push(statement);
      }
      return { body };
    } finally {
      this.open.pop();
    }
  }

  private parseStatement(name: string, first: Token, tag: TagChunk, stream: TokenStream): Statement | undefined {
    switch (name) {
      case 'if':
        return this.parseIf(tag, stream);
      case 'for':
        return this.parseFor(tag, stream);
      case 'set':
        return this.parseSet(tag, stream);
      case 'macro':
        return this.parseMacro(tag, stream);
      case 'call':
        return this.parseCallBlock(tag, stream);
      case 'filter':
        return this.parseFilterBlock(tag, stream);
      case 'with':
        return this.parseWith(tag, stream);
      case 'do': {
        const expr = this.guardExpression(stream, () => parseTupleExpression(stream, { explicitParens: false }));
        this.expectTagEnd(stream);
        return { kind: 'Do', span: tag.span, expr };
      }
      case 'break':
      case 'continue':
        this.expectTagEnd(stream);
        return { kind: name === 'break' ? 'Break' : 'Continue', span: tag.span };
      case 'snapshot':
      case 'docs':
      case 'test':
      case 'data_test':
      case 'materialization':
        return this.parseNamedBlock(name, tag, stream);
      default:
        if (CLOSING_KEYWORDS.has(name)) {
          this.error('DV003', `Unexpected '{% ${name} %}': there is no open block it could close.`, first.span);
        } else if (UNSUPPORTED.has(name)) {
          this.error('DV003', `The '${name}' statement is not supported in dbt model files.`, first.span);
        } else {
          this.error('DV003', `Unknown statement '${name}'. Known statements: if, for, set, macro, call, filter, with, do, raw, and dbt's snapshot, docs, test, materialization.`, first.span);
        }
        return undefined;
    }
  }

  /** Parses an expression, turning a syntax error into a diagnostic and an Invalid node spanning the rest of the tag. */
  private guardExpression(stream: TokenStream, parse: () => Expression): Expression {
    const start = stream.peek()?.span.start ?? stream.tag.innerEnd;
    try {
      return parse();
    } catch (e) {
      if (!(e instanceof TagSyntaxError)) throw e;
      this.error(e.code, e.message, e.span);
      stream.skipToEnd();
      return { kind: 'Invalid', span: { start, end: Math.max(start, stream.tag.innerEnd) } };
    }
  }

  private guard<T>(stream: TokenStream, parse: () => T, fallback: T): T {
    try {
      return parse();
    } catch (e) {
      if (!(e instanceof TagSyntaxError)) throw e;
      this.error(e.code, e.message, e.span);
      stream.skipToEnd();
      return fallback;
    }
  }

  private expectTagEnd(stream: TokenStream): void {
    const t = stream.peek();
    if (t) {
      this.error('DV002', `Unexpected '${t.value}': expected the end of the ${stream.tag.tag === 'block' ? 'statement' : 'expression'}.`, t.span);
      stream.skipToEnd();
    }
  }

  /** Parses a block's body up to one of `ends`; reports a missing end tag at the opening tag. */
  private parseBlockBody(ends: string[], opener: string, openTag: TagChunk): BodyResult {
    const result = this.parseBody(new Set(ends));
    if (!result.terminator) {
      const expected = ends[ends.length - 1] as string;
      const where = this.index < this.chunks.length ? 'before an enclosing block was closed' : 'before the end of the file';
      this.error('DV003', `'{% ${opener} %}' is not closed: add '{% ${expected} %}' ${where}.`, this.keywordSpan(openTag));
    }
    return result;
  }

  private keywordSpan(tag: TagChunk): Span {
    const first = tag.tokens[0];
    return first ? { start: tag.span.start, end: first.span.end } : tag.span;
  }

  private blockSpan(openTag: TagChunk, result: BodyResult, body: Statement[]): Span {
    if (result.terminator) return { start: openTag.span.start, end: result.terminator.tag.span.end };
    const last = body[body.length - 1];
    return { start: openTag.span.start, end: Math.max(openTag.span.end, last ? last.span.end : openTag.span.end) };
  }

  /**
   * Parses the body of a block that has no middle tags, up to `{% end<opener> %}`, and builds its node. `endName`
   * set means the end tag may repeat the block's name (macro, snapshot, …); otherwise the end tag must be bare.
   */
  private parseClosedBlock(
    tag: TagChunk,
    opener: string,
    build: (span: Span, body: Statement[]) => ClosedBlockNode,
    endName?: { name: string | undefined },
  ): Statement {
    const result = this.parseBlockBody(['end' + opener], opener, tag);
    if (result.terminator) {
      if (endName) this.expectEndName(result.terminator.stream, endName.name);
      else this.expectTagEnd(result.terminator.stream);
    }
    const node = build(this.blockSpan(tag, result, result.body), result.body);
    if (result.terminator) node.endTagSpan = result.terminator.tag.span;
    return node;
  }

  /** The `{% else %}` branch of an if or a for, up to its end tag, given the tag that ended the main body. */
  private parseElseBranch(node: IfNode | ForNode, elseTag: Terminator, opener: 'if' | 'for', tag: TagChunk): void {
    this.expectTagEnd(elseTag.stream);
    node.elseTagSpan = elseTag.tag.span;
    const elseResult = this.parseBlockBody(['end' + opener], opener, tag);
    node.elseBody = elseResult.body;
    node.span = this.blockSpan(tag, elseResult, elseResult.body);
    if (elseResult.terminator) {
      this.expectTagEnd(elseResult.terminator.stream);
      node.endTagSpan = elseResult.terminator.tag.span;
    }
  }

  private parseIf(tag: TagChunk, stream: TokenStream): Statement {
    const test = this.guardExpression(stream, () => parseExpression(stream));
    this.expectTagEnd(stream);
    const branches: IfBranch[] = [{ tagSpan: tag.span, test, body: [] }];
    const node: Statement = { kind: 'If', span: tag.span, branches };
    for (;;) {
      const result = this.parseBlockBody(['elif', 'else', 'endif'], 'if', tag);
      (branches[branches.length - 1] as IfBranch).body = result.body;
      node.span = this.blockSpan(tag, result, result.body);
      const term = result.terminator;
      if (!term) break;
      if (term.name === 'elif') {
        const elifTest = this.guardExpression(term.stream, () => parseExpression(term.stream));
        this.expectTagEnd(term.stream);
        branches.push({ tagSpan: term.tag.span, test: elifTest, body: [] });
        continue;
      }
      if (term.name === 'else') {
        this.parseElseBranch(node, term, 'if', tag);
        break;
      }
      this.expectTagEnd(term.stream);
      node.endTagSpan = term.tag.span;
      break;
    }
    return node;
  }

  private parseFor(tag: TagChunk, stream: TokenStream): Statement {
    const parsed = this.guard(
      stream,
      () => {
        const target = parseAssignTarget(stream, { allowTuple: true, allowNamespace: false, extraEnd: ['in'] });
        stream.expectName('in', "Expected 'in' in the for loop: write '{% for item in items %}'.");
        const iter = parseTupleExpression(stream, { explicitParens: false, noCondExpr: true, extraEnd: ['recursive'] });
        let filter: Expression | undefined;
        if (stream.skipName('if')) filter = parseExpression(stream);
        const recursive = stream.skipName('recursive');
        return { target, iter, filter, recursive };
      },
      undefined,
    );
    this.expectTagEnd(stream);
    const invalid: Expression = { kind: 'Invalid', span: tag.span };
    const result = this.parseBlockBody(['else', 'endfor'], 'for', tag);
    const node: Statement = {
      kind: 'For',
      span: this.blockSpan(tag, result, result.body),
      tagSpan: tag.span,
      target: parsed?.target ?? { kind: 'Invalid', span: tag.span },
      iter: parsed?.iter ?? invalid,
      recursive: parsed?.recursive ?? false,
      body: result.body,
    };
    if (parsed?.filter) node.filter = parsed.filter;
    const term = result.terminator;
    if (term?.name === 'else') {
      this.parseElseBranch(node, term, 'for', tag);
    } else if (term) {
      this.expectTagEnd(term.stream);
      node.endTagSpan = term.tag.span;
    }
    return node;
  }

  private parseSet(tag: TagChunk, stream: TokenStream): Statement {
    const target = this.guard<AssignTarget>(
      stream,
      () => parseAssignTarget(stream, { allowTuple: true, allowNamespace: true, extraEnd: [] }),
      { kind: 'Invalid', span: tag.span },
    );
    if (target.kind === 'Invalid') {
      // The target was already reported; keep the statement inline so no endset is expected.
      stream.skipToEnd();
      return { kind: 'Set', span: tag.span, target, value: { kind: 'Invalid', span: tag.span } };
    }
    if (stream.skipOp('=')) {
      const value = this.guardExpression(stream, () => parseTupleExpression(stream, { explicitParens: false }));
      this.expectTagEnd(stream);
      return { kind: 'Set', span: tag.span, target, value };
    }
    const filters = this.guard(stream, () => parseFilterChain(stream), []);
    this.expectTagEnd(stream);
    if (target.kind === 'Tuple') this.error('DV004', 'A block set assigns one name: write `{% set name %}…{% endset %}`.', target.span);
    return this.parseClosedBlock(tag, 'set', (span, body) => ({ kind: 'SetBlock', span, tagSpan: tag.span, target, filters, body }));
  }

  private parseMacro(tag: TagChunk, stream: TokenStream): Statement {
    const header = this.guard(
      stream,
      () => {
        const nameToken = stream.expectType('name', "Expected the macro's name: write '{% macro name(arg) %}'.");
        stream.expectOp('(', `Expected '(' after the macro name '${nameToken.value}'.`);
        const params = parseSignature(stream);
        return { nameToken, params };
      },
      undefined,
    );
    this.expectTagEnd(stream);
    return this.parseClosedBlock(
      tag,
      'macro',
      (span, body) => ({
        kind: 'Macro',
        span,
        tagSpan: tag.span,
        name: header?.nameToken.value ?? '',
        nameSpan: header?.nameToken.span ?? tag.span,
        params: header?.params ?? [],
        body,
      }),
      { name: header?.nameToken.value },
    );
  }

  /** `{% endmacro name %}` may repeat the name. */
  private expectEndName(stream: TokenStream, name: string | undefined): void {
    const t = stream.peek();
    if (t && t.type === 'name' && name !== undefined && t.value === name) stream.next();
    this.expectTagEnd(stream);
  }

  private parseCallBlock(tag: TagChunk, stream: TokenStream): Statement {
    const header = this.guard(
      stream,
      () => {
        let params: MacroParam[] = [];
        if (stream.skipOp('(')) params = parseSignature(stream);
        const call = parseExpression(stream);
        if (call.kind !== 'Call') throw new TagSyntaxError("Expected a macro call after 'call': write '{% call my_macro(arg) %}'.", call.span);
        return { params, call };
      },
      undefined,
    );
    this.expectTagEnd(stream);
    const invalidCall: CallExpr = { kind: 'Call', span: tag.span, callee: { kind: 'Invalid', span: tag.span }, args: [], kwargs: [] };
    return this.parseClosedBlock(tag, 'call', (span, body) => ({
      kind: 'CallBlock',
      span,
      tagSpan: tag.span,
      params: header?.params ?? [],
      call: header?.call ?? invalidCall,
      body,
    }));
  }

  private parseFilterBlock(tag: TagChunk, stream: TokenStream): Statement {
    const filters = this.guard(
      stream,
      () => {
        const list = [parseFilterCall(stream)];
        list.push(...parseFilterChain(stream));
        return list;
      },
      [],
    );
    this.expectTagEnd(stream);
    return this.parseClosedBlock(tag, 'filter', (span, body) => ({ kind: 'FilterBlock', span, tagSpan: tag.span, filters, body }));
  }

  private parseNamedBlock(kind: 'snapshot' | 'docs' | 'test' | 'data_test' | 'materialization', tag: TagChunk, stream: TokenStream): Statement {
    const nameToken = this.guard(stream, () => stream.expectType('name', `Expected the ${kind}'s name: write '{% ${kind} name %}'.`), undefined);
    // The rest of the header (a test's arguments, a materialization's adapter) is dbt's business, not rendered here.
    stream.skipToEnd();
    return this.parseClosedBlock(
      tag,
      kind,
      (span, body) => ({ kind: 'NamedBlock', span, tagSpan: tag.span, tag: kind, name: nameToken?.value ?? '', nameSpan: nameToken?.span ?? tag.span, body }),
      { name: nameToken?.value },
    );
  }

  private parseWith(tag: TagChunk, stream: TokenStream): Statement {
    const assignments = this.guard(
      stream,
      () => {
        const list: WithAssignment[] = [];
        while (!stream.atEnd()) {
          if (list.length) stream.expectOp(',', "Separate the assignments of 'with' by commas.");
          const target = parseAssignTarget(stream, { allowTuple: false, allowNamespace: false, extraEnd: [] });
          stream.expectOp('=', "Expected '=' in the 'with' assignment.");
          list.push({ target, value: parseExpression(stream) });
        }
        return list;
      },
      [],
    );
    return this.parseClosedBlock(tag, 'with', (span, body) => ({ kind: 'With', span, tagSpan: tag.span, assignments, body }));
  }
}

// -----------------------------------------------------------------------------------------------------------------
// Expressions

class TokenStream {
  private pos = 0;
  constructor(readonly tag: TagChunk) {}

  peek(offset = 0): Token | undefined {
    return this.tag.tokens[this.pos + offset];
  }
  next(): Token | undefined {
    const t = this.tag.tokens[this.pos];
    if (t) this.pos++;
    return t;
  }
  atEnd(): boolean {
    return this.pos >= this.tag.tokens.length;
  }
  skipToEnd(): void {
    this.pos = this.tag.tokens.length;
  }
  /** Where "the end of the tag" is, for errors about something missing. */
  endSpan(): Span {
    return { start: this.tag.innerEnd, end: this.tag.span.end };
  }
  lastEnd(): number {
    const t = this.tag.tokens[this.pos - 1];
    return t ? t.span.end : this.tag.openSpan.end;
  }
  isOp(value: string, offset = 0): boolean {
    const t = this.peek(offset);
    return !!t && t.type === 'op' && t.value === value;
  }
  isName(value: string, offset = 0): boolean {
    const t = this.peek(offset);
    return !!t && t.type === 'name' && t.value === value;
  }
  skipOp(value: string): boolean {
    if (!this.isOp(value)) return false;
    this.pos++;
    return true;
  }
  skipName(value: string): boolean {
    if (!this.isName(value)) return false;
    this.pos++;
    return true;
  }
  expectOp(value: string, message: string): Token {
    const t = this.peek();
    if (t && t.type === 'op' && t.value === value) {
      this.pos++;
      return t;
    }
    throw this.unexpected(message);
  }
  expectName(value: string, message: string): Token {
    const t = this.peek();
    if (t && t.type === 'name' && t.value === value) {
      this.pos++;
      return t;
    }
    throw this.unexpected(message);
  }
  expectType(type: Token['type'], message: string): Token {
    const t = this.peek();
    if (t && t.type === type) {
      this.pos++;
      return t;
    }
    throw this.unexpected(message);
  }
  unexpected(message: string): TagSyntaxError {
    const t = this.peek();
    if (!t) return new TagSyntaxError(`${message} The ${this.tag.tag === 'block' ? 'statement' : 'expression'} ended too early.`, this.endSpan());
    return new TagSyntaxError(`Unexpected '${t.value}'. ${message}`, t.span);
  }
}

interface TupleOptions {
  explicitParens: boolean;
  noCondExpr?: boolean;
  /** Only names and primaries: assignment targets. */
  simplified?: boolean;
  extraEnd?: string[];
}

const span = (a: { span: Span }, b: { span: Span } | Span): Span => ({ start: a.span.start, end: 'span' in b ? b.span.end : b.end });

function isTupleEnd(stream: TokenStream, extraEnd: string[] | undefined): boolean {
  const t = stream.peek();
  if (!t) return true;
  if (t.type === 'op' && (t.value === ')' || t.value === ']' || t.value === '}' || t.value === ':')) return true;
  if (t.type === 'name' && extraEnd?.includes(t.value)) return true;
  return false;
}

/** Jinja's parse_tuple: `a, b` is a tuple; a single expression without a comma is itself. */
function parseTupleExpression(stream: TokenStream, options: TupleOptions): Expression {
  const start = stream.peek()?.span.start ?? stream.tag.innerEnd;
  const items: Expression[] = [];
  let sawComma = false;
  for (;;) {
    if (items.length) {
      if (!stream.skipOp(',')) break;
      sawComma = true;
    }
    if (isTupleEnd(stream, options.extraEnd)) break;
    items.push(options.simplified ? parsePrimary(stream) : options.noCondExpr ? parseOr(stream) : parseExpression(stream));
  }
  if (!sawComma) {
    const only = items[0];
    if (only) return only;
    if (!options.explicitParens) throw stream.unexpected('Expected an expression.');
  }
  return { kind: 'Tuple', span: { start, end: items.length ? stream.lastEnd() : start }, items };
}

/**
 * Whether parseExpression may take the short way below. It changes no result; test/jinja/parser-fast-path.test.ts
 * turns it off to compare the trees.
 */
export const PARSER_FAST_PATH = { enabled: true };

/** Tokens after which an expression of one primary ends: nothing at any precedence level continues it. */
const EXPRESSION_ENDS = new Set([',', ')', ']', '}', ':']);

function parseExpression(stream: TokenStream): Expression {
  // A literal or a name followed by a comma, a closing bracket or a colon (most list, dict and argument items) is that
  // primary: every precedence level below would pass it up unchanged, and a check runs these ~18 calls per item
  // mostly unoptimized. `not` starts a unary expression, so it goes the long way.
  if (PARSER_FAST_PATH.enabled) {
    const t = stream.peek();
    const after = stream.peek(1);
    if (
      t &&
      (t.type === 'string' || t.type === 'int' || t.type === 'float' || (t.type === 'name' && t.value !== 'not')) &&
      (!after || (after.type === 'op' && EXPRESSION_ENDS.has(after.value)))
    ) {
      return parsePrimary(stream);
    }
  }
  let expr = parseOr(stream);
  while (stream.skipName('if')) {
    const test = parseOr(stream);
    let otherwise: Expression | undefined;
    if (stream.skipName('else')) otherwise = parseExpression(stream);
    const end = otherwise ?? test;
    const node: Expression = { kind: 'CondExpr', span: span(expr, end), test, then: expr };
    if (otherwise) node.otherwise = otherwise;
    expr = node;
  }
  return expr;
}

/** One left-associative level of `or` or `and`: the operator is a keyword, so it is read as a name. */
function parseKeywordLevel(stream: TokenStream, word: 'or' | 'and', operand: (s: TokenStream) => Expression): Expression {
  let left = operand(stream);
  for (;;) {
    const t = stream.peek();
    if (!t || !stream.skipName(word)) return left;
    const right = operand(stream);
    left = { kind: 'Binary', span: span(left, right), op: word, opSpan: t.span, left, right };
  }
}

function parseOr(stream: TokenStream): Expression {
  return parseKeywordLevel(stream, 'or', parseAnd);
}

function parseAnd(stream: TokenStream): Expression {
  return parseKeywordLevel(stream, 'and', parseNot);
}

function parseNot(stream: TokenStream): Expression {
  const t = stream.peek();
  if (t && stream.skipName('not')) {
    const operand = parseNot(stream);
    return { kind: 'Unary', span: span(t, operand), op: 'not', operand };
  }
  return parseCompare(stream);
}

const COMPARE_OPS = new Set(['==', '!=', '<', '<=', '>', '>=']);

function parseCompare(stream: TokenStream): Expression {
  const first = parseMath1(stream);
  const ops: CompareOperand[] = [];
  for (;;) {
    const t = stream.peek();
    if (!t) break;
    let op: CompareOperator;
    let opSpan: Span = t.span;
    if (t.type === 'op' && COMPARE_OPS.has(t.value)) {
      stream.next();
      op = t.value as CompareOperator;
    } else if (t.type === 'name' && t.value === 'in') {
      stream.next();
      op = 'in';
    } else if (t.type === 'name' && t.value === 'not' && stream.isName('in', 1)) {
      stream.next();
      opSpan = { start: t.span.start, end: (stream.next() as Token).span.end };
      op = 'not in';
    } else break;
    ops.push({ op, opSpan, expr: parseMath1(stream) });
  }
  if (!ops.length) return first;
  return { kind: 'Compare', span: span(first, (ops[ops.length - 1] as CompareOperand).expr), first, ops };
}

function parseBinaryLevel(stream: TokenStream, ops: string[], operand: (s: TokenStream) => Expression): Expression {
  let left = operand(stream);
  for (;;) {
    const t = stream.peek();
    if (!t || t.type !== 'op' || !ops.includes(t.value)) return left;
    stream.next();
    const right = operand(stream);
    left = { kind: 'Binary', span: span(left, right), op: t.value as '+', opSpan: t.span, left, right };
  }
}

// Each level's operators and operand, made once: every primary expression passes through all four levels.
const MATH1_OPS = ['+', '-'];
const CONCAT_OPS = ['~'];
const MATH2_OPS = ['*', '/', '//', '%'];
const POW_OPS = ['**'];
const unaryWithFilter = (s: TokenStream): Expression => parseUnary(s, true);

function parseMath1(stream: TokenStream): Expression {
  return parseBinaryLevel(stream, MATH1_OPS, parseConcat);
}
function parseConcat(stream: TokenStream): Expression {
  return parseBinaryLevel(stream, CONCAT_OPS, parseMath2);
}
function parseMath2(stream: TokenStream): Expression {
  return parseBinaryLevel(stream, MATH2_OPS, parsePow);
}
function parsePow(stream: TokenStream): Expression {
  return parseBinaryLevel(stream, POW_OPS, unaryWithFilter);
}

function parseUnary(stream: TokenStream, withFilter: boolean): Expression {
  const t = stream.peek();
  let node: Expression;
  if (t && t.type === 'op' && (t.value === '-' || t.value === '+')) {
    stream.next();
    const operand = parseUnary(stream, false);
    node = { kind: 'Unary', span: span(t, operand), op: t.value as '-', operand };
  } else {
    node = parsePrimary(stream);
  }
  node = parsePostfix(stream, node);
  if (withFilter) node = parseFilterExpression(stream, node);
  return node;
}

function parsePrimary(stream: TokenStream): Expression {
  const t = stream.peek();
  if (!t) throw stream.unexpected('Expected a value or a name.');
  if (t.type === 'name') {
    stream.next();
    if (t.value === 'true' || t.value === 'True') return { kind: 'Const', span: t.span, value: true };
    if (t.value === 'false' || t.value === 'False') return { kind: 'Const', span: t.span, value: false };
    if (t.value === 'none' || t.value === 'None') return { kind: 'Const', span: t.span, value: null };
    return { kind: 'Name', span: t.span, name: t.value };
  }
  if (t.type === 'string') {
    stream.next();
    let value = t.value;
    let last = t;
    // Adjacent string literals are joined, as in Python.
    for (let n = stream.peek(); n && n.type === 'string'; n = stream.peek()) {
      stream.next();
      value += n.value;
      last = n;
    }
    const contentStart = t.contentSpan?.start ?? t.span.start;
    return { kind: 'Const', span: span(t, last), value, contentSpan: { start: contentStart, end: last.contentSpan?.end ?? last.span.end } };
  }
  if (t.type === 'int') {
    stream.next();
    return { kind: 'Const', span: t.span, value: t.num ?? 0 };
  }
  if (t.type === 'float') {
    stream.next();
    return { kind: 'Const', span: t.span, value: t.num ?? 0, float: true };
  }
  if (t.type === 'op') {
    if (t.value === '(') {
      stream.next();
      const inner = parseTupleExpression(stream, { explicitParens: true });
      const close = stream.expectOp(')', "Expected ')'.");
      // Parentheses belong to the expression's span so that a tuple's span covers them.
      return { ...inner, span: inner.kind === 'Tuple' ? { start: t.span.start, end: close.span.end } : inner.span };
    }
    if (t.value === '[') return parseList(stream);
    if (t.value === '{') return parseDict(stream);
  }
  throw stream.unexpected('Expected a value or a name.');
}

/**
 * Reads the comma-separated items of a bracketed list up to `close` (left for the caller to expect); a trailing comma
 * before `close` is allowed, as in Python. `each` reads one item and may return false to stop early.
 */
function parseCommaSeparated(stream: TokenStream, close: string, separatorMessage: string, each: () => void | false): void {
  for (let first = true; !stream.isOp(close); first = false) {
    if (!first) {
      stream.expectOp(',', separatorMessage);
      if (stream.isOp(close)) break;
    }
    if (each() === false) break;
  }
}

function parseList(stream: TokenStream): Expression {
  const open = stream.next() as Token;
  const items: Expression[] = [];
  parseCommaSeparated(stream, ']', "Separate list items by commas, or close the list with ']'.", () => {
    items.push(parseExpression(stream));
  });
  const close = stream.expectOp(']', "Close the list with ']'.");
  return { kind: 'List', span: span(open, close), items };
}

function parseDict(stream: TokenStream): Expression {
  const open = stream.next() as Token;
  const items: DictItem[] = [];
  parseCommaSeparated(stream, '}', "Separate dict items by commas, or close the dict with '}'.", () => {
    const key = parseExpression(stream);
    stream.expectOp(':', "Expected ':' between a dict key and its value.");
    const value = parseExpression(stream);
    items.push({ span: span(key, value), key, value });
  });
  const close = stream.expectOp('}', "Close the dict with '}'.");
  return { kind: 'Dict', span: span(open, close), items };
}

function parsePostfix(stream: TokenStream, node: Expression): Expression {
  for (;;) {
    if (stream.isOp('.') || stream.isOp('[')) node = parseSubscript(stream, node);
    else if (stream.isOp('(')) node = parseCall(stream, node);
    else return node;
  }
}

function parseSubscript(stream: TokenStream, node: Expression): Expression {
  const t = stream.next() as Token;
  if (t.value === '.') {
    const attr = stream.next();
    if (attr && attr.type === 'name') return { kind: 'Getattr', span: span(node, attr), object: node, attr: attr.value, attrSpan: attr.span };
    if (attr && attr.type === 'int') return { kind: 'Getitem', span: span(node, attr), object: node, index: { kind: 'Const', span: attr.span, value: attr.num ?? 0 } };
    throw new TagSyntaxError("Expected an attribute name after '.'.", attr ? attr.span : t.span);
  }
  const indexes: Expression[] = [];
  parseCommaSeparated(stream, ']', "Expected ',' or ']' in the subscript.", () => {
    indexes.push(parseSubscribed(stream));
  });
  const close = stream.expectOp(']', "Close the subscript with ']'.");
  if (!indexes.length) throw new TagSyntaxError("Empty subscript '[]': write an index or key.", span(t, close));
  const index: Expression =
    indexes.length === 1 ? (indexes[0] as Expression) : { kind: 'Tuple', span: span(indexes[0] as Expression, indexes[indexes.length - 1] as Expression), items: indexes };
  return { kind: 'Getitem', span: span(node, close), object: node, index };
}

function parseSubscribed(stream: TokenStream): Expression {
  const startToken = stream.peek();
  const start = startToken?.span.start ?? stream.tag.innerEnd;
  let first: Expression | undefined;
  if (!stream.isOp(':')) {
    first = parseExpression(stream);
    if (!stream.isOp(':')) return first;
  }
  stream.next();
  const slice: Expression = { kind: 'Slice', span: { start, end: stream.lastEnd() } };
  if (first) slice.start = first;
  if (!stream.isOp(']') && !stream.isOp(',') && !stream.isOp(':')) slice.stop = parseExpression(stream);
  if (stream.skipOp(':')) {
    if (!stream.isOp(']') && !stream.isOp(',')) slice.step = parseExpression(stream);
  }
  slice.span = { start, end: stream.lastEnd() };
  return slice;
}

interface CallArguments {
  args: Expression[];
  kwargs: Keyword[];
  dynArgs?: Expression;
  dynKwargs?: Expression;
  end: number;
}

function parseCallArguments(stream: TokenStream): CallArguments {
  stream.expectOp('(', "Expected '('.");
  const result: CallArguments = { args: [], kwargs: [], end: 0 };
  parseCommaSeparated(stream, ')', "Separate arguments by commas, or close the call with ')'.", () => {
    const t = stream.peek();
    if (!t) return false;
    if (stream.isOp('**')) {
      stream.next();
      result.dynKwargs = parseExpression(stream);
      return;
    }
    if (stream.isOp('*')) {
      stream.next();
      result.dynArgs = parseExpression(stream);
      return;
    }
    if (t.type === 'name' && stream.isOp('=', 1)) {
      stream.next();
      stream.next();
      const value = parseExpression(stream);
      if (result.kwargs.some((k) => k.name === t.value)) throw new TagSyntaxError(`The keyword argument '${t.value}' is given twice.`, t.span, 'DV005');
      result.kwargs.push({ span: span(t, value), name: t.value, nameSpan: t.span, value });
      return;
    }
    const value = parseExpression(stream);
    if (result.kwargs.length || result.dynArgs || result.dynKwargs) {
      throw new TagSyntaxError('A positional argument follows a keyword argument: put positional arguments first.', value.span, 'DV005');
    }
    result.args.push(value);
  });
  result.end = stream.expectOp(')', "Close the call with ')'.").span.end;
  return result;
}

function parseCall(stream: TokenStream, callee: Expression): CallExpr {
  const a = parseCallArguments(stream);
  const node: CallExpr = { kind: 'Call', span: { start: callee.span.start, end: a.end }, callee, args: a.args, kwargs: a.kwargs };
  if (a.dynArgs) node.dynArgs = a.dynArgs;
  if (a.dynKwargs) node.dynKwargs = a.dynKwargs;
  return node;
}

function parseDottedName(stream: TokenStream, what: string): { name: string; span: Span } {
  const first = stream.expectType('name', `Expected a ${what} name.`);
  let name = first.value;
  let end = first.span.end;
  while (stream.isOp('.') && stream.peek(1)?.type === 'name') {
    stream.next();
    const part = stream.next() as Token;
    name += '.' + part.value;
    end = part.span.end;
  }
  return { name, span: { start: first.span.start, end } };
}

function parseFilterCall(stream: TokenStream): FilterCall {
  const { name, span: nameSpan } = parseDottedName(stream, 'filter');
  const call: FilterCall = { span: nameSpan, name, nameSpan, args: [], kwargs: [] };
  if (stream.isOp('(')) {
    const a = parseCallArguments(stream);
    call.args = a.args;
    call.kwargs = a.kwargs;
    if (a.dynArgs) call.dynArgs = a.dynArgs;
    if (a.dynKwargs) call.dynKwargs = a.dynKwargs;
    call.span = { start: nameSpan.start, end: a.end };
  }
  return call;
}

function parseFilterChain(stream: TokenStream): FilterCall[] {
  const filters: FilterCall[] = [];
  while (stream.skipOp('|')) filters.push(parseFilterCall(stream));
  return filters;
}

function parseFilterExpression(stream: TokenStream, node: Expression): Expression {
  for (;;) {
    if (stream.isOp('|')) {
      stream.next();
      const filter = parseFilterCall(stream);
      node = { kind: 'Filter', span: { start: node.span.start, end: filter.span.end }, value: node, filter };
    } else if (stream.isName('is')) {
      node = parseTest(stream, node);
    } else if (stream.isOp('(')) {
      node = parseCall(stream, node);
    } else {
      return node;
    }
  }
}

function parseTest(stream: TokenStream, node: Expression): Expression {
  stream.next();
  const negated = stream.skipName('not');
  const { name, span: nameSpan } = parseDottedName(stream, 'test');
  let args: Expression[] = [];
  let kwargs: Keyword[] = [];
  let end = nameSpan.end;
  const t = stream.peek();
  if (stream.isOp('(')) {
    const a = parseCallArguments(stream);
    args = a.args;
    kwargs = a.kwargs;
    end = a.end;
  } else if (t && (t.type === 'string' || t.type === 'int' || t.type === 'float' || (t.type === 'op' && (t.value === '(' || t.value === '[' || t.value === '{')) || (t.type === 'name' && !['else', 'or', 'and'].includes(t.value)))) {
    // `x is divisibleby 3`, `x is sameas none`: one argument without parentheses, as Jinja reads it.
    if (t.type === 'name' && t.value === 'is') throw new TagSyntaxError('You cannot chain tests with is: combine them with and/or.', t.span);
    const arg = parsePostfix(stream, parsePrimary(stream));
    args = [arg];
    end = arg.span.end;
  }
  return { kind: 'Test', span: { start: node.span.start, end }, value: node, negated, name, nameSpan, args, kwargs };
}

function parseSignature(stream: TokenStream): MacroParam[] {
  const params: MacroParam[] = [];
  parseCommaSeparated(stream, ')', "Separate parameters by commas, or close the list with ')'.", () => {
    const nameToken = stream.expectType('name', 'Expected a parameter name.');
    const param: MacroParam = { span: nameToken.span, name: nameToken.value, nameSpan: nameToken.span };
    if (stream.skipOp('=')) {
      param.default = parseExpression(stream);
      param.span = span(nameToken, param.default);
    } else if (params.some((p) => p.default)) {
      throw new TagSyntaxError(`The parameter '${nameToken.value}' has no default but follows one that has: give it a default or move it first.`, nameToken.span, 'DV005');
    }
    params.push(param);
  });
  stream.expectOp(')', "Close the parameter list with ')'.");
  return params;
}

interface TargetOptions {
  allowTuple: boolean;
  allowNamespace: boolean;
  extraEnd: string[];
}

function parseAssignTarget(stream: TokenStream, options: TargetOptions): AssignTarget {
  const first = stream.peek();
  if (options.allowNamespace && first?.type === 'name' && stream.isOp('.', 1) && stream.peek(2)?.type === 'name') {
    stream.next();
    stream.next();
    const attr = stream.next() as Token;
    return { kind: 'Getattr', span: span(first, attr), object: { kind: 'Name', span: first.span, name: first.value }, attr: attr.value, attrSpan: attr.span };
  }
  const target = options.allowTuple
    ? parseTupleExpression(stream, { explicitParens: false, simplified: true, extraEnd: options.extraEnd })
    : parsePrimary(stream);
  checkAssignable(target);
  return target as AssignTarget;
}

function checkAssignable(target: Expression): void {
  if (target.kind === 'Name') {
    if (['true', 'false', 'none', 'True', 'False', 'None'].includes(target.name)) throw new TagSyntaxError(`Cannot assign to '${target.name}'.`, target.span, 'DV004');
    return;
  }
  if (target.kind === 'Tuple') {
    for (const item of target.items) checkAssignable(item);
    return;
  }
  throw new TagSyntaxError('Can only assign to a name, a tuple of names, or namespace.attribute.', target.span, 'DV004');
}
