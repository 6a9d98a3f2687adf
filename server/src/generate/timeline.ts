// The generator's clock: syncs one hour apart, a two-year history before the first sync, and Airbyte's
// timestamp text. All times are whole epoch seconds, because Faker's timestamps carry no fractional seconds.

export const HOUR = 3600;
export const DAY = 24 * HOUR;
/** How far back the generated history reaches before the first sync. */
export const HISTORY_SECONDS = 730 * DAY;
export const DEFAULT_ANCHOR = '2024-06-23T12:00:00Z';

/** Sync n of a history whose first sync ran at firstSyncAt (syncs are hourly, as in the seed project). */
export function syncTime(firstSyncAt: number, syncId: number): number {
  return firstSyncAt + (syncId - 1) * HOUR;
}

const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, '0'));
const datePrefixByDay = new Map<number, string>();

/**
 * Faker's `format_airbyte_time`: no fractional seconds, a `T`, and `+00:00`. Called for every timestamp of every
 * row of every sync, so the date part is cached per day instead of going through Date each time.
 */
export function airbyteTimestamp(epochSeconds: number): string {
  const day = Math.floor(epochSeconds / DAY);
  let prefix = datePrefixByDay.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * DAY * 1000).toISOString().slice(0, 11);
    datePrefixByDay.set(day, prefix);
  }
  const seconds = epochSeconds - day * DAY;
  const hour = Math.floor(seconds / HOUR);
  const minute = Math.floor((seconds % HOUR) / 60);
  return `${prefix}${TWO_DIGITS[hour] ?? ''}:${TWO_DIGITS[minute] ?? ''}:${TWO_DIGITS[seconds % 60] ?? ''}+00:00`;
}

/** Epoch seconds of an Airbyte/ISO timestamp text. */
export function epochSeconds(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000);
}

const ISO_INSTANT = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Parses `--anchor`: ISO 8601, where a value without an offset means UTC (as `--run-started-at` does).
 * Returns whole epoch seconds, or undefined when the text is not a valid instant.
 */
export function parseAnchor(text: string): number | undefined {
  const match = ISO_INSTANT.exec(text.trim());
  if (!match) return undefined;
  const [, date, time, zone] = match;
  let offset = zone ?? 'Z';
  if (/^[+-]\d{2}$/.test(offset)) offset += ':00';
  else if (/^[+-]\d{4}$/.test(offset)) offset = `${offset.slice(0, 3)}:${offset.slice(3)}`;
  const millis = Date.parse(`${date}T${time ?? '00:00:00'}${offset.toUpperCase()}`);
  return Number.isFinite(millis) ? Math.floor(millis / 1000) : undefined;
}
