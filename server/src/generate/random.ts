// Seeded, reproducible randomness for the raw-data generator. Every record draws from its own small stream
// (mulberry32) whose state is hashed from the seed and a path of integer keys, so a record's values never depend
// on how many other records were generated before it.

/** A stream of pseudo-random numbers; the same keys always give the same sequence. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** A full 32-bit unsigned integer. */
  uint32(): number;
}

/** Mixes one 32-bit key into a 32-bit hash state (the MurmurHash3 block step followed by its finaliser). */
export function mixKey(state: number, key: number): number {
  let k = Math.imul(key | 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  let h = state ^ k;
  h = (h << 13) | (h >>> 19);
  h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Folds any safe integer seed (negative, or wider than 32 bits) into a 32-bit state, so that `--seed -1` and
 * `--seed 4294967296` are distinct seeds rather than aliases of small ones.
 */
export function seedState(seed: number): number {
  const low = seed % 0x1_0000_0000;
  const high = Math.floor(seed / 0x1_0000_0000);
  return mixKey(mixKey(0x9e3779b9, low >>> 0), high | 0);
}

/** A stream for one record or one decision: the seed state plus a path of keys (stream kind, sync, id…). */
export function randomStream(seed: number, ...keys: number[]): Random {
  let state = seed >>> 0;
  for (const key of keys) state = mixKey(state, key);
  return new Mulberry32(state);
}

// A class rather than closures: the generator creates one stream per record per sync (hundreds of thousands),
// and prototype methods keep that allocation down to one small object.
class Mulberry32 implements Random {
  private state: number;

  constructor(initial: number) {
    this.state = initial | 0;
  }

  uint32(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  }

  next(): number {
    return this.uint32() / 0x1_0000_0000;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick() needs a non-empty list');
    return item;
  }
}
