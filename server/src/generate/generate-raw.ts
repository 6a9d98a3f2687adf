// `dvs generate-raw`: writes Airbyte Faker's three streams into the raw schema the way Airbyte's PostgreSQL
// destination does in "Incremental | Append" mode, one sync per hour, continuing after the last sync found there.
import type { SqlSession, Warehouse } from '../warehouse/warehouse';
import { quoteIdent } from '../base/relation';
import { applySyncChanges, createPopulation, rawRowsJson, rowCount, type Population, type SyncChanges } from './population';
import { seedState } from './random';
import { RAW_TABLE_NAMES, createRawTablesSql, insertRawRowsJson, inspectRawTables, type RawTableName } from './raw-tables';
import { DEFAULT_ANCHOR, HOUR, airbyteTimestamp, parseAnchor, syncTime } from './timeline';

export const DEFAULT_USERS = 1000;
export const DEFAULT_SEED = 0;
export const MAX_USERS = 5_000_000;
export const MAX_SYNCS = 1000;

export interface GenerateRawOptions {
  /** Users in the first sync (Faker's `count`). Default 1000; when continuing, taken from the first sync in raw. */
  users?: number;
  /** Any safe integer. Default 0. */
  seed?: number;
  /** ISO 8601 (UTC when no offset). The last sync of a fresh run is extracted at this instant. Default 2024-06-23T12:00:00Z. */
  anchor?: string;
  /** Syncs to write in this invocation. Default 1. */
  syncs?: number;
  /** false = `--no-changes`: pure Faker behaviour, every sync re-sends the same records. Default true. */
  changes?: boolean;
  /** Schema of the raw tables. Default `raw`. */
  schema?: string;
}

export interface GeneratedSync {
  syncId: number;
  /** `_airbyte_extracted_at` of the sync, ISO 8601 UTC. */
  extractedAt: string;
  rows: Record<RawTableName, number>;
  /** The deviations applied before this sync; null when the sync applied none (sync 1, or --no-changes). */
  changes: SyncChanges | null;
}

export interface GenerateRawResult {
  schema: string;
  /** The last sync id that was already in raw before this invocation (0 for a fresh schema). */
  continuedAfter: number;
  /** `_airbyte_extracted_at` of sync 1; the generated history covers the two years before it. */
  firstSyncAt: string;
  syncs: GeneratedSync[];
  /** Rows written per table by this invocation. */
  rows: Record<RawTableName, number>;
  /** Things for people to read (ignored flags and the like), one sentence each. */
  notes: string[];
}

export interface GenerateRawProgress {
  syncId: number;
  /** 1-based position of this sync within the invocation, out of syncCount. */
  syncIndex: number;
  syncCount: number;
  table: RawTableName;
  rowsWritten: number;
  rowsInTable: number;
}

/** Bad options, or a raw schema this generator cannot continue; the message says how to fix it. */
export class GenerateRawError extends Error {
  override readonly name = 'GenerateRawError';
}

const INSERT_BATCH_ROWS = 5000;

interface ResolvedOptions {
  users: number | undefined;
  seed: number;
  anchor: number;
  anchorGiven: boolean;
  syncs: number;
  changes: boolean;
  schema: string;
}

function resolveOptions(options: GenerateRawOptions): ResolvedOptions {
  const { users, seed = DEFAULT_SEED, syncs = 1, changes = true, schema = 'raw' } = options;
  if (users !== undefined && (!Number.isInteger(users) || users < 1 || users > MAX_USERS))
    throw new GenerateRawError(`--users must be a whole number from 1 to ${MAX_USERS}, got ${users}.`);
  if (!Number.isSafeInteger(seed)) throw new GenerateRawError(`--seed must be a whole number, got ${seed}.`);
  if (!Number.isInteger(syncs) || syncs < 1 || syncs > MAX_SYNCS)
    throw new GenerateRawError(`--syncs must be a whole number from 1 to ${MAX_SYNCS}, got ${syncs}.`);
  if (schema.length === 0 || schema.length > 63) throw new GenerateRawError(`The raw schema name must have 1 to 63 characters.`);
  const anchorText = options.anchor ?? DEFAULT_ANCHOR;
  const anchor = parseAnchor(anchorText);
  if (anchor === undefined)
    throw new GenerateRawError(`--anchor must be an ISO 8601 date-time such as ${DEFAULT_ANCHOR}, got "${anchorText}".`);
  return { users, seed, anchor, anchorGiven: options.anchor !== undefined, syncs, changes, schema };
}

