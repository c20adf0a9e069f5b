import { checkScores, countsAtEachThreshold } from './internal/check-scores.js';
import type { MaybeNumber, PrCurve, PrPoint } from './types.js';

/**
 * The precision-recall curve, one point per distinct probability, and the average precision.
 *
 * The curve starts at recall 0, precision 1 (threshold `Infinity`). Average precision is the
 * step-wise area: the sum over thresholds of (recall gained) x (precision there), without
 * interpolation. `baseline` is the precision of calling everything PNEUMONIA (P / n), the
 * no-skill line. A split with no PNEUMONIA image has no curve: `averagePrecision` is `null`.
 *
 * @example
 * ```ts
 * precisionRecallCurve([0.9, 0.8, 0.3], [1, 0, 1]).averagePrecision; // 0.5 * 1 + 0.5 * (2/3)
 * ```
 * @throws RangeError on malformed inputs.
 */
export function precisionRecallCurve(probs: ArrayLike<number>, labels: ArrayLike<number>): PrCurve {
  const { positives, negatives } = checkScores('precisionRecallCurve', probs, labels);
  const n = positives + negatives;
  if (positives === 0) {
    return {
      points: [],
      averagePrecision: null,
      baseline: n === 0 ? null : 0,
      undefinedReason:
        n === 0
          ? 'average precision is undefined: there are no labelled images'
          : `average precision is undefined: the split has no PNEUMONIA image (only ${negatives} NORMAL)`,
    };
  }
  const points: PrPoint[] = [{ threshold: Infinity, recall: 0, precision: 1 }];
  let ap = 0;
  let tpBefore = 0;
  for (const { threshold, tp, fp } of countsAtEachThreshold(probs, labels)) {
    const prec = tp / (tp + fp);
    ap += ((tp - tpBefore) / positives) * prec;
    tpBefore = tp;
    points.push({ threshold, recall: tp / positives, precision: prec });
  }
  return { points, averagePrecision: ap, baseline: positives / n };
}

/**
 * Average precision (area under the step-wise precision-recall curve), or `null` with no PNEUMONIA image.
 *
 * @example
 * ```ts
 * averagePrecision([0.9, 0.1], [1, 0]); // 1
 * ```
 */
export function averagePrecision(probs: ArrayLike<number>, labels: ArrayLike<number>): MaybeNumber {
  return precisionRecallCurve(probs, labels).averagePrecision;
}
