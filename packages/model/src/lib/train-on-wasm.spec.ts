import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { lastValueFrom, map, toArray } from 'rxjs';
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

/** Node's garbage collector, callable from a spec. */
function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

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

  it('after every epoch, tensors and backend data are back at their level and no batch of an earlier epoch is still reachable', async () => {
    await withTempDir(async (dir) => {
      const gc = collectGarbage();
      const model = buildModel({ imageSize: 16, seed: 5, compact: { filters: [4, 8], convsPerStage: 1, stemStride: 1 }, augment: { rotationDegrees: 5 } });
      const batches: { epoch: number; pixels: WeakRef<object> }[] = [];
      const reachable: number[] = [];
      const trainBatches = (epoch: number) => {
        // Called at the start of each epoch, several event-loop turns after the batches of epoch - 2 were last used.
        gc();
        reachable.push(batches.filter((b) => b.epoch <= epoch - 2 && b.pixels.deref() !== undefined).length);
        return toyBatches({ count: 16, batchSize: 4, seed: epoch }).pipe(
          map((batch) => {
            batches.push({ epoch, pixels: new WeakRef(batch.x) });
            return batch;
          }),
        );
      };
      const levels: { tensors: number; data: number }[] = [];
      const before = { tensors: tf.memory().numTensors, data: tf.engine().backend.numDataIds() };
      await lastValueFrom(
        train({ model, trainBatches, valBatches: () => toyBatches({ count: 8, seed: 99 }), epochs: 5, patience: Infinity, checkpointDir: join(dir, 'ckpt') }).pipe(
          map((e) => {
            if (e.kind === 'epoch') levels.push({ tensors: tf.memory().numTensors, data: tf.engine().backend.numDataIds() });
            return e;
          }),
        ),
      );
      // The first epoch creates the optimizer's slots; every later epoch ends where the first one did.
      expect(levels).toHaveLength(5);
      for (const level of levels) expect(level).toEqual(levels[0]);
      expect(tf.memory().numTensors).toBe(before.tensors);
      expect(tf.engine().backend.numDataIds()).toBe(before.data);
      expect(batches.length).toBe(5 * 4);
      expect(reachable).toEqual([0, 0, 0, 0, 0]);
      model.dispose();
    });
  });
});
