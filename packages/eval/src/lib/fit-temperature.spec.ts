import { describe, expect, it } from 'vitest';
import { auc } from './roc-curve.js';
import { binaryNll, fitTemperature, temperatureScale } from './fit-temperature.js';

/** Calibrated data by construction: for each logit, round(m * sigmoid(z)) of its m copies are PNEUMONIA. */
function calibratedData(zs: readonly number[], m: number, scale = 1): { logits: number[]; labels: (0 | 1)[] } {
  const logits: number[] = [];
  const labels: (0 | 1)[] = [];
  for (const z of zs) {
    const positives = Math.round(m / (1 + Math.exp(-z)));
    for (let i = 0; i < m; i++) {
      logits.push(scale * z);
      labels.push(i < positives ? 1 : 0);
    }
  }
  return { logits, labels };
}

describe('temperatureScale', () => {
  it('is the sigmoid of logit / T, without overflow at either end', () => {
    expect(temperatureScale(0, 3)).toBe(0.5);
    expect(temperatureScale(2, 1)).toBeCloseTo(1 / (1 + Math.exp(-2)), 15);
    expect(temperatureScale(2, 2)).toBeCloseTo(1 / (1 + Math.exp(-1)), 15);
    expect(temperatureScale(-800, 1)).toBe(0);
    expect(temperatureScale(800, 1)).toBe(1);
    expect(temperatureScale(-30, 1)).toBeGreaterThan(0); // keeps precision near 0
  });
  it('refuses a non-finite logit and a temperature that is not > 0', () => {
    expect(() => temperatureScale(Number.NaN, 1)).toThrow(/logit must be a finite number/);
    expect(() => temperatureScale(1, 0)).toThrow(/temperature must be a finite number > 0, got 0/);
    expect(() => temperatureScale(1, -2)).toThrow(RangeError);
    expect(() => temperatureScale(1, Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

describe('binaryNll', () => {
  it('is the mean cross-entropy in nats', () => {
    expect(binaryNll([0, 0], [0, 1])).toBeCloseTo(Math.LN2, 12);
    expect(binaryNll([4, -4], [1, 0], 2)).toBeCloseTo(Math.log1p(Math.exp(-2)), 12);
    expect(binaryNll([1000], [0])).toBeCloseTo(1000, 9); // no Infinity for a saturated wrong answer
  });
});

describe('fitTemperature', () => {
  it('finds T = 3 for calibrated data whose logits were multiplied by 3 (an over-confident model)', () => {
    const { logits, labels } = calibratedData([-3, -2, -1, -0.5, 0.5, 1, 2, 3], 1000, 3);
    const fit = fitTemperature(logits, labels);
    expect(fit.temperature).toBeCloseTo(3, 2);
    expect(fit.nllAfter).toBeLessThan(fit.nllBefore);
    expect(fit.nllBefore).toBeCloseTo(binaryNll(logits, labels), 12);
    expect(fit.nllAfter).toBeCloseTo(binaryNll(logits, labels, fit.temperature), 12);
    expect(fit.n).toBe(logits.length);
  });
  it('finds T < 1 for an under-confident model', () => {
    const { logits, labels } = calibratedData([-3, -1, 1, 3], 1000, 0.5);
    expect(fitTemperature(logits, labels).temperature).toBeCloseTo(0.5, 2);
  });
  it('keeps T = 1 when the logits carry no information (a flat likelihood)', () => {
    expect(fitTemperature([0, 0, 0, 0], [0, 1, 0, 1])).toEqual({ temperature: 1, nllBefore: Math.LN2, nllAfter: Math.LN2, n: 4 });
  });
  it('leaves the AUC unchanged', () => {
    const logits = [-2.5, -1, -0.2, 0.3, 1.1, 2, 4, -3.3, 0.7, 5];
    const labels = [0, 0, 1, 0, 1, 1, 1, 0, 0, 1];
    const fit = fitTemperature(logits, labels);
    expect(fit.temperature).not.toBe(1);
    expect(auc(logits.map((z) => temperatureScale(z, fit.temperature)), labels)).toBe(auc(logits.map((z) => temperatureScale(z, 1)), labels));
  });
  it('stops at the end of the range for separable data, never pushing a logit to probability 0 or 1', () => {
    expect(fitTemperature([-1, -2, 1, 2], [0, 0, 1, 1], { min: 0.1, max: 10 }).temperature).toBeCloseTo(0.1, 9);
    const fit = fitTemperature([-1, -2, 1, 2], [0, 0, 1, 1]);
    expect(fit.temperature).toBeCloseTo(2 / 30, 9);
    expect(temperatureScale(2, fit.temperature)).toBeLessThan(1);
    expect(temperatureScale(-2, fit.temperature)).toBeGreaterThan(0);
    // Both logits positive: a tiny T would round both probabilities to 1 and tie them (AUC 0.5).
    const near = fitTemperature([0.5, 1], [0, 1]);
    expect(auc([0.5, 1].map((z) => temperatureScale(z, near.temperature)), [0, 1])).toBe(1);
  });
  it('needs both classes, with a usage error saying so', () => {
    let error: unknown;
    try {
      fitTemperature([1, 2], [1, 1]);
    } catch (e) {
      error = e;
    }
    expect((error as { code?: string }).code).toBe('CXR_USAGE');
    expect((error as Error).message).toMatch(/2 PNEUMONIA and 0 NORMAL images; it needs both classes/);
  });
  it('refuses malformed inputs and options, naming the function', () => {
    expect(() => fitTemperature([1, Number.NaN], [0, 1])).toThrow(/fitTemperature: logits\[1\] is NaN/);
    expect(() => fitTemperature([1, 2], [0, 2])).toThrow(/labels\[1\] is 2/);
    expect(() => fitTemperature([1, 2], [0])).toThrow(/pair up/);
    expect(() => fitTemperature([1, -1], [1, 0], { min: 0 })).toThrow(/min must be a finite number > 0/);
    expect(() => fitTemperature([1, -1], [1, 0], { min: 2, max: 1 })).toThrow(/max must be a finite number > min/);
    expect(() => fitTemperature([1, -1], [1, 0], { iterations: 0 })).toThrow(/iterations/);
  });
});
