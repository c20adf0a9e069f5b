import { checkScores, countsAtEachThreshold } from './internal/check-scores.js';
import { UsageError } from '@cxr/loader/browser';
import type { ThresholdChoice, ThresholdMethod } from './types.js';

function checkMethod(method: ThresholdMethod): void {
  if (method == null || typeof method !== 'object') {
    throw new TypeError(`chooseThreshold: method must be { method: 'youden' } or { method: 'sensitivity', target }, got ${String(method)}.`);
  }
  if (method.method === 'youden') return;
  if (method.method === 'sensitivity') {
    const { target } = method;
    if (typeof target !== 'number' || !(target > 0 && target <= 1)) {
      throw new RangeError(`chooseThreshold: target sensitivity must be in (0, 1], got ${String(target)}.`);
    }
    return;
  }
  throw new TypeError(`chooseThreshold: unknown method ${JSON.stringify((method as { method: unknown }).method)}; use 'youden' or 'sensitivity'.`);
}

/** Sensitivity at each distinct probability, from the highest threshold down (works with one class too). */
interface CountPoint {
  readonly threshold: number;
  readonly tp: number;
  readonly fp: number;
  readonly tpr: number;
}

function countPoints(probs: ArrayLike<number>, labels: ArrayLike<number>, positives: number): CountPoint[] {
  return countsAtEachThreshold(probs, labels).map(({ threshold, tp, fp }) => ({ threshold, tp, fp, tpr: tp / positives }));
}

/**
 * Chooses the operating threshold on validation data (never on test).
 *
 * - `{ method: 'youden' }` (the default in the pipeline): the probability maximizing Youden's
 *   J = sensitivity + specificity - 1; among equal J, the lower threshold (more sensitive).
 *   Needs both classes.
 * - `{ method: 'sensitivity', target }`: the highest threshold whose sensitivity reaches
 *   `target`, i.e. the most specific operating point that still finds that share of PNEUMONIA.
 *   Needs at least one PNEUMONIA image.
 *
 * The threshold is one of the given probabilities; an image is called PNEUMONIA when
 * `probability >= threshold`.
 *
 * @example
 * ```ts
 * chooseThreshold(valProbs, valLabels, { method: 'youden' }).threshold;
 * chooseThreshold(valProbs, valLabels, { method: 'sensitivity', target: 0.95 });
 * ```
 * @throws TypeError/RangeError for a bad method or target, or malformed inputs; an error with
 *   `code: 'CXR_USAGE'` when the validation labels lack a class the method needs.
 */
export function chooseThreshold(probs: ArrayLike<number>, labels: ArrayLike<number>, method: ThresholdMethod = { method: 'youden' }): ThresholdChoice {
  checkMethod(method);
  const { positives, negatives } = checkScores('chooseThreshold', probs, labels);
  const n = positives + negatives;
  if (method.method === 'youden') {
    if (positives === 0 || negatives === 0) {
      throw new UsageError(
        `Cannot choose a threshold by Youden's J: the validation set has ${positives} PNEUMONIA and ${negatives} NORMAL images; it needs both classes (use a larger validation split).`,
      );
    }
    // J x P x N = TP x N - FP x P: compared in integers, so ties are exact.
    const points = countPoints(probs, labels, positives);
    let best = points[0] as CountPoint;
    for (const p of points) {
      if (p.tp * negatives - p.fp * positives >= best.tp * negatives - best.fp * positives) best = p;
    }
    const specificity = 1 - best.fp / negatives;
    return { threshold: best.threshold, method: 'youden', sensitivity: best.tpr, specificity, youdenJ: (best.tp * negatives - best.fp * positives) / (positives * negatives), n };
  }
  if (positives === 0) {
    throw new UsageError(
      `Cannot choose a threshold for sensitivity ${method.target}: the validation set has no PNEUMONIA image (${negatives} NORMAL); it needs both classes.`,
    );
  }
  const target = method.target;
  const chosen = countPoints(probs, labels, positives).find((p) => p.tpr >= target);
  // The lowest probability reaches sensitivity 1, so a point is always found.
  const point = chosen as CountPoint;
  const specificity = negatives === 0 ? null : 1 - point.fp / negatives;
  return {
    threshold: point.threshold,
    method: 'sensitivity',
    target,
    sensitivity: point.tpr,
    specificity,
    youdenJ: specificity === null ? null : point.tpr + specificity - 1,
    n,
  };
}
