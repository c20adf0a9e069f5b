import { describe, expect, it } from 'vitest';
import { firstValueFrom, range, toArray } from 'rxjs';
import { shuffle } from './shuffle.js';

const run = (n: number, seed: number, epoch?: number) =>
  firstValueFrom(range(0, n).pipe(shuffle(epoch === undefined ? { seed } : { seed, epoch }), toArray()));

describe('shuffle', () => {
  it('is reproducible per seed and epoch, and differs across epochs and seeds', async () => {
    const a = await run(50, 7, 0);
    expect(await run(50, 7)).toEqual(a);
    expect(await run(50, 7, 1)).not.toEqual(a);
    expect(await run(50, 8, 0)).not.toEqual(a);
    expect(a).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('gives a second subscription the same order', async () => {
    const op = range(0, 20).pipe(shuffle({ seed: 3, epoch: 2 }), toArray());
    expect(await firstValueFrom(op)).toEqual(await firstValueFrom(op));
  });

  it('rejects bad options at creation', () => {
    expect(() => shuffle({ seed: 1.5 })).toThrow(/shuffle: seed/);
    expect(() => shuffle({ seed: 1, epoch: -1 })).toThrow(RangeError);
    expect(() => shuffle({ seed: '1' as never })).toThrow(TypeError);
  });
});
