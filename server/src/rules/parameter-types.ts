// DV202: a macro parameter given a value of a kind AutomateDV cannot use (a number where a column name goes, a list
// where one model goes, a list where a dict of column specs goes), or nested metadata of pit, bridge and xts in the
// wrong shape (a satellite spec that is not {pk: {PK: col}, ldts: ...}, a bridge step missing link_pk, a stage load
// date that is a list); dbt fails on these when the model compiles, and the message names the shape expected.
// DV201/DV207: a required parameter left undefined that only the incremental SQL needs.
import { diagnostic, type Diagnostic } from '../base/diagnostic';
import { CODES } from '../base/codes';
import type { ParamKind } from '../compile/automate-dv/signatures';
import { metaEntry, type MetaValue } from '../model/meta';
import { mappingRenamesMessage } from '../compile/automate-dv/param-types';
import { vaultCall, type MacroCallInfo } from '../model/parse';
import { incrementalFailure } from '../compile/automate-dv/signatures';
import { hasIncrementalBranch } from '../base/materializations';
import { tableOf, type VaultRuleContext } from './context';
import { ADVANCED_SHAPES, describeValue, nestedMetadataFindings } from './nested-metadata';
import type { VaultRule } from './rule';

const DICT_KINDS: readonly ParamKind[] = ['derived-columns', 'null-columns', 'hashed-columns', 'ranked-columns', 'xts-satellites', 'pit-satellites', 'stage-ldts', 'bridge-walk'];

export const parameterTypes: VaultRule = {
  id: 'DV202',
  title: CODES.DV202.title,
  check(ctx) {
    const call = vaultCall(ctx.parsed);
    if (!call?.signature) return nestedShapes(ctx);
    const out: Diagnostic[] = [];
    childKeyOnlyIncremental(ctx, call, out);
    for (const spec of call.signature.params) {
      const value = call.params.get(spec.name)?.value;
      if (!value) continue;
      const renamed = spec.kind === 'column' || spec.kind === 'columns' ? renamingMapping(value) : undefined;
      if (renamed && !MULTIKEY_PARAMS.has(spec.name)) {
        out.push(diagnostic('DV202', 'error', mappingRenamesMessage(call.macro, spec.name, renamed.source, renamed.alias), renamed.span));
        continue;
      }
      const problem = wrongKind(spec.kind, value, spec.name);
      if (problem) out.push(diagnostic('DV202', 'error', `${call.macro}(): ${spec.name} ${problem}`, problem.includes('element') ? elementSpan(value) : value.span));
    }
    out.push(...nestedShapes(ctx));
    return out;
  },
};

/** DV202 inside the nested metadata of pit, bridge and xts. A parameter that is not a mapping at all is reported above. */
function nestedShapes(ctx: VaultRuleContext): Diagnostic[] {
  const table = tableOf(ctx.parsed);
  if (!table) return [];
  return nestedMetadataFindings(table).flatMap(({ param, finding }) => {
    if (finding.kind !== 'shape') return [];
    const value = table.call.params.get(param)?.value;
    const topLevelNotMapping = value !== undefined && value.kind !== 'dict' && finding.span.start === value.span.start && finding.span.end === value.span.end;
    if (topLevelNotMapping && param !== 'as_of_dates_table') return [];
    return [diagnostic('DV202', 'error', finding.message, finding.span)];
  });
}

/**
 * A required parameter left undefined that breaks only the macro's incremental SQL (ma_sat's src_cdk, pit's and
 * bridge's src_ldts): an error when the model is materialized with an incremental branch (or its materialization is
 * unknown), else a warning, since AutomateDV's required-parameter check lets Undefined through and the first load works.
 */
function childKeyOnlyIncremental(ctx: VaultRuleContext, call: MacroCallInfo, out: Diagnostic[]): void {
  for (const spec of call.signature?.params ?? []) {
    const failure = spec.required ? incrementalFailure(call.macro, spec.name) : undefined;
    if (failure === undefined) continue;
    const bound = call.params.get(spec.name);
    if (bound && bound.undefinedBecause === undefined) continue;
    const why = bound?.undefinedBecause !== undefined ? `${bound.undefinedBecause}, so ${spec.name} is undefined` : `${spec.name} is not passed`;
    const span = bound ? (bound.undefinedSpan ?? bound.argSpan) : call.nameSpan;
    const inFile = ctx.parsed.config.get('materialized');
    const materialized = ctx.project.modelSettings?.(ctx.modelName)?.materialized ?? (inFile?.kind === 'string' ? inFile.value : undefined);
    if (materialized === undefined || hasIncrementalBranch(materialized)) {
      out.push(
        diagnostic(
          'DV201',
          'error',
          `${why}: AutomateDV's required-parameter check lets that through and the first load works, but ${failure.reason}, so every later run fails. Add ${failure.fix}.`,
          span,
        ),
      );
    } else {
      out.push(
        diagnostic('DV207', 'warning', `${why}: the ${call.macro} (materialized ${materialized}) is built without ${failure.without}; made incremental it would fail. Add ${failure.fix}.`, span),
      );
    }
  }
}

