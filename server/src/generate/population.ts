// The generated world as of one sync: users, their purchases and the products, plus the deliberate deviations
// from Faker that each sync applies (growth, late returns, price changes), and the raw rows a sync writes.
import {
  STREAM, catalogueProducts, makePurchasesOfUser, makeUser, userCreatedAt, type ProductRecord, type PurchaseRecord,
  type UserRecord,
} from './faker-records';
import { randomStream } from './random';
import type { RawTableName } from './raw-tables';
import { DEFAULT_ANCHOR, HISTORY_SECONDS, HOUR, airbyteTimestamp, epochSeconds, syncTime } from './timeline';

/** Records are dated at least this long before the sync that first sends them, so updated_at is never earlier. */
const EMIT_MARGIN_SECONDS = 60;

export interface Population {
  /** The folded seed state (see seedState). */
  readonly seed: number;
  /** Users in the first sync: the `--users` count. */
  readonly baseUsers: number;
  /** Epoch seconds of sync 1; the history is the two years before it. */
  readonly firstSyncAt: number;
  /** users[id - 1]; grows with each sync that applies changes. */
  readonly users: UserRecord[];
  /** purchases[id - 1]; purchase ids are contiguous in user order, as in Faker. */
  readonly purchases: PurchaseRecord[];
  /** products[id - 1], all 100. */
  readonly products: ProductRecord[];
}

/** What one sync changed on top of re-sending every record (all zero under --no-changes). */
export interface SyncChanges {
  newUsers: number;
  newPurchases: number;
  returns: number;
  priceChanges: number;
}

/** The world sync 1 sends: `baseUsers` users created in the two years before it, their purchases, the catalogue. */
export function createPopulation(seed: number, baseUsers: number, firstSyncAt: number): Population {
  const population: Population = {
    seed,
    baseUsers,
    firstSyncAt,
    users: [],
    purchases: [],
    products: catalogueProducts(firstSyncAt - epochSeconds(DEFAULT_ANCHOR)),
  };
  addUsers(population, baseUsers, firstSyncAt - HISTORY_SECONDS, firstSyncAt - EMIT_MARGIN_SECONDS);
  return population;
}

function addUsers(population: Population, count: number, from: number, to: number): number {
  const before = population.purchases.length;
  for (let i = 0; i < count; i++) {
    const id = population.users.length + 1;
    const user = makeUser(population.seed, id, userCreatedAt(population.seed, id, from, to));
    population.users.push(user);
    for (const purchase of makePurchasesOfUser(population.seed, user, to)) population.purchases.push(purchase);
  }
  return population.purchases.length - before;
}

/**
 * The deliberate deviations from Faker for sync `syncId` (≥ 2), applied in place. All of them happen in the hour
 * before the sync: a few purchased items are returned, up to two products change price by 3–10%, and a few users
 * sign up with their purchases (about one per 2,000 `--users`, at least one).
 */
export function applySyncChanges(population: Population, syncId: number): SyncChanges {
  const random = randomStream(population.seed, STREAM.syncChanges, syncId);
  const at = syncTime(population.firstSyncAt, syncId);
  const hourStart = at - HOUR;

  let returns = 0;
  const returnAttempts = random.int(1, Math.ceil(population.baseUsers / 500));
  const purchaseCount = population.purchases.length;
  for (let i = 0; i < returnAttempts; i++) {
    const purchase = population.purchases[random.int(1, purchaseCount) - 1];
    const returnedAt = hourStart + random.int(1, HOUR - EMIT_MARGIN_SECONDS);
    // Only items bought and not yet returned can come back; other picks are simply no return this hour.
    if (purchase && purchase.purchased_at !== null && purchase.returned_at === null && purchase.purchased_at < returnedAt) {
      purchase.returned_at = returnedAt;
      forgetRecordJson(purchase);
      returns++;
    }
  }

  const priceChanges = random.int(0, 2);
  for (let i = 0; i < priceChanges; i++) {
    const product = population.products[random.int(1, population.products.length) - 1];
    const percent = random.int(3, 10) * (random.chance(0.5) ? 1 : -1);
    if (product) {
      product.priceCents = Math.round((product.priceCents * (100 + percent)) / 100);
      forgetRecordJson(product);
    }
  }

  const unit = Math.ceil(population.baseUsers / 2000);
  const newUsers = unit + random.int(0, unit);
  const newPurchases = addUsers(population, newUsers, hourStart + 1, at - EMIT_MARGIN_SECONDS);
  return { newUsers, newPurchases, returns, priceChanges };
}

const TABLE_KEY: Readonly<Record<RawTableName, number>> = { users: 1, products: 2, purchases: 3 };

