import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { arbRecords } from '../testing/index.js';
import { resplitRecords } from './resplit.js';

test.prop([arbRecords({ singletons: true }), fc.integer(), fc.double({ min: 0.05, max: 0.95, noNaN: true })], { numRuns: 60 })(
  'split parts are disjoint, cover the pool, never share a group, and keep each class ratio within one sample',
  (input, seed, valFraction) => {
    const { records } = resplitRecords(input, { seed, valFraction });
    const pooled = input.filter((r) => r.split !== 'test');
    const train = records.filter((r, i) => input[i]?.split !== 'test' && r.split === 'train');
    const val = records.filter((r, i) => input[i]?.split !== 'test' && r.split === 'val');
    // disjoint and covering
    expect(train.length + val.length).toBe(pooled.length);
    expect([...train, ...val].map((r) => r.path).sort()).toEqual(pooled.map((r) => r.path).sort());
    // test untouched
    input.forEach((r, i) => {
      if (r.split === 'test') expect(records[i]).toBe(r);
    });
    // no shared group
    const trainGroups = new Set(train.map((r) => r.groupId));
    expect(val.filter((r) => trainGroups.has(r.groupId))).toEqual([]);
    // class ratio of each part within one sample of the pool's
    const ratio = pooled.filter((r) => r.label === 1).length / pooled.length;
    for (const part of [train, val]) {
      const positives = part.filter((r) => r.label === 1).length;
      expect(Math.abs(positives - ratio * part.length)).toBeLessThanOrEqual(1);
    }
    // val size on target
    expect(Math.abs(val.length - valFraction * pooled.length)).toBeLessThanOrEqual(1);
  },
);

test.prop([arbRecords({ maxGroupSize: 6 }), fc.integer()], { numRuns: 40 })(
  'with any groups, parts stay disjoint and group-disjoint, and the same seed gives the same split',
  (input, seed) => {
    const a = resplitRecords(input, { seed });
    const b = resplitRecords(input, { seed });
    expect(b.records).toEqual(a.records);
    const trainGroups = new Set(a.records.filter((r) => r.split === 'train').map((r) => r.groupId));
    expect(a.records.filter((r) => r.split === 'val' && trainGroups.has(r.groupId))).toEqual([]);
    expect(a.records.length).toBe(input.length);
  },
);
