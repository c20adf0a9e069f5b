import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { arbScored, bruteForceAuc } from '../testing/metrics.js';
import { aucConfidenceInterval, delongComponents } from './auc-confidence-interval.js';

const twoOfEach = arbScored({ minLength: 4, maxLength: 60 }).filter((s) => s.labels.filter((y) => y === 1).length >= 2 && s.labels.filter((y) => y === 0).length >= 2);

test.prop([twoOfEach, fc.double({ min: 0.5, max: 0.999, noNaN: true })])('the interval contains the AUC and lies in [0, 1]', ({ probs, labels }, level) => {
  const { interval } = aucConfidenceInterval(probs, labels, { level });
  expect(interval).not.toBeNull();
  const i = interval!;
  expect(i.auc).toBeCloseTo(bruteForceAuc(probs, labels)!, 12);
  expect(i.lower).toBeLessThanOrEqual(i.auc);
  expect(i.upper).toBeGreaterThanOrEqual(i.auc);
  expect(i.lower).toBeGreaterThanOrEqual(0);
  expect(i.upper).toBeLessThanOrEqual(1);
});

test.prop([twoOfEach])('structural components equal their O(n^2) definition', ({ probs, labels }) => {
  const pos = probs.filter((_, i) => labels[i] === 1);
  const neg = probs.filter((_, i) => labels[i] === 0);
  const psi = (x: number, y: number): number => (x > y ? 1 : x === y ? 0.5 : 0);
  const v10 = pos.map((x) => neg.reduce((s, y) => s + psi(x, y), 0) / neg.length).sort();
  const v01 = neg.map((y) => pos.reduce((s, x) => s + psi(x, y), 0) / pos.length).sort();
  const c = delongComponents(probs, labels, pos.length, neg.length);
  const sorted = (a: Float64Array): number[] => Array.from(a).sort();
  expect(sorted(c.v10).map((v) => v.toFixed(12))).toEqual(v10.map((v) => v.toFixed(12)));
  expect(sorted(c.v01).map((v) => v.toFixed(12))).toEqual(v01.map((v) => v.toFixed(12)));
});
