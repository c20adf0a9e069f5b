import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { seededPermutation } from './seeded-random.js';

test.prop([fc.nat(200), fc.integer()], { numRuns: 50 })('seededPermutation is a permutation of 0..n-1, same seed same order', (n, seed) => {
  const p = seededPermutation(n, seed);
  expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
  expect(seededPermutation(n, seed)).toEqual(p);
});
