// Where AutomateDV reads a model setting (apply_source_filter, is_auto_end_dating, rank_column, the period/rank
// materialization config): up to 0.11.2 only from config; 0.11.3's config_meta_get also looks in `meta` when config
// has no value; 0.11.5 looks in `meta` first. Which of these applies is the configMetaLookup row of the version matrix.
import { AUTOMATE_DV_VERSIONS, behaviourAt } from '../../base/automate-dv-versions';
import { isNone, type JValue } from '../../jinja/values';

/** The settings AutomateDV reads through config_meta_get / config_meta_require from 0.11.3 on. */
export const META_READABLE_SETTINGS: ReadonlySet<string> = new Set([
  'apply_source_filter',
  'is_auto_end_dating',
  'rank_column',
  'rank_source_models',
  'timestamp_field',
  'period',
  'start_date',
  'stop_date',
  'date_source_models',
]);

function metaOf(config: ReadonlyMap<string, JValue>): ReadonlyMap<string, JValue> | undefined {
  const meta = config.get('meta');
  return meta instanceof Map ? meta : undefined;
}

/**
 * A model setting as the emulated AutomateDV version reads it from the model's merged config (`meta` included as
 * dbt merges it); null when it is not set. Keys AutomateDV never reads from meta come from config alone.
 */
export function automateDvConfigValue(config: ReadonlyMap<string, JValue>, key: string, version: string): JValue {
  const own = config.get(key);
  const fromConfig = own === undefined || isNone(own) ? null : own;
  if (!META_READABLE_SETTINGS.has(key)) return fromConfig;
  const lookup = behaviourAt(AUTOMATE_DV_VERSIONS.configMetaLookup, version);
  if (lookup === 'config-only') return fromConfig;
  const meta = metaOf(config);
  if (lookup === 'config-then-meta') {
    if (fromConfig !== null) return fromConfig;
    return meta?.get(key) ?? null;
  }
  // 0.11.5: a key present in meta wins even when its value is none (the setting then takes its default).
  if (meta?.has(key)) return meta.get(key) ?? null;
  return fromConfig;
}
