/** A source of uniform numbers in [0, 1), fully determined by its seed. */
export type Random = () => number;

/**
 * Hashes any number of strings and numbers into one unsigned 32-bit value (FNV-1a over their text,
 * then an avalanche step), so sub-seeds such as `(seed, 'train', 'NORMAL')` are independent of
 * each other and stable across runs and platforms.
 */
export function deriveSeed(...parts: readonly (string | number)[]): number {
  let h = 0x811c9dc5;
  const text = parts.map((p) => String(p)).join('\u0000');
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Mulberry32: a small, fast generator; plenty for choosing which images to show. */
export function seededRandom(seed: number): Random {
  let state = deriveSeed(seed) | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Chooses `count` distinct items (all of them when there are fewer), by a partial Fisher-Yates
 * shuffle driven by `seed`. The chosen items keep their input order, so a grid reads in the same
 * (sorted) order as the scan.
 */
export function pickSeeded<T>(items: readonly T[], count: number, seed: number): T[] {
  const n = items.length;
  const k = Math.max(0, Math.min(n, Math.floor(count)));
  if (k === n) return items.slice();
  const random = seededRandom(seed);
  const index = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (n - i));
    const tmp = index[i] as number;
    index[i] = index[j] as number;
    index[j] = tmp;
  }
  return index
    .slice(0, k)
    .sort((a, b) => a - b)
    .map((i) => items[i] as T);
}
