// A fast reader for the plain YAML that metadata blocks are made of: block mappings with plain keys, block sequences
// of scalars, quoted and plain one-line scalars, comments and blank lines. It gives exactly the tree the YAML library
// composes for such text (offsets included, test/jinja/yaml-fast.test.ts compares them) at a fraction of the cost, and
// gives up (returns undefined) on anything else — flow collections, anchors, tags, block scalars, multi-line scalars,
// escapes, tabs — so the library reads that, errors included.

/**
 * A YAML node with its offsets in the text, as the library composed it or the fast reader read it. `range` is the
 * library's: start of the content, end of the content, end after the trailing spaces, comment and line break.
 */
export type YamlNode =
  | { kind: 'map'; pairs: YamlPair[]; range: YamlRange }
  | { kind: 'seq'; items: YamlNode[]; range: YamlRange }
  | { kind: 'scalar'; value: unknown; quote: 'plain' | 'single' | 'double' | 'block'; range: YamlRange }
  /** An alias, a flow pair inside a sequence, or anything else that is not a plain value where it stands. */
  | { kind: 'other'; range: YamlRange };

export interface YamlPair {
  key: YamlNode | null;
  value: YamlNode | null;
}

export type YamlRange = readonly [number, number, number];

/** Resolves a plain scalar as the schema does; undefined when the schema would report an error for it. */
export type PlainResolver = (source: string) => { value: unknown } | undefined;

interface Line {
  indent: number;
  /** Offset of the first non-space character. */
  start: number;
  /** Offset of the line break (or the text's end). */
  end: number;
  /** The comment lines between this line and the next content line: their indent and the offset after their break. */
  comments: { indent: number; end: number }[];
}

class GiveUp extends Error {}

const giveUp = (): never => {
  throw new GiveUp();
};

/** A plain mapping key: a name that no resolver reads as anything but a string. */
const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** First characters a plain scalar may not start with here (indicators, or values the reader leaves to the library). */
const PLAIN_FIRST = new Set([...'-?:,[]{}#&*!|>\'"%@`=~ ']);

/**
 * The tree of `text` when it is plain block YAML this reader knows, else undefined. `resolve` gives a plain scalar's
 * value (keys included); a key that is not a string by it makes the reader give up.
 */
export function readSimpleYaml(text: string, resolve: PlainResolver): YamlNode | undefined {
  if (text.includes('\t') || text.includes('\r') || text.includes('\\')) return undefined;
  const lines: Line[] = [];
  const leading: Line['comments'] = [];
  let at = 0;
  while (at <= text.length) {
    let nl = text.indexOf('\n', at);
    if (nl < 0) nl = text.length;
    let i = at;
    while (i < nl && text.charCodeAt(i) === 32) i++;
    if (i < nl) {
      // Document markers and directives start at column 0.
      if (i === at && (text.startsWith('---', i) || text.startsWith('...', i) || text[i] === '%')) return undefined;
      if (text[i] === '#') (lines[lines.length - 1]?.comments ?? leading).push({ indent: i - at, end: nl < text.length ? nl + 1 : nl });
      else lines.push({ indent: i - at, start: i, end: nl, comments: [] });
    }
    at = nl + 1;
  }
  const first = lines[0];
  if (!first) return undefined;
  try {
    const reader = new Reader(text, lines, resolve);
    const root = reader.node(0, first.indent, -1);
    if (reader.next < lines.length) return undefined;
    return root;
  } catch (e) {
    if (e instanceof GiveUp) return undefined;
    throw e;
  }
}

/**
 * Reads lines into nodes. Comment lines change offsets only at the end of a node: a comment indented deeper than the
 * collection a scalar sits in extends that scalar's end, one at a collection's own indent after its last item extends
 * the collection's end; the reader gives up on any other placement rather than guess.
 */
class Reader {
  next = 0;
  /** How many comments after line `commentsOf` a node has taken as its own. */
  private taken = 0;
  private commentsOf = -1;
  constructor(
    private readonly text: string,
    private readonly lines: Line[],
    private readonly resolve: PlainResolver,
  ) {}

