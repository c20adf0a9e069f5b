import { fc, test } from '@fast-check/vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect } from 'vitest';
import { startWasmBackend } from '../../testing/start-wasm.js';
import { seededValues } from '../../testing/kernel-cases.js';

/** The shipped kernel, taken before ours replaces it. */
const shipped = tf.getKernel(tf.FusedBatchNorm, 'wasm')?.kernelFunc;

beforeAll(async () => {
  await startWasmBackend();
});

const special = [0, -0, Number.NaN, Infinity, -Infinity, 1e-40, 3e38];

/** Bits of a float32 tensor, every NaN alike (WebAssembly leaves a NaN's payload open). */
function bits(t: tf.Tensor): number[] {
  const data = t.dataSync() as Float32Array;
  return Array.from(new Uint32Array(data.slice().buffer), (word, i) => (Number.isNaN(data[i]) ? 0x7fc00000 : word));
}

describe('FusedBatchNorm on wasm (the generated batchNorm, else the shipped kernel)', () => {
  const batchNormCase = fc.record({
    leading: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 0, maxLength: 3 }),
    channels: fc.integer({ min: 1, max: 24 }),
    withScale: fc.boolean(),
    withOffset: fc.boolean(),
    specials: fc.boolean(),
    epsilon: fc.constantFrom(0.001, 1e-5, 0.1, 0),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
  });

  test.prop([batchNormCase], { numRuns: 60 })('gives the shipped kernel\'s bits, with and without scale and offset, odd channel counts included', async ({ leading, channels, withScale, withOffset, specials, epsilon, seed }) => {
    await tf.setBackend('wasm');
    expect(tf.getKernel(tf.FusedBatchNorm, 'wasm')?.kernelFunc).not.toBe(shipped);
    const shape = [...leading, channels];
    const size = shape.reduce((a, b) => a * b, 1);
    const x = tf.tensor(seededValues(size, seed).map((v, i) => (specials && i % 7 === 0 ? (special[(i + seed) % special.length] ?? 0) : v * 50)), shape);
    const mean = tf.tensor1d(seededValues(channels, seed + 1).map((v) => v * 3));
    // Variances of 0 (with epsilon 0: a division by zero) and up.
    const variance = tf.tensor1d(seededValues(channels, seed + 2).map((v, i) => (i % 5 === 0 ? 0 : Math.abs(v) * 9)));
    const scale = withScale ? tf.tensor1d(seededValues(channels, seed + 3).map((v) => v * 2)) : undefined;
    const offset = withOffset ? tf.tensor1d(seededValues(channels, seed + 4)) : undefined;
    const inputs = { x, mean, variance, ...(scale === undefined ? {} : { scale }), ...(offset === undefined ? {} : { offset }) };
    const ours = tf.engine().runKernel(tf.FusedBatchNorm, inputs, { varianceEpsilon: epsilon }) as tf.Tensor;
    const reference = shipped?.({ inputs, backend: tf.backend(), attrs: { varianceEpsilon: epsilon } }) as tf.TensorInfo;
    const expected = tf.engine().makeTensorFromTensorInfo(reference);
    expect(ours.shape).toEqual(shape);
    expect(bits(ours)).toEqual(bits(expected));
    tf.dispose([x, mean, variance, ours, expected, ...(scale === undefined ? [] : [scale]), ...(offset === undefined ? [] : [offset])]);
  });
});
