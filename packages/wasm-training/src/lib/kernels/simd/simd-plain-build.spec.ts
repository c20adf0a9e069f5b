import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { relativeError, runKernelOn, type KernelCase } from '../../../testing/kernel-cases.js';
import { registerWasmTrainingKernels } from '../register-wasm-training-kernels.js';
import { SimdKernels } from './simd-runner.js';

/**
 * The fallback when threads cannot run: tfjs' own single-thread SIMD build (registered by its
 * package, not by the threaded set-up), whose memory is not shared. The kernels bind to it and run on the
 * calling thread alone.
 */
beforeAll(async () => {
  registerWasmTrainingKernels();
  expect(await tf.setBackend('wasm')).toBe(true);
});

describe('SimdKernels on the single-thread wasm build', () => {
  it('binds to its unshared memory with one thread, and the training kernels agree with cpu', async () => {
    const backend = tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } };
    expect(backend.wasm.HEAPU8.buffer instanceof SharedArrayBuffer).toBe(false);
    const kernels = SimdKernels.of(tf.backend());
    expect(kernels?.maxThreads).toBe(1);
    const filter: KernelCase = {
      inputs: { x: [2, 9, 7, 8], dy: [2, 5, 4, 12] },
      attrs: { strides: [2, 2], pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 8, 12] },
      seed: 3,
    };
    const input: KernelCase = {
      inputs: { dy: [2, 9, 7, 12], filter: [3, 3, 16, 12] },
      attrs: { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', inputShape: [2, 9, 7, 16] },
      seed: 4,
    };
    const forward: KernelCase = {
      inputs: { x: [2, 9, 7, 5], filter: [3, 3, 5, 20] },
      attrs: { strides: [1, 2], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] },
      seed: 5,
    };
    for (const [name, c] of [['Conv2DBackpropFilter', filter], ['Conv2DBackpropInput', input], ['Conv2D', forward]] as const) {
      const wasm = await runKernelOn('wasm', name, c);
      const cpu = await runKernelOn('cpu', name, c);
      expect(wasm.shape).toEqual(cpu.shape);
      expect(relativeError(wasm.values, cpu.values)).toBeLessThan(1e-5);
    }
  });
});