  /** The collection starting at line `index`, whose lines are indented `indent`, inside a collection at `parent`. */
  node(index: number, indent: number, parent: number): YamlNode {
    const line = this.lines[index] ?? giveUp();
    if (line.indent !== indent) giveUp();
    return this.isItem(line) ? this.seq(index, indent, parent) : this.map(index, indent);
  }

  private isItem(line: Line): boolean {
    return this.text[line.start] === '-' && (line.start + 1 === line.end || this.text[line.start + 1] === ' ');
  }

  /** The comments after line `index` not yet taken by a node that ended on it. */
  private leftComments(index: number): Line['comments'] {
    const all = (this.lines[index] as Line).comments;
    return this.commentsOf === index && this.taken > 0 ? all.slice(this.taken) : all;
  }

  private take(index: number, count: number): void {
    if (this.commentsOf !== index) {
      this.commentsOf = index;
      this.taken = 0;
    }
    this.taken += count;
  }

  /**
   * After an item ending on line `last` of a collection at `indent`. When the collection goes on, the comments left
   * must sit at most at its indent (they open the next item). When it ends, comments all at its own indent extend its
   * end if the next line is less indented (at the text's end: if the collection is indented at all); comments the next
   * line's indent covers (at the end: less indented, or in column 0) belong to what follows. Anything else the reader
   * leaves to the library, whose placement of comments it does not guess.
   */
  private afterItem(last: number, indent: number, goesOn: boolean, sharedIndent: boolean): number | undefined {
    const left = this.leftComments(last);
    if (left.length === 0) return undefined;
    if (goesOn) {
      if (left.some((c) => c.indent > indent)) giveUp();
      return undefined;
    }
    const next = this.lines[last + 1]?.indent;
    if (left.every((c) => c.indent === indent) && (next === undefined ? indent > 0 : next < indent)) {
      // A sequence written at its key's indent shares that indent with the mapping: whose comment it is is unclear.
      if (sharedIndent) giveUp();
      this.take(last, left.length);
      const commentEnd = (left[left.length - 1] as Line['comments'][number]).end;
      // The library ends the collection at the next line's content, its indent included, when nothing else lies between.
      const following = this.lines[last + 1];
      if (!following || following.indent === 0) return commentEnd;
      if (following.start - following.indent !== commentEnd) giveUp();
      return following.start;
    }
    if (left.every((c) => (next === undefined ? c.indent < indent || c.indent === 0 : c.indent <= next))) return undefined;
    return giveUp();
  }

  private seq(index: number, indent: number, parent: number): YamlNode {
    const items: YamlNode[] = [];
    const start = (this.lines[index] as Line).start;
    let end = start;
    let commentEnd: number | undefined;
    let i = index;
    for (let line = this.lines[i]; line && line.indent === indent && this.isItem(line); line = this.lines[i]) {
      let v = line.start + 1;
      while (v < line.end && this.text.charCodeAt(v) === 32) v++;
      if (v >= line.end || this.text[v] === '#') giveUp();
      // `- key: value` opens a mapping whose keys all stand in the column of the first one.
      const compact = this.keyColon(v, line.end) !== undefined;
      const item = compact ? this.map(i, v - (line.start - line.indent), v) : this.scalar(v, i, indent);
      const last = compact ? this.next - 1 : i;
      items.push(item);
      end = item.range[2];
      const after = this.lines[last + 1];
      if (after && after.indent > indent) giveUp();
      const goesOn = !!after && after.indent === indent && this.isItem(after);
      commentEnd = this.afterItem(last, indent, goesOn, indent === parent);
      i = last + 1;
    }
    this.next = i;
    return { kind: 'seq', items, range: [start, end, commentEnd ?? end] };
  }

  /** The offset of the colon when a plain `key:` (followed by a space or the line's end) starts at `from`. */
  private keyColon(from: number, lineEnd: number): number | undefined {
    const colon = this.text.indexOf(':', from);
    if (colon < 0 || colon >= lineEnd || (colon + 1 < lineEnd && this.text[colon + 1] !== ' ')) return undefined;
    return KEY.test(this.text.slice(from, colon)) ? colon : undefined;
  }

