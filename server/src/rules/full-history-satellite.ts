// DV514: AutomateDV's incremental satellite assumes its stage holds only the new rows. Over a stage whose source keeps
// every sync (an Airbyte append table, or a source with a loaded_at_field), an incremental run compares the oldest
// staged row of a key with the satellite's latest row, so older versions look new and are inserted again. Two cures:
// apply_source_filter, or dvs load's high-water mark (server/src/load/high-water.ts).
import { diagnostic, type Diagnostic } from '../base/diagnostic';
import { CODES } from '../base/codes';
import type { JValue } from '../jinja/values';
import type { MetaValue } from '../model/meta';
import { stageOf, tableOf } from './context';
import type { VaultRule } from './rule';

/** Columns Airbyte adds to every row it appends: their presence means the table keeps every sync. */
const APPEND_COLUMNS = new Set(['_airbyte_extracted_at', '_airbyte_emitted_at']);

function truthy(v: JValue | undefined): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (t === 'true') return true;
    if (t === 'false') return false;
  }
  return undefined;
}

function inFile(v: MetaValue | undefined): JValue | undefined {
  if (v?.kind === 'bool') return v.value;
  if (v?.kind === 'string') return v.value;
  return undefined;
}

export const fullHistorySatellite: VaultRule = {
  id: 'DV514',
  title: CODES.DV514.title,
  check(ctx) {
    const sat = tableOf(ctx.parsed);
    if (!sat || sat.macro !== 'sat') return [];
    const settings = ctx.project.modelSettings?.(ctx.modelName);
    const setting = (key: string): JValue | undefined => inFile(ctx.parsed.config.get(key)) ?? settings?.config.get(key);
    const materialized = setting('materialized') ?? settings?.materialized;
    if (materialized !== 'incremental') return [];
    if (truthy(setting('apply_source_filter')) === true) return [];
    const out: Diagnostic[] = [];
    for (const stageName of sat.sourceModels) {
      const stageParsed = ctx.project.parsedModel(stageName.value);
      const source = stageParsed ? stageOf(stageParsed)?.source : undefined;
      if (!source || source.kind !== 'source') continue;
      const loadedAt = ctx.project.sourceLoadedAtField?.(source.source.value, source.table.value);
      if (loadedAt && truthy(setting('dvs_high_water_mark')) === true) continue;
      const columns = ctx.project.sourceColumns(source.source.value, source.table.value);
      const appended = columns !== undefined && columns !== 'missing' && columns.columns.some((c) => APPEND_COLUMNS.has(c.name.toLowerCase()));
      if (!appended && !loadedAt) continue;
      const raw = `${source.source.value}.${source.table.value}`;
      const why = appended ? `which keeps every sync's rows (Airbyte appends them)` : `which declares loaded_at_field ${loadedAt}, so it keeps rows of earlier loads`;
      const markCure = loadedAt
        ? 'set config dvs_high_water_mark: true so dvs load stages only the rows newer than what the satellite holds'
        : `declare loaded_at_field for ${raw} in the sources yml and set config dvs_high_water_mark: true so dvs load stages only the rows newer than what the satellite holds`;
      out.push(
        diagnostic(
          'DV514',
          'warning',
          `${stageName.value} reads ${raw}, ${why}, but an incremental AutomateDV satellite assumes its stage holds only new rows: ` +
            `with apply_source_filter off, older versions of a key look new against the satellite's latest row and are inserted again. ` +
            `Set apply_source_filter=true in this model's config, or ${markCure}.`,
          stageName.span,
        ),
      );
    }
    return out;
  },
};
