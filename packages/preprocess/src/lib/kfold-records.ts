import type { ImageRecord, Split } from '@cxr/loader';
import type { ResplitReport } from './resplit.js';
import { countSplit, pooledGroups, type Group } from './internal/pooled-groups.js';
import { requireInteger, requireObject, requireSeed } from './internal/validate.js';

/** Options of {@link kfoldRecords}. */
export interface KfoldOptions {
  /** Number of folds, at least 2. */
  readonly k: number;
  /** Which fold is validation: 1 to k. */
  readonly fold: number;
  /** Seed of the fold assignment (any safe integer); the same seed gives the same k folds. */
  readonly seed: number;
}

/**
 * The fold (0 to k-1) of every group of the pooled train+val records: stratified by label and
 * group-disjoint, from the seed alone (not from which fold is asked for).
 *
 * Groups are visited largest first (ties in a seeded order, ids sorted first so the input order
 * does not matter); each joins the fold where it brings both labels' counts closest to their
 * targets (`pooled / k` per label; ties: the fold with fewer images, then the lower index).
 */
function assignFolds(records: readonly ImageRecord[], k: number, seed: number): { fold: Map<string, number>; groups: Group[]; testGroups: Set<string> } {
  const { groups, testGroups, pooled } = pooledGroups(records, seed, 'kfold');
  const target = [pooled[0] / k, pooled[1] / k];
  const counts = Array.from({ length: k }, () => [0, 0]);
  const fold = new Map<string, number>();
  for (const g of groups) {
    let best = 0;
    let bestCost = Infinity;
    let bestSize = Infinity;
    for (let f = 0; f < k; f++) {
      const c = counts[f] as number[];
      let cost = 0;
      for (const l of [0, 1]) {
        const before = (c[l] as number) - (target[l] as number);
        const after = before + g.counts[l as 0 | 1];
        cost += after * after - before * before;
      }
      const size = (c[0] as number) + (c[1] as number);
      if (cost < bestCost - 1e-9 || (Math.abs(cost - bestCost) <= 1e-9 && size < bestSize)) {
        best = f;
        bestCost = cost;
        bestSize = size;
      }
    }
    const c = counts[best] as number[];
    c[0] = (c[0] as number) + g.counts[0];
    c[1] = (c[1] as number) + g.counts[1];
    fold.set(g.id, best);
  }
  return { fold, groups, testGroups };
}

/**
 * Pools train and val and makes fold `fold` of `k` the validation split (pure): the k-fold
 * counterpart of `resplitRecords`, for cross-validation.
 *
 * The pooled images are cut into k folds, stratified by label (each fold holds about 1/k of each
 * label) and group-disjoint (a patient's images are all in one fold); the assignment depends on the
 * seed only, so the k runs of one seed see k disjoint validation sets that together cover the pool.
 * Fold `fold` goes to val, the others to train; test records pass through unchanged. Records come
 * back in input order, each with its new `split`, and a report like `resplitRecords`' one
 * (`valFraction` is 1/k).
 *
 * @example
 * const { records } = kfoldRecords(scanned, { k: 5, fold: 1, seed: 42 }); // fold 1 of 5 as val
 *
 * @throws TypeError / RangeError for a bad seed, k below 2, or a fold outside 1..k.
 */
export function kfoldRecords(records: readonly ImageRecord[], options: KfoldOptions): { records: ImageRecord[]; report: ResplitReport } {
  const stage = 'kfoldRecords';
  requireObject(stage, options);
  const k = requireInteger(stage, 'k', options.k, 2, 1000);
  const foldNumber = requireInteger(stage, 'fold', options.fold, 1, k);
  const seed = requireSeed(stage, options.seed);
  const { fold, groups, testGroups } = assignFolds(records, k, seed);
  const out = records.map((r) => {
    if (r.split === 'test') return r;
    const split: Split = fold.get(r.groupId) === foldNumber - 1 ? 'val' : 'train';
    return split === r.split ? r : { ...r, split };
  });
  const valGroups = groups.filter((g) => fold.get(g.id) === foldNumber - 1).length;
  const val = countSplit(out, 'val');
  const pooledNeg = groups.reduce((n, g) => n + g.counts[0], 0);
  const pooledPos = groups.reduce((n, g) => n + g.counts[1], 0);
  return {
    records: out,
    report: {
      seed,
      valFraction: 1 / k,
      counts: { train: countSplit(out, 'train'), val, test: countSplit(out, 'test') },
      groups: { train: groups.length - valGroups, val: valGroups, test: testGroups.size },
      target: { negatives: Math.round(pooledNeg / k), positives: Math.round(pooledPos / k) },
      crossingTest: [...fold.keys()].filter((id) => testGroups.has(id)).sort(),
    },
  };
}
