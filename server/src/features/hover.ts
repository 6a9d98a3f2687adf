// Hover in model files: a column's type, where it comes from and how it is hashed; a model's kind and relation; a
// source table's relation and description; on a macro call, its purpose and the first lines of its compiled SQL.
import { MarkupKind, type Hover } from 'vscode-languageserver';
import { SourceText } from '../base/text';
import type { ParsedModel } from '../model/parse';
import type { VaultIndex } from '../rules';
import { sameName } from '../rules/vault-facts';
import { nestedParamHover } from './nested-parameters';
import { stageOutputDescribed, stageSourceColumns } from './columns';
import { modelColumnsDescribed } from './model-columns';
import type { FeatureProject } from './project-view';
import { symbolAt } from './symbol-at';

const PREVIEW_LINES = 20;

export interface HoverInput {
  project: FeatureProject;
  index: VaultIndex;
  modelName: string;
  parsed: ParsedModel;
  offset: number;
}

export function hoverAt(input: HoverInput): Hover | null {
  const { project, index, modelName, parsed, offset } = input;
  // The nested metadata of xts, pit and bridge says what each key means (advanced-macros.ts).
  const nested = nestedParamHover(input);
  if (nested) return nested;
  const symbol = symbolAt(parsed, modelName, offset);
  if (!symbol) return null;
  const markdown = hoverText(input, symbol);
  if (!markdown) return null;
  return { contents: { kind: MarkupKind.Markdown, value: markdown }, range: new SourceText(parsed.text).rangeOf(symbol.span) };

  function hoverText(_: HoverInput, s: NonNullable<ReturnType<typeof symbolAt>>): string | undefined {
    switch (s.kind) {
      case 'model': {
        const info = project.model(s.name);
        if (!info) return `**${s.name}** — no model of this name in ${project.projectName}`;
        const stage = index.stage(s.name);
        const table = index.table(s.name);
        const kind = stage ? 'stage' : table ? table.macro : info.kind;
        const lines = [`**${s.name}** — ${kind}${info.materialized ? `, materialized as ${info.materialized}` : ''}`];
        if (info.relation) lines.push(`\`${info.relation}\``);
        if (info.description) lines.push(info.description);
        return lines.join('\n\n');
      }
      case 'source': {
        const t = project.sourceTable(s.source, s.table);
        if (!t) return `**${s.source}.${s.table}** — not declared in the sources yml`;
        const lines = [`**${s.source}.${s.table}** — source table \`${t.relation}\``];
        if (t.description) lines.push(t.description);
        if (t.columns.length) lines.push(t.columns.map((c) => `- \`${c.name}\`${c.dataType ? ` ${c.dataType}` : ''}`).join('\n'));
        return lines.join('\n\n');
      }
      case 'stage-column': {
        // Usually a stage's column; a PIT's or bridge's hub column, or a reference table's plain model column.
        const column = modelColumnsDescribed(project, index, s.model)?.find((c) => sameName(c.name, s.name));
        if (!column) return `**${s.name}** — not a column of \`${s.model}\` as far as is known`;
        return column.documentation + `\n\n*${column.origin}*`;
      }
      case 'input-column': {
        const own = stageOutputDescribed(project, index, s.stage)?.find((c) => sameName(c.name, s.name) && c.definedAt);
        if (own) return own.documentation;
        const raw = stageSourceColumns(project, index, s.stage).find((c) => sameName(c.name, s.name));
        return raw ? raw.documentation : `**${s.name}** — not a known column of this stage's source`;
      }
      case 'macro': {
        const signature = s.call.signature;
        const lines = [`**${s.call.namespace}.${s.call.macro}**${signature ? ` — ${signature.description}` : ''}`];
        const sql = project.compiledSql(modelName);
        if (sql) {
          const all = sql.split('\n');
          const shown = all.slice(0, PREVIEW_LINES).join('\n');
          lines.push('```sql\n' + shown + (all.length > PREVIEW_LINES ? '\n-- …' : '') + '\n```');
        }
        return lines.join('\n\n');
      }
    }
  }
}
