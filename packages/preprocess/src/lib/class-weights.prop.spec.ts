import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { classWeights, outputBiasInit } from './class-weights.js';

const counts = fc.record({ negatives: fc.integer({ min: 1, max: 1e6 }), positives: fc.integer({ min: 1, max: 1e6 }) });

test.prop([counts])('both classes carry equal total weight, and the rarer class the larger weight', (c) => {
  const w = classWeights(c);
  expect(c.negatives * w[0]).toBeCloseTo(c.positives * w[1], 6);
  expect(w[0] + w[1]).toBeCloseTo(1, 12);
  if (c.negatives < c.positives) expect(w[0]).toBeGreaterThan(w[1]);
});

test.prop([counts])('the initial output bias predicts the positive share', (c) => {
  const p = 1 / (1 + Math.exp(-outputBiasInit(c)));
  expect(p).toBeCloseTo(c.positives / (c.negatives + c.positives), 9);
});
