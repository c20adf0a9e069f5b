import * as tf from '@tensorflow/tfjs';
import { fc, test } from '@fast-check/vitest';
import { beforeAll, expect } from 'vitest';
import { augmentImages, drawAugmentParams, standardizeImages } from './image-ops.js';
import { deriveSeed } from './seeded-random.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const image = fc
  .record({ h: fc.integer({ min: 1, max: 8 }), w: fc.integer({ min: 1, max: 8 }), c: fc.constantFrom(1, 3) })
  .chain(({ h, w, c }) => fc.tuple(fc.constant([h, w, c] as [number, number, number]), fc.array(fc.integer({ min: 0, max: 255 }), { minLength: h * w * c, maxLength: h * w * c })));

test.prop([image], { numRuns: 50 })('standardized images have mean 0 and std 1, constant images stay finite', ([shape, pixels]) => {
  const out = tf.tidy(() => Array.from(standardizeImages(tf.tensor3d(pixels, shape).div(255)).dataSync()));
  expect(out.every(Number.isFinite)).toBe(true);
  const mean = out.reduce((s, v) => s + v, 0) / out.length;
  expect(Math.abs(mean)).toBeLessThan(1e-4);
  const constant = pixels.every((p) => p === pixels[0]);
  const std = Math.sqrt(out.reduce((s, v) => s + (v - mean) ** 2, 0) / out.length);
  if (constant) expect(std).toBe(0);
  else {
    // the floor (1/sqrt(n) of a [0,1] image) only binds for nearly constant images
    const raw = pixels.map((p) => p / 255);
    const rawMean = raw.reduce((s, v) => s + v, 0) / raw.length;
    const rawStd = Math.sqrt(raw.reduce((s, v) => s + (v - rawMean) ** 2, 0) / raw.length);
    if (rawStd > 1 / Math.sqrt(raw.length)) expect(std).toBeCloseTo(1, 3);
    else expect(std).toBeLessThanOrEqual(1 + 1e-4);
  }
});

test.prop([image, fc.integer({ min: 1, max: 3 }), fc.integer()], { numRuns: 30 })(
  'augmentation keeps the shape and is reproducible from its seed',
  ([shape, pixels], n, seed) => {
    const params = Array.from({ length: n }, (_, i) => drawAugmentParams(deriveSeed(seed, i)));
    const again = Array.from({ length: n }, (_, i) => drawAugmentParams(deriveSeed(seed, i)));
    expect(again).toEqual(params);
    tf.tidy(() => {
      const batch = tf.stack(Array.from({ length: n }, () => tf.tensor3d(pixels, shape))) as tf.Tensor4D;
      const a = augmentImages(batch, params);
      const b = augmentImages(batch, again);
      expect(a.shape).toEqual(batch.shape);
      expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
      const lo = Math.min(...pixels);
      const hi = Math.max(...pixels);
      // bilinear with reflection only mixes existing values
      for (const v of a.dataSync()) {
        expect(v).toBeGreaterThanOrEqual(lo - 1e-3);
        expect(v).toBeLessThanOrEqual(hi + 1e-3);
      }
    });
  },
);

test.prop([fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 2, max: 6 }), fc.integer()], { numRuns: 30 })(
  'with only flips drawn, augmentation mirrors exactly the images drawn to flip and leaves the others untouched',
  (n, h, w, seed) => {
    const params = Array.from({ length: n }, (_, i) => drawAugmentParams(deriveSeed(seed, i), { flip: true, rotationDegrees: 0, zoom: 0 }));
    const input = Array.from({ length: n * h * w }, (_, i) => (i * 97) % 256);
    const out = tf.tidy(() => Array.from(augmentImages(tf.tensor4d(input, [n, h, w, 1]), params).dataSync()));
    input.forEach((v, i) => {
      const col = i % w;
      const image = Math.floor(i / (h * w));
      expect(out[i]).toBe(params[image]?.flip === true ? input[i - col + (w - 1 - col)] : v);
    });
  },
);

test.prop([fc.integer({ min: 3, max: 8 }), fc.integer({ min: 3, max: 8 }), fc.integer()], { numRuns: 30 })(
  'with the default ranges, augmentation changes the images of a batch',
  (h, w, seed) => {
    const n = 4;
    const params = Array.from({ length: n }, (_, i) => drawAugmentParams(deriveSeed(seed, i)));
    const input = Array.from({ length: n * h * w }, (_, i) => (i * 97) % 256);
    const out = tf.tidy(() => Array.from(augmentImages(tf.tensor4d(input, [n, h, w, 1]), params).dataSync()));
    expect(out).not.toEqual(input);
  },
);
