import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { weightedBinaryCrossEntropy } from './weighted-binary-cross-entropy.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const value = (t: tf.Scalar): number => {
  const v = t.dataSync()[0] as number;
  t.dispose();
  return v;
};

describe('weightedBinaryCrossEntropy', () => {
  it('equals the plain mean BCE with weights (1, 1)', () => {
    const p = [0.2, 0.9];
    const logits = p.map((q) => Math.log(q / (1 - q)));
    const expected = -(Math.log(1 - 0.2) + Math.log(0.9)) / 2;
    expect(value(weightedBinaryCrossEntropy(tf.tensor1d([0, 1]), tf.tensor1d(logits)))).toBeCloseTo(expected, 5);
  });
  it('weights each image by the weight of its class and divides by the batch size', () => {
    const l0 = Math.log1p(Math.exp(1)); // label 0, logit 1
    const l1 = Math.log1p(Math.exp(1)); // label 1, logit -1
    const got = value(weightedBinaryCrossEntropy(tf.tensor2d([0, 1], [2, 1]), tf.tensor2d([1, -1], [2, 1]), { 0: 0.25, 1: 0.75 }));
    expect(got).toBeCloseTo((0.25 * l0 + 0.75 * l1) / 2, 5);
  });
  it('stays finite for huge logits', () => {
    const got = value(weightedBinaryCrossEntropy(tf.tensor1d([0, 1, 1, 0]), tf.tensor1d([1e4, -1e4, 1e4, -1e4])));
    expect(got).toBeCloseTo(1e4 / 2, 0);
  });
  it('refuses bad weights and mismatched shapes', () => {
    expect(() => weightedBinaryCrossEntropy(tf.tensor1d([0]), tf.tensor1d([0]), [-1, 1])).toThrow(/classWeights\[0\]/);
    expect(() => weightedBinaryCrossEntropy(tf.tensor1d([0]), tf.tensor1d([0]), [1, NaN])).toThrow(RangeError);
    expect(() => weightedBinaryCrossEntropy(tf.tensor1d([0, 1]), tf.tensor1d([0]))).toThrow(/2 labels but 1 logits/);
  });
  it('smooths the targets toward 1/2, keeping the class weight of the true label', () => {
    const s = 0.1;
    const z = 2;
    const bce = (t: number): number => -(t * Math.log(1 / (1 + Math.exp(-z))) + (1 - t) * Math.log(1 - 1 / (1 + Math.exp(-z))));
    const got = value(weightedBinaryCrossEntropy(tf.tensor1d([1, 0]), tf.tensor1d([z, z]), [0.5, 2], s));
    expect(got).toBeCloseTo((2 * bce(1 - s / 2) + 0.5 * bce(s / 2)) / 2, 5);
    expect(() => weightedBinaryCrossEntropy(tf.tensor1d([0]), tf.tensor1d([0]), [1, 1], 0.5)).toThrow(/labelSmoothing/);
  });
  it('leaves no tensors behind', () => {
    const y = tf.tensor1d([0, 1]);
    const z = tf.tensor1d([0.3, 0.1]);
    const before = tf.memory().numTensors;
    value(weightedBinaryCrossEntropy(y, z, [2, 3]));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([y, z]);
  });
});
