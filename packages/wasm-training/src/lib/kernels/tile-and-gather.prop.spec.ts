import { fc, test } from '@fast-check/vitest';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { startWasmBackend } from '../../testing/start-wasm.js';
import { seededValues } from '../../testing/kernel-cases.js';

beforeAll(async () => {
  await startWasmBackend();
});

/** Runs `f` on `backend` and returns the values (as numbers) and shape of its result. */
async function on(backend: string, f: () => tf.Tensor): Promise<{ values: number[]; shape: number[] }> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const out = f();
    return { values: Array.from(out.dataSync()), shape: out.shape };
  });
}

const dtypeArb = fc.constantFrom('float32' as const, 'int32' as const, 'bool' as const);
const valuesFor = (size: number, seed: number, dtype: 'float32' | 'int32' | 'bool') => {
  const v = seededValues(size, seed);
  if (dtype === 'float32') return v;
  if (dtype === 'int32') return Int32Array.from(v, (x) => Math.round(x * 1000));
  return Uint8Array.from(v, (x) => (x > 0 ? 1 : 0));
};

/** A shape and repeats; half of them the broadcast pattern ([1, .., 1, rest] tiled on the ones). */
const tileCase = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }).chain((shape) =>
  fc.record({
    shape: fc.oneof(fc.constant(shape), fc.nat(shape.length).map((m) => shape.map((s, d) => (d < m ? 1 : s)))),
    reps: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: shape.length, maxLength: shape.length }),
    pattern: fc.boolean(),
    dtype: dtypeArb,
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
  }).map((c) => {
    if (!c.pattern) return c;
    const m = c.shape.findIndex((s) => s !== 1);
    return { ...c, reps: c.reps.map((r, d) => (m < 0 || d < m ? r : 1)) };
  }),
);

const gatherCase = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }).chain((shape) =>
  fc.record({
    shape: fc.constant(shape),
    axis: fc.integer({ min: -shape.length, max: shape.length - 1 }),
    indexShape: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 2 }),
    dtype: dtypeArb,
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
  }),
);

describe('Tile and GatherV2 on wasm (single passes over the heap, the rest shipped)', () => {
  test.prop([tileCase], { numRuns: 60 })('Tile equals the cpu backend exactly', async ({ shape, reps, dtype, seed }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const run = () => tf.tile(tf.tensor(valuesFor(size, seed, dtype), shape, dtype), reps);
    const wasm = await on('wasm', run);
    const cpu = await on('cpu', run);
    expect(wasm).toEqual(cpu);
  });

  test.prop([gatherCase], { numRuns: 60 })('GatherV2 equals the cpu backend exactly', async ({ shape, axis, indexShape, dtype, seed }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const dim = shape[axis < 0 ? axis + shape.length : axis] as number;
    const count = indexShape.reduce((a, b) => a * b, 1);
    const where = Int32Array.from(seededValues(count, seed + 1), (v) => Math.min(dim - 1, Math.floor(((v + 1) / 2) * dim)));
    const run = () => tf.gather(tf.tensor(valuesFor(size, seed, dtype), shape, dtype), tf.tensor(where, indexShape, 'int32'), axis);
    const wasm = await on('wasm', run);
    const cpu = await on('cpu', run);
    expect(wasm).toEqual(cpu);
  });

  it('GatherV2 rejects an index out of range, as cpu does, and leaks nothing', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    expect(() => tf.tidy(() => tf.gather(tf.tensor1d([1, 2, 3]), tf.tensor1d([0, 3], 'int32')))).toThrow(/index value 3 is not in \[0, 2\]/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
