import * as tf from '@tensorflow/tfjs-core';
import { fc, test } from '@fast-check/vitest';
import { lastValueFrom, map, toArray } from 'rxjs';
import { beforeAll, expect } from 'vitest';
import { toyBatches, withTempDir } from '../testing/index.js';
import { initBackend } from './backend/init-backend.js';
import { buildModel } from './build-model.js';
import { train } from './train.js';

// On the WASM backend, the one cxr trains on without native TensorFlow, with one thread (cheap).
beforeAll(async () => {
  await initBackend({ backend: 'wasm', threads: 1 });
  expect(tf.getBackend()).toBe('wasm');
});

// Stop + resume anywhere = no stop. 10 steps per epoch, 3 epochs; Adam's running products differ
// from pow(beta, t + 1) at most step counts (e.g. t = 5, 20, 23), which a resume must not notice.
const STEPS_PER_EPOCH = 10;
const EPOCHS = 3;
const resumable = () =>
  buildModel({ imageSize: 16, seed: 5, compact: { filters: [4, 8], convsPerStage: 1, stemStride: 1, dropout: 0.3 }, augment: { rotationDegrees: 5, zoom: 0.05 } });
const resumeOptions = (schedule: 'plateau' | 'cosine') => ({
  trainBatches: (epoch: number) => toyBatches({ count: 4 * STEPS_PER_EPOCH, batchSize: 4, seed: 100 + epoch }),
  valBatches: () => toyBatches({ count: 16, batchSize: 8, seed: 999 }),
  epochs: EPOCHS,
  learningRate: 0.01,
  minLearningRate: 0.001,
  patience: Infinity,
  reduceLrPatience: 1,
  schedule,
});
const bytesOf = (model: ReturnType<typeof resumable>): Buffer => Buffer.concat(model.getWeights().map((w) => Buffer.from((w.dataSync() as Float32Array).buffer)));
const uninterrupted = new Map<string, Buffer>();
async function straightRun(schedule: 'plateau' | 'cosine'): Promise<Buffer> {
  const known = uninterrupted.get(schedule);
  if (known) return known;
  const model = resumable();
  await lastValueFrom(train({ ...resumeOptions(schedule), model }).pipe(toArray()));
  const bytes = bytesOf(model);
  model.dispose();
  uninterrupted.set(schedule, bytes);
  return bytes;
}

test.prop([fc.integer({ min: 1, max: STEPS_PER_EPOCH * EPOCHS - 1 }), fc.constantFrom<'plateau' | 'cosine'>('plateau', 'cosine')], {
  numRuns: 4,
  examples: [
    [5, 'plateau'],
    [20, 'cosine'],
    [23, 'plateau'],
  ],
})('a stop after any step and a resume give the weights of the uninterrupted run, byte for byte', async (stopAt, schedule) => {
  const expected = await straightRun(schedule);
  await withTempDir(async (dir) => {
    const controller = new AbortController();
    const first = resumable();
    let steps = 0;
    await lastValueFrom(
      train({ ...resumeOptions(schedule), model: first, checkpointDir: dir, signal: controller.signal }).pipe(
        map((e) => {
          if (e.kind === 'step' && ++steps === stopAt) controller.abort();
          return e;
        }),
        toArray(),
      ),
    );
    first.dispose();
    expect(steps).toBe(stopAt);
    const resumed = resumable(); // as a new process would build it
    const rest = await lastValueFrom(train({ ...resumeOptions(schedule), model: resumed, checkpointDir: dir, resume: true }).pipe(toArray()));
    expect(rest.filter((e) => e.kind === 'step')).toHaveLength(STEPS_PER_EPOCH * EPOCHS - stopAt);
    expect(bytesOf(resumed).equals(expected)).toBe(true);
    resumed.dispose();
  });
});
