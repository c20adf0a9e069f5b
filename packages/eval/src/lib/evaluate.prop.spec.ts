import { test } from '@fast-check/vitest';
import { lastValueFrom, from } from 'rxjs';
import { expect } from 'vitest';
import { arbScored, bruteForceAuc } from '../testing/metrics.js';
import { evaluate } from './evaluate.js';

test.prop([arbScored({ minLength: 1 })], { numRuns: 40 })('the report agrees with the brute-force AUC and its confusion sums to n', async ({ probs, labels }) => {
  const preds = probs.map((probability, i) => ({ id: `img${i}`, probability, label: labels[i] }));
  const r = await lastValueFrom(from(preds).pipe(evaluate({ threshold: 0.5 })));
  const expected = bruteForceAuc(probs, labels);
  if (expected === null) expect(r.auc).toBeNull();
  else expect(r.auc).toBeCloseTo(expected, 12);
  for (const p of r.operatingPoints) {
    const c = p.confusion;
    expect(c.tp + c.fp + c.tn + c.fn).toBe(r.n);
  }
  if (r.aucCi && r.auc !== null) {
    expect(r.aucCi.lower).toBeLessThanOrEqual(r.auc);
    expect(r.aucCi.upper).toBeGreaterThanOrEqual(r.auc);
  }
});
