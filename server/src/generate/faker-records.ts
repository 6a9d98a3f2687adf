// Airbyte Faker's record rules (pipeline.md §1) for one user, the purchases that belong to a user, and the
// product catalogue. Values come from per-record random streams, so a record is the same in every sync.
import { CATALOGUE } from './catalogue';
import { randomStream, type Random } from './random';
import { DAY } from './timeline';
import {
  ACADEMIC_DEGREES, BLOOD_TYPES, CITIES, COUNTRY_CODES, EMAIL_DOMAINS, FIRST_NAMES, GENDERS, LANGUAGES, LAST_NAMES,
  NATIONALITIES, OCCUPATIONS, STATES, STREET_NAMES, STREET_SUFFIXES, TITLES,
} from './vocabulary';

/** Stream kinds: the first key of every random stream, so that streams of different kinds never coincide. */
export const STREAM = {
  userValues: 1,
  userCreatedAt: 2,
  purchase: 3,
  airbyteColumns: 4,
  syncChanges: 5,
} as const;

export interface UserAddress {
  street_number: string;
  street_name: string;
  city: string;
  state: string;
  province: string;
  postal_code: string;
  country_code: string;
}

/** A user as Faker emits it, without `updated_at` (which is the emission time). */
export interface UserRecord {
  id: number;
  created_at: number;
  name: string;
  title: string;
  age: number;
  email: string;
  telephone: string;
  gender: string;
  language: string;
  academic_degree: string;
  nationality: string;
  occupation: string;
  /** A string, as in Faker's schema (mimesis returns height as text). */
  height: string;
  blood_type: string;
  weight: number;
  address: UserAddress;
}

/** A purchase as Faker emits it, without `updated_at`; times are epoch seconds or null. */
export interface PurchaseRecord {
  id: number;
  user_id: number;
  product_id: number;
  created_at: number;
  added_to_cart_at: number;
  purchased_at: number | null;
  returned_at: number | null;
}

export interface ProductRecord {
  id: number;
  make: string;
  model: string;
  year: number;
  /** Price in cents, so that price changes stay exact; written as decimal text. */
  priceCents: number;
  created_at: number;
}

/** Faker's purchase counts per user, by the last digit of the user's index: index …6 has none, …8 has two. */
const PURCHASES_BY_INDEX_DIGIT = [1, 1, 1, 1, 1, 1, 0, 1, 2, 1] as const;
/** Purchases made by the users before index digit d within a block of ten (prefix sums of the counts above). */
const PURCHASES_BEFORE_DIGIT = [0, 1, 2, 3, 4, 5, 6, 6, 7, 9] as const;

/** The contiguous purchase ids of one user: ids first … first+count-1 (count may be 0). */
export function purchaseIdsOfUser(userId: number): { first: number; count: number } {
  const index = userId - 1;
  const digit = index % 10;
  return {
    first: Math.floor(index / 10) * 10 + (PURCHASES_BEFORE_DIGIT[digit] ?? 0) + 1,
    count: PURCHASES_BY_INDEX_DIGIT[digit] ?? 0,
  };
}

/** How many purchases users 1…userCount have together. */
export function purchaseCountOfUsers(userCount: number): number {
  const blocks = Math.floor(userCount / 10);
  return blocks * 10 + (PURCHASES_BEFORE_DIGIT[userCount % 10] ?? 0);
}

/**
 * A draw skewed towards the front of a list (weight falls linearly from 2 to 1 across it), so that bar charts of
 * the value have a visible order instead of flat noise.
 */
function pickSkewed<T>(random: Random, items: readonly T[]): T {
  const u = random.next();
  // Inverse of the CDF of the density 2 - x on [0, 1], normalised by 1.5.
  const x = 2 - Math.sqrt(4 - 3 * u);
  const item = items[Math.min(items.length - 1, Math.floor(x * items.length))];
  if (item === undefined) throw new Error('pickSkewed() needs a non-empty list');
  return item;
}

function digits(random: Random, count: number): string {
  let text = '';
  for (let i = 0; i < count; i++) text += String(random.int(0, 9));
  return text;
}

