import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { lastValueFrom, of, toArray } from 'rxjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBenchCnn, toyBatchList, toyBatches } from '../testing/index.js';
import { predict } from './predict.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('predict', () => {
  it('emits one probability per image, in order, with ids and labels, and leaks no tensor', async () => {
    const model = buildBenchCnn({ imageSize: 16, seed: 2 });
    const batches = toyBatchList({ count: 10, batchSize: 4 });
    const before = tf.memory().numTensors;
    const predictions = await lastValueFrom(toyBatches({ count: 10, batchSize: 4 }).pipe(predict({ model }), toArray()));
    expect(tf.memory().numTensors).toBe(before);
    expect(predictions.map((p) => p.id)).toEqual(batches.flatMap((b) => b.ids));
    expect(predictions.map((p) => p.label)).toEqual(batches.flatMap((b) => Array.from(b.y)));
    expect(predictions.every((p) => p.probability >= 0 && p.probability <= 1)).toBe(true);
    expect(predictions.every((p) => p.predictedLabel === undefined)).toBe(true);
    model.dispose();
  });

  it('applies the sigmoid to the logit and the saved threshold', async () => {
    const model = buildBenchCnn({ imageSize: 16, seed: 2 });
    const batch = toyBatchList({ count: 4 })[0]!;
    const logits = tf.tidy(() => Array.from((model.predict(tf.tensor4d(Float32Array.from(batch.x), [...batch.shape])) as tf.Tensor).dataSync()));
    const threshold = 1 / (1 + Math.exp(-(logits[0] as number)));
    const out = await lastValueFrom(of(batch).pipe(predict({ model, metadata: { threshold } }), toArray()));
    out.forEach((p, i) => {
      const z = logits[i] as number;
      expect(p.probability).toBeCloseTo(1 / (1 + Math.exp(-z)), 6);
      expect(p.logit).toBeCloseTo(z, 5);
      expect(p.predictedLabel).toBe(p.probability >= threshold ? 1 : 0);
    });
    model.dispose();
  });

  it('gives undefined labels for unlabelled images', async () => {
    const model = buildBenchCnn({ imageSize: 16, seed: 2 });
    const batch = { ...toyBatchList({ count: 2 })[0]!, y: new Float32Array([NaN, NaN]) };
    const out = await lastValueFrom(of(batch).pipe(predict({ model }), toArray()));
    expect(out.map((p) => p.label)).toEqual([undefined, undefined]);
    model.dispose();
  });

  it('refuses images of another size with a usage error naming both sizes', async () => {
    const model = buildBenchCnn({ imageSize: 32, seed: 2 });
    const error = (await lastValueFrom(toyBatches({ count: 2 }).pipe(predict({ model }))).catch((e: unknown) => e)) as { code?: string; message: string };
    expect(error.code).toBe('CXR_USAGE');
    expect(error.message).toMatch(/16x16x1 but the model takes 32x32x1/);
    model.dispose();
  });

  it('refuses bad options at creation', () => {
    expect(() => predict({ model: {} as never })).toThrow(TypeError);
    const model = buildBenchCnn({ imageSize: 16, seed: 2 });
    expect(() => predict({ model, metadata: { threshold: 2 } })).toThrow(/threshold/);
    model.dispose();
  });
});
