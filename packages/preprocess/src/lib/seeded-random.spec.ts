import { describe, expect, it } from 'vitest';
import { createRng, deriveSeed, seededPermutation } from './seeded-random.js';

describe('seeded random', () => {
  it('repeats a sequence for a seed and stays in [0, 1)', () => {
    const a = createRng(42);
    const b = createRng(42);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(Array.from({ length: 1000 }, () => b.next())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });

  it('derives distinct seeds per label path, stable across calls', () => {
    expect(deriveSeed(1, 'shuffle', 0)).toBe(deriveSeed(1, 'shuffle', 0));
    const seeds = new Set([deriveSeed(1, 'shuffle', 0), deriveSeed(1, 'shuffle', 1), deriveSeed(1, 'shuffle', '1'), deriveSeed(2, 'shuffle', 0), deriveSeed(1, 'augment', 0), deriveSeed(1)]);
    expect(seeds.size).toBe(6);
    expect(deriveSeed(-5, 'x')).toBeGreaterThanOrEqual(0);
    expect(deriveSeed(2 ** 40, 'x')).not.toBe(deriveSeed(0, 'x'));
  });

  it('draws integers and uniform numbers in range', () => {
    const rng = createRng(3);
    for (let i = 0; i < 200; i++) {
      const k = rng.int(5);
      expect(Number.isInteger(k) && k >= 0 && k < 5).toBe(true);
      const u = rng.uniform(-2, 3);
      expect(u >= -2 && u < 3).toBe(true);
    }
  });

  it('rejects bad seeds and labels', () => {
    expect(() => createRng(0.5)).toThrow(RangeError);
    expect(() => deriveSeed(1, Number.NaN)).toThrow(RangeError);
    expect(() => deriveSeed(1, {} as never)).toThrow(TypeError);
    expect(() => seededPermutation(-1, 1)).toThrow(RangeError);
  });
});
