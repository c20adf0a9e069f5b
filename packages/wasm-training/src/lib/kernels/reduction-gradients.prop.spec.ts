import { fc, test } from '@fast-check/vitest';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect } from 'vitest';
import { startWasmBackend } from '../../testing/start-wasm.js';
import { seededValues } from '../../testing/kernel-cases.js';
import { REDUCTION_GRADIENTS } from './reduction-gradients.js';

beforeAll(async () => {
  await startWasmBackend();
});

const reduction = fc
  .tuple(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 2 ** 30 }), fc.boolean(), fc.constantFrom('wasm', 'cpu'))
  .chain(([shape, seed, keepDims, backend]) =>
    fc.record({
      shape: fc.constant(shape),
      axes: fc.subarray(shape.map((_, d) => d), { minLength: 1 }),
      seed: fc.constant(seed),
      keepDims: fc.constant(keepDims),
      backend: fc.constant(backend),
    }),
  );

describe('Sum and Mean gradients (broadcast, no tensor of ones)', () => {
  test('are the ones registered', () => {
    for (const config of REDUCTION_GRADIENTS) expect(tf.getGradient(config.kernelName)).toBe(config);
  });

  test.prop([reduction], { numRuns: 60 })('equal dy (Sum) and dy / n (Mean) spread over the reduced axes, exactly', async (c) => {
    await tf.setBackend(c.backend);
    const size = c.shape.reduce((a, b) => a * b, 1);
    const x = tf.tensor(seededValues(size, c.seed), c.shape);
    const keptShape = c.shape.map((s, d) => (c.axes.includes(d) ? 1 : s));
    const kept = keptShape.reduce((a, b) => a * b, 1);
    const dyValues = seededValues(kept, c.seed + 1);
    const outShape = c.keepDims ? keptShape : c.shape.filter((_, d) => !c.axes.includes(d));
    const dy = tf.tensor(dyValues, outShape);
    const n = size / kept;
    const sumGrad = tf.grad((t: tf.Tensor) => tf.sum(t, c.axes, c.keepDims))(x, dy);
    const meanGrad = tf.grad((t: tf.Tensor) => tf.mean(t, c.axes, c.keepDims))(x, dy);
    // Expected: element i of x takes dy at its position with the reduced coordinates set to 0.
    const strides = c.shape.map((_, d) => c.shape.slice(d + 1).reduce((a, b) => a * b, 1));
    const keptStrides = keptShape.map((_, d) => keptShape.slice(d + 1).reduce((a, b) => a * b, 1));
    const expectedSum = new Float32Array(size);
    const expectedMean = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      let j = 0;
      c.shape.forEach((_, d) => {
        const coordinate = Math.floor(i / (strides[d] ?? 1)) % (c.shape[d] ?? 1);
        if (!c.axes.includes(d)) j += coordinate * (keptStrides[d] ?? 1);
      });
      expectedSum[i] = dyValues[j] ?? NaN;
      expectedMean[i] = Math.fround((dyValues[j] ?? NaN) / n);
    }
    expect(Array.from(await sumGrad.data())).toEqual(Array.from(expectedSum));
    expect(Array.from(await meanGrad.data())).toEqual(Array.from(expectedMean));
    tf.dispose([x, dy, sumGrad, meanGrad]);
  });
});
