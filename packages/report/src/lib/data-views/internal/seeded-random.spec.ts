import { describe, expect, it } from 'vitest';

import { pickSeeded } from './seeded-random.js';

describe('seeded random helpers', () => {
  it('different seeds choose different samples from a large pool', () => {
    const items = Array.from({ length: 1000 }, (_, i) => i);
    expect(pickSeeded(items, 8, 1)).not.toEqual(pickSeeded(items, 8, 2));
  });

  it('returns everything (a copy) when asking for more than there is', () => {
    const items = [3, 1, 2];
    const picked = pickSeeded(items, 10, 7);
    expect(picked).toEqual([3, 1, 2]);
    expect(picked).not.toBe(items);
  });
});
