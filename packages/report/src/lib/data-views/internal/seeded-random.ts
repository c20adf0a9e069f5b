import { seededPermutation } from '@cxr/preprocess';

/** Sub-seeds come from the one derivation the whole pipeline uses. */
export { deriveSeed } from '@cxr/preprocess';

/**
 * Chooses `count` distinct items (all of them when there are fewer) from preprocess's seeded
 * permutation. The chosen items keep their input order, so a grid reads in the same (sorted)
 * order as the scan.
 */
export function pickSeeded<T>(items: readonly T[], count: number, seed: number): T[] {
  const n = items.length;
  const k = Math.max(0, Math.min(n, Math.floor(count)));
  if (k === n) return items.slice();
  return seededPermutation(n, seed)
    .slice(0, k)
    .sort((a, b) => a - b)
    .map((i) => items[i] as T);
}
