import { rocAuc } from '@cxr/model';
import { checkScores, countsAtEachThreshold } from './internal/check-scores.js';
import type { MaybeNumber, RocCurve, RocPoint } from './types.js';

/** Why an AUC cannot be computed for a split with these class counts, or `undefined` when it can. */
export function oneClassReason(what: string, positives: number, negatives: number): string | undefined {
  if (positives === 0 && negatives === 0) return `${what} is undefined: there are no labelled images`;
  if (positives === 0) return `${what} is undefined: the split has no PNEUMONIA image (only ${negatives} NORMAL)`;
  if (negatives === 0) return `${what} is undefined: the split has no NORMAL image (only ${positives} PNEUMONIA)`;
  return undefined;
}

/**
 * The ROC curve, one point per distinct probability, and its exact area.
 *
 * Points run from (0, 0) at threshold `Infinity` to (1, 1). Tied probabilities form one point,
 * so the area under them (trapezoids) counts a tied positive/negative pair as one half: it is
 * `rocAuc` of @cxr/model (the Mann-Whitney U statistic divided by P x N), which gives `auc`. With
 * one class only, `points` is empty and `auc` is `null` with `undefinedReason`.
 *
 * @example
 * ```ts
 * rocCurve([0.9, 0.4, 0.4, 0.1], [1, 1, 0, 0]).auc; // 0.875
 * ```
 * @throws RangeError on mismatched lengths, probabilities outside [0, 1] or labels other than 0/1.
 */
export function rocCurve(probs: ArrayLike<number>, labels: ArrayLike<number>): RocCurve {
  const { positives, negatives } = checkScores('rocCurve', probs, labels);
  const reason = oneClassReason('AUC', positives, negatives);
  if (reason !== undefined) return { points: [], auc: null, undefinedReason: reason };
  const points: RocPoint[] = [{ threshold: Infinity, fpr: 0, tpr: 0 }];
  for (const { threshold, tp, fp } of countsAtEachThreshold(probs, labels)) points.push({ threshold, fpr: fp / negatives, tpr: tp / positives });
  return { points, auc: rocAuc(probs, labels) };
}

/**
 * Area under the ROC curve (exact with ties), or `null` when the labels hold one class only.
 *
 * @example
 * ```ts
 * auc([0.8, 0.3], [1, 0]); // 1
 * auc([0.8, 0.3], [1, 1]); // null: no NORMAL image
 * ```
 * @throws RangeError on malformed inputs (see {@link rocCurve}).
 */
export function auc(probs: ArrayLike<number>, labels: ArrayLike<number>): MaybeNumber {
  return rocCurve(probs, labels).auc;
}
