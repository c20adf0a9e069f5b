import { fc, test } from '@fast-check/vitest';
import { chiSquareLimit, chiSquareUniform } from '@cxr/preprocess/testing';
import { describe, expect, it } from 'vitest';

import { pickSeeded } from './seeded-random.js';

describe('pickSeeded', () => {
  test.prop([fc.array(fc.integer(), { maxLength: 60 }), fc.nat(80), fc.integer()])(
    'chooses min(count, n) distinct items of the input, in input order',
    (items, count, seed) => {
      const tagged = items.map((value, index) => ({ value, index }));
      const picked = pickSeeded(tagged, count, seed);
      expect(picked).toHaveLength(Math.min(count, items.length));
      const indices = picked.map((p) => p.index);
      expect(new Set(indices).size).toBe(indices.length);
      expect(indices).toEqual([...indices].sort((a, b) => a - b));
      for (const p of picked) expect(tagged[p.index]).toBe(p);
    },
  );

  test.prop([fc.array(fc.string(), { maxLength: 40 }), fc.nat(40), fc.integer()])(
    'is reproducible from its seed',
    (items, count, seed) => {
      expect(pickSeeded(items, count, seed)).toEqual(pickSeeded(items, count, seed));
    },
  );

  // Fixed seeds: the same verdict on every run. Taking the first items, or any fixed choice, fails.
  it('picks every item equally often across seeds (chi-square), and other seeds pick other items', () => {
    const items = Array.from({ length: 10 }, (_, i) => i);
    const counts = items.map(() => 0);
    const subsets = new Set<string>();
    for (let seed = 0; seed < 3000; seed++) {
      const picked = pickSeeded(items, 3, seed);
      for (const i of picked) counts[i] = (counts[i] as number) + 1;
      if (seed < 20) subsets.add(picked.join(','));
    }
    expect(chiSquareUniform(counts)).toBeLessThan(chiSquareLimit(items.length - 1));
    expect(subsets.size).toBeGreaterThan(1);
  });
});
