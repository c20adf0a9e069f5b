import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SeededDropout } from './seeded-dropout.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('SeededDropout', () => {
  const x = tf.ones([4, 64]);
  const run = (layer: SeededDropout, training: boolean) => Array.from((layer.apply(x, { training }) as tf.Tensor).dataSync());

  it('is the identity outside training and keeps the expected value in training', () => {
    const layer = new SeededDropout({ rate: 0.25, seed: 3 });
    expect(run(layer, false)).toEqual(Array.from(x.dataSync()));
    const out = run(layer, true);
    const kept = out.filter((v) => v !== 0);
    kept.forEach((v) => expect(v).toBeCloseTo(1 / 0.75, 5));
    expect(kept.length).toBeGreaterThan(256 * 0.6);
    expect(kept.length).toBeLessThan(256 * 0.9);
  });

  it('draws a new mask each training call, and the same masks again from the same counter', () => {
    const layer = new SeededDropout({ rate: 0.5, seed: 7 });
    const first = run(layer, true);
    const second = run(layer, true);
    expect(second).not.toEqual(first);
    expect(layer.trainingCalls).toBe(2);
    layer.trainingCalls = 0;
    expect(run(layer, true)).toEqual(first);
    expect(run(new SeededDropout({ rate: 0.5, seed: 7 }), true)).toEqual(first);
  });

  it('saves its settings and rejects bad ones', () => {
    expect(new SeededDropout({ rate: 0.3, seed: 1 }).getConfig()).toMatchObject({ rate: 0.3, seed: 1 });
    expect(() => new SeededDropout({ rate: 1, seed: 1 })).toThrow(/rate/);
    expect(() => new SeededDropout({ rate: 0.1, seed: 0.5 })).toThrow(/seed/);
    expect(() => (new SeededDropout({ rate: 0.1, seed: 1 }).trainingCalls = -1)).toThrow(RangeError);
  });
});
