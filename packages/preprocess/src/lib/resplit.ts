import type { ImageRecord, Split } from '@cxr/loader';
import { from, mergeMap, toArray, type OperatorFunction } from 'rxjs';
import { countSplit, pooledGroups, type Group } from './internal/pooled-groups.js';
import { requireFunction, requireNumber, requireObject, requireSeed } from './internal/validate.js';

/** Options of {@link resplit} and {@link resplitRecords}. */
export interface ResplitOptions {
  /** Share of the pooled train+val images that goes to val, in (0, 1) (default 0.2). */
  readonly valFraction?: number;
  /** Seed of the split (any safe integer). */
  readonly seed: number;
}

/** Images per class in one split. */
export interface SplitCounts {
  readonly total: number;
  /** Label 0. */
  readonly negatives: number;
  /** Label 1. */
  readonly positives: number;
  /** Per class name, e.g. `{ NORMAL: 270, PNEUMONIA: 776 }`. */
  readonly byClass: Readonly<Record<string, number>>;
}

/** What {@link resplit} did. */
export interface ResplitReport {
  readonly seed: number;
  readonly valFraction: number;
  /** Counts after the split, per split. */
  readonly counts: Readonly<Record<Split, SplitCounts>>;
  /** Groups (patients) per split after the split. */
  readonly groups: Readonly<Record<Split, number>>;
  /** Val images per label the split aimed at: `round(valFraction * pooled)` per label. */
  readonly target: { readonly negatives: number; readonly positives: number };
  /** Group ids of the pool (train or val) that also have images in test: a leak the split cannot fix. */
  readonly crossingTest: readonly string[];
}

/** Options of {@link resplit}. */
export interface ResplitStageOptions extends ResplitOptions {
  /** Receives the report when the split is made (once per subscription). */
  readonly onReport?: (report: ResplitReport) => void;
}

function resolve(stage: string, options: ResplitOptions): { valFraction: number; seed: number } {
  requireObject(stage, options);
  const valFraction = requireNumber(stage, 'valFraction', options.valFraction ?? 0.2, 0, 1);
  if (valFraction === 0 || valFraction === 1) {
    throw new RangeError(`${stage}: valFraction must be strictly between 0 and 1, got ${valFraction}.`);
  }
  return { valFraction, seed: requireSeed(stage, options.seed) };
}

/**
 * Pools train and val and splits them again (pure; see {@link resplit}).
 *
 * Whole groups (`groupId`, a patient) go to one side. Per label the val side aims at
 * `round(valFraction * pooled images of that label)`: groups are visited largest first (ties in a
 * seeded random order) and a group joins val when it fits what each label still needs; then any
 * label still short takes the smallest group that brings it closer. With enough single-image groups
 * both parts hit their per-label targets exactly. Test records pass through unchanged. Records come
 * back in input order, each with its new `split`.
 *
 * @example
 * const { records, report } = resplitRecords(scanned, { seed: 42 }); // 20% of train+val to val
 *
 * @throws TypeError / RangeError for a bad seed or a valFraction outside (0, 1).
 */
export function resplitRecords(
  records: readonly ImageRecord[],
  options: ResplitOptions,
): { records: ImageRecord[]; report: ResplitReport } {
  const { valFraction, seed } = resolve('resplitRecords', options);
  const { groups, testGroups, pooled } = pooledGroups(records, seed, 'resplit');

  const target: [number, number] = [Math.round(valFraction * pooled[0]), Math.round(valFraction * pooled[1])];
  const need: [number, number] = [target[0], target[1]];
  const toVal = new Set<Group>();
  for (const g of groups) {
    if (g.counts[0] <= need[0] && g.counts[1] <= need[1] && g.indices.length > 0) {
      toVal.add(g);
      need[0] -= g.counts[0];
      need[1] -= g.counts[1];
    }
  }
  // A label still short: take the smallest remaining group that brings the total error down.
  const error = (n: readonly [number, number]): number => Math.abs(n[0]) + Math.abs(n[1]);
  for (let improved = true; improved; ) {
    improved = false;
    let best: Group | undefined;
    for (let i = groups.length - 1; i >= 0; i--) {
      const g = groups[i] as Group;
      if (toVal.has(g)) continue;
      const after: [number, number] = [need[0] - g.counts[0], need[1] - g.counts[1]];
      if (error(after) < error(need) && (best === undefined || g.indices.length < best.indices.length)) best = g;
    }
    if (best !== undefined) {
      toVal.add(best);
      need[0] -= best.counts[0];
      need[1] -= best.counts[1];
      improved = true;
    }
  }

  const newSplit = new Map<number, Split>();
  for (const g of groups) for (const i of g.indices) newSplit.set(i, toVal.has(g) ? 'val' : 'train');
  const out = records.map((r, i) => {
    const split = newSplit.get(i) ?? r.split;
    return split === r.split ? r : { ...r, split };
  });

  const crossingTest = groups.map((g) => g.id).filter((id) => testGroups.has(id)).sort();
  const report: ResplitReport = {
    seed,
    valFraction,
    counts: { train: countSplit(out, 'train'), val: countSplit(out, 'val'), test: countSplit(out, 'test') },
    groups: { train: groups.length - toVal.size, val: toVal.size, test: testGroups.size },
    target: { negatives: target[0], positives: target[1] },
    crossingTest,
  };
  return { records: out, report };
}

/**
 * Pools train and val and splits them again: stratified by label, group-disjoint, seeded.
 *
 * The Kaggle val folder has 16 images; this stage makes a real validation set from train+val,
 * keeping each patient's images on one side and each label's share equal on both sides. Test
 * passes through untouched. The report (counts per split and class, and the group ids that also
 * appear in test, a leak present in the real data) goes to `onReport`. Waits for the upstream to
 * complete, then emits the records in input order with their new split.
 *
 * @example
 * scanDataset(root).pipe(resplit({ seed: 42, onReport: (r) => console.log(r.counts) }))
 *
 * @param options - `seed` (required), `valFraction` (default 0.2), `onReport`.
 * @throws TypeError / RangeError at creation for a bad option.
 */
export function resplit(options: ResplitStageOptions): OperatorFunction<ImageRecord, ImageRecord> {
  const resolved = resolve('resplit', options);
  if (options.onReport !== undefined) requireFunction('resplit', 'onReport', options.onReport);
  const onReport = options.onReport;
  return (source) =>
    source.pipe(
      toArray(),
      mergeMap((all) => {
        const { records, report } = resplitRecords(all, resolved);
        onReport?.(report);
        return from(records);
      }),
    );
}
