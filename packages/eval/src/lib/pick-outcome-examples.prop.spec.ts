import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { arbScored } from '../testing/metrics.js';
import { outcomeOf, pickOutcomeExamples } from './pick-outcome-examples.js';

test.prop([arbScored(), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 4 })])(
  'at most perOutcome per outcome, each outcome correct, ids unique',
  ({ probs, labels }, threshold, k) => {
    const preds = probs.map((probability, i) => ({ id: `i${i}`, probability, label: labels[i]! }));
    const picks = pickOutcomeExamples(preds, threshold, k);
    for (const o of ['TP', 'FP', 'TN', 'FN']) {
      const available = preds.filter((p) => outcomeOf(p.probability, p.label, threshold) === o).length;
      expect(picks.filter((p) => p.outcome === o)).toHaveLength(Math.min(k, available));
    }
    for (const p of picks) expect(outcomeOf(p.probability, p.label, threshold)).toBe(p.outcome);
    expect(new Set(picks.map((p) => p.id)).size).toBe(picks.length);
  },
);
