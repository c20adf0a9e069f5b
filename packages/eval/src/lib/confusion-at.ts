import { checkScores, checkThreshold } from './internal/check-scores.js';
import type { Confusion } from './types.js';

/**
 * Counts true/false positives/negatives at one threshold.
 *
 * An image is called PNEUMONIA (positive) when its probability is `>= threshold`, so
 * `threshold = 0` calls everything positive and `Infinity` nothing. The four counts always sum to n.
 *
 * @example
 * ```ts
 * confusionAt([0.9, 0.2, 0.6], [1, 0, 0], 0.5); // { threshold: 0.5, tp: 1, fp: 1, tn: 1, fn: 0 }
 * ```
 * @param probs - probability of PNEUMONIA per image, finite, in [0, 1].
 * @param labels - 1 for PNEUMONIA, 0 for NORMAL, paired with `probs`.
 * @param threshold - the cut-off (any number but NaN).
 * @throws RangeError when the arrays differ in length, hold a value out of range, or the threshold is NaN.
 */
export function confusionAt(probs: ArrayLike<number>, labels: ArrayLike<number>, threshold: number): Confusion {
  checkThreshold('confusionAt', threshold);
  checkScores('confusionAt', probs, labels);
  return countAt(probs, labels, threshold);
}

/** {@link confusionAt} without the checks, for already-validated inputs. */
export function countAt(probs: ArrayLike<number>, labels: ArrayLike<number>, threshold: number): Confusion {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < probs.length; i++) {
    const positive = (probs[i] as number) >= threshold;
    if (labels[i] === 1) {
      if (positive) tp++;
      else fn++;
    } else if (positive) fp++;
    else tn++;
  }
  return { threshold, tp, fp, tn, fn };
}
