import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { binaryMetrics } from './binary-metrics.js';
import type { MetricName } from './types.js';

const count = fc.integer({ min: 0, max: 50 });
const confusion = fc.record({ threshold: fc.constant(0.5), tp: count, fp: count, tn: count, fn: count });
const names: MetricName[] = ['accuracy', 'sensitivity', 'specificity', 'precision', 'npv', 'f1'];

test.prop([confusion])('every metric is within [0, 1] or null with a reason', (c) => {
  const m = binaryMetrics(c);
  for (const name of names) {
    const v = m[name];
    if (v === null) expect(m.undefinedReasons[name]).toBeTypeOf('string');
    else {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
      expect(m.undefinedReasons[name]).toBeUndefined();
    }
  }
});

test.prop([confusion])('F1 is the harmonic mean of precision and sensitivity when both are positive', (c) => {
  const m = binaryMetrics(c);
  if (m.precision && m.sensitivity) {
    expect(m.f1).toBeCloseTo((2 * m.precision * m.sensitivity) / (m.precision + m.sensitivity), 12);
  }
});
