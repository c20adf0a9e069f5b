import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';

import { histogram, moments } from './pixel-stats.js';

const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });

describe('histogram', () => {
  test.prop([fc.array(finite, { maxLength: 200 }), fc.integer({ min: 1, max: 64 })], {
    // Regression: a range of one subnormal step once gave a bin width of 0 and lost a value.
    examples: [[[0, 5e-324], 2]],
  })(
    'counts every finite value exactly once over its own range',
    (values, bins) => {
      const m = moments(values);
      const h = histogram(values, bins, values.length ? m.min : 0, values.length ? m.max : 1);
      expect(h.counts).toHaveLength(bins);
      expect(h.edges).toHaveLength(bins + 1);
      expect(h.counts.reduce((a, b) => a + b, 0)).toBe(values.length);
    },
  );

  test.prop([fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 200 })])(
    'puts each value in the bin whose edges enclose it',
    (values) => {
      const h = histogram(values, 256, 0, 256);
      for (const v of new Set(values)) {
        expect(h.counts[v]).toBe(values.filter((x) => x === v).length);
        expect(h.edges[v]).toBeLessThanOrEqual(v);
        expect(h.edges[v + 1]).toBeGreaterThan(v);
      }
    },
  );
});

describe('moments', () => {
  test.prop([fc.array(finite, { minLength: 1, maxLength: 100 })])('min <= mean <= max and std >= 0', (values) => {
    const m = moments(values);
    expect(m.min).toBeLessThanOrEqual(m.mean + 1e-9 * Math.abs(m.mean));
    expect(m.mean).toBeLessThanOrEqual(m.max + 1e-9 * Math.abs(m.mean));
    expect(m.std).toBeGreaterThanOrEqual(0);
  });
});
