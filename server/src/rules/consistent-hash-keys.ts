// DV407: a hash key of one name that a vault table keys on must be built the same way in every stage that builds it —
// the same number of components in the same order, hashed the same way — or the same business key gets different
// hash bytes per source. Column names may differ between stages (USER_HK from `id` in one, from `user_id` in another).
import { diagnostic, type Diagnostic } from '../base/diagnostic';
import { CODES } from '../base/codes';
import { stageOf } from './context';
import type { VaultRule } from './rule';
import { canonicalColumn } from './stage-aliases';
import { sameName, type StageFacts, type StageHash } from './vault-facts';

export const consistentHashKeys: VaultRule = {
  id: 'DV407',
  title: CODES.DV407.title,
  check(ctx) {
    const stage = stageOf(ctx.parsed);
    if (!stage) return [];
    const out: Diagnostic[] = [];
    const builders = ctx.index.hashBuilders();
    // Only a column some hub, link or satellite keys on is a key shared across stages; a stage's own HASHDIFF written
    // without is_hashdiff, or any hash no vault table reads as its key, may differ from stage to stage.
    const keys = ctx.index.vaultKeys();
    for (const hash of stage.hashed) {
      // A hash whose columns are known only at render time cannot be compared.
      if (hash.isHashdiff || hash.form === 'exclude' || hash.unknown || !keys.has(hash.name.toLowerCase())) continue;
      for (const other of builders.get(hash.name.toLowerCase()) ?? []) {
        if (sameName(other.stage, ctx.modelName) || other.hash.form === 'exclude' || other.hash.unknown) continue;
        const problem = difference(stage, hash, other.facts, other.hash);
        if (!problem) continue;
        out.push(diagnostic('DV407', 'warning', `${hash.name} ${problem} in ${other.stage}. ${ADVICE}`, hash.keySpan));
      }
    }
    return out;
  },
};

const ADVICE = 'Build it from the same business key columns, in the same order, in every stage, or the same key gets different hash bytes.';

function components(h: StageHash): string {
  return `(${h.components.map((c) => c.value).join(', ')})`;
}

function difference(a: StageFacts, ha: StageHash, b: StageFacts, hb: StageHash): string | undefined {
  if (ha.isHashdiff !== hb.isHashdiff) return `is a hash key here but a hashdiff (is_hashdiff: true)`;
  if (ha.components.length !== hb.components.length) {
    return `is hashed from ${ha.components.length} column(s) ${components(ha)} here but from ${hb.components.length} ${components(hb)}`;
  }
  const ra = ha.components.map((c) => roles(a, c.value));
  const rb = hb.components.map((c) => roles(b, c.value));
  const outOfOrder = ra.some((r, i) => !meets(r, rb[i]) && rb.some((s, j) => j !== i && meets(r, s)));
  if (outOfOrder) return `is hashed from ${components(ha)} here but in another order ${components(hb)}`;
  return undefined;
}

/**
 * What a component stands for, so columns of different names can be matched: its own name (through renames) and
 * the single-column hash keys the stage builds from it (`user_id` here and `id` there both build USER_HK).
 */
function roles(stage: StageFacts, column: string): Set<string> {
  const canonical = canonicalColumn(stage, column);
  const out = new Set([canonical]);
  for (const h of stage.hashed) {
    const only = h.components.length === 1 ? h.components[0] : undefined;
    if (!h.isHashdiff && only && canonicalColumn(stage, only.value) === canonical) out.add(`#${h.name.toLowerCase()}`);
  }
  return out;
}

function meets(a: ReadonlySet<string>, b: ReadonlySet<string> | undefined): boolean {
  return !!b && [...a].some((x) => b.has(x));
}
