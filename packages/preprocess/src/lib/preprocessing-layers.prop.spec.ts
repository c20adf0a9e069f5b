import * as tf from '@tensorflow/tfjs';
import { fc, test } from '@fast-check/vitest';
import { beforeAll, expect } from 'vitest';
import { randomFlipLayer, randomRotationLayer, randomZoomLayer, standardizeLayer } from './preprocessing-layers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const batchShape = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 }));

test.prop([batchShape, fc.integer(), fc.double({ min: 0, max: 180, noNaN: true }), fc.double({ min: 0, max: 0.9, noNaN: true })], { numRuns: 25 })(
  'augmentation layers keep the shape and are reproducible from their seed',
  ([n, h, w], seed, degrees, factor) => {
    const make = () => [randomFlipLayer({ seed }), randomRotationLayer({ seed, degrees }), randomZoomLayer({ seed, factor })];
    tf.tidy(() => {
      const x = tf.tensor4d(Array.from({ length: n * h * w }, (_, i) => (i * 31) % 256), [n, h, w, 1]);
      const run = (layers: tf.layers.Layer[]) => layers.reduce<tf.Tensor>((t, l) => l.apply(t, { training: true }) as tf.Tensor, x);
      const a = run(make());
      const b = run(make());
      expect(a.shape).toEqual(x.shape);
      expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    });
  },
);

// Regression example found by fast-check: a constant 5x6 image of 125 gave ~1e-6, not exactly 0 (float32 mean).
test.prop([batchShape, fc.integer({ min: 0, max: 255 })], { numRuns: 25, examples: [[[1, 5, 6], 125]] })(
  'the standardize layer gives mean 0 per image and keeps constant images finite',
  ([n, h, w], value) => {
    tf.tidy(() => {
      const x = tf.fill([n, h, w, 1], value);
      const out = standardizeLayer().apply(x) as tf.Tensor;
      for (const v of out.dataSync()) expect(Math.abs(v)).toBeLessThan(1e-3);
      const noisy = tf.tensor4d(Array.from({ length: n * h * w }, (_, i) => (i * 97 + value) % 256), [n, h, w, 1]);
      const means = tf.mean(standardizeLayer().apply(noisy) as tf.Tensor, [1, 2, 3]).dataSync();
      for (const m of means) expect(Math.abs(m)).toBeLessThan(1e-4);
    });
  },
);
