import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { arbScored } from '../testing/metrics.js';
import { binaryMetrics } from './binary-metrics.js';
import { chooseThreshold } from './choose-threshold.js';
import { confusionAt } from './confusion-at.js';

const both = arbScored({ minLength: 2, bothClasses: true });
const target = fc.double({ min: 0.01, max: 1, noNaN: true });

function youden(probs: number[], labels: number[], t: number): number {
  const m = binaryMetrics(confusionAt(probs, labels, t));
  return (m.sensitivity as number) + (m.specificity as number) - 1;
}

test.prop([both])("Youden's threshold is at least as good as every other cut-off (brute force)", ({ probs, labels }) => {
  const c = chooseThreshold(probs, labels, { method: 'youden' });
  const best = youden(probs, labels, c.threshold);
  expect(c.youdenJ).toBeCloseTo(best, 12);
  for (const t of [...new Set(probs), 0.5, 0.75, 0, 1]) expect(youden(probs, labels, t)).toBeLessThanOrEqual(best + 1e-12);
});

test.prop([both, target])('the chosen threshold reaches the target sensitivity; any higher probability does not', ({ probs, labels }, tgt) => {
  const c = chooseThreshold(probs, labels, { method: 'sensitivity', target: tgt });
  expect(c.sensitivity).toBeGreaterThanOrEqual(tgt);
  expect(binaryMetrics(confusionAt(probs, labels, c.threshold)).sensitivity).toBe(c.sensitivity);
  for (const p of probs.filter((p) => p > c.threshold)) {
    expect(binaryMetrics(confusionAt(probs, labels, p)).sensitivity).toBeLessThan(tgt);
  }
});

test.prop([both, target, target])('a higher target never raises the threshold (monotone)', ({ probs, labels }, a, b) => {
  const [lo, hi] = a <= b ? [a, b] : [b, a];
  const tLo = chooseThreshold(probs, labels, { method: 'sensitivity', target: lo });
  const tHi = chooseThreshold(probs, labels, { method: 'sensitivity', target: hi });
  expect(tHi.threshold).toBeLessThanOrEqual(tLo.threshold);
  expect(tHi.sensitivity).toBeGreaterThanOrEqual(tLo.sensitivity);
});

test.prop([both])('the threshold is one of the validation probabilities', ({ probs, labels }) => {
  expect(probs).toContain(chooseThreshold(probs, labels).threshold);
});