/** One earlier sync as found in raw: its id, extraction time and how many users it sent. */
interface PastSync {
  syncId: number;
  at: number;
  users: number;
}

/**
 * Reads the syncs already in raw and checks that this generator wrote them: ids 1…n, one hour apart, the same
 * sync times in users and products. Anything else cannot be continued deterministically.
 */
async function readPastSyncs(session: SqlSession, schema: string): Promise<PastSync[]> {
  const users = await session.query(
    `SELECT extract(epoch FROM _airbyte_extracted_at)::bigint::text AS at, count(*)::text AS users
       FROM ${quoteIdent(schema)}."users" GROUP BY 1 ORDER BY 1`,
  );
  const products = await session.query(
    `SELECT DISTINCT extract(epoch FROM _airbyte_extracted_at)::bigint::text AS at, _airbyte_meta->>'sync_id' AS sync_id
       FROM ${quoteIdent(schema)}."products" ORDER BY 1`,
  );
  const syncIdAt = new Map<number, number[]>();
  for (const row of products.rows) {
    const at = Number(row['at']);
    syncIdAt.set(at, [...(syncIdAt.get(at) ?? []), Number(row['sync_id'])]);
  }
  const past: PastSync[] = users.rows.map((row) => {
    const at = Number(row['at']);
    const ids = syncIdAt.get(at) ?? [];
    return { syncId: ids.length === 1 && ids[0] !== undefined ? ids[0] : NaN, at, users: Number(row['users']) };
  });
  const foreign = `To start over, drop the schema (DROP SCHEMA ${quoteIdent(schema)} CASCADE) or write to another target.`;
  if (past.length !== syncIdAt.size)
    throw new GenerateRawError(`${schema}.users and ${schema}.products hold different syncs, so they were not written by dvs generate-raw. ${foreign}`);
  const first = past[0];
  past.forEach((sync, index) => {
    if (first === undefined || sync.syncId !== index + 1 || sync.at !== syncTime(first.at, index + 1))
      throw new GenerateRawError(
        `${schema} holds syncs that dvs generate-raw did not write (it numbers syncs 1, 2, 3… one hour apart, ` +
          `but found sync id ${Number.isNaN(sync.syncId) ? 'mixed' : sync.syncId} at ${airbyteTimestamp(sync.at)}). ${foreign}`,
      );
  });
  return past;
}

/** Rebuilds the world as of the last earlier sync by replaying the changes those syncs made. */
function replayHistory(seed: number, past: readonly PastSync[], schema: string): Population {
  const [first] = past;
  if (!first) throw new Error('replayHistory needs at least one sync');
  const population = createPopulation(seed, first.users, first.at);
  for (let i = 1; i < past.length; i++) {
    const sync = past[i];
    const previous = past[i - 1];
    // A sync that applied changes always added users; one that did not (--no-changes) kept the count.
    if (sync && previous && sync.users > previous.users) applySyncChanges(population, sync.syncId);
    if (sync && population.users.length !== sync.users)
      throw new GenerateRawError(
        `${schema}.users has ${sync.users} users in sync ${sync.syncId}, but replaying with this --seed gives ` +
          `${population.users.length}: the raw data was generated with another --seed. Use the same --seed, or drop the schema to start over.`,
      );
  }
  return population;
}

async function checkSameSeed(session: SqlSession, schema: string, population: Population, firstAt: number): Promise<void> {
  const result = await session.query(
    `SELECT email FROM ${quoteIdent(schema)}."users" WHERE id = 1 AND _airbyte_extracted_at = to_timestamp($1::double precision) LIMIT 1`,
    [String(firstAt)],
  );
  const email = result.rows[0]?.['email'];
  const expected = population.users[0]?.email;
  if (email !== undefined && email !== expected)
    throw new GenerateRawError(
      `${schema}.users was generated with another --seed (user 1 is ${String(email)}, this seed gives ${expected}). ` +
        `Use the same --seed to continue, or drop the schema to start over.`,
    );
}

