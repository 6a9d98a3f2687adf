// The columns a vault table model (every macro of base/automate-dv-macros.ts but the stage) produces, read from its
// metadata in the order its descriptor lists them, as AutomateDV does. PITs and bridges read such tables, so their
// metadata can only be checked and completed against these columns.
import { macroDescriptor } from '../base/automate-dv-macros';
import { metaEntry, metaStrings, type MetaValue } from '../model/meta';
import { tableOf, wrapsMacroCall, type RuleProject, type VaultIndex } from './context';
import { hashdiffColumn, paramValue, payloadFacts, sameName, type TableFacts } from './vault-facts';

export interface VaultTableColumn {
  name: string;
  /** The metadata parameter the column comes from (`src_pk`, `satellites`, …); `fixed` for AS_OF_DATE and xts's names. */
  param: string;
  /** The stage column the value is copied from, when it has another name or comes from a stage. */
  from?: string;
}

export interface VaultTableOutput {
  macro: TableFacts['macro'];
  columns: VaultTableColumn[];
  /** Every column is known: no value is computed at render time and no SQL around the call reshapes the result. */
  complete: boolean;
  /** The stage(s) the columns are copied from (the source models), when the macro reads stages. */
  stages: string[];
}

function isKnown(v: MetaValue | undefined): boolean {
  return v === undefined || (v.kind !== 'dynamic' && !(v.kind === 'list' && v.items.some((i) => i.kind === 'dynamic')));
}

/** The columns of a vault table model, or undefined when the model is not one. */
export function vaultTableColumns(project: RuleProject, index: VaultIndex, name: string): VaultTableOutput | undefined {
  const parsed = project.parsedModel(name);
  const table = parsed ? tableOf(parsed) : undefined;
  if (!parsed || !table) return undefined;
  const out: VaultTableOutput = { macro: table.macro, columns: [], complete: !wrapsMacroCall(parsed), stages: table.sourceModels.map((m) => m.value) };
  const add = (column: VaultTableColumn) => {
    if (!out.columns.some((c) => sameName(c.name, column.name))) out.columns.push(column);
  };
  const plain = (param: string) => {
    const v = paramValue(table.call, param);
    if (!isKnown(v)) out.complete = false;
    for (const s of metaStrings(v)) add({ name: s.value.trim(), param, from: s.value.trim() });
    // {source_column, alias} items of src_extra_columns are carried under their alias.
    if (v?.kind === 'list') {
      for (const item of v.items) {
        const alias = metaEntry(item, 'alias')?.value;
        const source = metaEntry(item, 'source_column')?.value;
        if (alias?.kind === 'string') add({ name: alias.value.trim(), param, ...(source?.kind === 'string' ? { from: source.value.trim() } : {}) });
      }
    }
  };
  // The descriptor lists the columns in AutomateDV's order; each parameter's kind says how its columns are read.
  const descriptor = macroDescriptor(table.macro);
  if (!descriptor.columns) {
    out.complete = false;
    return out;
  }
  const order = descriptor.columns.flatMap((c) => ('param' in c ? [c.param] : []));
  for (const column of descriptor.columns) {
    if ('fixed' in column) {
      add({ name: column.fixed, param: 'fixed' });
      continue;
    }
    const param = column.param;
    switch (descriptor.params.find((p) => p.name === param)?.kind) {
      case 'hashdiff': {
        const v = paramValue(table.call, param);
        if (!isKnown(v)) out.complete = false;
        const source = hashdiffColumn(table.call);
        const alias = metaEntry(v, 'alias')?.value;
        if (source) add({ name: alias?.kind === 'string' ? alias.value.trim() : source.value.trim(), param, from: source.value.trim() });
        break;
      }
      case 'payload':
        addPayload(table, order, out, add, index);
        break;
      case 'pit-satellites': {
        const satellites = paramValue(table.call, param);
        if (satellites?.kind !== 'dict') out.complete = false;
        for (const sat of satellites?.kind === 'dict' ? satellites.entries : []) {
          for (const part of ['pk', 'ldts']) {
            const inner = metaEntry(sat.value, part)?.value;
            const first = inner?.kind === 'dict' ? inner.entries[0] : undefined;
            if (first) add({ name: `${sat.key}_${first.key}`, param, ...(first.value.kind === 'string' ? { from: first.value.value.trim() } : {}) });
            else out.complete = false;
          }
        }
        break;
      }
      case 'bridge-walk': {
        const walk = paramValue(table.call, param);
        if (walk?.kind !== 'dict') out.complete = false;
        for (const step of walk?.kind === 'dict' ? walk.entries : []) {
          const pk = metaEntry(step.value, 'bridge_link_pk')?.value;
          const linkPk = metaEntry(step.value, 'link_pk')?.value;
          if (pk?.kind === 'string') add({ name: pk.value.trim(), param, ...(linkPk?.kind === 'string' ? { from: linkPk.value.trim() } : {}) });
          else out.complete = false;
        }
        break;
      }
      default:
        plain(param);
    }
  }
  return out;
}

/** A listed payload is its columns; the exclude form is every stage column the metadata does not name, minus the listed. */
function addPayload(table: TableFacts, order: readonly string[], out: VaultTableOutput, add: (c: VaultTableColumn) => void, index: VaultIndex): void {
  const payload = payloadFacts(table.call);
  if (payload.kind === 'list') {
    for (const c of payload.columns) add({ name: c.value.trim(), param: 'src_payload', from: c.value.trim() });
    return;
  }
  if (payload.kind === 'unknown') {
    if (paramValue(table.call, 'src_payload') !== undefined) out.complete = false;
    return;
  }
  const stage = table.sourceModels[0]?.value;
  const output = stage && index.stage(stage) ? index.stageOutput(stage) : undefined;
  if (!output?.complete) {
    out.complete = false;
    return;
  }
  const named = new Set<string>();
  for (const param of order) if (param !== 'src_payload') for (const s of metaStrings(paramValue(table.call, param))) named.add(s.value.trim().toLowerCase());
  const hd = hashdiffColumn(table.call);
  if (hd) named.add(hd.value.trim().toLowerCase());
  for (const e of payload.except) named.add(e.value.trim().toLowerCase());
  for (const c of output.columns) if (!named.has(c.name.toLowerCase())) add({ name: c.name, param: 'src_payload', from: c.name });
}