const HEX_BYTES = Array.from({ length: 256 }, (_, n) => n.toString(16).padStart(2, '0'));

function hex8(value: number): string {
  return (
    (HEX_BYTES[(value >>> 24) & 0xff] ?? '') +
    (HEX_BYTES[(value >>> 16) & 0xff] ?? '') +
    (HEX_BYTES[(value >>> 8) & 0xff] ?? '') +
    (HEX_BYTES[value & 0xff] ?? '')
  );
}

/**
 * The per-sync part of a row as JSON members: Airbyte's four columns and `updated_at` (Faker's emission time,
 * a few seconds before the extraction). The raw id is a version-4-shaped UUID drawn from the record's stream.
 */
function perSyncMembers(population: Population, table: RawTableName, syncId: number, id: number, extractedAt: number, extractedText: string): string {
  const random = randomStream(population.seed, STREAM.airbyteColumns, TABLE_KEY[table], syncId, id);
  const updatedAt = airbyteTimestamp(extractedAt - random.int(1, 59));
  const a = hex8(random.uint32());
  const b = hex8(random.uint32());
  const c = hex8((random.uint32() & 0x3fffffff) | 0x80000000);
  const d = hex8(random.uint32());
  const rawId = `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${c.slice(0, 4)}-${c.slice(4)}${d}`;
  return (
    `"_airbyte_raw_id":"${rawId}","_airbyte_extracted_at":"${extractedText}",` +
    `"_airbyte_meta":{"sync_id":${syncId},"changes":[]},"_airbyte_generation_id":0,"updated_at":"${updatedAt}"`
  );
}

function timestampOrNull(epoch: number | null): string | null {
  return epoch === null ? null : airbyteTimestamp(epoch);
}

function decimalText(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

// The members of a record that do not change from sync to sync, serialised once. A record that changes (a late
// return, a new price) is removed from the cache by forgetRecordJson.
const recordMembersCache = new WeakMap<object, string>();

function forgetRecordJson(record: object): void {
  recordMembersCache.delete(record);
}

function recordMembers(record: UserRecord | PurchaseRecord | ProductRecord, table: RawTableName): string {
  const cached = recordMembersCache.get(record);
  if (cached !== undefined) return cached;
  let members: object;
  if (table === 'users') {
    const user = record as UserRecord;
    members = {
      id: user.id,
      created_at: airbyteTimestamp(user.created_at),
      name: user.name,
      title: user.title,
      age: user.age,
      email: user.email,
      telephone: user.telephone,
      gender: user.gender,
      language: user.language,
      academic_degree: user.academic_degree,
      nationality: user.nationality,
      occupation: user.occupation,
      height: user.height,
      blood_type: user.blood_type,
      weight: user.weight,
      address: user.address,
    };
  } else if (table === 'products') {
    const product = record as ProductRecord;
    members = {
      id: product.id,
      make: product.make,
      model: product.model,
      year: product.year,
      price: decimalText(product.priceCents),
      created_at: airbyteTimestamp(product.created_at),
    };
  } else {
    const purchase = record as PurchaseRecord;
    members = {
      id: purchase.id,
      user_id: purchase.user_id,
      product_id: purchase.product_id,
      created_at: airbyteTimestamp(purchase.created_at),
      added_to_cart_at: airbyteTimestamp(purchase.added_to_cart_at),
      purchased_at: timestampOrNull(purchase.purchased_at),
      returned_at: timestampOrNull(purchase.returned_at),
    };
  }
  const text = JSON.stringify(members).slice(1, -1);
  recordMembersCache.set(record, text);
  return text;
}

function recordsOf(population: Population, table: RawTableName): readonly (UserRecord | PurchaseRecord | ProductRecord)[] {
  return table === 'users' ? population.users : table === 'products' ? population.products : population.purchases;
}

/** How many rows a sync writes to this table from the population as it stands. */
export function rowCount(population: Population, table: RawTableName): number {
  return recordsOf(population, table).length;
}

/**
 * Rows [start, end) of one raw table for sync `syncId`, extracted at `extractedAt` (epoch seconds), as a JSON
 * array of objects keyed by column name (timestamps in Airbyte's text, price as decimal text, address as an object).
 */
export function rawRowsJson(population: Population, table: RawTableName, syncId: number, extractedAt: number, start: number, end: number): string {
  const records = recordsOf(population, table);
  const extractedText = airbyteTimestamp(extractedAt);
  const parts: string[] = [];
  for (let i = start; i < Math.min(end, records.length); i++) {
    const record = records[i];
    if (!record) break;
    parts.push(`{${perSyncMembers(population, table, syncId, record.id, extractedAt, extractedText)},${recordMembers(record, table)}}`);
  }
  return `[${parts.join(',')}]`;
}
