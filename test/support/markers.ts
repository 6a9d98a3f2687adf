// Expected-diagnostic markers in fixture files (CONVENTIONS.md §7). A marker is a line holding only a Jinja comment
// whose caret points at the column where a diagnostic starts on the nearest code line above it:
//     {{ automate_dv.hub(src_pk="X") }}
//     {#             ^ DV201 #}
// A file with no markers expects no diagnostics at all.
import { SourceText } from '../../server/src/base/text';

export interface ExpectedMarker {
  line: number;
  character: number;
  code: string;
}

const MARKER = /^(\s*)\{#(\s*)\^\s*(DV\d{3})\s*#\}\s*$/;

export function readMarkers(text: string): ExpectedMarker[] {
  const lines = text.split('\n');
  const out: ExpectedMarker[] = [];
  let lastCode = -1;
  lines.forEach((line, i) => {
    const m = MARKER.exec(line);
    if (!m) {
      lastCode = i;
      return;
    }
    const caret = line.indexOf('^');
    out.push({ line: lastCode, character: caret, code: m[3] as string });
  });
  return out;
}

/** "line:character code" strings for comparing actual diagnostics with markers. */
export function markerKeys(text: string, diagnostics: { code: string; span?: { start: number } }[]): string[] {
  const src = new SourceText(text);
  return diagnostics
    .map((d) => {
      const p = src.positionAt(d.span?.start ?? 0);
      return `${p.line}:${p.character} ${d.code}`;
    })
    .sort();
}

export function expectedKeys(text: string): string[] {
  return readMarkers(text)
    .map((m) => `${m.line}:${m.character} ${m.code}`)
    .sort();
}

/** A fixture with a `$0` cursor marker: the text without the marker and the marker's offset. */
export function readCursor(textWithCursor: string): { text: string; offset: number } {
  const offset = textWithCursor.indexOf('$0');
  if (offset < 0) throw new Error('fixture has no $0 cursor marker');
  return { text: textWithCursor.slice(0, offset) + textWithCursor.slice(offset + 2), offset };
}
