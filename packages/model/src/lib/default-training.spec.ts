import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from './build-model.js';
import { DEFAULT_TRAINING } from './default-training.js';
import { train } from './train.js';
import { of } from 'rxjs';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('DEFAULT_TRAINING', () => {
  it('is frozen', () => {
    expect(Object.isFrozen(DEFAULT_TRAINING)).toBe(true);
    expect(Object.isFrozen(DEFAULT_TRAINING.augment)).toBe(true);
    expect(() => {
      (DEFAULT_TRAINING as { epochs: number }).epochs = 1;
    }).toThrow(TypeError);
  });

  it('builds a compact CNN with batch norm under 2 M parameters and is accepted by train', () => {
    const d = DEFAULT_TRAINING;
    const model = buildModel({ architecture: d.architecture, imageSize: d.imageSize, seed: 1, augment: d.augment, compact: d.compact });
    expect(model.countParams()).toBeLessThan(2_000_000);
    expect(model.inputs[0]?.shape).toEqual([null, d.imageSize, d.imageSize, 1]);
    expect(() =>
      train({
        model,
        trainBatches: () => of(),
        epochs: d.epochs,
        learningRate: d.learningRate,
        patience: d.patience,
        reduceLrPatience: d.reduceLrPatience,
        reduceLrFactor: d.reduceLrFactor,
        minLearningRate: d.minLearningRate,
      }),
    ).not.toThrow();
    expect(d.valFraction).toBeGreaterThan(0);
    expect(d.valFraction).toBeLessThan(1);
    model.dispose();
  });
});
