import '@tensorflow/tfjs-backend-cpu';
import { fc, test } from '@fast-check/vitest';
import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { beforeAll, expect } from 'vitest';
import { toyBatches, validModelMetadata, withTempDir } from '../testing/index.js';
import { buildModel } from './build-model.js';
import { loadModel } from './load-model.js';
import { predict } from './predict.js';
import { saveModel } from './save-model.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

test.prop([fc.integer({ min: 0, max: 2 ** 31 }), validModelMetadata(16)], { numRuns: 15 })('save then load gives the same predictions and the same metadata', async (seed, meta) => {
  await withTempDir(async (dir) => {
    const model = buildModel({ imageSize: 16, seed, compact: { filters: [4, 8], convsPerStage: 1, stemStride: 1 }, augment: {} });
    const before = await lastValueFrom(toyBatches({ count: 6, seed }).pipe(predict({ model }), toArray()));
    await saveModel(model, join(dir, 'model'), meta);
    const loaded = await loadModel(join(dir, 'model'));
    const after = await lastValueFrom(toyBatches({ count: 6, seed }).pipe(predict({ model: loaded.model }), toArray()));
    expect(after).toEqual(before);
    expect(loaded.metadata).toEqual(meta);
    model.dispose();
    loaded.model.dispose();
  });
});
