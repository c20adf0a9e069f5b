import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { arbRecords } from '../testing/index.js';
import { kfoldRecords } from './kfold-records.js';

const MAX_GROUP = 4;

test.prop([arbRecords({ maxGroupSize: MAX_GROUP }), fc.integer(), fc.integer({ min: 2, max: 7 })], { numRuns: 60 })(
  'the k validation folds of one seed are disjoint, cover the pool, never split a group, and leave test untouched',
  (input, seed, k) => {
    const pooled = input.filter((r) => r.split !== 'test');
    const seen = new Map<string, number>();
    const groupFold = new Map<string, number>();
    for (let fold = 1; fold <= k; fold++) {
      const { records, report } = kfoldRecords(input, { k, fold, seed });
      expect(records.length).toBe(input.length);
      input.forEach((r, i) => {
        if (r.split === 'test') expect(records[i]).toBe(r);
      });
      const val = records.filter((r, i) => input[i]?.split !== 'test' && r.split === 'val');
      const train = records.filter((r, i) => input[i]?.split !== 'test' && r.split === 'train');
      expect(val.length + train.length).toBe(pooled.length);
      const trainGroups = new Set(train.map((r) => r.groupId));
      expect(val.filter((r) => trainGroups.has(r.groupId))).toEqual([]);
      expect(report.counts.val.total).toBe(val.length);
      for (const r of val) {
        expect(seen.has(r.path), `${r.path} in folds ${seen.get(r.path)} and ${fold}`).toBe(false);
        seen.set(r.path, fold);
        const before = groupFold.get(r.groupId);
        expect(before === undefined || before === fold).toBe(true);
        groupFold.set(r.groupId, fold);
      }
    }
    expect([...seen.keys()].sort()).toEqual(pooled.map((r) => r.path).sort());
  },
);

test.prop([arbRecords({ maxGroupSize: MAX_GROUP, withTest: false }), fc.integer(), fc.integer({ min: 2, max: 6 })], { numRuns: 60 })(
  'each fold holds about 1/k of each label: within the largest group of its target',
  (input, seed, k) => {
    for (let fold = 1; fold <= k; fold++) {
      const { records } = kfoldRecords(input, { k, fold, seed });
      for (const label of [0, 1]) {
        const pooled = input.filter((r) => r.label === label).length;
        const inVal = records.filter((r) => r.split === 'val' && r.label === label).length;
        expect(Math.abs(inVal - pooled / k)).toBeLessThanOrEqual(MAX_GROUP);
      }
    }
  },
);

test.prop([arbRecords(), fc.integer(), fc.integer({ min: 2, max: 5 })], { numRuns: 30 })(
  'the same seed gives the same folds, whatever the input order',
  (input, seed, k) => {
    const fold = 1 + (Math.abs(seed) % k);
    const a = kfoldRecords(input, { k, fold, seed });
    const reversed = [...input].reverse();
    const b = kfoldRecords(reversed, { k, fold, seed });
    expect(b.records).toEqual(a.records.slice().reverse());
  },
);
