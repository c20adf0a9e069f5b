import { test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { arbScored, bruteForceAuc } from '../testing/metrics.js';
import { confusionAt } from './confusion-at.js';
import { auc, rocCurve } from './roc-curve.js';

test.prop([arbScored({ maxLength: 80 })])('AUC equals the brute-force pair count (Mann-Whitney, ties half)', ({ probs, labels }) => {
  const expected = bruteForceAuc(probs, labels);
  const got = auc(probs, labels);
  if (expected === null) expect(got).toBeNull();
  else expect(got).toBeCloseTo(expected, 12);
});

test.prop([arbScored({ bothClasses: true })])('the curve is monotone from (0,0) to (1,1) and in [0,1]', ({ probs, labels }) => {
  const { points } = rocCurve(probs, labels);
  expect(points[0]).toMatchObject({ fpr: 0, tpr: 0 });
  expect(points.at(-1)).toMatchObject({ fpr: 1, tpr: 1 });
  for (let i = 1; i < points.length; i++) {
    expect(points[i]!.fpr).toBeGreaterThanOrEqual(points[i - 1]!.fpr);
    expect(points[i]!.tpr).toBeGreaterThanOrEqual(points[i - 1]!.tpr);
    expect(points[i]!.threshold).toBeLessThan(points[i - 1]!.threshold);
  }
});

test.prop([arbScored({ bothClasses: true })])('each point matches the confusion matrix at its threshold', ({ probs, labels }) => {
  for (const p of rocCurve(probs, labels).points) {
    const c = confusionAt(probs, labels, p.threshold);
    expect(p.tpr).toBeCloseTo(c.tp / (c.tp + c.fn), 12);
    expect(p.fpr).toBeCloseTo(c.fp / (c.fp + c.tn), 12);
  }
});

test.prop([arbScored({ bothClasses: true })])('flipping the scores gives 1 - AUC', ({ probs, labels }) => {
  expect(auc(probs.map((p) => 1 - p), labels)).toBeCloseTo(1 - (auc(probs, labels) as number), 12);
});
