import '@tensorflow/tfjs-backend-cpu';
import { fc, test } from '@fast-check/vitest';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect } from 'vitest';
import { weightedBinaryCrossEntropy } from './weighted-binary-cross-entropy.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** float64 reference written the textbook way, with log-sigmoid computed safely per sign. */
function reference(labels: number[], logits: number[], w: [number, number]): number {
  let total = 0;
  labels.forEach((y, i) => {
    const z = logits[i] as number;
    const logSig = z >= 0 ? -Math.log1p(Math.exp(-z)) : z - Math.log1p(Math.exp(z)); // log σ(z)
    const logOneMinusSig = logSig - z; // log(1 - σ(z))
    total += -(y === 1 ? w[1] : w[0]) * (y * logSig + (1 - y) * logOneMinusSig);
  });
  return total / labels.length;
}

const f32 = (v: number) => Math.fround(v);
const case_ = fc.integer({ min: 1, max: 40 }).chain((n) =>
  fc.record({
    labels: fc.array(fc.constantFrom(0, 1), { minLength: n, maxLength: n }),
    logits: fc.array(fc.oneof(fc.double({ min: -30, max: 30, noNaN: true }), fc.double({ min: -1e4, max: 1e4, noNaN: true })).map(f32), { minLength: n, maxLength: n }),
    weights: fc.tuple(fc.double({ min: 0, max: 10, noNaN: true }).map(f32), fc.double({ min: 0, max: 10, noNaN: true }).map(f32)),
  }),
);

/** Cases fast-check found, kept as regression examples. */
const examples = [
  // A tiny PNEUMONIA weight next to ~1 for NORMAL, on a huge logit: weights must be exact per class.
  {
    labels: [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0],
    logits: [0, 0, 0, 0, 0, 0, 0, 0, -3891.199951171875, 0, 0, 0, -4.457262992858887, 0],
    weights: [1.0000001192092896, 3.5959754285386225e-8] as [number, number],
  },
];

test.prop([fc.oneof(case_, fc.constantFrom(...examples))], { numRuns: 50 })('matches a float64 reference (relative error < 1e-5) and is never NaN or infinite', ({ labels, logits, weights }) => {
  const got = tf.tidy(() => weightedBinaryCrossEntropy(tf.tensor1d(labels), tf.tensor1d(logits), weights).dataSync()[0] as number);
  const want = reference(labels, logits, weights);
  expect(Number.isFinite(got)).toBe(true);
  expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want)));
});

test.prop([fc.oneof(case_, fc.constantFrom(...examples))], { numRuns: 30 })('its gradient is w[y] * (σ(z) - y) / n', ({ labels, logits, weights }) => {
  const grad = tf.tidy(() => {
    const y = tf.tensor1d(labels);
    const g = tf.grad((z: tf.Tensor) => weightedBinaryCrossEntropy(y, z, weights))(tf.tensor1d(logits));
    return Array.from(g.dataSync());
  });
  labels.forEach((y, i) => {
    const z = logits[i] as number;
    const sigma = 1 / (1 + Math.exp(-z));
    const want = ((y === 1 ? weights[1] : weights[0]) * (sigma - y)) / labels.length;
    expect(Math.abs((grad[i] as number) - want)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want)));
  });
});