  /**
   * The mapping starting at line `index` whose keys stand in column `indent`; `first` is where its first key starts
   * when that line is a sequence item (`- key: value`) rather than the key itself.
   */
  private map(index: number, indent: number, first?: number): YamlNode {
    const pairs: YamlPair[] = [];
    const start = first ?? (this.lines[index] as Line).start;
    let end = start;
    let commentEnd: number | undefined;
    let i = index;
    for (let line = this.lines[i]; line && (line.indent === indent || i === index); line = this.lines[i]) {
      const keyStart = i === index ? start : line.start;
      if (keyStart === line.start && this.isItem(line)) giveUp();
      const colon = this.text.indexOf(':', keyStart);
      if (colon < 0 || colon > line.end) giveUp();
      const keyText = this.text.slice(keyStart, colon);
      if (!KEY.test(keyText)) giveUp();
      const keyValue = this.resolve(keyText);
      if (!keyValue || typeof keyValue.value !== 'string') giveUp();
      let v = colon + 1;
      if (v < line.end && this.text[v] !== ' ') giveUp();
      while (v < line.end && this.text.charCodeAt(v) === 32) v++;
      const key: YamlNode = { kind: 'scalar', value: keyValue?.value, quote: 'plain', range: [keyStart, colon, colon] };
      let value: YamlNode;
      let last: number;
      if (v < line.end && this.text[v] !== '#') {
        value = this.scalar(v, i, indent);
        last = i;
        const after = this.lines[i + 1];
        if (after && after.indent > indent) giveUp();
        i++;
      } else {
        // The value is on the following lines: a deeper collection, or a sequence at the key's own indent. A comment
        // after the key, or none of these (the value is null), is left to the library.
        if (v < line.end || line.comments.length) giveUp();
        const below = this.lines[i + 1];
        if (!below || !(below.indent > indent || (below.indent === indent && this.isItem(below)))) giveUp();
        value = this.node(i + 1, (below as Line).indent, indent);
        i = this.next;
        last = i - 1;
      }
      pairs.push({ key, value });
      end = value.range[2];
      const after = this.lines[i];
      commentEnd = this.afterItem(last, indent, !!after && after.indent === indent, false);
    }
    this.next = i;
    return { kind: 'map', pairs, range: [start, end, commentEnd ?? end] };
  }

  /**
   * A scalar from `from` to the end of line `index`, in a collection at `indent`, with the trailing spaces, comment,
   * line break and the deeper comment lines that follow it.
   */
  private scalar(from: number, index: number, indent: number): YamlNode {
    const text = this.text;
    const line = this.lines[index] as Line;
    const lineEnd = line.end;
    const q = text[from];
    let contentEnd: number;
    let value: unknown;
    let quote: 'plain' | 'single' | 'double';
    if (q === "'" || q === '"') {
      let j = from + 1;
      let out = '';
      for (;;) {
        const c = text.indexOf(q, j);
        if (c < 0 || c >= lineEnd) giveUp();
        out += text.slice(j, c);
        if (q === "'" && text[c + 1] === "'") {
          out += "'";
          j = c + 2;
          continue;
        }
        contentEnd = c + 1;
        break;
      }
      value = out;
      quote = q === "'" ? 'single' : 'double';
    } else {
      if (PLAIN_FIRST.has(q as string)) giveUp();
      // Only this line: a search through the rest of the text for each scalar would make a block quadratic.
      const rest = text.slice(from, lineEnd);
      const hash = rest.indexOf(' #');
      let e = from + (hash < 0 ? rest.length : hash);
      while (e > from && text.charCodeAt(e - 1) === 32) e--;
      const source = text.slice(from, e);
      if (source.includes(': ') || source.endsWith(':') || source.includes('#')) giveUp();
      const resolved = this.resolve(source);
      if (!resolved) giveUp();
      value = resolved?.value;
      contentEnd = e;
      quote = 'plain';
    }
    // After the value: spaces, then a comment (after at least one space) or nothing, up to the line break.
    let k = contentEnd;
    while (k < lineEnd && text.charCodeAt(k) === 32) k++;
    if (k < lineEnd && (text[k] !== '#' || k === contentEnd)) giveUp();
    let end = lineEnd < text.length ? lineEnd + 1 : lineEnd;
    let n = 0;
    for (const c of line.comments) {
      if (c.indent <= indent) break;
      end = c.end;
      n++;
    }
    this.take(index, n);
    return { kind: 'scalar', value, quote, range: [from, contentEnd, end] };
  }
}
