// DV403: a link relates hubs, so it needs at least two foreign keys that are hub keys. Checked only when the project
// has hubs built with AutomateDV (otherwise hub keys are unknown).
import { diagnostic, type Diagnostic } from '../base/diagnostic';
import { CODES } from '../base/codes';
import { tableOf } from './context';
import { nameList, type VaultRule } from './rule';
import { paramColumns } from './vault-facts';

export const linkForeignKeys: VaultRule = {
  id: 'DV403',
  title: CODES.DV403.title,
  check(ctx) {
    const link = tableOf(ctx.parsed);
    if (link?.macro !== 'link') return [];
    const hubKeys = ctx.index.hubsByKey();
    if (hubKeys.size === 0) return [];
    const fks = paramColumns(link.call, 'src_fk');
    const ofHubs = fks.filter((fk) => hubKeys.has(fk.value.toLowerCase()));
    if (ofHubs.length >= 2) return [];
    const keys = nameList([...hubKeys.values()].map((o) => `${o.key} (${o.models.join(', ')})`));
    if (fks.length < 2) {
      const where = link.call.params.get('src_fk')?.value?.span ?? link.call.nameSpan;
      return [
        diagnostic(
          'DV403',
          'warning',
          `A link joins at least two hubs, but src_fk has ${fks.length === 0 ? 'no foreign key' : `only ${fks[0]?.value}`}. ` +
            `List the key of each linked hub in src_fk (hub keys: ${keys}).`,
          where,
        ),
      ];
    }
    const out: Diagnostic[] = [];
    for (const fk of fks) {
      if (hubKeys.has(fk.value.toLowerCase())) continue;
      out.push(
        diagnostic(
          'DV403',
          'warning',
          `${fk.value} is not the key of any hub (hub keys: ${keys}); a link needs at least two foreign keys that are hub keys.`,
          fk.span,
        ),
      );
    }
    return out;
  },
};
