import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { toyBatches, withTempDir } from '../testing/index.js';
import { initBackend } from './backend/init-backend.js';
import { buildModel } from './build-model.js';
import { loadModel } from './load-model.js';
import { predict } from './predict.js';
import { saveModel } from './save-model.js';
import { train } from './train.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('training, saving and loading on the wasm backend', () => {
  it('trains without leaking tensors, resumes, and a reloaded model predicts exactly the same', async () => {
    expect(tf.getBackend()).toBe('wasm');
    await withTempDir(async (dir) => {
      const model = buildModel({ imageSize: 16, seed: 5, compact: { filters: [4, 8], convsPerStage: 1, stemStride: 1 }, augment: { rotationDegrees: 5, zoom: 0.05 } });
      const before = tf.memory().numTensors;
      // Kernels written in JavaScript allocate and free backend data themselves (scratch, transposed filters): count those too.
      const dataBefore = tf.engine().backend.numDataIds();
      const options = { model, trainBatches: (e: number) => toyBatches({ count: 24, seed: e }), valBatches: () => toyBatches({ count: 16, seed: 99 }), learningRate: 0.02, checkpointDir: join(dir, 'ckpt') };
      const first = await lastValueFrom(train({ ...options, epochs: 2 }).pipe(toArray()));
      const more = await lastValueFrom(train({ ...options, epochs: 3, resume: true }).pipe(toArray()));
      expect(tf.memory().numTensors).toBe(before);
      expect(tf.engine().backend.numDataIds()).toBe(dataBefore);
      const epochs = [...first, ...more].filter((e) => e.kind === 'epoch').map((e) => e.epoch);
      expect(epochs).toEqual([1, 2, 3]);
      const predicted = await lastValueFrom(toyBatches({ count: 10 }).pipe(predict({ model }), toArray()));
      await saveModel(model, join(dir, 'model'), { imageSize: 16 });
      const loaded = await loadModel(join(dir, 'model'));
      const again = await lastValueFrom(toyBatches({ count: 10 }).pipe(predict({ model: loaded.model }), toArray()));
      expect(again).toEqual(predicted);
      model.dispose();
      loaded.model.dispose();
    });
  });
});
