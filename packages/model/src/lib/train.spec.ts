import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Observable} from 'rxjs';
import { lastValueFrom, map, of, toArray } from 'rxjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Batch } from '@cxr/preprocess';
import { toyBatches, withTempDir } from '../testing/index.js';
import { buildModel } from './build-model.js';
import type * as Checkpoint from './internal/checkpoint.js';
import { inspectCheckpoint } from './internal/checkpoint.js';
import { loadModel } from './load-model.js';
import { train, type TrainOptions } from './train.js';
import type { TrainEvent } from './types.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// Each finished write of a last/ checkpoint is announced, so a spec can wait for the write that
// an unsubscription leaves running in the background instead of polling the disk.
const lastWrites = vi.hoisted(() => new Set<(checkpointDir: string) => void>());
vi.mock('./internal/checkpoint.js', async (importOriginal) => {
  const original = await importOriginal<typeof Checkpoint>();
  return {
    ...original,
    writeLastCheckpoint: async (...args: Parameters<typeof Checkpoint.writeLastCheckpoint>): Promise<void> => {
      await original.writeLastCheckpoint(...args);
      for (const listener of lastWrites) listener(args[0]);
    },
  };
});
const lastCheckpointWritten = (dir: string): Promise<void> =>
  new Promise((resolve) => {
    const listener = (checkpointDir: string): void => {
      if (checkpointDir !== dir) return;
      lastWrites.delete(listener);
      resolve();
    };
    lastWrites.add(listener);
  });

const compact = () => buildModel({ imageSize: 16, seed: 5, compact: { filters: [4, 8], convsPerStage: 1 }, augment: { rotationDegrees: 5, zoom: 0.05 } });
const trainSet = (epoch: number) => toyBatches({ count: 24, batchSize: 8, seed: 100 + epoch });
const valSet = () => toyBatches({ count: 16, batchSize: 8, seed: 999 });
const run = (options: TrainOptions): Promise<TrainEvent[]> => lastValueFrom(train(options).pipe(toArray()));
const weights = (model: ReturnType<typeof compact>): number[][] => model.getWeights().map((w) => Array.from(w.dataSync()));
const stateOf = async (dir: string) => JSON.parse(await readFile(join(dir, 'last', 'state.json'), 'utf8')) as { epochsDone: number; stepInEpoch: number };

