import { describe, expect, it } from 'vitest';
import { calibration } from './calibration.js';

describe('calibration', () => {
  it('bins probabilities and computes Brier and ECE', () => {
    const c = calibration([0.1, 0.15, 0.9, 1], [0, 1, 1, 1], { bins: 2 });
    expect(c.bins).toEqual([
      { lower: 0, upper: 0.5, count: 2, meanProbability: 0.125, fractionPositive: 0.5 },
      { lower: 0.5, upper: 1, count: 2, meanProbability: 0.95, fractionPositive: 1 },
    ]);
    expect(c.brier).toBeCloseTo((0.01 + 0.7225 + 0.01 + 0) / 4, 12);
    expect(c.ece).toBeCloseTo(0.5 * 0.375 + 0.5 * 0.05, 12);
  });
  it('empty bins report null, not 0', () => {
    const c = calibration([0.05], [0], { bins: 10 });
    expect(c.bins[5]).toMatchObject({ count: 0, meanProbability: null, fractionPositive: null });
  });
  it('a one-class split still has a Brier score; an empty one does not', () => {
    expect(calibration([0.2], [0]).brier).toBeCloseTo(0.04);
    expect(calibration([], []).brier).toBeNull();
    expect(calibration([], []).undefinedReason).toMatch(/no labelled images/);
  });
  it('rejects a bad bin count', () => {
    expect(() => calibration([0.2], [0], { bins: 0 })).toThrow(/calibration: bins must be an integer in \[1, 1000\], got 0/);
  });
});
