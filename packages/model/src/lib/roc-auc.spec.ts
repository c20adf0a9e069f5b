import { describe, expect, it } from 'vitest';
import { rocAuc } from './roc-auc.js';

describe('rocAuc', () => {
  it('is 1 for a perfect ranking, 0 for a reversed one, 0.5 for a constant score', () => {
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBe(0.5);
  });
  it('counts ties between classes as one half', () => {
    // pairs (neg, pos): (0.1,0.5)=1, (0.5,0.5)=0.5 -> 1.5 / 2
    expect(rocAuc([0.1, 0.5, 0.5], [0, 0, 1])).toBe(0.75);
  });
  it('is undefined when a class is missing', () => {
    expect(rocAuc([0.1, 0.2], [1, 1])).toBeNull();
    expect(rocAuc([], [])).toBeNull();
  });
  it('refuses scores and labels of different lengths', () => {
    expect(() => rocAuc([1, 2], [1])).toThrow(RangeError);
  });
});
