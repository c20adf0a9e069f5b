import '@tensorflow/tfjs-backend-cpu';
import { fc, test } from '@fast-check/vitest';
import * as tf from '@tensorflow/tfjs-core';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, expect } from 'vitest';
import { toyBatchList, toyBatches } from '../testing/index.js';
import { buildModel } from './build-model.js';
import { predict } from './predict.js';

let model: ReturnType<typeof buildModel>;
beforeAll(async () => {
  await tf.setBackend('cpu');
  model = buildModel({ imageSize: 16, seed: 9, compact: { filters: [4, 8], convsPerStage: 1, stemStride: 1 } });
});
afterAll(() => model.dispose());

const shape = fc.record({ count: fc.integer({ min: 1, max: 20 }), batchSize: fc.integer({ min: 1, max: 7 }), seed: fc.integer({ min: 0, max: 1000 }) });

test.prop([shape], { numRuns: 20 })('one prediction per image, in input order, probabilities in [0, 1], no tensor left', async (o) => {
  const before = tf.memory().numTensors;
  const out = await lastValueFrom(toyBatches(o).pipe(predict({ model }), toArray()));
  expect(tf.memory().numTensors).toBe(before);
  expect(out.map((p) => p.id)).toEqual(toyBatchList(o).flatMap((b) => b.ids));
  expect(out.every((p) => p.probability >= 0 && p.probability <= 1)).toBe(true);
});

test.prop([shape], { numRuns: 10 })('does not depend on how the images are batched', async (o) => {
  const one = await lastValueFrom(toyBatches({ ...o, batchSize: 1 }).pipe(predict({ model }), toArray()));
  const many = await lastValueFrom(toyBatches(o).pipe(predict({ model }), toArray()));
  many.forEach((p, i) => expect(p.probability).toBeCloseTo(one[i]!.probability, 5));
});
