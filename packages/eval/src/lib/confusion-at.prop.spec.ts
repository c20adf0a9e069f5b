import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { arbScored, bruteForceConfusion } from '../testing/metrics.js';
import { confusionAt } from './confusion-at.js';

const threshold = fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 0.5, 1, Infinity));

test.prop([arbScored(), threshold])('the four counts sum to n', ({ probs, labels }, t) => {
  const c = confusionAt(probs, labels, t);
  expect(c.tp + c.fp + c.tn + c.fn).toBe(probs.length);
});

test.prop([arbScored(), threshold])('counts equal direct filtering', ({ probs, labels }, t) => {
  const { threshold: _t, ...counts } = confusionAt(probs, labels, t);
  expect(counts).toEqual(bruteForceConfusion(probs, labels, t));
});

test.prop([arbScored(), threshold, threshold])('raising the threshold never adds positives', ({ probs, labels }, a, b) => {
  const [lo, hi] = a <= b ? [a, b] : [b, a];
  const l = confusionAt(probs, labels, lo);
  const h = confusionAt(probs, labels, hi);
  expect(h.tp).toBeLessThanOrEqual(l.tp);
  expect(h.fp).toBeLessThanOrEqual(l.fp);
});
