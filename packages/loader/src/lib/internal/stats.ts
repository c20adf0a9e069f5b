/** Summary of a list of numbers. */
export interface NumberSummary {
  readonly min: number;
  readonly median: number;
  readonly max: number;
  readonly mean: number;
}

/** min/median/max/mean of `values` (all 0 for an empty list), rounded to 4 decimals. */
export function summarize(values: readonly number[]): NumberSummary {
  if (values.length === 0) return { min: 0, median: 0, max: 0, mean: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
  return { min: round(sorted[0]!), median: round(median), max: round(sorted[sorted.length - 1]!), mean: round(mean) };
}

export function round(value: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Adds one to `counts[key]`. */
export function bump(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}

/** A copy of `counts` with keys in sorted order (stable JSON). */
export function sortedCounts(counts: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of Object.keys(counts).sort()) out[key] = counts[key]!;
  return out;
}
