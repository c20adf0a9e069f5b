import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { auc } from './roc-curve.js';
import { binaryNll, fitTemperature, temperatureScale } from './fit-temperature.js';

/** Logits on a 0.01 grid in [-20, 20] (often small) with 0/1 labels, both classes present. */
const arbLogits = fc
  .array(fc.tuple(fc.oneof(fc.integer({ min: -150, max: 150 }), fc.integer({ min: -2000, max: 2000 })), fc.constantFrom<0 | 1>(0, 1)), { minLength: 2, maxLength: 80 })
  .map((pairs) => ({ logits: pairs.map(([k]) => k / 100), labels: pairs.map(([, y]) => y) }))
  .filter((s) => s.labels.includes(0) && s.labels.includes(1));

test.prop([arbLogits])('the fitted temperature never raises the NLL above T = 1, and reports it truly', ({ logits, labels }) => {
  const fit = fitTemperature(logits, labels);
  expect(fit.temperature).toBeGreaterThan(0);
  expect(fit.nllBefore).toBe(binaryNll(logits, labels, 1));
  expect(fit.nllAfter).toBeLessThanOrEqual(fit.nllBefore);
  expect(fit.nllAfter).toBeCloseTo(binaryNll(logits, labels, fit.temperature), 12);
});

test.prop([arbLogits])('no temperature of the searched range (from max(0.01, max|logit| / 30) to 100) beats the fitted one by more than rounding', ({ logits, labels }) => {
  const fit = fitTemperature(logits, labels);
  const lowest = Math.max(0.01, Math.max(...logits.map(Math.abs)) / 30);
  for (let u = Math.log(lowest); u <= Math.log(100); u += 0.05) {
    expect(fit.nllAfter).toBeLessThanOrEqual(binaryNll(logits, labels, Math.exp(u)) + 1e-9);
  }
});

test.prop([arbLogits, fc.double({ min: 0.01, max: 100, noNaN: true })])(
  'temperature scaling keeps the ranking: the AUC is unchanged, for the fitted T and any T that keeps |logit / T| <= 30',
  ({ logits, labels }, t) => {
    const fit = fitTemperature(logits, labels);
    const raw = auc(logits.map((z) => temperatureScale(z, 1)), labels);
    expect(auc(logits.map((z) => temperatureScale(z, fit.temperature)), labels)).toBe(raw);
    const any = Math.max(t, Math.max(...logits.map(Math.abs)) / 30);
    expect(auc(logits.map((z) => temperatureScale(z, any)), labels)).toBe(raw);
  },
);

test.prop([fc.uniqueArray(fc.integer({ min: -40, max: 40 }).filter((k) => Math.abs(k) >= 5), { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 3 })])(
  'already-calibrated data keeps T = 1 within 0.05 (and T = c when its logits are multiplied by c)',
  (tenths, c) => {
    // For each logit z, round(m * sigmoid(z)) of its m copies are PNEUMONIA: the frequencies match sigmoid(z).
    const m = 1000;
    const scale = [1, 0.5, 2, 3][c] as number;
    const logits: number[] = [];
    const labels: number[] = [];
    for (const k of tenths) {
      const z = k / 10;
      const positives = Math.round(m / (1 + Math.exp(-z)));
      for (let i = 0; i < m; i++) {
        logits.push(scale * z);
        labels.push(i < positives ? 1 : 0);
      }
    }
    const fit = fitTemperature(logits, labels);
    expect(Math.abs(fit.temperature / scale - 1)).toBeLessThan(0.05);
  },
);

test.prop([arbLogits])('the fit is deterministic', ({ logits, labels }) => {
  expect(fitTemperature(logits, labels)).toEqual(fitTemperature(logits, labels));
});
