import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { arbScored } from '../testing/metrics.js';
import { expectedCalibrationError } from './expected-calibration-error.js';

test.prop([arbScored({ minLength: 1 }), fc.integer({ min: 1, max: 40 })])('ECE is in [0, 1] and at most the mean absolute error |p - y|', ({ probs, labels }, bins) => {
  const ece = expectedCalibrationError(probs, labels, { bins }) as number;
  expect(ece).toBeGreaterThanOrEqual(0);
  expect(ece).toBeLessThanOrEqual(1);
  const mae = probs.reduce((s, p, i) => s + Math.abs(p - (labels[i] as number)), 0) / probs.length;
  expect(ece).toBeLessThanOrEqual(mae + 1e-12);
});

test.prop([arbScored({ minLength: 1 })])('does not depend on the order of the images', ({ probs, labels }) => {
  const order = probs.map((_, i) => i).reverse();
  const a = expectedCalibrationError(probs, labels) as number;
  const b = expectedCalibrationError(order.map((i) => probs[i] as number), order.map((i) => labels[i] as number)) as number;
  expect(b).toBeCloseTo(a, 12);
});
