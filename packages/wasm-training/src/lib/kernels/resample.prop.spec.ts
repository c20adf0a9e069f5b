import { fc, test } from '@fast-check/vitest';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { startWasmBackend } from '../../testing/start-wasm.js';
import { BILINEAR_RESAMPLE } from './resample.js';

beforeAll(async () => {
  await startWasmBackend();
});

type Fill = 'reflect' | 'constant' | 'nearest' | 'wrap';

/** The definition, in plain JavaScript doubles rounded where float32 is meant. */
function reference(src: Float32Array, [n, h, w, c]: readonly number[], m: readonly number[], fill: Fill): Float32Array {
  const map = (v: number, len: number): number => {
    if (v >= 0 && v < len) return v;
    if (fill === 'constant') return -1;
    if (fill === 'nearest') return v < 0 ? 0 : len - 1;
    if (fill === 'wrap') return ((v % len) + len) % len;
    const folded = ((v % (2 * len)) + 2 * len) % (2 * len);
    return folded < len ? folded : 2 * len - 1 - folded;
  };
  const out = new Float32Array(src.length);
  const fr = Math.fround;
  for (let b = 0; b < n!; b++)
    for (let y = 0; y < h!; y++)
      for (let x = 0; x < w!; x++) {
        const [a0, a1, a2, b0, b1, b2] = m.slice(6 * b, 6 * b + 6) as [number, number, number, number, number, number];
        const inX = a0 * x + a1 * y + a2;
        const inY = b0 * x + b1 * y + b2;
        const [fx, fy] = [inX - Math.floor(inX), inY - Math.floor(inY)];
        const [top, bottom] = [map(Math.floor(inY), h!), map(Math.floor(inY) + 1, h!)];
        const [left, right] = [map(Math.floor(inX), w!), map(Math.floor(inX) + 1, w!)];
        const corners = [
          [top, left, (1 - fy) * (1 - fx)],
          [top, right, (1 - fy) * fx],
          [bottom, left, fy * (1 - fx)],
          [bottom, right, fy * fx],
        ] as const;
        for (let ch = 0; ch < c!; ch++) {
          let sum = 0;
          corners.forEach(([row, column, weight], k) => {
            const inside = row >= 0 && column >= 0 && weight !== 0;
            const term = fr((src[(inside ? ((b * h! + row) * w! + column) * c! : 0) + ch] ?? NaN) * (inside ? fr(weight) : 0));
            sum = k === 0 ? term : fr(sum + term);
          });
          out[((b * h! + y) * w! + x) * c! + ch] = sum;
        }
      }
  return out;
}

const bits = (values: Float32Array): number[] => Array.from(new Uint32Array(values.slice().buffer));
const float = (min: number, max: number): fc.Arbitrary<number> => fc.double({ min, max, noNaN: true });

describe(`${BILINEAR_RESAMPLE} on wasm`, () => {
  const resampleCase = fc
    .record({
      n: fc.integer({ min: 1, max: 3 }),
      h: fc.integer({ min: 1, max: 12 }),
      w: fc.integer({ min: 1, max: 12 }),
      c: fc.integer({ min: 1, max: 3 }),
      fill: fc.constantFrom<Fill>('reflect', 'constant', 'nearest', 'wrap'),
      seed: fc.integer({ min: 1, max: 2 ** 30 }),
    })
    .chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        // Rotations, zooms, crops and shifts, and maps far outside the image (every fill mode's folding).
        matrices: fc.array(fc.tuple(float(-2, 2), float(-2, 2), float(-40, 40), float(-2, 2), float(-2, 2), float(-40, 40)), { minLength: shape.n, maxLength: shape.n }),
        integral: fc.boolean(),
      }),
    );

  test.prop([resampleCase], { numRuns: 120 })('gives the bits of the definition (float64 coordinates, float32 weights and sums) for every fill mode', async ({ shape, matrices, integral }) => {
    await tf.setBackend('wasm');
    const { n, h, w, c, fill, seed } = shape;
    let s = seed;
    const src = Float32Array.from({ length: n * h * w * c }, () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return (s / 2 ** 32) * 510 - 255;
    });
    // Whole-pixel shifts make corner weights exactly 0 (the pixel-0 rule).
    const flat = matrices.flat().map((v) => (integral ? Math.round(v) : v));
    const images = tf.tensor4d(src, [n, h, w, c]);
    const out = tf.engine().runKernel(BILINEAR_RESAMPLE, { images }, { matrices: flat, fillMode: fill }) as tf.Tensor;
    expect(out.shape).toEqual([n, h, w, c]);
    expect(bits(out.dataSync() as Float32Array)).toEqual(bits(reference(src, [n, h, w, c], flat, fill)));
    tf.dispose([images, out]);
  });

  it('runs a batch of 32 images of 128 x 128 on all threads with the same bits, and refuses bad input with one sentence', async () => {
    await tf.setBackend('wasm');
    const [n, h, w] = [32, 128, 128];
    const src = Float32Array.from({ length: n * h * w }, (_, i) => ((i * 7919) % 255) - 100);
    const matrices = Array.from({ length: n }, (_, b) => {
      const a = (b - 16) * 0.02;
      return [Math.cos(a), -Math.sin(a), 5.5 - b / 3, Math.sin(a), Math.cos(a), -3.25 + b / 7];
    }).flat();
    const images = tf.tensor4d(src, [n, h, w, 1]);
    const out = tf.engine().runKernel(BILINEAR_RESAMPLE, { images }, { matrices, fillMode: 'reflect' }) as tf.Tensor;
    expect(bits(out.dataSync() as Float32Array)).toEqual(bits(reference(src, [n, h, w, 1], matrices, 'reflect')));
    expect(() => tf.engine().runKernel(BILINEAR_RESAMPLE, { images }, { matrices: matrices.slice(1), fillMode: 'reflect' })).toThrow(/expected 192 matrix entries/);
    expect(() => tf.engine().runKernel(BILINEAR_RESAMPLE, { images }, { matrices, fillMode: 'mirror' })).toThrow(/fillMode must be one of/);
    expect(() => tf.engine().runKernel(BILINEAR_RESAMPLE, { images }, { matrices: matrices.map((v, i) => (i === 2 ? 1e12 : v)), fillMode: 'reflect' })).toThrow(/beyond/);
    tf.dispose([images, out]);
  });
});
