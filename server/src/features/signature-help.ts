// Signature help inside an AutomateDV macro call: the macro's parameters in their real positional order, each with
// what it takes, and the one the cursor's argument binds to.
import { MarkupKind, type SignatureHelp } from 'vscode-languageserver';
import { MACRO_SIGNATURES } from '../compile/automate-dv/signatures';
import { callArgumentAt } from './cursor-context';

export function signatureHelpAt(text: string, offset: number): SignatureHelp | null {
  const at = callArgumentAt(text, offset);
  if (!at) return null;
  const signature = MACRO_SIGNATURES[at.macro];
  const label = `${at.macro}(${signature.params.map((p) => p.name).join(', ')})`;
  let cursor = at.macro.length + 1;
  const parameters = signature.params.map((p) => {
    const range: [number, number] = [cursor, cursor + p.name.length];
    cursor += p.name.length + 2;
    return { label: range, documentation: { kind: MarkupKind.Markdown, value: `\`${p.kind}\`${p.required ? ' (required)' : ''} — ${p.description}` } };
  });
  const active = at.param ? signature.params.findIndex((p) => p.name === at.param) : -1;
  return {
    signatures: [{ label, documentation: { kind: MarkupKind.Markdown, value: signature.description }, parameters }],
    activeSignature: 0,
    activeParameter: active >= 0 ? active : null,
  };
}
