// DV404: a satellite hangs off a hub or a link, so its key must be that parent's key. Checked only when the project
// has hubs or links built with AutomateDV.
import { isMacroOfFamily } from '../base/automate-dv-macros';
import { closestName, diagnostic, type Diagnostic } from '../base/diagnostic';
import { CODES } from '../base/codes';
import { tableOf, type KeyOwners, type VaultIndex, type VaultRuleContext } from './context';
import { nameList, type VaultRule } from './rule';
import { paramColumns } from './vault-facts';

const PARENT_KEY_UNKNOWN = new WeakMap<VaultIndex, boolean>();

interface Parents {
  /** Hubs and links by lower-cased key (a link's entry wins over a hub's of the same key). */
  byKey: ReadonlyMap<string, KeyOwners>;
  /** Every parent key as first written, in that map's order. */
  keys: readonly string[];
}

const PARENTS = new WeakMap<VaultIndex, Parents>();

/** The hubs and links of one index state, merged once and shared by every satellite checked against it. */
function parentsOf(index: VaultIndex): Parents {
  let parents = PARENTS.get(index);
  if (!parents) {
    const byKey = new Map([...index.hubsByKey(), ...index.linksByKey()]);
    parents = { byKey, keys: [...byKey.values()].map((o) => o.key) };
    PARENTS.set(index, parents);
  }
  return parents;
}

/** Some hub's or link's key is known only at render time (a package macro's result, a var): any key may be its. */
function parentKeyUnknown(ctx: VaultRuleContext): boolean {
  let unknown = PARENT_KEY_UNKNOWN.get(ctx.index);
  if (unknown === undefined) {
    unknown = [...ctx.project.modelNames()].some((name) => {
      const t = ctx.index.table(name);
      if (!t || !isMacroOfFamily(t.macro, 'hub', 'link')) return false;
      const pk = t.call.params.get('src_pk');
      return pk !== undefined && (pk.value === undefined || pk.value.kind === 'dynamic');
    });
    PARENT_KEY_UNKNOWN.set(ctx.index, unknown);
  }
  return unknown;
}

export const satParentKey: VaultRule = {
  id: 'DV404',
  title: CODES.DV404.title,
  check(ctx) {
    const sat = tableOf(ctx.parsed);
    if (!sat || !['sat', 'ma_sat', 'eff_sat'].includes(sat.macro)) return [];
    const { byKey, keys } = parentsOf(ctx.index);
    if (byKey.size === 0 || parentKeyUnknown(ctx)) return [];
    const out: Diagnostic[] = [];
    for (const pk of paramColumns(sat.call, 'src_pk')) {
      if (byKey.has(pk.value.toLowerCase())) continue;
      const guess = closestName(pk.value, keys);
      const hint = guess ? ` Did you mean ${guess}?` : '';
      const fixes = guess ? [{ title: `Change to ${guess}`, span: pk.span, newText: guess }] : undefined;
      out.push(
        diagnostic(
          'DV404',
          'warning',
          `${pk.value} is not the key of any hub or link (their keys: ${nameList(keys)}); a satellite's key must be its parent's key.${hint}`,
          pk.span,
          fixes,
        ),
      );
    }
    return out;
  },
};
