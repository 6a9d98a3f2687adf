// Go to definition and find references in model files: a model name jumps to its file, a source to its yml entry,
// a column to where its stage derives or hashes it (or to its yml declaration); references list every ref(),
// source_model and metadata mention across the project.
import type { Location } from 'vscode-languageserver';
import { SourceText, type Span } from '../base/text';
import type { ParsedModel } from '../model/parse';
import type { VaultIndex } from '../rules';
import { sameName } from '../rules/vault-facts';
import { stageOutputDescribed, stageSourceColumns } from './columns';
import type { FeatureProject } from './project-view';
import { namedOccurrences, symbolAt } from './symbol-at';
import { pathToUri } from './uris';

export interface NavigationInput {
  project: FeatureProject;
  index: VaultIndex;
  modelName: string;
  parsed: ParsedModel;
  offset: number;
}

function locationIn(project: FeatureProject, file: string, span: Span): Location | undefined {
  const text = project.fileText(file);
  if (text === undefined) return undefined;
  return { uri: pathToUri(file), range: new SourceText(text).rangeOf(span) };
}

function modelLocation(project: FeatureProject, model: string, span?: Span): Location | undefined {
  const info = project.model(model);
  if (!info) return undefined;
  if (span) {
    const parsed = project.parsedModel(model);
    if (parsed) return { uri: pathToUri(info.file), range: new SourceText(parsed.text).rangeOf(span) };
  }
  return { uri: pathToUri(info.file), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } };
}

export function definitionAt(input: NavigationInput): Location[] {
  const { project, index, modelName, parsed, offset } = input;
  const symbol = symbolAt(parsed, modelName, offset);
  if (!symbol) return [];
  const found: (Location | undefined)[] = [];
  switch (symbol.kind) {
    case 'model':
      found.push(modelLocation(project, symbol.name));
      break;
    case 'source': {
      const t = project.sourceTable(symbol.source, symbol.table);
      if (t) found.push(locationIn(project, t.file, t.nameSpan));
      break;
    }
    case 'stage-column': {
      const column = stageOutputDescribed(project, index, symbol.model)?.find((c) => sameName(c.name, symbol.name));
      if (column?.definedAt) found.push(modelLocation(project, column.definedAt.model, column.definedAt.span));
      else if (column?.declaredAt) found.push(locationIn(project, column.declaredAt.file, column.declaredAt.span));
      else if (!column) {
        // A vault table's column (a PIT's satellite, a bridge's link): where that table's metadata names it.
        const owner = project.parsedModel(symbol.model);
        const at = owner ? namedOccurrences(owner, symbol.name)[0] : undefined;
        if (at) found.push(modelLocation(project, symbol.model, at));
      }
      break;
    }
    case 'input-column': {
      const own = stageOutputDescribed(project, index, symbol.stage)?.find((c) => sameName(c.name, symbol.name) && c.definedAt);
      if (own?.definedAt && own.definedAt.span.start !== symbol.span.start) found.push(modelLocation(project, own.definedAt.model, own.definedAt.span));
      else {
        const raw = stageSourceColumns(project, index, symbol.stage).find((c) => sameName(c.name, symbol.name));
        if (raw?.declaredAt) found.push(locationIn(project, raw.declaredAt.file, raw.declaredAt.span));
      }
      break;
    }
    case 'macro':
      break;
  }
  return found.filter((l): l is Location => l !== undefined);
}

export function referencesAt(input: NavigationInput & { includeDeclaration: boolean }): Location[] {
  const { project, index, modelName, parsed, offset } = input;
  const symbol = symbolAt(parsed, modelName, offset);
  if (!symbol) return [];
  const out: Location[] = [];
  const add = (model: string, spans: readonly Span[]) => {
    for (const s of spans) {
      const l = modelLocation(project, model, s);
      if (l) out.push(l);
    }
  };
  if (symbol.kind === 'model') {
    for (const m of project.modelNames()) {
      const p = project.parsedModel(m);
      if (!p) continue;
      const spans = p.refs.filter((r) => r.name === symbol.name).map((r) => r.nameSpan);
      const table = index.table(m);
      if (table) spans.push(...table.sourceModels.filter((s) => s.value === symbol.name).map((s) => s.span));
      const stage = index.stage(m);
      if (stage?.source?.kind === 'ref' && stage.source.model.value === symbol.name) spans.push(stage.source.model.span);
      add(m, spans);
    }
    if (input.includeDeclaration) {
      const decl = modelLocation(project, symbol.name);
      if (decl) out.push(decl);
    }
  }
  if (symbol.kind === 'stage-column' || symbol.kind === 'input-column') {
    const stageName = symbol.kind === 'stage-column' ? symbol.model : symbol.stage;
    // The stage, the models reading it, and for a hash key every other stage building it and their readers.
    const stages = new Set([stageName]);
    for (const b of index.hashBuilders().get(symbol.name.toLowerCase()) ?? []) stages.add(b.stage);
    const models = new Set(stages);
    for (const m of project.modelNames()) {
      const t = index.table(m);
      if (t?.sourceModels.some((s) => stages.has(s.value))) models.add(m);
    }
    for (const m of models) {
      const p = project.parsedModel(m);
      if (p) add(m, namedOccurrences(p, symbol.name));
    }
  }
  return out.sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character));
}