/** The user with this id; its creation time is chosen by the caller (history or a sync's growth). */
export function makeUser(seed: number, id: number, createdAt: number): UserRecord {
  const random = randomStream(seed, STREAM.userValues, id);
  const gender = random.pick(GENDERS);
  const first = random.pick(FIRST_NAMES);
  const last = random.pick(LAST_NAMES);
  const birthYear = random.int(1950, 2006);
  const local = random.pick([
    `${first}.${last}`,
    `${first}${birthYear}`,
    `${first[0] ?? ''}${last}`,
    `${last}.${first}${random.int(1, 99)}`,
  ]).toLowerCase();
  const [state, province] = random.pick(STATES);
  return {
    id,
    created_at: createdAt,
    name: `${first} ${last}`,
    title: random.pick(TITLES),
    age: random.int(16, 66),
    // Faker makes mimesis emails unique by appending +{id} to the local part.
    email: `${local}+${id}@${random.pick(EMAIL_DOMAINS)}`,
    telephone: `+1-(${random.int(200, 989)})-${digits(random, 3)}-${digits(random, 4)}`,
    gender,
    language: random.pick(LANGUAGES),
    academic_degree: pickSkewed(random, [...ACADEMIC_DEGREES].reverse()),
    nationality: pickSkewed(random, NATIONALITIES),
    occupation: random.pick(OCCUPATIONS),
    height: (1.5 + random.int(0, 50) / 100).toFixed(2),
    blood_type: random.pick(BLOOD_TYPES),
    weight: random.int(38, 110),
    address: {
      street_number: String(random.int(1, 9999)),
      street_name: `${random.pick(STREET_NAMES)} ${random.pick(STREET_SUFFIXES)}`,
      city: random.pick(CITIES),
      state,
      province,
      postal_code: digits(random, 5),
      country_code: random.pick(COUNTRY_CODES),
    },
  };
}

/** A uniform creation time in [from, to] (whole seconds) for the user with this id. */
export function userCreatedAt(seed: number, id: number, from: number, to: number): number {
  return from + Math.floor(randomStream(seed, STREAM.userCreatedAt, id).next() * (to - from + 1));
}

/**
 * The purchases of one user, all dated between the user's creation and `end` (the time the history reaches).
 * Faker's rules: created_at is the earlier of two random times; the item goes into the cart some time after;
 * 70% of carted items are purchased; 15% of purchased items are returned.
 */
export function makePurchasesOfUser(seed: number, user: { id: number; created_at: number }, end: number): PurchaseRecord[] {
  const { first, count } = purchaseIdsOfUser(user.id);
  const purchases: PurchaseRecord[] = [];
  for (let id = first; id < first + count; id++) {
    const random = randomStream(seed, STREAM.purchase, id);
    const span = Math.max(0, end - user.created_at);
    const createdAt = user.created_at + Math.floor(Math.min(random.next(), random.next()) * span);
    const addedToCartAt = createdAt + Math.floor(random.next() * Math.min(end - createdAt, 14 * DAY));
    const productId = random.int(1, 100);
    const purchased = random.chance(0.7);
    const purchaseDelay = random.next();
    const returned = random.chance(0.15);
    const returnDelay = random.next();
    const purchasedAt = purchased ? addedToCartAt + Math.floor(purchaseDelay * Math.min(end - addedToCartAt, 3 * DAY)) : null;
    const returnedAt =
      purchasedAt !== null && returned ? purchasedAt + Math.floor(returnDelay * Math.min(end - purchasedAt, 60 * DAY)) : null;
    purchases.push({
      id,
      user_id: user.id,
      product_id: productId,
      created_at: createdAt,
      added_to_cart_at: addedToCartAt,
      purchased_at: purchasedAt,
      returned_at: returnedAt,
    });
  }
  return purchases;
}

/**
 * All 100 catalogue products. Faker emits only ids up to its `count`, but purchases draw product ids from 1…100
 * regardless, so emitting fewer would leave orphan links; the generator always emits all 100, so none exist.
 * Catalogue dates are written for the default anchor and move by `shiftSeconds` with the generated history.
 */
export function catalogueProducts(shiftSeconds: number): ProductRecord[] {
  return CATALOGUE.map((product) => ({
    id: product.id,
    make: product.make,
    model: product.model,
    year: product.year,
    priceCents: product.price * 100,
    created_at: Math.floor(Date.parse(product.createdAt) / 1000) + shiftSeconds,
  }));
}