describe('train', () => {
  it('learns a separable toy task, emits step, epoch and stopped events, and leaks no tensor', async () => {
    const model = compact();
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const events = await lastValueFrom(
      train({ model, trainBatches: trainSet, valBatches: valSet, epochs: 4, learningRate: 0.01, classWeights: [0.5, 0.5] }).pipe(
        map((e) => {
          if (e.kind === 'epoch') counts.push(tf.memory().numTensors);
          return e;
        }),
        toArray(),
      ),
    );
    expect(tf.memory().numTensors).toBe(before);
    // after the first epoch the optimizer's slots exist; later epochs add nothing
    expect(new Set(counts.slice(1)).size).toBe(1);
    const steps = events.filter((e) => e.kind === 'step');
    const epochs = events.filter((e): e is Extract<TrainEvent, { kind: 'epoch' }> => e.kind === 'epoch');
    expect(steps).toHaveLength(4 * 3);
    expect(steps[0]).toMatchObject({ epoch: 1, step: 1, stepsPerEpoch: undefined });
    expect(steps[3]).toMatchObject({ epoch: 2, step: 1, stepsPerEpoch: 3 });
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    expect(events[events.length - 1]).toMatchObject({ kind: 'stopped', epoch: 4 });
    expect(Math.max(...epochs.map((e) => e.valAuc ?? 0))).toBeGreaterThan(0.95);
    for (const e of epochs) {
      expect(e.valAccuracy).toBeGreaterThanOrEqual(0);
      expect(e.valLoss).toBeGreaterThan(0);
      expect(e.imagesPerSecond).toBeGreaterThan(0);
    }
    model.dispose();
  });

  it('writes best/ (a loadable model) and last/ (resume point) in the checkpoint folder', async () => {
    await withTempDir(async (dir) => {
      const model = compact();
      const events = await run({ model, trainBatches: trainSet, valBatches: valSet, epochs: 3, learningRate: 0.05, checkpointDir: dir, metadata: { imageSize: 16 } });
      const improvedAt = events.filter((e): e is Extract<TrainEvent, { kind: 'epoch' }> => e.kind === 'epoch' && e.improved).map((e) => e.epoch);
      const best = await loadModel(join(dir, 'best'));
      expect(best.metadata).toMatchObject({ imageSize: 16, epoch: improvedAt[improvedAt.length - 1] });
      expect(await stateOf(dir)).toMatchObject({ epochsDone: 3, stepInEpoch: 0 });
      expect(weights(model)).toEqual(weights(best.model as ReturnType<typeof compact>)); // the best weights were put back
      best.model.dispose();
      model.dispose();
    });
  });

  it('resuming from the checkpoint of a shorter run ends with exactly the weights of an uninterrupted run', async () => {
    await withTempDir(async (dir) => {
      const options = { trainBatches: trainSet, valBatches: valSet, learningRate: 0.01, patience: Infinity, schedule: 'plateau' as const };
      const straight = compact();
      await run({ ...options, model: straight, epochs: 3 });
      const first = compact();
      await run({ ...options, model: first, epochs: 1, checkpointDir: dir });
      first.dispose();
      const resumed = compact(); // a fresh process would build the model again
      const events = await run({ ...options, model: resumed, epochs: 3, checkpointDir: dir, resume: true });
      expect(events.filter((e) => e.kind === 'epoch').map((e) => e.epoch)).toEqual([2, 3]);
      expect(weights(resumed)).toEqual(weights(straight));
      straight.dispose();
      resumed.dispose();
    });
  });

  it('an abort stops after the current step, writes a checkpoint, and resuming gives the uninterrupted result', async () => {
    await withTempDir(async (dir) => {
      const options = { trainBatches: trainSet, valBatches: valSet, learningRate: 0.01, patience: Infinity, epochs: 2 };
      const straight = compact();
      await run({ ...options, model: straight });
      const controller = new AbortController();
      const interrupted = compact();
      const before = tf.memory().numTensors;
      const events = await lastValueFrom(
        train({ ...options, model: interrupted, checkpointDir: dir, signal: controller.signal }).pipe(
          map((e) => {
            if (e.kind === 'step' && e.epoch === 2 && e.step === 1) controller.abort();
            return e;
          }),
          toArray(),
        ),
      );
      expect(tf.memory().numTensors).toBe(before);
      const last = events[events.length - 1];
      expect(last).toMatchObject({ kind: 'stopped', epoch: 2 });
      expect((last as { reason: string }).reason).toMatch(/cancelled at epoch 2, step 1; checkpoint written/);
      expect(events.filter((e) => e.kind === 'step' && e.epoch === 2)).toHaveLength(1);
      expect(await stateOf(dir)).toMatchObject({ epochsDone: 1, stepInEpoch: 1 });
      interrupted.dispose();
      const resumed = compact();
      const rest = await run({ ...options, model: resumed, checkpointDir: dir, resume: true });
      expect(rest.filter((e) => e.kind === 'step').map((e) => (e as { step: number }).step)).toEqual([2, 3]);
      expect(weights(resumed)).toEqual(weights(straight));
      straight.dispose();
      resumed.dispose();
    });
  });

  it('keeps the resume point before last as previous; a damaged last is named, and resuming from previous gives the uninterrupted result', async () => {
    await withTempDir(async (dir) => {
      const options = { trainBatches: trainSet, valBatches: valSet, learningRate: 0.01, patience: Infinity, schedule: 'plateau' as const };
      const straight = compact();
      await run({ ...options, model: straight, epochs: 3 });
      const first = compact();
      await run({ ...options, model: first, epochs: 2, checkpointDir: dir });
      first.dispose();
      expect(await inspectCheckpoint(dir, 'last')).toMatchObject({ status: 'ok', epochsDone: 2, stepInEpoch: 0 });
      expect(await inspectCheckpoint(dir, 'previous')).toMatchObject({ status: 'ok', epochsDone: 1, stepInEpoch: 0 });
      expect(await inspectCheckpoint(dir, 'best')).toMatchObject({ status: 'ok' });

      await truncate(join(dir, 'last', 'weights.bin'), 100);
      const damaged = await inspectCheckpoint(dir, 'last');
      expect(damaged).toMatchObject({ status: 'damaged', dir: join(dir, 'last') });
      expect((damaged as { reason: string }).reason).toMatch(/weights\.bin holds 100 bytes but model\.json describes \d+/);
      const refused = (await run({ ...options, model: compact(), epochs: 3, checkpointDir: dir, resume: true }).catch((e: unknown) => e)) as { code?: string; message: string };
      expect(refused.code).toBe('CXR_USAGE');
      expect(refused.message).toContain(`The checkpoint ${join(dir, 'last')} is damaged (weights.bin holds 100 bytes`);

      const resumed = compact();
      const events = await run({ ...options, model: resumed, epochs: 3, checkpointDir: dir, resume: true, resumeFrom: 'previous' });
      expect(events.filter((e) => e.kind === 'epoch').map((e) => e.epoch)).toEqual([2, 3]);
      expect(weights(resumed)).toEqual(weights(straight));
      // The damaged last was replaced; previous is still the good point it was (a damaged last never becomes previous).
      expect(await inspectCheckpoint(dir, 'last')).toMatchObject({ status: 'ok', epochsDone: 3 });
      expect(await inspectCheckpoint(dir, 'previous')).toMatchObject({ status: 'ok', epochsDone: 2 });

      await writeFile(join(dir, 'previous', 'state.json'), '{"version": 1, "epochs');
      expect(await inspectCheckpoint(dir, 'previous')).toMatchObject({ status: 'damaged', reason: expect.stringMatching(/state\.json is not valid JSON/) });
      expect(await inspectCheckpoint(join(dir, 'nothing-here'), 'last')).toMatchObject({ status: 'missing' });
      straight.dispose();
      resumed.dispose();
    });
  });

  it('unsubscribing stops training and still writes the checkpoint', async () => {
    await withTempDir(async (dir) => {
      const model = compact();
      const written = lastCheckpointWritten(dir);
      await new Promise<void>((resolve) => {
        const sub = train({ model, trainBatches: trainSet, epochs: 3, checkpointDir: dir }).subscribe((e) => {
          if (e.kind === 'step' && e.step === 2) {
            sub.unsubscribe();
            resolve();
          }
        });
      });
      await written;
      expect(await stateOf(dir)).toMatchObject({ epochsDone: 0, stepInEpoch: 2 });
      model.dispose();
    });
  });

  it('a NaN loss stops with a message, keeps the last good checkpoint and errors with CXR_USAGE', async () => {
    await withTempDir(async (dir) => {
      const model = compact();
      const poisoned = (epoch: number): Observable<Batch> =>
        epoch === 1 ? trainSet(epoch) : trainSet(epoch).pipe(map((b) => ({ ...b, x: new Float32Array(b.x.length).fill(NaN) })));
      const seen: TrainEvent[] = [];
      const error = (await lastValueFrom(train({ model, trainBatches: poisoned, epochs: 3, checkpointDir: dir }).pipe(map((e) => seen.push(e)))).catch((e: unknown) => e)) as {
        code?: string;
        message: string;
      };
      expect(error.code).toBe('CXR_USAGE');
      expect(error.message).toMatch(/epoch 2, step 1: the loss became NaN/);
      expect(error.message).toContain(join(dir, 'last'));
      expect(seen[seen.length - 1]).toMatchObject({ kind: 'stopped', epoch: 2 });
      expect(await stateOf(dir)).toMatchObject({ epochsDone: 1, stepInEpoch: 0 });
      expect(weights(model).flat().every(Number.isFinite)).toBe(true); // best weights restored
      model.dispose();
    });
  });

  it('reduces the learning rate on a plateau and stops early', async () => {
    // No batch norm: with zero class weights (no gradient) the validation AUC cannot move.
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [16, 16, 1], filters: 2, kernelSize: 3, activation: 'relu', kernelInitializer: tfl.initializers.heNormal({ seed: 1 }) }),
        tfl.layers.globalAveragePooling2d({}),
        tfl.layers.dense({ units: 1, kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }),
      ],
    });
    const events = await run({ model, trainBatches: trainSet, valBatches: valSet, epochs: 10, classWeights: [0, 0], learningRate: 0.04, minLearningRate: 0.015, patience: 3, reduceLrPatience: 1, schedule: 'plateau' });
    const epochs = events.filter((e): e is Extract<TrainEvent, { kind: 'epoch' }> => e.kind === 'epoch');
    expect(epochs.map((e) => e.improved)).toEqual([true, false, false, false]);
    expect(epochs.map((e) => e.learningRate)).toEqual([0.04, 0.04, 0.02, 0.015]);
    const stopped = events[events.length - 1] as { kind: string; reason: string };
    expect(stopped.kind).toBe('stopped');
    expect(stopped.reason).toMatch(/early stopping after epoch 4: no improvement for 3 epochs \(best validation AUC [\d.]+ at epoch 1/);
    model.dispose();
  });

  it('follows a cosine schedule over the epochs, whatever the validation does', async () => {
    const model = compact();
    const events = await run({ model, trainBatches: trainSet, valBatches: valSet, epochs: 4, learningRate: 0.01, minLearningRate: 0.001, patience: Infinity, schedule: 'cosine' });
    const rates = events.filter((e): e is Extract<TrainEvent, { kind: 'epoch' }> => e.kind === 'epoch').map((e) => e.learningRate);
    const expected = [1, 2, 3, 4].map((e) => 0.001 + (0.009 * (1 + Math.cos((Math.PI * (e - 1)) / 4))) / 2);
    rates.forEach((r, i) => expect(r).toBeCloseTo(expected[i] as number, 10));
    expect(() => train({ model, trainBatches: trainSet, epochs: 1, schedule: 'step' as never })).toThrow(/schedule/);
    model.dispose();
  });

  it('refuses a resume without checkpoint and batches that do not fit the model', async () => {
    await withTempDir(async (dir) => {
      const model = compact();
      const noCheckpoint = (await run({ model, trainBatches: trainSet, epochs: 1, checkpointDir: dir, resume: true }).catch((e: unknown) => e)) as { code?: string; message: string };
      expect(noCheckpoint.code).toBe('CXR_USAGE');
      expect(noCheckpoint.message).toContain(join(dir, 'last'));
      const wrongSize = (await run({ model, trainBatches: () => toyBatches({ size: 32 }), epochs: 1 }).catch((e: unknown) => e)) as { code?: string; message: string };
      expect(wrongSize.code).toBe('CXR_USAGE');
      expect(wrongSize.message).toMatch(/32x32x1 but the model takes 16x16x1/);
      model.dispose();
    });
  });

  it('watches the training loss when there is no validation data', async () => {
    const model = compact();
    const events = await run({ model, trainBatches: trainSet, valBatches: () => of<Batch>(), epochs: 2, learningRate: 0.01 });
    const epochs = events.filter((e): e is Extract<TrainEvent, { kind: 'epoch' }> => e.kind === 'epoch');
    expect(epochs.map((e) => [e.valLoss, e.valAuc])).toEqual([
      [undefined, undefined],
      [undefined, undefined],
    ]);
    expect(epochs[0]?.improved).toBe(true);
    expect((events[events.length - 1] as { reason: string }).reason).toMatch(/best loss [\d.]+ at epoch/);
    model.dispose();
  });

  it('refuses bad options at creation, naming the stage and the value', () => {
    const model = compact();
    const base = { model, trainBatches: () => of<Batch>(), epochs: 1 };
    expect(() => train({ ...base, epochs: 0 })).toThrow(/train: epochs must be an integer >= 1, got 0/);
    expect(() => train({ ...base, learningRate: -1 })).toThrow(/learningRate/);
    expect(() => train({ ...base, reduceLrFactor: 1 })).toThrow(/reduceLrFactor/);
    expect(() => train({ ...base, learningRate: 1e-6, minLearningRate: 1e-5 })).toThrow(/train: learningRate \(0\.000001\) must be at least minLearningRate \(0\.00001\)/);
    expect(() => train({ ...base, classWeights: [1, -2] })).toThrow(/classWeights\[1\]/);
    expect(() => train({ ...base, resume: true })).toThrow(/resume needs a checkpointDir/);
    expect(() => train({ ...base, model: {} as never })).toThrow(TypeError);
    expect(() => train({ ...base, trainBatches: 3 as never })).toThrow(/trainBatches/);
    model.dispose();
  });
});
