import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { arbScored } from '../testing/metrics.js';
import { calibration } from './calibration.js';

test.prop([arbScored({ minLength: 1 }), fc.integer({ min: 1, max: 20 })])('bins cover every image; Brier and ECE are within [0, 1]', ({ probs, labels }, bins) => {
  const c = calibration(probs, labels, { bins });
  expect(c.bins.reduce((s, b) => s + b.count, 0)).toBe(probs.length);
  expect(c.brier).toBeGreaterThanOrEqual(0);
  expect(c.brier).toBeLessThanOrEqual(1);
  expect(c.ece).toBeGreaterThanOrEqual(0);
  expect(c.ece).toBeLessThanOrEqual(1);
  for (const b of c.bins) {
    if (b.meanProbability !== null) {
      expect(b.meanProbability).toBeGreaterThanOrEqual(b.lower - 1e-12);
      expect(b.meanProbability).toBeLessThanOrEqual(b.upper + 1e-12);
    }
  }
});
