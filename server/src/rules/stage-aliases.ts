// Stage columns that are mere renames (`USER_ID: id` in derived_columns) stand for the column they rename, so rules
// comparing hash components with business keys or payloads do not flag `id` against `USER_ID`.
import { bareIdentifier, derivedNamed, sameName, type StageFacts } from './vault-facts';

/** The lower-cased column a stage column ultimately names, following derived renames. */
export function canonicalColumn(stage: StageFacts, column: string): string {
  let name = column.trim();
  for (let depth = 0; depth < 8; depth++) {
    const derived = derivedNamed(stage, name);
    const only = derived && derived.items.length === 1 ? derived.items[0]?.value : undefined;
    const alias = only !== undefined ? bareIdentifier(only) : undefined;
    if (!alias || sameName(alias, name)) break;
    name = alias;
  }
  return name.toLowerCase();
}
