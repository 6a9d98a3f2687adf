// Positions and ranges in source text, and conversion between character offsets and line/column positions.
// Every name and value the core reads from a user file keeps a Range so the editor can point at it.

/** Zero-based line and UTF-16 character, as LSP uses. */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** Half-open span of character offsets into a file's text. */
export interface Span {
  start: number;
  end: number;
}

/** A file's text with a line index, so offsets and positions convert both ways in O(log n). */
export class SourceText {
  private readonly lineStarts: number[];

  constructor(readonly text: string) {
    // LSP counts \n, \r\n and a lone \r as line ends.
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
    }
    this.lineStarts = starts;
  }

  positionAt(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= clamped) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: clamped - (this.lineStarts[lo] ?? 0) };
  }

  offsetAt(position: Position): number {
    if (position.line < 0) return 0;
    if (position.line >= this.lineStarts.length) return this.text.length;
    const start = this.lineStarts[position.line] ?? 0;
    let end = this.lineStarts[position.line + 1] ?? this.text.length;
    // A position past the end of a line stops before its line break.
    if (end > start && this.lineStarts[position.line + 1] !== undefined) {
      end--;
      if (end > start && this.text.charCodeAt(end) === 10 && this.text.charCodeAt(end - 1) === 13) end--;
    }
    return Math.min(start + Math.max(0, position.character), end);
  }

  rangeOf(span: Span): Range {
    return { start: this.positionAt(span.start), end: this.positionAt(span.end) };
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }
}

export function spanContains(span: Span, offset: number): boolean {
  return offset >= span.start && offset <= span.end;
}
