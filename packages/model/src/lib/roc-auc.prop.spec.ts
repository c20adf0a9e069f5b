import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { rocAuc } from './roc-auc.js';

const sample = fc
  .array(fc.tuple(fc.integer({ min: -5, max: 5 }), fc.constantFrom(0, 1)), { minLength: 2, maxLength: 60 })
  .filter((pairs) => pairs.some(([, y]) => y === 1) && pairs.some(([, y]) => y === 0));

function pairwise(scores: number[], labels: number[]): number {
  let sum = 0;
  let pairs = 0;
  scores.forEach((sp, i) => {
    if (labels[i] !== 1) return;
    scores.forEach((sn, j) => {
      if (labels[j] !== 0) return;
      pairs += 1;
      sum += sp > sn ? 1 : sp === sn ? 0.5 : 0;
    });
  });
  return sum / pairs;
}

test.prop([sample])('equals the pairwise (Mann-Whitney) definition, ties counted half', (pairs) => {
  const scores = pairs.map(([s]) => s);
  const labels = pairs.map(([, y]) => y);
  expect(rocAuc(scores, labels)).toBeCloseTo(pairwise(scores, labels), 12);
});

test.prop([sample])('is unchanged by a strictly increasing transform of the scores', (pairs) => {
  const scores = pairs.map(([s]) => s);
  const labels = pairs.map(([, y]) => y);
  expect(rocAuc(scores.map((s) => Math.exp(s) * 3 + 1), labels)).toBeCloseTo(rocAuc(scores, labels) as number, 12);
});

test.prop([sample])('swapping the labels gives 1 - AUC', (pairs) => {
  const scores = pairs.map(([s]) => s);
  const labels = pairs.map(([, y]) => y);
  expect(rocAuc(scores, labels.map((y) => 1 - y))).toBeCloseTo(1 - (rocAuc(scores, labels) as number), 12);
});
