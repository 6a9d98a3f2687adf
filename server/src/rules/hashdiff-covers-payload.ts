// DV405: a satellite's hashdiff must cover its payload: a payload column missing from the hashdiff changes without a
// new satellite row, so history is silently lost.
import { diagnostic, type Diagnostic } from '../base/diagnostic';
import { CODES } from '../base/codes';
import { tableOf, type VaultRuleContext } from './context';
import { nameList, type VaultRule } from './rule';
import { canonicalColumn } from './stage-aliases';
import { escapedNames, readHashedEntry } from './hash-expressions';
import { foldedNames, foldName, hashdiffColumn, paramColumns, payloadFacts, sameName, type Named, type TableFacts } from './vault-facts';

export const hashdiffCoversPayload: VaultRule = {
  id: 'DV405',
  title: CODES.DV405.title,
  check(ctx) {
    const sat = tableOf(ctx.parsed);
    if (!sat || (sat.macro !== 'sat' && sat.macro !== 'ma_sat')) return [];
    const stageName = sat.sourceModels[0]?.value;
    const hashdiff = hashdiffColumn(sat.call);
    const stage = stageName ? ctx.index.stage(stageName) : undefined;
    if (!stageName || !stage || !hashdiff) return [];
    const hash = stage.hashed.find((h) => sameName(h.name, hashdiff.value));
    // A hashdiff whose columns are known only at render time may well cover the payload.
    if (!hash || !hash.isHashdiff || hash.unknown) return [];
    let components: string[];
    if (hash.form === 'exclude') {
      const source = ctx.index.stageOutput(stageName)?.source;
      if (!source) return [];
      const except = new Set(hash.components.map((c) => c.value.toLowerCase()));
      components = source.columns.map((c) => c.name).filter((n) => !except.has(n.toLowerCase()));
    } else components = hash.components.map((c) => c.value);
    // An expression entry (customer_name || '-' || status, amount::NUMERIC(10,2)) covers every column it names; one
    // whose identifiers cannot be read may cover anything, so the rule says nothing rather than guess.
    const covered = new Set<string>();
    const escaped = escapedNames(stage.derived);
    for (const c of components) {
      const entry = hash.form === 'exclude' ? { kind: 'name' as const, name: c } : readHashedEntry(c, escaped);
      if (entry.kind === 'name') covered.add(canonicalColumn(stage, entry.name));
      else if (!entry.identifiers) return [];
      else for (const id of entry.identifiers) covered.add(canonicalColumn(stage, id));
    }
    const payload = payloadColumns(ctx, sat, stageName);
    if (!payload) return [];
    const out: Diagnostic[] = [];
    // A payload column the stage does not have at all is DV302's finding, not a hashdiff gap.
    const output = ctx.index.stageOutput(stageName);
    const exists = (name: string) => !output?.complete || foldedNames(output.columns).has(foldName(name));
    const missing = payload.columns.filter((p) => exists(p.value) && !covered.has(canonicalColumn(stage, p.value)));
    const advice = (names: string) =>
      `Add ${names} to ${hash.name}'s columns in ${stageName}, or a change to ${missing.length > 1 ? 'them' : 'it'} adds no satellite row.`;
    if (payload.span) {
      if (missing.length) {
        const names = nameList(missing.map((m) => m.value));
        out.push(diagnostic('DV405', 'warning', `The payload includes ${names}, which ${hashdiffText(hash.name, components)} does not cover. ${advice(names)}`, payload.span));
      }
      return out;
    }
    for (const m of missing) {
      out.push(diagnostic('DV405', 'warning', `${m.value} is in the payload but not in ${hashdiffText(hash.name, components)}. ${advice(m.value)}`, m.span));
    }
    return out;
  },
};

function hashdiffText(name: string, components: readonly string[]): string {
  return components.length ? `${name} (hashed from ${nameList([...components])})` : name;
}

/** The payload's columns: listed, or (exclude form, stage columns known) every stage column the metadata does not name. */
function payloadColumns(ctx: VaultRuleContext, sat: TableFacts, stageName: string): { columns: Named[]; span?: Named['span'] } | undefined {
  const payload = payloadFacts(sat.call);
  if (payload.kind === 'list') return { columns: payload.columns };
  if (payload.kind !== 'exclude') return undefined;
  const output = ctx.index.stageOutput(stageName);
  if (!output?.complete) return undefined;
  const named = new Set<string>();
  for (const p of ['src_pk', 'src_hashdiff', 'src_cdk', 'src_extra_columns', 'src_eff', 'src_ldts', 'src_source']) {
    for (const c of paramColumns(sat.call, p)) named.add(c.value.toLowerCase());
  }
  const hd = hashdiffColumn(sat.call);
  if (hd) named.add(hd.value.toLowerCase());
  for (const c of payload.except) named.add(c.value.toLowerCase());
  const columns = output.columns.filter((c) => !named.has(c.name.toLowerCase())).map((c) => ({ value: c.name, span: payload.span }));
  return { columns, span: payload.span };
}
