import { calibration } from './calibration.js';
import type { MaybeNumber } from './types.js';

/** Bins of {@link expectedCalibrationError} unless told otherwise (the usual choice in the literature). */
export const DEFAULT_ECE_BINS = 15;

/** Options of {@link expectedCalibrationError}. */
export interface ExpectedCalibrationErrorOptions {
  /** Number of equal-width probability bins, an integer in [1, 1000]. Default {@link DEFAULT_ECE_BINS} (15). */
  readonly bins?: number;
}

/**
 * Expected calibration error (ECE): how far, on average, the predicted probability is from the
 * observed frequency of PNEUMONIA.
 *
 * Probabilities are put into `bins` equal-width bins `[k/B, (k+1)/B)` (the last one includes 1);
 * in each bin the mean probability is compared with the fraction of PNEUMONIA images, and the
 * absolute differences are averaged with the bins' image counts as weights:
 * `ECE = sum_k (n_k / n) * |meanProbability_k - fractionPositive_k|`. 0 is perfect, 1 the worst;
 * empty bins count for nothing. A model that says 0.99 for images that are PNEUMONIA 60% of the
 * time has an ECE near 0.39. The value depends on the number of bins (default 15), so compare
 * ECEs computed with the same `bins`.
 *
 * @example
 * ```ts
 * expectedCalibrationError([0.9, 0.9, 0.1, 0.1], [1, 0, 0, 0]); // 0.25: (2/4)|0.9 - 0.5| + (2/4)|0.1 - 0|
 * ```
 * @returns the ECE, or `null` when there are no predictions.
 * @throws RangeError when `bins` is not an integer in [1, 1000], or on malformed inputs
 *   (probabilities outside [0, 1], labels other than 0/1, lengths that differ).
 */
export function expectedCalibrationError(probs: ArrayLike<number>, labels: ArrayLike<number>, options: ExpectedCalibrationErrorOptions = {}): MaybeNumber {
  const bins = options.bins ?? DEFAULT_ECE_BINS;
  if (!Number.isInteger(bins) || bins < 1 || bins > 1000) throw new RangeError(`expectedCalibrationError: bins must be an integer in [1, 1000], got ${String(bins)}.`);
  return calibration(probs, labels, { bins }).ece;
}
