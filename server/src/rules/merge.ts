// One file's findings from the engine (parser, project, compiler) and from the vault rules, merged without
// duplicates; the CLI and the language server show the same list.
import type { Diagnostic } from '../base/diagnostic';
import { vaultCall, type ParsedModel } from '../model/parse';

/**
 * Merges engine findings with the rules'. The compiler reports some problems without a precise place (on the macro
 * name); when a rule reports the same code precisely, the coarse one goes. Exact repeats (same code, place and
 * message) are dropped too.
 */
export function mergeFindings(parsed: ParsedModel, engine: readonly Diagnostic[], rules: readonly Diagnostic[]): Diagnostic[] {
  const call = vaultCall(parsed) ?? parsed.calls[0];
  const coarse = (d: Diagnostic) => !d.span || (call !== undefined && d.span.start === call.nameSpan.start && d.span.end === call.nameSpan.end) || d.span.start === 0;
  const ruleCodes = new Set(rules.map((d) => d.code));
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const d of [...engine.filter((e) => !(ruleCodes.has(e.code) && coarse(e))), ...rules]) {
    const key = `${d.code}@${d.span?.start ?? -1}:${d.span?.end ?? -1}`;
    if (seen.has(key) || seen.has(`${key}|${d.message}`)) continue;
    seen.add(key);
    seen.add(`${key}|${d.message}`);
    out.push(d);
  }
  return out;
}
