import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { arbScored, type ScoredSample } from '../testing/metrics.js';
import { calibration } from './calibration.js';

/** Probabilities on a grid (ties, values on bin edges) or anywhere in [0, 1], with labels. */
const scored: fc.Arbitrary<ScoredSample> = fc.oneof(
  fc.integer({ min: 2, max: 41 }).chain((levels) => arbScored({ minLength: 1, levels })),
  fc
    .array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom<0 | 1>(0, 1)), { minLength: 1, maxLength: 60 })
    .map((pairs) => ({ probs: pairs.map(([p]) => p), labels: pairs.map(([, y]) => y) })),
);

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

// Kept examples: probabilities at a bin edge that floor(p * B) put in the wrong bin: 15/22 * 22 is
// 14.999999999999998 (one bin too low), and 0.9 - 2^-53 (just below the edge 0.9) times 10 rounds to 9.
const onEdges: [ScoredSample, number][] = [
  [{ probs: [15 / 22, 0.1], labels: [1, 0] }, 22],
  [{ probs: [13 / 23, 0.5], labels: [0, 1] }, 23],
  [{ probs: [0.9 - 2 ** -53, 0.9], labels: [1, 0] }, 10],
  [{ probs: [5 / 6 - 2 ** -53, 0.2], labels: [1, 1] }, 6],
];

test.prop([scored, fc.integer({ min: 1, max: 25 })], { numRuns: 200, examples: onEdges })(
  'bins, Brier and ECE equal a brute-force count over the bin edges it reports',
  ({ probs, labels }, binCount) => {
    const c = calibration(probs, labels, { bins: binCount });
    expect(c.bins).toHaveLength(binCount);
    const n = probs.length;
    let ece = 0;
    c.bins.forEach((bin, k) => {
      expect(bin.lower).toBe(k / binCount);
      expect(bin.upper).toBe((k + 1) / binCount);
      // The definition: [lower, upper), the last bin closed at 1.
      const members = probs.map((p, i) => ({ p, y: labels[i] as number })).filter(({ p }) => p >= bin.lower && (p < bin.upper || (k === binCount - 1 && p <= 1)));
      expect(bin.count).toBe(members.length);
      if (members.length === 0) {
        expect(bin.meanProbability).toBeNull();
        expect(bin.fractionPositive).toBeNull();
        return;
      }
      const meanP = members.reduce((s, m) => s + m.p, 0) / members.length;
      const positive = members.filter((m) => m.y === 1).length / members.length;
      expect(bin.meanProbability).toBeCloseTo(meanP, 12);
      expect(bin.fractionPositive).toBeCloseTo(positive, 12);
      ece += (members.length / n) * Math.abs(meanP - positive);
    });
    expect(c.ece).toBeCloseTo(ece, 12);
    expect(c.brier).toBeCloseTo(probs.reduce((s, p, i) => s + (p - (labels[i] as number)) ** 2, 0) / n, 12);
  },
);
