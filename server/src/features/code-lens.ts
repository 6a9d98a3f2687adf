// Code lenses on an AutomateDV macro call: "Preview SQL" opens the live compiled-SQL preview, "Run load" loads this
// model (the client commands are declared in protocol.ts).
import type { CodeLens } from 'vscode-languageserver';
import { SourceText } from '../base/text';
import type { ParsedModel } from '../model/parse';
import { ClientCommandsForServer } from '../protocol';

export function codeLenses(uri: string, modelName: string, parsed: ParsedModel): CodeLens[] {
  const source = new SourceText(parsed.text);
  const out: CodeLens[] = [];
  for (const call of parsed.calls) {
    if (!call.signature) continue;
    const range = source.rangeOf(call.span);
    out.push({ range, command: { title: 'Preview SQL', command: ClientCommandsForServer.previewCompiledSql, arguments: [uri] } });
    out.push({ range, command: { title: 'Run load', command: ClientCommandsForServer.runLoads, arguments: [{ select: [modelName] }] } });
  }
  return out;
}
