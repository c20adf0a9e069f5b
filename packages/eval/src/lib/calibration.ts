import { checkScores } from './internal/check-scores.js';
import type { Calibration, CalibrationBin } from './types.js';

/** Options of {@link calibration}. */
export interface CalibrationOptions {
  /** Number of equal-width probability bins, an integer in [1, 1000]. Default 10. */
  readonly bins?: number;
}

/**
 * The bin `k` with `k/B <= p < (k+1)/B` as those edges are computed (the last bin includes 1).
 * `floor(p * B)` alone can miss by one at an edge: 15/22 * 22 rounds to 14.999999999999998.
 */
function binOf(p: number, binCount: number): number {
  const k = Math.min(binCount - 1, Math.floor(p * binCount));
  if (k < binCount - 1 && p >= (k + 1) / binCount) return k + 1;
  if (k > 0 && p < k / binCount) return k - 1;
  return k;
}

/**
 * Reliability bins, Brier score and expected calibration error.
 *
 * Probabilities fall into `bins` equal-width bins `[k/B, (k+1)/B)` (the last one includes 1);
 * each bin reports its count, mean probability and observed fraction of PNEUMONIA (`null` when
 * empty). A well-calibrated model has `meanProbability ~ fractionPositive` in every bin.
 * The Brier score is defined for one-class splits too; only an empty set makes it `null`.
 *
 * @example
 * ```ts
 * calibration([0.1, 0.9], [0, 1], { bins: 2 }).brier; // 0.01
 * ```
 * @throws RangeError when `bins` is not an integer in [1, 1000], or on malformed inputs.
 */
export function calibration(probs: ArrayLike<number>, labels: ArrayLike<number>, options: CalibrationOptions = {}): Calibration {
  const binCount = options.bins ?? 10;
  if (!Number.isInteger(binCount) || binCount < 1 || binCount > 1000) {
    throw new RangeError(`calibration: bins must be an integer in [1, 1000], got ${String(binCount)}.`);
  }
  checkScores('calibration', probs, labels);
  const counts = new Float64Array(binCount);
  const sumP = new Float64Array(binCount);
  const sumY = new Float64Array(binCount);
  let squared = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i] as number;
    const y = labels[i] as number;
    const k = binOf(p, binCount);
    counts[k]! += 1;
    sumP[k]! += p;
    sumY[k]! += y;
    squared += (p - y) * (p - y);
  }
  const n = probs.length;
  const bins: CalibrationBin[] = [];
  let ece = 0;
  for (let k = 0; k < binCount; k++) {
    const count = counts[k] as number;
    const meanProbability = count === 0 ? null : (sumP[k] as number) / count;
    const fractionPositive = count === 0 ? null : (sumY[k] as number) / count;
    if (meanProbability !== null && fractionPositive !== null) ece += (count / n) * Math.abs(meanProbability - fractionPositive);
    bins.push({ lower: k / binCount, upper: (k + 1) / binCount, count, meanProbability, fractionPositive });
  }
  if (n === 0) {
    return { bins, brier: null, ece: null, undefinedReason: 'calibration is undefined: there are no labelled images' };
  }
  return { bins, brier: squared / n, ece };
}
