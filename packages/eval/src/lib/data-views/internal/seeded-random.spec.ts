import { describe, expect, it } from 'vitest';

import { deriveSeed, pickSeeded, seededRandom } from './seeded-random.js';

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

  it('derives distinct sub-seeds for distinct parts', () => {
    expect(deriveSeed(1, 'train', 'NORMAL')).not.toBe(deriveSeed(1, 'train', 'PNEUMONIA'));
    expect(deriveSeed(1, 'train', 'NORMAL')).not.toBe(deriveSeed(2, 'train', 'NORMAL'));
  });

  it('spreads draws over [0, 1)', () => {
    const random = seededRandom(42);
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 10_000; i++) buckets[Math.floor(random() * 10)]! += 1;
    for (const b of buckets) expect(b).toBeGreaterThan(850);
  });
});
