import type { BinaryMetrics, Confusion, MaybeNumber, MetricName } from './types.js';

function ratio(numerator: number, denominator: number): MaybeNumber {
  return denominator === 0 ? null : numerator / denominator;
}

/** (TP + TN) / n, or `null` for an empty set. */
export function accuracy(c: Confusion): MaybeNumber {
  return ratio(c.tp + c.tn, c.tp + c.tn + c.fp + c.fn);
}

/** Recall of PNEUMONIA, TP / (TP + FN); `null` when there is no PNEUMONIA image. */
export function sensitivity(c: Confusion): MaybeNumber {
  return ratio(c.tp, c.tp + c.fn);
}

/** Recall of NORMAL, TN / (TN + FP); `null` when there is no NORMAL image. */
export function specificity(c: Confusion): MaybeNumber {
  return ratio(c.tn, c.tn + c.fp);
}

/** Positive predictive value, TP / (TP + FP); `null` when nothing is called PNEUMONIA. */
export function precision(c: Confusion): MaybeNumber {
  return ratio(c.tp, c.tp + c.fp);
}

/** Negative predictive value, TN / (TN + FN); `null` when nothing is called NORMAL. */
export function npv(c: Confusion): MaybeNumber {
  return ratio(c.tn, c.tn + c.fn);
}

/** F1 = 2TP / (2TP + FP + FN); `null` when there are no positives and none is predicted. */
export function f1(c: Confusion): MaybeNumber {
  return ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn);
}

const REASONS: Readonly<Record<MetricName, string>> = {
  accuracy: 'there are no labelled images',
  sensitivity: 'there is no PNEUMONIA image (TP + FN = 0), so the recall of PNEUMONIA is undefined',
  specificity: 'there is no NORMAL image (TN + FP = 0), so the recall of NORMAL is undefined',
  precision: 'no image is called PNEUMONIA at this threshold (TP + FP = 0)',
  npv: 'no image is called NORMAL at this threshold (TN + FN = 0)',
  f1: 'there is no PNEUMONIA image and none is predicted (2TP + FP + FN = 0)',
};

/**
 * All threshold metrics from one confusion matrix.
 *
 * Every metric whose denominator is 0 is `null` (never 0), and `undefinedReasons` says why in one sentence.
 *
 * @example
 * ```ts
 * const m = binaryMetrics({ threshold: 0.5, tp: 8, fp: 2, tn: 6, fn: 4 });
 * m.sensitivity; // 8 / 12
 * binaryMetrics({ threshold: 0.5, tp: 3, fp: 0, tn: 0, fn: 1 }).specificity; // null (no NORMAL image)
 * ```
 */
export function binaryMetrics(c: Confusion): BinaryMetrics {
  const values: Record<MetricName, MaybeNumber> = {
    accuracy: accuracy(c),
    sensitivity: sensitivity(c),
    specificity: specificity(c),
    precision: precision(c),
    npv: npv(c),
    f1: f1(c),
  };
  const undefinedReasons: Partial<Record<MetricName, string>> = {};
  for (const name of Object.keys(values) as MetricName[]) {
    if (values[name] === null) undefinedReasons[name] = REASONS[name];
  }
  return { ...values, undefinedReasons };
}
