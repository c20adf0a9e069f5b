import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from './init-backend.js';
import { findPackage } from './native-packages.js';
import { relaxedSimdSupported } from '@cxr/wasm-training';
import { MAX_WASM_THREADS, wasmThreadsUnsupportedReason } from '@cxr/wasm-training/node';
import { defaultWasmThreads } from './init-backend.js';

const nativeInstalled = findPackage('@tensorflow/tfjs-node') !== undefined || findPackage('@tensorflow/tfjs-node-gpu') !== undefined;

describe('initBackend', () => {
  it.skipIf(nativeInstalled)('auto takes wasm here and says why each native package was skipped', async () => {
    const choice = await initBackend();
    expect(choice.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(choice.package).toMatch(/^@tensorflow\/tfjs-backend-wasm@/);
    expect(choice.skipped).toEqual([
      { name: 'tensorflow-gpu', reason: '@tensorflow/tfjs-node-gpu is not installed' },
      { name: 'tensorflow', reason: '@tensorflow/tfjs-node is not installed' },
    ]);
    expect(choice.reason).toMatch(/WebAssembly/);
  });

  it('is idempotent: the same options give the same choice object', async () => {
    const a = await initBackend({ backend: 'wasm' });
    const b = await initBackend({ backend: 'wasm' });
    expect(b).toBe(a);
  });

  it('runs WASM multi-threaded (all cores, up to the pool) where the runtime allows, and computes like cpu', async () => {
    const choice = await initBackend({ backend: 'wasm' });
    const expected = wasmThreadsUnsupportedReason() === undefined && choice.simd ? Math.min(defaultWasmThreads(), MAX_WASM_THREADS) : 1;
    expect(choice.threads).toBe(expected);
    const conv = (): Float32Array =>
      tf.tidy(() => {
        const x = tf.tensor4d(Float32Array.from({ length: 2 * 9 * 9 * 3 }, (_, i) => Math.sin(i)), [2, 9, 9, 3]);
        const w = tf.tensor4d(Float32Array.from({ length: 3 * 3 * 3 * 4 }, (_, i) => Math.cos(i)), [3, 3, 3, 4]);
        return tf.conv2d(x, w, 1, 'same').dataSync() as Float32Array;
      });
    const onWasm = conv();
    await initBackend({ backend: 'cpu' });
    const onCpu = conv();
    onWasm.forEach((v, i) => expect(v).toBeCloseTo(onCpu[i] ?? NaN, 4));
  });

  it('switches between engines and back', async () => {
    expect((await initBackend({ backend: 'cpu' })).name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    const wasm = await initBackend({ backend: 'wasm' });
    expect(wasm.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it.skipIf(nativeInstalled)('an unavailable requested backend is a usage error naming the fix', async () => {
    await expect(initBackend({ backend: 'tensorflow' })).rejects.toMatchObject({
      code: 'CXR_USAGE',
      message: expect.stringMatching(/tensorflow backend is unavailable: @tensorflow\/tfjs-node is not installed; install it with "npm install @tensorflow\/tfjs-node"/),
    });
    await expect(initBackend({ backend: 'tensorflow-gpu' })).rejects.toMatchObject({ code: 'CXR_USAGE', message: expect.stringMatching(/CUDA 11\.2/) });
  });

  it('asking again with another thread count keeps the running wasm backend and its tensors', async () => {
    await initBackend({ backend: 'wasm' });
    const kept = tf.tensor1d([1, 2, 3]);
    await initBackend({ backend: 'wasm', threads: 1 });
    expect(Array.from(kept.dataSync())).toEqual([1, 2, 3]);
    kept.dispose();
  });

  it('rejects an unknown backend name as a usage error and bad thread counts as RangeError', async () => {
    await expect(initBackend({ backend: 'webgpu' as never })).rejects.toMatchObject({ code: 'CXR_USAGE', message: expect.stringMatching(/use one of auto, tensorflow-gpu, tensorflow, wasm, cpu/) });
    await expect(initBackend({ threads: 0 })).rejects.toBeInstanceOf(RangeError);
    await expect(initBackend({ threads: 1.5 })).rejects.toBeInstanceOf(RangeError);
  });

  it('says which kernel choices are in effect on wasm, and nothing of them on cpu', async () => {
    const off = await initBackend({ backend: 'wasm', relaxedSimd: false, forwardConvolution: false });
    expect(off.kernels).toEqual({ fusedMultiplyAdd: false, generatedForwardConvolution: false });
    if (off.simd) expect(off.reason).toContain('; generated kernels without fused multiply-add (turned off); forward convolutions on XNNPACK (the generated kernel turned off)');
    const on = await initBackend({ backend: 'wasm' });
    expect(on).not.toBe(off);
    expect(on.kernels).toEqual({ fusedMultiplyAdd: on.simd && relaxedSimdSupported(), generatedForwardConvolution: on.simd });
    if (on.simd) expect(on.reason).toMatch(/; generated kernels with(out)? fused multiply-add.*; forward convolutions on the generated kernel/);
    expect((await initBackend({ backend: 'cpu' })).kernels).toBeUndefined();
    await initBackend({ backend: 'wasm' });
  });
});
