import { describe, expect, it } from 'vitest';
import { accuracy, binaryMetrics, f1, npv, precision, sensitivity, specificity } from './binary-metrics.js';

describe('binaryMetrics', () => {
  const c = { threshold: 0.5, tp: 8, fp: 2, tn: 6, fn: 4 };
  it('computes the textbook rates', () => {
    expect(accuracy(c)).toBeCloseTo(14 / 20);
    expect(sensitivity(c)).toBeCloseTo(8 / 12);
    expect(specificity(c)).toBeCloseTo(6 / 8);
    expect(precision(c)).toBeCloseTo(8 / 10);
    expect(npv(c)).toBeCloseTo(6 / 10);
    expect(f1(c)).toBeCloseTo(16 / 22);
    expect(binaryMetrics(c).undefinedReasons).toEqual({});
  });
  it('a PNEUMONIA-only split has no specificity: null with a reason, never 0', () => {
    const m = binaryMetrics({ threshold: 0.5, tp: 3, fp: 0, tn: 0, fn: 1 });
    expect(m.specificity).toBeNull();
    expect(m.undefinedReasons.specificity).toMatch(/no NORMAL image/);
    expect(m.npv).toBe(0); // 0 of 1 called NORMAL was NORMAL: defined and 0
    expect(m.sensitivity).toBe(0.75);
  });
  it('a NORMAL-only split has no sensitivity', () => {
    const m = binaryMetrics({ threshold: 0.5, tp: 0, fp: 1, tn: 4, fn: 0 });
    expect(m.sensitivity).toBeNull();
    expect(m.undefinedReasons.sensitivity).toMatch(/no PNEUMONIA image/);
    expect(m.f1).toBe(0);
  });
  it('nothing called PNEUMONIA leaves precision undefined', () => {
    const m = binaryMetrics({ threshold: 1, tp: 0, fp: 0, tn: 4, fn: 2 });
    expect(m.precision).toBeNull();
    expect(m.undefinedReasons.precision).toMatch(/no image is called PNEUMONIA/);
  });
  it('an empty set leaves every metric undefined', () => {
    const m = binaryMetrics({ threshold: 1, tp: 0, fp: 0, tn: 0, fn: 0 });
    expect(Object.keys(m.undefinedReasons).sort()).toEqual(['accuracy', 'f1', 'npv', 'precision', 'sensitivity', 'specificity']);
  });
});
