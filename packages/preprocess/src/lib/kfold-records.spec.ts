import { describe, expect, it } from 'vitest';
import { makeRecord } from '../testing/index.js';
import { kfoldRecords } from './kfold-records.js';

describe('kfoldRecords', () => {
  const records = Array.from({ length: 20 }, (_, i) => makeRecord({ id: `r${i}`, groupId: `g${Math.floor(i / 2)}`, label: (i % 4 < 2 ? 0 : 1) as 0 | 1, split: 'train' }));

  it('makes fold i of k the validation split: 1/k of the images, whole patients', () => {
    const { records: out, report } = kfoldRecords(records, { k: 5, fold: 2, seed: 7 });
    expect(out.filter((r) => r.split === 'val')).toHaveLength(4);
    expect(report.valFraction).toBeCloseTo(0.2);
    expect(report.counts.val).toMatchObject({ negatives: 2, positives: 2 });
  });

  it('rejects k below 2 and a fold outside 1..k, naming the option', () => {
    expect(() => kfoldRecords(records, { k: 1, fold: 1, seed: 1 })).toThrow(/kfoldRecords: k must be an integer between 2/);
    expect(() => kfoldRecords(records, { k: 3, fold: 4, seed: 1 })).toThrow(/kfoldRecords: fold must be an integer between 1 and 3, got 4/);
    expect(() => kfoldRecords(records, { k: 3, fold: 0, seed: 1 })).toThrow(RangeError);
  });
});
