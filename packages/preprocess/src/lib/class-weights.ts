import { requireInteger, requireObject } from './internal/validate.js';

/** How many images of each class: `negatives` (label 0, NORMAL) and `positives` (label 1, PNEUMONIA). */
export interface LabelCounts {
  readonly negatives: number;
  readonly positives: number;
}

/** Loss weight per label, shaped like Keras' `class_weight`: `{ 0: w0, 1: w1 }`. */
export interface LabelWeights {
  readonly 0: number;
  readonly 1: number;
}

function checkCounts(stage: string, counts: LabelCounts): void {
  requireObject(stage, counts);
  requireInteger(stage, 'negatives', counts.negatives, 1);
  requireInteger(stage, 'positives', counts.positives, 1);
}

/**
 * Loss weights that give both classes the same total weight.
 *
 * Each class is weighted by the other class's frequency: `w0 = P / (N + P)`, `w1 = N / (N + P)`,
 * so `N * w0 === P * w1` and the rare class is not drowned by the common one. Computed from the
 * training split's label counts (after {@link resplit}).
 *
 * @example
 * classWeights({ negatives: 1000, positives: 3000 }); // { 0: 0.75, 1: 0.25 }
 *
 * @param counts - images per class; both must be positive integers.
 * @throws RangeError / TypeError when a count is not a positive integer (an empty class cannot be weighted).
 */
export function classWeights(counts: LabelCounts): LabelWeights {
  checkCounts('classWeights', counts);
  const total = counts.negatives + counts.positives;
  return { 0: counts.positives / total, 1: counts.negatives / total };
}

/**
 * Initial bias of the sigmoid output unit: `ln(P / N)`.
 *
 * Starting the output at the prior log-odds means the untrained model predicts the class
 * frequencies instead of 0.5, so the first epochs do not spend their steps learning the imbalance.
 *
 * @example
 * outputBiasInit({ negatives: 1000, positives: 3000 }); // Math.log(3) ≈ 1.0986
 *
 * @throws RangeError / TypeError when a count is not a positive integer.
 */
export function outputBiasInit(counts: LabelCounts): number {
  checkCounts('outputBiasInit', counts);
  return Math.log(counts.positives / counts.negatives);
}
