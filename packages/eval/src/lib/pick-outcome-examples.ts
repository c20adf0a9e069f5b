import type { LabelledPrediction } from './types.js';

/** The four outcomes of a binary decision. */
export type Outcome = 'TP' | 'FP' | 'TN' | 'FN';

/** The outcomes in the order reports show them. */
export const OUTCOMES: readonly Outcome[] = ['TP', 'FP', 'TN', 'FN'];

/** One labelled prediction with its outcome at a threshold. */
export interface OutcomeExample extends LabelledPrediction {
  readonly outcome: Outcome;
}

/** The outcome of one prediction at `threshold` (PNEUMONIA when `probability >= threshold`). */
export function outcomeOf(probability: number, label: 0 | 1, threshold: number): Outcome {
  const positive = probability >= threshold;
  return label === 1 ? (positive ? 'TP' : 'FN') : positive ? 'FP' : 'TN';
}

/**
 * Picks up to `perOutcome` examples of each outcome (TP, FP, TN, FN) at a threshold, for the
 * report's Grad-CAM gallery.
 *
 * Deterministic, and the most telling first: the most confident ones (the highest probability
 * for TP and FP, the lowest for TN and FN), ties broken by id. The result lists TP, FP, TN, FN
 * in that order; an outcome with no image simply has no entry.
 *
 * @example
 * ```ts
 * const picks = pickOutcomeExamples(report.predictions, report.threshold, 2);
 * ```
 * @throws RangeError when `perOutcome` is not a non-negative integer or `threshold` is NaN.
 */
export function pickOutcomeExamples(predictions: readonly LabelledPrediction[], threshold: number, perOutcome = 2): OutcomeExample[] {
  if (!Number.isInteger(perOutcome) || perOutcome < 0) throw new RangeError(`pickOutcomeExamples: perOutcome must be a non-negative integer, got ${String(perOutcome)}.`);
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) throw new RangeError(`pickOutcomeExamples: threshold must be a number, got ${String(threshold)}.`);
  const groups = new Map<Outcome, OutcomeExample[]>(OUTCOMES.map((o) => [o, []]));
  for (const p of predictions) {
    const outcome = outcomeOf(p.probability, p.label, threshold);
    groups.get(outcome)?.push({ id: p.id, probability: p.probability, label: p.label, outcome });
  }
  const out: OutcomeExample[] = [];
  for (const outcome of OUTCOMES) {
    const highFirst = outcome === 'TP' || outcome === 'FP';
    const sorted = (groups.get(outcome) ?? []).sort((a, b) => (highFirst ? b.probability - a.probability : a.probability - b.probability) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    out.push(...sorted.slice(0, perOutcome));
  }
  return out;
}
