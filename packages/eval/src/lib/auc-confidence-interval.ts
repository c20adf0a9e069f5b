import { rocAuc } from '@cxr/model';
import { checkScores } from './internal/check-scores.js';
import { normalQuantile } from './internal/normal-quantile.js';
import type { AucInterval } from './types.js';

/** Options of {@link aucConfidenceInterval}. */
export interface AucConfidenceIntervalOptions {
  /** Coverage of the interval, in (0, 1). Default 0.95. */
  readonly level?: number;
}

/** The AUC's confidence interval, or why there is none. */
export type AucIntervalResult = { readonly interval: AucInterval; readonly undefinedReason?: undefined } | { readonly interval: null; readonly undefinedReason: string };

/** DeLong's structural components of the AUC: one per positive (V10) and one per negative (V01); their mean is the AUC. */
export interface DelongComponents {
  /** For each PNEUMONIA image: the fraction of NORMAL images it outranks (ties count half). */
  readonly v10: Float64Array;
  /** For each NORMAL image: the fraction of PNEUMONIA images that outrank it (ties count half). */
  readonly v01: Float64Array;
}

/**
 * DeLong's structural components in O(n log n): sort once, and count per group of tied probabilities.
 * Needs at least one image of each class.
 */
export function delongComponents(probs: ArrayLike<number>, labels: ArrayLike<number>, positives: number, negatives: number): DelongComponents {
  const order = Array.from({ length: probs.length }, (_, i) => i).sort((x, y) => (probs[x] as number) - (probs[y] as number));
  const v10 = new Float64Array(positives);
  const v01 = new Float64Array(negatives);
  let negBelow = 0;
  let posBelow = 0;
  let iPos = 0;
  let iNeg = 0;
  let i = 0;
  while (i < order.length) {
    const p = probs[order[i] as number] as number;
    let j = i;
    let negEq = 0;
    let posEq = 0;
    while (j < order.length && probs[order[j] as number] === p) {
      if (labels[order[j] as number] === 1) posEq++;
      else negEq++;
      j++;
    }
    const posValue = (negBelow + negEq / 2) / negatives;
    const negValue = (positives - posBelow - posEq + posEq / 2) / positives;
    for (let k = 0; k < posEq; k++) v10[iPos++] = posValue;
    for (let k = 0; k < negEq; k++) v01[iNeg++] = negValue;
    negBelow += negEq;
    posBelow += posEq;
    i = j;
  }
  return { v10, v01 };
}

function sampleVariance(xs: Float64Array): number {
  let mean = 0;
  for (const x of xs) mean += x;
  mean /= xs.length;
  let ss = 0;
  for (const x of xs) ss += (x - mean) * (x - mean);
  return ss / (xs.length - 1);
}

/**
 * A confidence interval of the AUC by DeLong's method (DeLong, DeLong & Clarke-Pearson, 1988).
 *
 * The variance is S10/P + S01/N from the structural components; the interval is
 * AUC +/- z x SE, clipped to [0, 1], so it always contains the AUC. Deterministic (no resampling).
 * It needs at least two images of each class; otherwise `interval` is `null` with a reason.
 * With perfect separation (AUC 0 or 1) DeLong's variance is 0 and the interval collapses to the AUC.
 *
 * @example
 * ```ts
 * const { interval } = aucConfidenceInterval(probs, labels); // level 0.95
 * interval && `${interval.lower.toFixed(3)}-${interval.upper.toFixed(3)}`;
 * ```
 * @param options - `level` (default 0.95).
 * @throws RangeError when `level` is not in (0, 1), or on malformed inputs.
 */
export function aucConfidenceInterval(probs: ArrayLike<number>, labels: ArrayLike<number>, options: AucConfidenceIntervalOptions = {}): AucIntervalResult {
  const level = options.level ?? 0.95;
  if (typeof level !== 'number' || !(level > 0 && level < 1)) {
    throw new RangeError(`aucConfidenceInterval: level must be in (0, 1), got ${String(level)}.`);
  }
  const { positives, negatives } = checkScores('aucConfidenceInterval', probs, labels);
  if (positives < 2 || negatives < 2) {
    return {
      interval: null,
      undefinedReason: `the AUC confidence interval is undefined: DeLong's method needs at least 2 images of each class (got ${positives} PNEUMONIA, ${negatives} NORMAL)`,
    };
  }
  // The AUC itself is the project's one implementation (@cxr/model's rocAuc); DeLong adds its variance.
  const auc = rocAuc(probs, labels) as number;
  const { v10, v01 } = delongComponents(probs, labels, positives, negatives);
  const variance = sampleVariance(v10) / positives + sampleVariance(v01) / negatives;
  const standardError = Math.sqrt(Math.max(0, variance));
  const z = normalQuantile(0.5 + level / 2);
  return {
    interval: {
      auc,
      lower: Math.max(0, auc - z * standardError),
      upper: Math.min(1, auc + z * standardError),
      level,
      method: 'delong',
      standardError,
    },
  };
}
