import { describe, expect, it } from 'vitest';
import { confusionAt } from './confusion-at.js';

describe('confusionAt', () => {
  it('calls PNEUMONIA at probability >= threshold', () => {
    expect(confusionAt([0.9, 0.2, 0.6, 0.5, 0.49], [1, 0, 0, 1, 1], 0.5)).toEqual({ threshold: 0.5, tp: 2, fp: 1, tn: 1, fn: 1 });
  });
  it('threshold 0 calls everything positive, Infinity nothing', () => {
    expect(confusionAt([0, 1, 0.3], [0, 1, 1], 0)).toEqual({ threshold: 0, tp: 2, fp: 1, tn: 0, fn: 0 });
    expect(confusionAt([0, 1, 0.3], [0, 1, 1], Infinity)).toEqual({ threshold: Infinity, tp: 0, fp: 0, tn: 1, fn: 2 });
  });
  it('handles an empty set', () => {
    expect(confusionAt([], [], 0.5)).toEqual({ threshold: 0.5, tp: 0, fp: 0, tn: 0, fn: 0 });
  });
  it('rejects mismatched lengths, bad probabilities, bad labels and a NaN threshold, naming the problem', () => {
    expect(() => confusionAt([0.1], [1, 0], 0.5)).toThrow(/confusionAt: probs has 1 values but labels has 2/);
    expect(() => confusionAt([Number.NaN], [1], 0.5)).toThrow(/probs\[0\] is NaN/);
    expect(() => confusionAt([1.5], [1], 0.5)).toThrow(RangeError);
    expect(() => confusionAt([0.5], [2], 0.5)).toThrow(/labels\[0\] is 2/);
    expect(() => confusionAt([0.5], [1], Number.NaN)).toThrow(/threshold must be a number/);
  });
});
