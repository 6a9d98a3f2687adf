// One file's findings from the engine (parser, project, compiler) and from the vault rules, merged without
// duplicates; the CLI and the language server show the same list.
import type { Diagnostic } from '../base/diagnostic';
import { vaultCall, type ParsedModel } from '../model/parse';

/**
 * Merges engine findings with the rules'. The compiler reports some problems without a precise place (on the macro
 * name); when a rule or the parser reports the same code precisely, the coarse one goes. Exact repeats (same code, place and
 * message) are dropped too.
 */
export function mergeFindings(parsed: ParsedModel, engine: readonly Diagnostic[], rules: readonly Diagnostic[]): Diagnostic[] {
  const call = vaultCall(parsed) ?? parsed.calls[0];
  // Coarse: no place, the file's start, or the whole call (the macro name or the expression around it).
  const coarse = (d: Diagnostic) => !d.span || d.span.start === 0 || (call !== undefined && d.span.start <= call.nameSpan.start && d.span.end >= call.nameSpan.end);
  // A code reported precisely somewhere (by a rule, or by the parser) makes its coarse repeats from compilation go.
  const preciseCodes = new Set([...rules, ...engine].filter((d) => !coarse(d)).map((d) => d.code));
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const d of [...engine.filter((e) => !(preciseCodes.has(e.code) && coarse(e))), ...rules]) {
    const key = `${d.code}@${d.span?.start ?? -1}:${d.span?.end ?? -1}`;
    if (seen.has(key) || seen.has(`${key}|${d.message}`)) continue;
    seen.add(key);
    seen.add(`${key}|${d.message}`);
    out.push(d);
  }
  return out;
}
