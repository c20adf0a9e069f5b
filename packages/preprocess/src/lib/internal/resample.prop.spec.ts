import { fc, test } from '@fast-check/vitest';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect } from 'vitest';
import { resampleInMemory, resampleWithGather } from './resample.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const float = (min: number, max: number): fc.Arbitrary<number> => fc.double({ min, max, noNaN: true });

const resampleCase = fc
  .record({
    n: fc.integer({ min: 1, max: 3 }),
    h: fc.integer({ min: 1, max: 9 }),
    w: fc.integer({ min: 1, max: 9 }),
    c: fc.integer({ min: 1, max: 3 }),
    fillMode: fc.constantFrom('reflect', 'constant', 'nearest', 'wrap'),
    pixels: fc.integer({ min: 1, max: 2 ** 30 }),
  })
  .chain((shape) =>
    fc.record({
      shape: fc.constant(shape),
      // Affine parts from rotations, zooms, crops and shifts, and now and then a projective row (as tf.image.transform allows).
      matrices: fc.array(
        fc.tuple(float(-2, 2), float(-2, 2), float(-12, 12), float(-2, 2), float(-2, 2), float(-12, 12), fc.oneof(fc.constant(0), float(-0.2, 0.2)), fc.oneof(fc.constant(0), float(-0.2, 0.2))),
        { minLength: shape.n, maxLength: shape.n },
      ),
    }),
  );

describe('resampling in memory', () => {
  test.prop([resampleCase], { numRuns: 200 })('gives the same bits as the gather/mul/add path, for every fill mode and matrix', ({ shape, matrices }) => {
    const { n, h, w, c, fillMode, pixels } = shape;
    let s = pixels;
    const src = Float32Array.from({ length: n * h * w * c }, () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return (s / 2 ** 32) * 510 - 255;
    });
    const images = tf.tensor4d(src, [n, h, w, c]);
    const viaGather = resampleWithGather(images, matrices, fillMode);
    const inMemory = resampleInMemory(src, [n, h, w, c], matrices, fillMode);
    expect(Array.from(new Uint32Array(inMemory.buffer))).toEqual(Array.from(new Uint32Array((viaGather.dataSync() as Float32Array).slice().buffer)));
    tf.dispose([images, viaGather]);
  });
});
