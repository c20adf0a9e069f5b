import { fc, test } from '@fast-check/vitest';
import { expect, it } from 'vitest';
import { firstValueFrom, from, range, toArray } from 'rxjs';
import { chiSquareLimit, chiSquareUniform, countOutcomes, permutationIndex } from '../testing/index.js';
import { shuffle } from './shuffle.js';

const shuffled = <T>(items: readonly T[], seed: number, epoch: number): Promise<T[]> => firstValueFrom(from(items).pipe(shuffle({ seed, epoch }), toArray()));

test.prop([fc.array(fc.integer()), fc.integer(), fc.nat(1000)], { numRuns: 50 })(
  'shuffle is a permutation, and the same seed gives the same order',
  async (items, seed, epoch) => {
    const once = await shuffled(items, seed, epoch);
    const twice = await shuffled(items, seed, epoch);
    expect([...once].sort((a, b) => a - b)).toEqual([...items].sort((a, b) => a - b));
    expect(twice).toEqual(once);
  },
);

// 12 or more distinct items have over 400 million orders: the input order, or the order of the
// epoch before, comes back by chance less than once in 400 million draws.
test.prop([fc.uniqueArray(fc.integer(), { minLength: 12, maxLength: 60 }), fc.integer(), fc.nat(1000)], { numRuns: 50 })(
  'a shuffle of 12 or more distinct items moves some of them, and the next epoch gives another order',
  async (items, seed, epoch) => {
    const order = await shuffled(items, seed, epoch);
    expect(order).not.toEqual(items);
    expect(await shuffled(items, seed, epoch + 1)).not.toEqual(order);
  },
);

// Fixed seeds and epochs: the verdict is the same on every run.
it('draws each of the 24 orders of 4 items equally often, across seeds and across epochs (chi-square)', async () => {
  const draws = 24 * 100;
  const acrossSeeds: number[] = [];
  const acrossEpochs: number[] = [];
  for (let k = 0; k < draws; k++) {
    acrossSeeds.push(permutationIndex(await firstValueFrom(range(0, 4).pipe(shuffle({ seed: 1000 + k }), toArray()))));
    acrossEpochs.push(permutationIndex(await firstValueFrom(range(0, 4).pipe(shuffle({ seed: 3, epoch: k }), toArray()))));
  }
  expect(chiSquareUniform(countOutcomes(acrossSeeds, 24))).toBeLessThan(chiSquareLimit(23));
  expect(chiSquareUniform(countOutcomes(acrossEpochs, 24))).toBeLessThan(chiSquareLimit(23));
});
