import { describe, expect, it } from 'vitest';
import { averagePrecision, precisionRecallCurve } from './precision-recall-curve.js';

describe('precisionRecallCurve', () => {
  it('steps through distinct probabilities; AP is the step-wise area', () => {
    const pr = precisionRecallCurve([0.9, 0.8, 0.3], [1, 0, 1]);
    expect(pr.points).toEqual([
      { threshold: Infinity, recall: 0, precision: 1 },
      { threshold: 0.9, recall: 0.5, precision: 1 },
      { threshold: 0.8, recall: 0.5, precision: 0.5 },
      { threshold: 0.3, recall: 1, precision: 2 / 3 },
    ]);
    expect(pr.averagePrecision).toBeCloseTo(0.5 + 0.5 * (2 / 3), 12);
    expect(pr.baseline).toBeCloseTo(2 / 3);
  });
  it('ties form one point', () => {
    expect(precisionRecallCurve([0.5, 0.5], [1, 0]).points).toHaveLength(2);
    expect(averagePrecision([0.5, 0.5], [1, 0])).toBe(0.5);
  });
  it('no PNEUMONIA image: AP undefined, with a reason', () => {
    const pr = precisionRecallCurve([0.2, 0.4], [0, 0]);
    expect(pr.averagePrecision).toBeNull();
    expect(pr.undefinedReason).toMatch(/no PNEUMONIA image/);
  });
  it('only PNEUMONIA: AP is 1 (every call is right)', () => {
    expect(averagePrecision([0.2, 0.4], [1, 1])).toBe(1);
  });
});
