import { describe, expect, it } from 'vitest';
import { chooseThreshold } from './choose-threshold.js';

const probs = [0.95, 0.9, 0.8, 0.7, 0.6, 0.55, 0.4, 0.3, 0.2, 0.1];
const labels = [1, 1, 1, 0, 1, 0, 1, 0, 0, 0];

describe('chooseThreshold', () => {
  it("Youden's J picks the probability maximizing sensitivity + specificity - 1", () => {
    const c = chooseThreshold(probs, labels, { method: 'youden' });
    // at 0.6: tpr 4/5, fpr 1/5 -> J 0.6; at 0.4: tpr 1, fpr 2/5 -> J 0.6 (tie: the lower, more sensitive one)
    expect(c).toEqual({ threshold: 0.4, method: 'youden', sensitivity: 1, specificity: 0.6, youdenJ: 0.6, n: 10 });
  });
  it('defaults to Youden', () => {
    expect(chooseThreshold(probs, labels).method).toBe('youden');
  });
  it('a sensitivity target picks the highest threshold reaching it', () => {
    expect(chooseThreshold(probs, labels, { method: 'sensitivity', target: 0.6 }).threshold).toBe(0.8);
    expect(chooseThreshold(probs, labels, { method: 'sensitivity', target: 0.61 }).threshold).toBe(0.6);
    const all = chooseThreshold(probs, labels, { method: 'sensitivity', target: 1 });
    expect(all).toMatchObject({ threshold: 0.4, sensitivity: 1, specificity: 0.6, target: 1 });
  });
  it('rejects bad methods and targets at once', () => {
    expect(() => chooseThreshold(probs, labels, { method: 'sensitivity', target: 1.2 })).toThrow(/target sensitivity must be in \(0, 1\], got 1.2/);
    expect(() => chooseThreshold(probs, labels, { method: 'best' } as never)).toThrow(/unknown method "best"/);
  });
  it('one-class validation data: a usage error that says what is missing', () => {
    const err = (() => {
      try {
        chooseThreshold([0.2, 0.3], [1, 1], { method: 'youden' });
      } catch (e) {
        return e as Error & { code?: string };
      }
      return undefined;
    })();
    expect(err?.code).toBe('CXR_USAGE');
    expect(err?.message).toMatch(/2 PNEUMONIA and 0 NORMAL/);
    expect(() => chooseThreshold([0.2], [0], { method: 'sensitivity', target: 0.9 })).toThrow(/no PNEUMONIA image/);
    expect(chooseThreshold([0.2, 0.7], [1, 1], { method: 'sensitivity', target: 0.5 })).toMatchObject({ threshold: 0.7, specificity: null });
  });
});