async function writeSync(
  wh: Warehouse,
  population: Population,
  schema: string,
  syncId: number,
  at: number,
  report: (table: RawTableName, written: number, total: number) => void,
): Promise<Record<RawTableName, number>> {
  return wh.transaction(async (tx) => {
    // Serialise concurrent generators on one schema, then make sure nobody wrote this sync meanwhile.
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`dvs generate-raw ${schema}`]);
    const last = await tx.query(`SELECT max((_airbyte_meta->>'sync_id')::bigint)::text AS sync_id FROM ${quoteIdent(schema)}."products"`);
    const lastId = Number(last.rows[0]?.['sync_id'] ?? 0);
    if (lastId !== syncId - 1)
      throw new GenerateRawError(`Another process wrote sync ${lastId} to ${schema} while this one was about to write sync ${syncId}; run again.`);
    const rows = { users: 0, products: 0, purchases: 0 };
    for (const table of RAW_TABLE_NAMES) {
      const total = rowCount(population, table);
      for (let start = 0; start < total; start += INSERT_BATCH_ROWS) {
        const end = Math.min(total, start + INSERT_BATCH_ROWS);
        await insertRawRowsJson(tx, schema, table, rawRowsJson(population, table, syncId, at, start, end));
        rows[table] += end - start;
        report(table, rows[table], total);
      }
      if (total === 0) report(table, 0, 0);
    }
    return rows;
  });
}

/**
 * Generates `syncs` syncs into the raw schema (creating it if missing) and returns what was written.
 * A fresh schema gets syncs ending at the anchor; otherwise syncs continue one hour after the last one in raw.
 * Deterministic: the same seed, user count, first sync time and sync number give the same rows.
 */
export async function generateRaw(
  wh: Warehouse,
  options: GenerateRawOptions = {},
  onProgress?: (progress: GenerateRawProgress) => void,
): Promise<GenerateRawResult> {
  const resolved = resolveOptions(options);
  const { schema } = resolved;
  const seed = seedState(resolved.seed);
  const notes: string[] = [];

  const inspection = await inspectRawTables(wh, schema);
  if (inspection.problems.length > 0)
    throw new GenerateRawError(
      `The raw tables do not have Airbyte's shape: ${inspection.problems.join('; ')}. ` +
        `Drop them (DROP SCHEMA ${quoteIdent(schema)} CASCADE) or point --target at another warehouse.`,
    );
  if (inspection.existing.length < RAW_TABLE_NAMES.length) await wh.transaction((tx) => tx.exec(createRawTablesSql(schema)));

  const past = await readPastSyncs(wh, schema);
  let population: Population;
  const lastPast = past[past.length - 1];
  if (past[0] && lastPast) {
    const baseUsers = past[0].users;
    if (resolved.users !== undefined && resolved.users !== baseUsers)
      throw new GenerateRawError(
        `${schema} holds a history generated with --users ${baseUsers}; continue with that count (or leave --users out), or drop the schema to start over.`,
      );
    if (resolved.anchorGiven)
      notes.push(`--anchor is ignored when continuing: sync ${lastPast.syncId + 1} follows the last sync in ${schema} by one hour.`);
    population = replayHistory(seed, past, schema);
    await checkSameSeed(wh, schema, population, past[0].at);
  } else {
    const baseUsers = resolved.users ?? DEFAULT_USERS;
    population = createPopulation(seed, baseUsers, resolved.anchor - (resolved.syncs - 1) * HOUR);
  }

  const continuedAfter = lastPast?.syncId ?? 0;
  const syncs: GeneratedSync[] = [];
  const totals = { users: 0, products: 0, purchases: 0 };
  for (let index = 1; index <= resolved.syncs; index++) {
    const syncId = continuedAfter + index;
    const at = syncTime(population.firstSyncAt, syncId);
    const changes = resolved.changes && syncId >= 2 ? applySyncChanges(population, syncId) : null;
    const rows = await writeSync(wh, population, schema, syncId, at, (table, rowsWritten, rowsInTable) =>
      onProgress?.({ syncId, syncIndex: index, syncCount: resolved.syncs, table, rowsWritten, rowsInTable }),
    );
    for (const table of RAW_TABLE_NAMES) totals[table] += rows[table];
    syncs.push({ syncId, extractedAt: new Date(at * 1000).toISOString(), rows, changes });
  }
  return {
    schema,
    continuedAfter,
    firstSyncAt: new Date(population.firstSyncAt * 1000).toISOString(),
    syncs,
    rows: totals,
    notes,
  };
}
