import * as tf from '@tensorflow/tfjs';
import { fc, test } from '@fast-check/vitest';
import { beforeAll, expect } from 'vitest';
import { firstValueFrom, from, toArray } from 'rxjs';
import { makeRecord, makeSample } from '../testing/index.js';
import { toBatch } from './batch.js';
import { augmentBatches } from './augment-batches.js';
import type { AugmentParams } from './image-ops.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

test.prop([fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer()], { numRuns: 20 })(
  'augmented batches keep their shape, ids and labels, and are reproducible from the seed',
  async (n, h, w, seed) => {
    const input = [toBatch(Array.from({ length: n }, (_, i) => makeSample(makeRecord({ id: `s${i}`, label: (i % 2) as 0 | 1 }), h, w, i + 1)))];
    const run = () => firstValueFrom(from(input).pipe(augmentBatches({ seed }), toArray()));
    const [a] = await run();
    const [b] = await run();
    expect(a?.shape).toEqual(input[0]?.shape);
    expect(a?.x.length).toBe(input[0]?.x.length);
    expect(a?.ids).toEqual(input[0]?.ids);
    expect(Array.from(a?.y ?? [])).toEqual(Array.from(input[0]?.y ?? []));
    expect(Array.from(a?.x ?? [])).toEqual(Array.from(b?.x ?? []));
  },
);

/** A batch of `n` images `h x w` whose pixels differ from one another (for up to 256 pixels). */
const distinctBatch = (n: number, h: number, w: number) => {
  const b = toBatch(Array.from({ length: n }, (_, i) => makeSample(makeRecord({ id: `s${i}` }), h, w, i + 1)));
  return { ...b, x: Uint8Array.from(b.x, (_, i) => (i * 97) % 256) };
};

test.prop([fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 2, max: 5 }), fc.integer()], { numRuns: 20 })(
  'with only flips on, each image comes out as itself or its exact mirror, as the reported draws say',
  async (n, h, w, seed) => {
    const input = [distinctBatch(n, h, w), distinctBatch(n, h, w)];
    const seen: (readonly AugmentParams[])[] = [];
    const out = await firstValueFrom(from(input).pipe(augmentBatches({ seed, flip: true, rotationDegrees: 0, zoom: 0, onParams: (p) => seen.push(p) }), toArray()));
    expect(seen).toHaveLength(2);
    out.forEach((b, k) => {
      const x = input[k]?.x ?? new Uint8Array();
      Array.from(b.x).forEach((v, i) => {
        const col = i % w;
        const flip = seen[k]?.[Math.floor(i / (h * w))]?.flip === true;
        expect(v).toBe(flip ? x[i - col + (w - 1 - col)] : x[i]);
      });
    });
  },
);

test.prop([fc.integer({ min: 3, max: 6 }), fc.integer({ min: 3, max: 6 }), fc.integer()], { numRuns: 20 })(
  'with the default ranges, the images change, and two equal batches get different draws',
  async (h, w, seed) => {
    const input = [distinctBatch(4, h, w), distinctBatch(4, h, w)];
    const [a, b] = await firstValueFrom(from(input).pipe(augmentBatches({ seed }), toArray()));
    expect(Array.from(a?.x ?? [])).not.toEqual(Array.from(input[0]?.x ?? []));
    expect(Array.from(b?.x ?? [])).not.toEqual(Array.from(a?.x ?? []));
  },
);
