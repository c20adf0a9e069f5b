/** Counts of values in equal-width bins over `[min, max]`. */
export interface Histogram {
  /** `bins + 1` bin edges, from `min` to `max`. */
  readonly edges: readonly number[];
  readonly counts: readonly number[];
}

/** Mean, standard deviation (population), minimum and maximum of a set of values. */
export interface Moments {
  readonly mean: number;
  readonly std: number;
  readonly min: number;
  readonly max: number;
}

/**
 * Bins values into `bins` equal-width bins over `[min, max]`; the last bin is closed, values
 * outside the range are clamped into the end bins and non-finite values are skipped. When
 * `min === max` (a constant image) the range is widened by 0.5 on each side, so the one value
 * lands in a bin of non-zero width.
 */
export function histogram(values: ArrayLike<number>, bins: number, min: number, max: number): Histogram {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`histogram: bins must be a positive integer, got ${bins}.`);
  let lo = min;
  let hi = max;
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  const width = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    // Position as a fraction of the range first: a tiny range (subnormal width) must not divide by 0.
    const position = Math.floor(((v - lo) / (hi - lo)) * bins);
    const b = Number.isFinite(position) ? Math.min(bins - 1, Math.max(0, position)) : 0;
    counts[b] = (counts[b] as number) + 1;
  }
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + i * width));
  return { edges, counts };
}

/** Moments of the finite values (NaN everywhere when there are none). */
export function moments(values: ArrayLike<number>): Moments {
  let n = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    n++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (n === 0) return { mean: NaN, std: NaN, min: NaN, max: NaN };
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) sq += (v - mean) * (v - mean);
  }
  return { mean, std: Math.sqrt(sq / n), min, max };
}
