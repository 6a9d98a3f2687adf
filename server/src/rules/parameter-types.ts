// DV202: a macro parameter given a value of a kind AutomateDV cannot use (a number where a column name goes, a list
// where one model goes, a list where a dict of column specs goes); dbt fails on these when the model compiles.
import { diagnostic, type Diagnostic } from '../base/diagnostic';
import { CODES } from '../base/codes';
import type { ParamKind } from '../compile/automate-dv/signatures';
import type { MetaValue } from '../model/meta';
import { vaultCall } from '../model/parse';
import { ADVANCED_SHAPES } from './advanced-metadata';
import type { VaultRule } from './rule';

const DICT_KINDS: readonly ParamKind[] = ['derived-columns', 'null-columns', 'hashed-columns', 'ranked-columns', 'xts-satellites', 'pit-satellites', 'stage-ldts', 'bridge-walk'];

export const parameterTypes: VaultRule = {
  id: 'DV202',
  title: CODES.DV202.title,
  check(ctx) {
    const call = vaultCall(ctx.parsed);
    if (!call?.signature) return [];
    const out: Diagnostic[] = [];
    for (const spec of call.signature.params) {
      const value = call.params.get(spec.name)?.value;
      if (!value) continue;
      const problem = wrongKind(spec.kind, value);
      if (problem) out.push(diagnostic('DV202', 'error', `${call.macro}(): ${spec.name} ${problem}`, problem.includes('element') ? elementSpan(value) : value.span));
    }
    return out;
  },
};

function isScalarNonString(v: MetaValue): boolean {
  return v.kind === 'number' || v.kind === 'bool';
}

function describe(v: MetaValue): string {
  switch (v.kind) {
    case 'number':
      return `the number ${v.value}`;
    case 'bool':
      return `the boolean ${v.value}`;
    case 'list':
      return 'a list';
    case 'dict':
      return 'a mapping';
    case 'string':
      return `the string '${v.value}'`;
    default:
      return v.kind;
  }
}

function elementSpan(v: MetaValue) {
  return v.kind === 'list' ? (v.items.find(isScalarNonString)?.span ?? v.span) : v.span;
}

/** What is wrong with `v` for a parameter of this kind, or undefined when AutomateDV can use it (or it is unknown). */
function wrongKind(kind: ParamKind, v: MetaValue): string | undefined {
  if (v.kind === 'none' || v.kind === 'dynamic') return undefined;
  const columnHint = "quote it as a column name, e.g. 'LOAD_DATE'";
  switch (kind) {
    case 'column':
    case 'columns':
    case 'hashdiff':
    case 'payload':
      if (isScalarNonString(v)) return `must be a column name, not ${describe(v)}; ${columnHint}.`;
      if (v.kind === 'list' && v.items.some(isScalarNonString)) return `has a list element that is not a column name; ${columnHint}.`;
      if (v.kind === 'dict' && (kind === 'column' || kind === 'columns')) return `must be a column name or a list of them, not a mapping.`;
      return undefined;
    case 'model':
      if (v.kind !== 'string') return `must be one model name, not ${describe(v)}.${v.kind === 'list' ? ' This macro loads from a single stage.' : ''}`;
      return undefined;
    case 'models':
      if (v.kind !== 'string' && v.kind !== 'list') return `must be a model name or a list of model names, not ${describe(v)}.`;
      if (v.kind === 'list' && v.items.some((i) => i.kind !== 'string' && i.kind !== 'dynamic')) return `has a list element that is not a model name.`;
      return undefined;
    case 'model-or-source':
      if (v.kind !== 'string' && v.kind !== 'dict') return `must be a model name or {source_name: table_name}, not ${describe(v)}.`;
      return undefined;
    case 'bool':
      return undefined;
    default:
      if (DICT_KINDS.includes(kind) && v.kind !== 'dict') {
        // The nested parameters of xts, pit and bridge name the shape they expect.
        const shape = ADVANCED_SHAPES[kind];
        return `must be a mapping ${shape?.kind === 'mapping' ? shape.expected : '(NAME: spec)'}, not ${describe(v)}.`;
      }
      return undefined;
  }
}
