import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from './build-model.js';
import { DEFAULT_TRAINING } from './default-training.js';
import { train } from './train.js';
import { AUGMENT_DEFAULTS } from '@cxr/preprocess';
import { lastValueFrom, of, toArray } from 'rxjs';
import { toyBatches } from '../testing/index.js';

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

  it('is what train falls back on: without options it runs the cosine schedule from DEFAULT_TRAINING.learningRate to its minLearningRate, with no early stop', async () => {
    const d = DEFAULT_TRAINING;
    const model = buildModel({ imageSize: 16, seed: 2, compact: { filters: [4], convsPerStage: 1 } });
    const events = await lastValueFrom(train({ model, trainBatches: (epoch) => toyBatches({ count: 8, seed: epoch }), valBatches: () => toyBatches({ count: 8, seed: 99 }), epochs: 3 }).pipe(toArray()));
    const rates = events.flatMap((e) => (e.kind === 'epoch' ? [e.learningRate] : []));
    const cosine = (epoch: number): number => d.minLearningRate + ((d.learningRate - d.minLearningRate) * (1 + Math.cos((Math.PI * (epoch - 1)) / 3))) / 2;
    expect(rates).toHaveLength(3);
    rates.forEach((rate, i) => expect(rate).toBeCloseTo(cosine(i + 1), 12));
    expect(events.at(-1)).toMatchObject({ kind: 'stopped', reason: expect.stringMatching(/^completed 3 epochs/) });
    model.dispose();
  });

  it("builds its augmentation on the layers' own defaults (AUGMENT_DEFAULTS), switching more of them on", () => {
    for (const [name, value] of Object.entries(AUGMENT_DEFAULTS)) {
      const recipe = DEFAULT_TRAINING.augment[name as keyof typeof AUGMENT_DEFAULTS];
      if (value === 0) expect(recipe, name).toBeGreaterThanOrEqual(0);
      else expect(recipe, name).toBe(value);
    }
  });
});
