import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { firstValueFrom, from, toArray } from 'rxjs';
import { shuffle } from './shuffle.js';

test.prop([fc.array(fc.integer()), fc.integer(), fc.nat(1000)], { numRuns: 50 })(
  'shuffle is a permutation, and the same seed gives the same order',
  async (items, seed, epoch) => {
    const once = await firstValueFrom(from(items).pipe(shuffle({ seed, epoch }), toArray()));
    const twice = await firstValueFrom(from(items).pipe(shuffle({ seed, epoch }), toArray()));
    expect([...once].sort((a, b) => a - b)).toEqual([...items].sort((a, b) => a - b));
    expect(twice).toEqual(once);
  },
);
