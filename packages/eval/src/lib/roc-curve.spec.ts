import { describe, expect, it } from 'vitest';
import { auc, rocCurve } from './roc-curve.js';

describe('rocCurve', () => {
  it('gives one point per distinct probability, from (0,0) to (1,1)', () => {
    const roc = rocCurve([0.9, 0.4, 0.4, 0.1], [1, 1, 0, 0]);
    expect(roc.points).toEqual([
      { threshold: Infinity, fpr: 0, tpr: 0 },
      { threshold: 0.9, fpr: 0, tpr: 0.5 },
      { threshold: 0.4, fpr: 0.5, tpr: 1 },
      { threshold: 0.1, fpr: 1, tpr: 1 },
    ]);
    expect(roc.auc).toBe(0.875); // 3 wins + 1 tie of 4 pairs
  });
  it('perfect, inverted and constant scores', () => {
    expect(auc([0.8, 0.7, 0.2], [1, 1, 0])).toBe(1);
    expect(auc([0.1, 0.2, 0.9], [1, 1, 0])).toBe(0);
    expect(auc([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0])).toBe(0.5);
  });
  it('a one-class split has no AUC: null with a reason', () => {
    const roc = rocCurve([0.2, 0.9], [1, 1]);
    expect(roc.auc).toBeNull();
    expect(roc.points).toEqual([]);
    expect(roc.undefinedReason).toMatch(/no NORMAL image/);
    expect(rocCurve([0.2], [0]).undefinedReason).toMatch(/no PNEUMONIA image/);
    expect(rocCurve([], []).undefinedReason).toMatch(/no labelled images/);
  });
  it('accepts typed arrays', () => {
    expect(auc(Float32Array.from([0.75, 0.25]), Uint8Array.from([1, 0]))).toBe(1);
  });
});
