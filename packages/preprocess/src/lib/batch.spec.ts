import { describe, expect, it } from 'vitest';
import { firstValueFrom, from, toArray } from 'rxjs';
import { makeRecord, makeSample } from '../testing/index.js';
import { batch, toBatch } from './batch.js';

const samples = (n: number, split: 'train' | 'val' = 'train') =>
  Array.from({ length: n }, (_, i) => makeSample(makeRecord({ id: `s${i}`, label: (i % 2) as 0 | 1, split }), 2, 3, i + 1));

describe('batch', () => {
  it('packs pixels NHWC, labels as float32 and paths as ids', async () => {
    const input = samples(3);
    const [b] = await firstValueFrom(from(input).pipe(batch({ size: 3 }), toArray()));
    expect(b?.shape).toEqual([3, 2, 3, 1]);
    expect(b?.x).toBeInstanceOf(Uint8Array);
    expect(Array.from(b?.x.subarray(6, 12) ?? [])).toEqual(Array.from(input[1]?.pixels ?? []));
    expect(Array.from(b?.y ?? [])).toEqual([0, 1, 0]);
    expect(b?.ids).toEqual(input.map((s) => s.record.path));
    expect(b?.split).toBe('train');
  });

  it('keeps or drops the last partial batch', async () => {
    const kept = await firstValueFrom(from(samples(7)).pipe(batch({ size: 3 }), toArray()));
    expect(kept.map((b) => b.shape[0])).toEqual([3, 3, 1]);
    const dropped = await firstValueFrom(from(samples(7)).pipe(batch({ size: 3, dropRemainder: true }), toArray()));
    expect(dropped.map((b) => b.shape[0])).toEqual([3, 3]);
    expect(await firstValueFrom(from(samples(0)).pipe(batch({ size: 3 }), toArray()))).toEqual([]);
  });

  it('leaves split unset for a mixed batch', () => {
    const b = toBatch([...samples(1, 'train'), ...samples(1, 'val')]);
    expect(b.split).toBeUndefined();
  });

  it('fails with a usage error naming the file when sizes differ', async () => {
    const odd = makeSample(makeRecord({ id: 'odd' }), 5, 5);
    const result = firstValueFrom(from([...samples(1), odd]).pipe(batch({ size: 2 })));
    await expect(result).rejects.toThrow(/odd\.jpeg is 5x5/);
    await expect(result).rejects.toMatchObject({ code: 'CXR_USAGE' });
  });

  it('rejects bad options at creation', () => {
    expect(() => batch({ size: 0 })).toThrow(RangeError);
    expect(() => batch({ size: 2.5 })).toThrow(/batch: size/);
    expect(() => batch({ size: 2, dropRemainder: 'yes' as never })).toThrow(TypeError);
    expect(() => batch(undefined as never)).toThrow(TypeError);
  });
});
