/**
 * Goodness-of-fit helpers for specs of random stages: is a seeded draw spread evenly over its
 * outcomes? Specs draw from a fixed set of seeds, so the verdict is the same on every run.
 */

/** Pearson's chi-square statistic of `counts` against equal expected counts (their mean). */
export function chiSquareUniform(counts: readonly number[]): number {
  const total = counts.reduce((s, c) => s + c, 0);
  const expected = total / counts.length;
  if (!(expected > 0)) throw new RangeError('chiSquareUniform: needs at least one outcome and one count.');
  return counts.reduce((s, c) => s + ((c - expected) * (c - expected)) / expected, 0);
}

/** The standard normal quantile of 1 - 1e-4. */
const Z_1E4 = 3.719016485;

/**
 * The value a chi-square statistic with `df` degrees of freedom exceeds by chance with probability
 * 1e-4 (Wilson-Hilferty's approximation, within 1% from df = 3 up). A uniform draw stays below it;
 * a draw that always gives the same outcome, or favours some, lands far above it.
 */
export function chiSquareLimit(df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new RangeError(`chiSquareLimit: df must be an integer >= 1, got ${df}.`);
  const a = 2 / (9 * df);
  return df * (1 - a + Z_1E4 * Math.sqrt(a)) ** 3;
}

/** How many times each value of `draws` (integers in [0, outcomes)) occurs. */
export function countOutcomes(draws: Iterable<number>, outcomes: number): number[] {
  const counts = Array.from({ length: outcomes }, () => 0);
  for (const d of draws) {
    if (!Number.isInteger(d) || d < 0 || d >= outcomes) throw new RangeError(`countOutcomes: ${d} is not an outcome in [0, ${outcomes}).`);
    counts[d] = (counts[d] as number) + 1;
  }
  return counts;
}

/** The index of `order` (a permutation of 0..n-1) among all n! permutations (its Lehmer code). */
export function permutationIndex(order: readonly number[]): number {
  let index = 0;
  for (let i = 0; i < order.length; i++) {
    let smaller = 0;
    for (let j = i + 1; j < order.length; j++) if ((order[j] as number) < (order[i] as number)) smaller++;
    index = index * (order.length - i) + smaller;
  }
  return index;
}
