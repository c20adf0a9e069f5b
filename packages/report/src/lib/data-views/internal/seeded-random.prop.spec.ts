import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';

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
});
