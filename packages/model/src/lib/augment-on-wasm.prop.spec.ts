import { fc, test } from '@fast-check/vitest';
import * as tf from '@tensorflow/tfjs';
import { cropImages, rotateImages, shiftImages, zoomImages } from '@cxr/preprocess';
import { beforeAll, describe, expect } from 'vitest';
import { initBackend } from './backend/init-backend.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

type Fill = 'reflect' | 'constant' | 'nearest' | 'wrap';

/** Each augmentation's resampling, with per-image parameters drawn from one number in [-1, 1]. */
const OPERATIONS = {
  rotate: (x: tf.Tensor4D, p: number[], fill: Fill) => rotateImages(x, p.map((v) => v * 25), fill),
  zoom: (x: tf.Tensor4D, p: number[], fill: Fill) => zoomImages(x, p.map((v) => 1 + v * 0.3), fill),
  shift: (x: tf.Tensor4D, p: number[], fill: Fill) => shiftImages(x, p.map((v) => [v * 0.2, -v * 0.1] as const), fill),
  crop: (x: tf.Tensor4D, p: number[]) => cropImages(x, p.map((v) => ({ scale: 0.6 + 0.3 * Math.abs(v), x: (v + 1) / 2, y: 1 - (v + 1) / 2 }))),
} as const;

const bits = (t: tf.Tensor): number[] => Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer));

describe('augmentation resampling on wasm', () => {
  const augmentCase = fc.record({
    operation: fc.constantFrom(...(Object.keys(OPERATIONS) as (keyof typeof OPERATIONS)[])),
    fill: fc.constantFrom<Fill>('reflect', 'constant', 'nearest', 'wrap'),
    n: fc.integer({ min: 1, max: 4 }),
    h: fc.integer({ min: 2, max: 24 }),
    w: fc.integer({ min: 2, max: 24 }),
    c: fc.integer({ min: 1, max: 2 }),
    parameters: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
  });

  test.prop([augmentCase], { numRuns: 40 })("runs on @cxr/wasm-training's resampling kernel and gives the cpu backend's bits", async ({ operation, fill, n, h, w, c, parameters, seed }) => {
    const pixels = Float32Array.from({ length: n * h * w * c }, (_, i) => (((i + 1) * seed) % 1009) / 4 - 120);
    const run = (): tf.Tensor => tf.tidy(() => OPERATIONS[operation](tf.tensor4d(pixels, [n, h, w, c]), parameters.slice(0, n), fill));
    await tf.setBackend('cpu');
    const onCpu = run();
    const expected = bits(onCpu);
    onCpu.dispose();
    await tf.setBackend('wasm');
    const profile = await tf.profile(() => {
      const onWasm = run();
      expect(bits(onWasm)).toEqual(expected);
      onWasm.dispose();
    });
    expect(profile.kernels.map((k) => k.name)).toContain('CxrBilinearResample');
  });
});
