import { fc, test } from '@fast-check/vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect } from 'vitest';
import { startWasmBackend } from '../../testing/start-wasm.js';
import { seededValues } from '../../testing/kernel-cases.js';
import { BROADCAST_BY_TILE } from './broadcast-by-tile.js';

/** The shipped kernels, taken before ours replace them. */
const shipped = new Map(BROADCAST_BY_TILE.map((name) => [name, tf.getKernel(name, 'wasm')?.kernelFunc]));

beforeAll(async () => {
  await startWasmBackend();
});

/** An output shape and, for each operand, which axes it broadcasts (size 1) and how many leading axes it drops. */
const broadcastCase = fc
  .record({
    shape: fc.array(fc.integer({ min: 1, max: 24 }), { minLength: 1, maxLength: 4 }),
    onesA: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    onesB: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    dropA: fc.integer({ min: 0, max: 3 }),
    dropB: fc.integer({ min: 0, max: 3 }),
    kernel: fc.constantFrom(...BROADCAST_BY_TILE),
    dtype: fc.constantFrom('float32' as const, 'int32' as const),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
  })
  .map((c) => {
    const operand = (ones: boolean[], drop: number): number[] => c.shape.slice(Math.min(drop, c.shape.length - 1)).map((size, d, s) => (ones[d + c.shape.length - s.length] === true ? 1 : size));
    return { ...c, a: operand(c.onesA, c.dropA), b: operand(c.onesB, c.dropB) };
  });

describe('binary kernels broadcast by Tile on wasm', () => {
  test.prop([broadcastCase], { numRuns: 120 })('give the same bits as the shipped broadcast loop', (c) => {
    const values = (shape: number[], seed: number): tf.Tensor => {
      const size = shape.reduce((x, y) => x * y, 1);
      const v = seededValues(size, seed).map((x) => (c.kernel === tf.Pow ? Math.abs(x) * 3 : c.dtype === 'int32' ? Math.round(x * 4) : x));
      return tf.tensor(c.dtype === 'int32' && c.kernel !== tf.Pow ? Int32Array.from(v) : v, shape);
    };
    const a = values(c.a, c.seed);
    const b = values(c.b, c.seed + 1);
    const ours = tf.engine().runKernel(c.kernel, { a, b }) as tf.Tensor;
    const reference = shipped.get(c.kernel)?.({ inputs: { a, b }, backend: tf.backend(), attrs: {} }) as tf.TensorInfo;
    const expected = tf.engine().makeTensorFromTensorInfo(reference);
    expect(ours.shape).toEqual(expected.shape);
    expect(ours.dtype).toBe(expected.dtype);
    const bits = (t: tf.Tensor): number[] => Array.from(t.dtype === 'float32' ? new Uint32Array((t.dataSync() as Float32Array).slice().buffer) : t.dataSync());
    expect(bits(ours)).toEqual(bits(expected));
    tf.dispose([a, b, ours, expected]);
  });
});
