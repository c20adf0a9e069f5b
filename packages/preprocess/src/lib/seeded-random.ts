import { requireInteger, requireSeed } from './internal/validate.js';

/** A seeded pseudo-random generator (sfc32). Never an unseeded source: same seed, same sequence. */
export interface Rng {
  /** Next value, uniform in [0, 1). */
  next(): number;
  /** Integer uniform in [0, maxExclusive). */
  int(maxExclusive: number): number;
  /** Number uniform in [min, max). */
  uniform(min: number, max: number): number;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** murmur3's 32-bit finalizer: spreads every input bit over the output. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function mixString(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** Folds any safe integer (negative or above 2^32) into 32 bits without losing its high part. */
function fold(seed: number): number {
  const low = seed >>> 0;
  const high = Math.floor(seed / 0x1_0000_0000) >>> 0;
  return fmix32((low ^ fmix32(high + 0x9e3779b9)) >>> 0);
}

/**
 * Derives an independent 32-bit seed from a root seed and a path of labels.
 *
 * Each stage and each epoch gets its own stream of random numbers from the one root seed the app
 * records: `deriveSeed(root, 'shuffle', epoch)`, `deriveSeed(root, 'augment')`. Different label
 * paths give unrelated seeds; the same path always gives the same seed.
 *
 * @example
 * const epochSeed = deriveSeed(42, 'shuffle', 3);
 *
 * @param root - any safe integer.
 * @param labels - strings or numbers naming the consumer (`'shuffle'`, an epoch number, ...).
 * @throws TypeError / RangeError when `root` is not a safe integer or a label is not a string or finite number.
 */
export function deriveSeed(root: number, ...labels: readonly (string | number)[]): number {
  requireSeed('deriveSeed', root, 'root');
  let h = fold(root);
  for (const label of labels) {
    if (typeof label === 'number') {
      if (!Number.isFinite(label)) throw new RangeError(`deriveSeed: labels must be finite numbers or strings, got ${label}.`);
    } else if (typeof label !== 'string') {
      throw new TypeError(`deriveSeed: labels must be finite numbers or strings, got ${typeof label}.`);
    }
    // The type tag keeps 1 and '1' apart; the separator keeps ('ab','c') and ('a','bc') apart.
    h = mixString(h ^ FNV_OFFSET, `${typeof label === 'number' ? 'n' : 's'}${String(label)}\u0000`);
    h = fmix32(h);
  }
  return h;
}

/**
 * Creates a seeded generator (sfc32, seeded through splitmix32).
 *
 * @example
 * const rng = createRng(deriveSeed(seed, 'split'));
 * const coin = rng.next() < 0.5;
 *
 * @throws TypeError / RangeError when `seed` is not a safe integer.
 */
export function createRng(seed: number): Rng {
  requireSeed('createRng', seed);
  let state = fold(seed);
  const splitmix = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const nextUint32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) nextUint32();
  const next = (): number => nextUint32() / 0x1_0000_0000;
  return {
    next,
    int(maxExclusive: number): number {
      requireInteger('Rng.int', 'maxExclusive', maxExclusive, 1);
      return Math.floor(next() * maxExclusive);
    },
    uniform(min: number, max: number): number {
      return min + (max - min) * next();
    },
  };
}

/**
 * A seeded permutation of `0 .. length-1` (Fisher-Yates): the pure draw behind {@link shuffle}.
 *
 * @example
 * const order = seededPermutation(5, 7); // e.g. [3, 0, 4, 1, 2], always the same for seed 7
 *
 * @throws RangeError when `length` is not a non-negative integer; TypeError / RangeError for a bad seed.
 */
export function seededPermutation(length: number, seed: number): number[] {
  requireInteger('seededPermutation', 'length', length, 0);
  const rng = createRng(seed);
  const order = Array.from({ length }, (_, i) => i);
  for (let i = length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }
  return order;
}
