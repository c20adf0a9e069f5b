import { test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { arbScored } from '../testing/metrics.js';
import { precisionRecallCurve } from './precision-recall-curve.js';

test.prop([arbScored({ minLength: 1 })])('AP and every point are within [0, 1]; recall ends at 1', ({ probs, labels }) => {
  const pr = precisionRecallCurve(probs, labels);
  if (!labels.includes(1)) {
    expect(pr.averagePrecision).toBeNull();
    return;
  }
  expect(pr.averagePrecision).toBeGreaterThanOrEqual(0);
  expect(pr.averagePrecision).toBeLessThanOrEqual(1 + 1e-12);
  for (const p of pr.points) {
    expect(p.precision).toBeGreaterThanOrEqual(0);
    expect(p.precision).toBeLessThanOrEqual(1);
  }
  expect(pr.points.at(-1)?.recall).toBe(1);
});

test.prop([arbScored({ minLength: 1 })])('AP equals the mean precision at the rank of each positive when there are no ties', ({ probs, labels }) => {
  const distinct = probs.map((p, i) => p + i * 1e-6).map((p) => p / (1 + probs.length * 1e-6));
  if (!labels.includes(1)) return;
  const order = distinct.map((_, i) => i).sort((a, b) => distinct[b]! - distinct[a]!);
  let tp = 0;
  let sum = 0;
  order.forEach((i, rank) => {
    if (labels[i] === 1) {
      tp++;
      sum += tp / (rank + 1);
    }
  });
  expect(precisionRecallCurve(distinct, labels).averagePrecision).toBeCloseTo(sum / tp, 10);
});
