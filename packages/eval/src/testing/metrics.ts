import fc from 'fast-check';

/** Probabilities with their 0/1 labels, for property tests. */
export interface ScoredSample {
  readonly probs: number[];
  readonly labels: (0 | 1)[];
}

/**
 * Arbitrary probabilities and labels. Probabilities are drawn from a small grid (`levels` values)
 * so that ties are frequent, which is where ROC code goes wrong.
 */
export function arbScored(options: { readonly minLength?: number; readonly maxLength?: number; readonly levels?: number; readonly bothClasses?: boolean } = {}): fc.Arbitrary<ScoredSample> {
  const levels = options.levels ?? 11;
  const pair = fc.tuple(fc.integer({ min: 0, max: levels - 1 }), fc.constantFrom<0 | 1>(0, 1));
  return fc
    .array(pair, { minLength: options.minLength ?? 0, maxLength: options.maxLength ?? 60 })
    .map((pairs) => ({ probs: pairs.map(([k]) => k / (levels - 1)), labels: pairs.map(([, y]) => y) }))
    .filter((s) => !options.bothClasses || (s.labels.includes(0) && s.labels.includes(1)));
}

/** AUC by counting every positive/negative pair (ties count half): O(n^2), the definition itself. */
export function bruteForceAuc(probs: readonly number[], labels: readonly number[]): number | null {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < probs.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < probs.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      const a = probs[i] as number;
      const b = probs[j] as number;
      wins += a > b ? 1 : a === b ? 0.5 : 0;
    }
  }
  return pairs === 0 ? null : wins / pairs;
}

/** The confusion counts by direct filtering, for comparison. */
export function bruteForceConfusion(probs: readonly number[], labels: readonly number[], threshold: number): { tp: number; fp: number; tn: number; fn: number } {
  const called = probs.map((p) => p >= threshold);
  const count = (label: number, positive: boolean): number => called.filter((c, i) => c === positive && labels[i] === label).length;
  return { tp: count(1, true), fp: count(0, true), tn: count(0, false), fn: count(1, false) };
}
