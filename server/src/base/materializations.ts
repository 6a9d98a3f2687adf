// dbt materializations as the compiler, the rules and the loader all need to know them.

/** Materializations with an incremental branch (AutomateDV's is_any_incremental()). */
export function hasIncrementalBranch(materialized: string): boolean {
  return (
    materialized === 'incremental' ||
    materialized === 'pit_incremental' ||
    materialized === 'bridge_incremental' ||
    materialized === 'vault_insert_by_period' ||
    materialized === 'vault_insert_by_rank'
  );
}