function isScalarNonString(v: MetaValue): boolean {
  return v.kind === 'number' || v.kind === 'bool';
}

function elementSpan(v: MetaValue) {
  return v.kind === 'list' ? (v.items.find(isScalarNonString)?.span ?? v.span) : v.span;
}

// Parameters AutomateDV hands to multikey(), which writes a mapping into SQL as it is.
const MULTIKEY_PARAMS = new Set(['src_pk', 'src_dfk', 'src_sfk', 'src_cdk']);

interface ColumnMapping {
  source: string;
  alias: string;
  span: MetaValue['span'];
}

/** A {source_column, alias} mapping (string values), as a value or a list element. */
function columnMapping(v: MetaValue): ColumnMapping | undefined {
  if (v.kind !== 'dict') return undefined;
  const source = metaEntry(v, 'source_column')?.value;
  const alias = metaEntry(v, 'alias')?.value;
  if (source?.kind !== 'string' || alias?.kind !== 'string' || v.entries.length !== 2) return undefined;
  return { source: source.value, alias: alias.value, span: v.span };
}

/** The first mapping in a column parameter whose alias is another column than its source (it fails at run time). */
function renamingMapping(v: MetaValue): ColumnMapping | undefined {
  const items = v.kind === 'list' ? v.items : [v];
  return items.map(columnMapping).find((m) => m !== undefined && m.source.toLowerCase() !== m.alias.toLowerCase());
}

/** What is wrong with `v` for a parameter of this kind, or undefined when AutomateDV can use it (or it is unknown). */
function wrongKind(kind: ParamKind, v: MetaValue, param: string): string | undefined {
  if (v.kind === 'none' || v.kind === 'dynamic') return undefined;
  const columnHint = "quote it as a column name, e.g. 'LOAD_DATE'";
  switch (kind) {
    case 'column':
    case 'columns':
    case 'hashdiff':
    case 'payload':
      if (isScalarNonString(v)) return `must be a column name, not ${describeValue(v, false)}; ${columnHint}.`;
      if (v.kind === 'list' && v.items.some(isScalarNonString)) return `has a list element that is not a column name; ${columnHint}.`;
      if (kind === 'column' || kind === 'columns') {
        // A {source_column, alias} mapping naming one column works where AutomateDV only selects columns with prefix().
        const mappings = (v.kind === 'list' ? v.items : [v]).filter((i) => i.kind === 'dict');
        const usable = (m: MetaValue) => !MULTIKEY_PARAMS.has(param) && columnMapping(m) !== undefined;
        if (v.kind === 'dict' && !usable(v)) return `must be a column name or a list of them, not a mapping${MULTIKEY_PARAMS.has(param) ? ' (AutomateDV writes it into its key conditions as it is)' : ''}.`;
        if (v.kind === 'list' && mappings.some((m) => !usable(m))) return `has a list element that is a mapping AutomateDV cannot use; name the column.`;
      }
      return undefined;
    case 'model':
      if (v.kind !== 'string') return `must be one model name, not ${describeValue(v, false)}.${v.kind === 'list' ? ' This macro loads from a single stage.' : ''}`;
      return undefined;
    case 'models':
      if (v.kind !== 'string' && v.kind !== 'list') return `must be a model name or a list of model names, not ${describeValue(v, false)}.`;
      if (v.kind === 'list' && v.items.some((i) => i.kind !== 'string' && i.kind !== 'dynamic')) return `has a list element that is not a model name.`;
      return undefined;
    case 'model-or-source':
      if (v.kind !== 'string' && v.kind !== 'dict') return `must be a model name or {source_name: table_name}, not ${describeValue(v, false)}.`;
      return undefined;
    case 'bool':
      return undefined;
    default:
      if (DICT_KINDS.includes(kind) && v.kind !== 'dict') {
        // The nested parameters of xts, pit and bridge name the shape they expect.
        const shape = ADVANCED_SHAPES[kind];
        return `must be a mapping ${shape?.kind === 'mapping' ? shape.expected : '(NAME: spec)'}, not ${describeValue(v, false)}.`;
      }
      return undefined;
  }
}
