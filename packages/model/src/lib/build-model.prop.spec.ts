import '@tensorflow/tfjs-backend-cpu';
import { fc, test } from '@fast-check/vitest';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect } from 'vitest';
import { ARCHITECTURES, buildModel } from './build-model.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const options = fc.record({
  architecture: fc.constantFrom(...ARCHITECTURES.filter((a) => a !== 'inception-resnet-v2')),
  imageSize: fc.integer({ min: 16, max: 40 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 }),
  filters: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }),
  convsPerStage: fc.integer({ min: 1, max: 2 }),
  stemStride: fc.constantFrom(1, 2),
  batch: fc.integer({ min: 1, max: 3 }),
});

test.prop([options], { numRuns: 20 })('any valid model maps [n, s, s, 1] images to n finite logits, and the same seed builds the same weights', (o) => {
  const build = () => buildModel({ ...o, compact: { filters: o.filters, convsPerStage: o.convsPerStage, stemStride: o.stemStride }, augment: {} });
  const a = build();
  const b = build();
  const logits = tf.tidy(() => Array.from((a.predict(tf.randomUniform([o.batch, o.imageSize, o.imageSize, 1], 0, 255, 'float32', o.seed)) as tf.Tensor).dataSync()));
  expect(logits).toHaveLength(o.batch);
  expect(logits.every(Number.isFinite)).toBe(true);
  expect(a.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(b.getWeights().map((w) => Array.from(w.dataSync())));
  a.dispose();
  b.dispose();
});
