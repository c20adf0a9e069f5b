import { describe, expect, it } from 'vitest';
import { outcomeOf, pickOutcomeExamples } from './pick-outcome-examples.js';

describe('pickOutcomeExamples', () => {
  const preds = [
    { id: 'tp1', probability: 0.9, label: 1 as const },
    { id: 'tp2', probability: 0.99, label: 1 as const },
    { id: 'tp3', probability: 0.7, label: 1 as const },
    { id: 'fp1', probability: 0.8, label: 0 as const },
    { id: 'tn1', probability: 0.1, label: 0 as const },
    { id: 'tn2', probability: 0.3, label: 0 as const },
  ];
  it('takes the most confident of each outcome, in TP, FP, TN, FN order', () => {
    expect(pickOutcomeExamples(preds, 0.5, 2).map((p) => `${p.outcome}:${p.id}`)).toEqual(['TP:tp2', 'TP:tp1', 'FP:fp1', 'TN:tn1', 'TN:tn2']);
  });
  it('the threshold decides the outcome (>= is positive)', () => {
    expect(outcomeOf(0.5, 1, 0.5)).toBe('TP');
    expect(outcomeOf(0.49, 1, 0.5)).toBe('FN');
    expect(pickOutcomeExamples(preds, 0.95, 1).map((p) => p.outcome)).toEqual(['TP', 'TN', 'FN']);
  });
  it('rejects a bad count', () => {
    expect(() => pickOutcomeExamples(preds, 0.5, -1)).toThrow(/perOutcome must be a non-negative integer, got -1/);
  });
});
