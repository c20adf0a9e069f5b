import { describe, expect, it } from 'vitest';
import { classWeights, outputBiasInit } from './class-weights.js';

describe('classWeights and outputBiasInit', () => {
  it('weights each class by the other class frequency', () => {
    expect(classWeights({ negatives: 1000, positives: 3000 })).toEqual({ 0: 0.75, 1: 0.25 });
    expect(classWeights({ negatives: 5, positives: 5 })).toEqual({ 0: 0.5, 1: 0.5 });
  });

  it('initialises the output bias at the prior log-odds', () => {
    expect(outputBiasInit({ negatives: 1000, positives: 3000 })).toBeCloseTo(Math.log(3), 12);
    expect(outputBiasInit({ negatives: 7, positives: 7 })).toBe(0);
    const bias = outputBiasInit({ negatives: 1341, positives: 3875 });
    expect(1 / (1 + Math.exp(-bias))).toBeCloseTo(3875 / (1341 + 3875), 12);
  });

  it('refuses an empty class or a non-integer count', () => {
    expect(() => classWeights({ negatives: 0, positives: 3 })).toThrow(/classWeights: negatives/);
    expect(() => outputBiasInit({ negatives: 3, positives: 0 })).toThrow(RangeError);
    expect(() => classWeights({ negatives: 1.5, positives: 3 })).toThrow(RangeError);
    expect(() => classWeights({ negatives: '2', positives: 3 } as never)).toThrow(TypeError);
  });
});
