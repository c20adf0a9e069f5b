import { describe, expect, it } from 'vitest';
import { aucConfidenceInterval, delongComponents } from './auc-confidence-interval.js';
import { normalQuantile } from './internal/normal-quantile.js';

describe('aucConfidenceInterval (DeLong)', () => {
  it('matches a hand computation', () => {
    // positives 0.35, 0.8; negatives 0.1, 0.4. V10 = [0.5, 1], V01 = [1, 0.5]; var = 0.125/2 + 0.125/2.
    const { interval } = aucConfidenceInterval([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]);
    expect(interval?.auc).toBe(0.75);
    expect(interval?.standardError).toBeCloseTo(Math.sqrt(0.125), 12);
    expect(interval?.lower).toBeCloseTo(0.75 - 1.959963984540054 * Math.sqrt(0.125), 8);
    expect(interval?.upper).toBe(1);
    expect(interval?.method).toBe('delong');
  });
  it('structural components count ties as half', () => {
    const c = delongComponents([0.5, 0.5, 0.2], [1, 0, 0], 1, 2);
    expect(Array.from(c.v10)).toEqual([0.75]);
    expect(Array.from(c.v01)).toEqual([1, 0.5]);
    expect((c.v10.reduce((a, b) => a + b, 0)) / c.v10.length).toBe(0.75);
  });
  it('needs two images of each class', () => {
    const r = aucConfidenceInterval([0.1, 0.8, 0.9], [0, 1, 1]);
    expect(r.interval).toBeNull();
    expect(r.undefinedReason).toMatch(/at least 2 images of each class/);
  });
  it('a wider level gives a wider interval; bad levels are rejected', () => {
    const probs = [0.1, 0.3, 0.35, 0.5, 0.6, 0.8, 0.2, 0.7];
    const labels = [0, 0, 1, 0, 1, 1, 1, 0];
    const a = aucConfidenceInterval(probs, labels, { level: 0.8 }).interval!;
    const b = aucConfidenceInterval(probs, labels, { level: 0.99 }).interval!;
    expect(b.upper - b.lower).toBeGreaterThan(a.upper - a.lower);
    expect(() => aucConfidenceInterval(probs, labels, { level: 1 })).toThrow(/level must be in \(0, 1\), got 1/);
  });
  it('normal quantiles', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12);
    expect(normalQuantile(0.005)).toBeCloseTo(-2.5758293035489, 7);
  });
});
