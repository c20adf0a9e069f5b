import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { startWasmBackend } from '../../../testing/start-wasm.js';
import { relativeError, runKernelOn, seededValues, type KernelCase } from '../../../testing/kernel-cases.js';
import { SimdKernels } from './simd-runner.js';

let threads = 1;

beforeAll(async () => {
  threads = await startWasmBackend(2);
});

describe('SimdKernels on the wasm backend', () => {
  it('binds to the backend memory and, once its workers are up, splits jobs over all the backend threads', async () => {
    const kernels = SimdKernels.of(tf.backend());
    expect(kernels).toBeDefined();
    if (kernels === undefined) return;
    expect(SimdKernels.of(tf.backend())).toBe(kernels);
    // startWasmBackend turns relaxed SIMD on, so the bit-for-bit checks below cover the fused path.
    expect(kernels.fused).toBe(true);
    expect(kernels.maxThreads).toBe(threads);
    expect(await kernels.ready()).toBe(threads);
    expect(kernels.threads()).toBe(threads);
    expect(() => kernels.run('sumParts', 0, { dst: 0, scratch: 0, count: 0, copies: 0 })).toThrow(RangeError);
  });

  it('gives the same weight gradient bit for bit on one thread and on all, for any split, and agrees with the cpu backend', async () => {
    const kernels = SimdKernels.of(tf.backend());
    if (kernels === undefined) throw new Error('no SIMD kernels on wasm');
    expect(await kernels.ready()).toBe(threads);
    const geometry = { n: 3, h: 13, w: 11, ci: 6, ho: 7, wo: 6, co: 12, fh: 3, fw: 3, sh: 2, sw: 2, top: 2, left: 1 };
    const reference: KernelCase = {
      inputs: { x: [3, 13, 11, 6], dy: [3, 7, 6, 12] },
      attrs: { strides: [2, 2], pad: [[0, 0], [2, 0], [1, 1], [0, 0]], dataFormat: 'NHWC', filterShape: [3, 3, 6, 12] },
      seed: 9,
    };
    const expected = await runKernelOn('cpu', 'Conv2DBackpropFilter', reference);
    await tf.setBackend('wasm');
    // runKernelOn's values: input k gets seededValues(size, seed * 31 + k).
    const x = tf.tensor4d(seededValues(3 * 13 * 11 * 6, 9 * 31), [3, 13, 11, 6]);
    const dy = tf.tensor4d(seededValues(3 * 7 * 6 * 12, 9 * 31 + 1), [3, 7, 6, 12]);
    const size = 3 * 3 * 6 * 12;
    const gradient = (parts: number, maxThreads: number): number[] => {
      const dw = tf.fill([size], Number.NaN);
      const scratch = tf.fill([Math.max(1, (parts - 1) * size)], Number.NaN);
      const at = { x: kernels.address(x), dy: kernels.address(dy), dw: kernels.address(dw), scratch: kernels.address(scratch) };
      kernels.run('filterGrad', parts, { ...at, ...geometry }, maxThreads);
      if (parts > 1) kernels.run('sumParts', parts, { dst: at.dw, scratch: at.scratch, count: size, copies: parts - 1 }, maxThreads);
      const values = Array.from(dw.dataSync());
      tf.dispose([dw, scratch]);
      return values;
    };
    for (const parts of [1, 3, 8]) {
      const alone = gradient(parts, 1);
      expect(relativeError(alone, expected.values)).toBeLessThan(1e-5);
      expect(gradient(parts, threads)).toEqual(alone);
    }
    tf.dispose([x, dy]);
  });
});
