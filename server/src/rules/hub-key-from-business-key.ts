// DV402: a hub's key must be hashed from exactly the hub's business key (src_nk) in every stage it loads from;
// otherwise the same business key gets different hub keys, or different business keys share one.
import { diagnostic, type Diagnostic } from '../base/diagnostic';
import { CODES } from '../base/codes';
import { tableOf } from './context';
import { nameList, type VaultRule } from './rule';
import { paramColumns, sameName } from './vault-facts';
import { canonicalColumn } from './stage-aliases';
import { escapedNames, readHashedEntry } from './hash-expressions';

export const hubKeyFromBusinessKey: VaultRule = {
  id: 'DV402',
  title: CODES.DV402.title,
  check(ctx) {
    const hub = tableOf(ctx.parsed);
    if (hub?.macro !== 'hub') return [];
    const pks = paramColumns(hub.call, 'src_pk');
    const nks = paramColumns(hub.call, 'src_nk');
    const pk = pks[0];
    if (pks.length !== 1 || !pk || nks.length === 0) return [];
    const out: Diagnostic[] = [];
    for (const model of hub.sourceModels) {
      const stage = ctx.index.stage(model.value);
      const hash = stage?.hashed.find((h) => sameName(h.name, pk.value));
      if (!stage || !hash || hash.isHashdiff || hash.form === 'exclude' || hash.unknown || hash.components.length === 0) continue;
      const escaped = escapedNames(stage.derived);
      const entries = hash.components.map((c) => readHashedEntry(c.value, escaped));
      // A key hashed from an expression (CAST(customer_id AS TEXT), UPPER(code)) hashes the business key when the
      // expression reads the src_nk columns; when it does not, what it computes cannot be compared with src_nk
      // without guessing, and an expression is never a src_nk to suggest, so the rule says nothing either way.
      if (entries.some((e) => e.kind === 'expression')) continue;
      const hashed = new Set(hash.components.map((c) => canonicalColumn(stage, c.value)));
      const business = new Set(nks.map((n) => canonicalColumn(stage, n.value)));
      const same = hashed.size === business.size && [...hashed].every((c) => business.has(c));
      if (same) continue;
      const from = nameList(hash.components.map((c) => c.value));
      const nk = nameList(nks.map((n) => n.value));
      out.push(
        diagnostic(
          'DV402',
          'warning',
          `${pk.value} is hashed from ${from} in ${model.value}, but the hub's business key is ${nk}. ` +
            `Hash ${pk.value} from ${nk} in ${model.value}, or make src_nk ${from}.`,
          pk.span,
        ),
      );
    }
    return out;
  },
};
