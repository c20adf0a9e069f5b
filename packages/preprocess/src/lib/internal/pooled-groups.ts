import type { ImageRecord, Split } from '@cxr/loader';
import type { SplitCounts } from '../resplit.js';
import { deriveSeed, seededPermutation } from '../seeded-random.js';

/** The images of one group (a patient) in the train+val pool. */
export interface Group {
  readonly id: string;
  /** Positions of its records in the input. */
  readonly indices: number[];
  /** Images per label. */
  readonly counts: [number, number];
}

/** Images per class of one split. */
export function countSplit(records: readonly ImageRecord[], split: Split): SplitCounts {
  let negatives = 0;
  let positives = 0;
  const byClass: Record<string, number> = {};
  for (const r of records) {
    if (r.split !== split) continue;
    if (r.label === 0) negatives++;
    else positives++;
    byClass[r.className] = (byClass[r.className] ?? 0) + 1;
  }
  return { total: negatives + positives, negatives, positives, byClass };
}

/**
 * Pools the train and val records by group, in the order both splitters visit them: a seeded order
 * (from `seed` and `salt`; ids sorted first, so the input order does not matter), then largest
 * first (stable). Also returns the test split's group ids and the pool's images per label.
 */
export function pooledGroups(records: readonly ImageRecord[], seed: number, salt: string): { groups: Group[]; testGroups: Set<string>; pooled: [number, number] } {
  const byId = new Map<string, Group>();
  const testGroups = new Set<string>();
  const pooled: [number, number] = [0, 0];
  records.forEach((r, i) => {
    if (r.split === 'test') {
      testGroups.add(r.groupId);
      return;
    }
    let group = byId.get(r.groupId);
    if (group === undefined) {
      group = { id: r.groupId, indices: [], counts: [0, 0] };
      byId.set(r.groupId, group);
    }
    group.indices.push(i);
    group.counts[r.label]++;
    pooled[r.label]++;
  });
  const ids = [...byId.keys()].sort();
  const order = seededPermutation(ids.length, deriveSeed(seed, salt));
  const groups = order.map((i) => byId.get(ids[i] as string) as Group);
  groups.sort((a, b) => b.indices.length - a.indices.length);
  return { groups, testGroups, pooled };
}
