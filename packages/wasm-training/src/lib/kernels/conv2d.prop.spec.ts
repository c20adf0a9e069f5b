import { fc, test } from '@fast-check/vitest';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startWasmBackend } from '../../testing/start-wasm.js';
import { arbConv2dCase, arbFusedConv2dCase, relativeError, runKernelOn, seededValues, type KernelCase } from '../../testing/kernel-cases.js';
import { setSimdConv2D } from './conv2d.js';
import { SimdKernels } from './simd/simd-runner.js';

let threads = 1;

beforeAll(async () => {
  threads = await startWasmBackend(2);
});

afterEach(() => {
  setSimdConv2D(true);
  vi.restoreAllMocks();
});

/** Edges kept as examples: a 1-channel input, a column and a row that read only padding, a stride-2 stem. */
const examples: KernelCase[] = [
  { inputs: { x: [2, 7, 5, 1], filter: [3, 3, 1, 16] }, attrs: { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] }, seed: 4 },
  { inputs: { x: [1, 3, 2, 3], filter: [1, 2, 3, 8] }, attrs: { strides: [1, 1], pad: [[0, 0], [2, 2], [0, 3], [0, 0]], dataFormat: 'NHWC', dilations: [1, 1] }, seed: 6 },
  { inputs: { x: [3, 9, 11, 1], filter: [3, 3, 1, 16] }, attrs: { strides: [2, 2], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] }, seed: 8 },
  { inputs: { x: [1, 4, 6, 20], filter: [4, 1, 20, 36] }, attrs: { strides: [1, 3], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] }, seed: 2 },
  // 'same' with an even filter on XNNPACK (1 output channel): handed to it as explicit padding (fast-check found it).
  { inputs: { x: [1, 1, 2, 1], filter: [2, 1, 1, 1] }, attrs: { strides: [1, 2], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] }, seed: 1 },
  { inputs: { x: [1, 1, 2, 1], filter: [2, 1, 1, 4] }, attrs: { strides: [1, 2], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] }, seed: 1 },
];

describe('Conv2D on wasm (the generated SIMD kernel where it applies, XNNPACK otherwise)', () => {
  test.prop([fc.oneof(arbConv2dCase, fc.constantFrom(...examples))], { numRuns: 60 })('equals the cpu backend within 1e-4 relative error', async (c) => {
    const wasm = await runKernelOn('wasm', 'Conv2D', c);
    const cpu = await runKernelOn('cpu', 'Conv2D', c);
    expect(wasm.shape).toEqual(cpu.shape);
    expect(relativeError(wasm.values, cpu.values)).toBeLessThan(1e-4);
  });

  test.prop([fc.oneof(arbFusedConv2dCase, fc.constantFrom(...examples.map((c) => ({ ...c, inputs: { ...c.inputs, bias: [c.inputs['filter']?.[3] ?? 1] }, attrs: { ...c.attrs, activation: 'relu' } }))))], {
    numRuns: 60,
  })('FusedConv2D (bias, linear or ReLU; ELU goes to XNNPACK) equals the cpu backend within 1e-4 relative error', async (c) => {
    const wasm = await runKernelOn('wasm', 'FusedConv2D', c);
    const cpu = await runKernelOn('cpu', 'FusedConv2D', c);
    expect(wasm.shape).toEqual(cpu.shape);
    expect(relativeError(wasm.values, cpu.values)).toBeLessThan(1e-4);
  });

  it('runs the generated kernel for output channels a multiple of 4 and dilation 1, XNNPACK for the rest', async () => {
    await tf.setBackend('wasm');
    const kernels = SimdKernels.of(tf.backend());
    if (kernels === undefined) throw new Error('no SIMD kernels on wasm');
    const run = vi.spyOn(kernels, 'run');
    const x = tf.tensor4d(seededValues(2 * 6 * 6 * 3, 1), [2, 6, 6, 3]);
    const conv = (co: number, dilation: number): void => {
      const filter = tf.tensor4d(seededValues(9 * 3 * co, 2), [3, 3, 3, co]);
      tf.dispose([tf.conv2d(x, filter, 1, 'same', 'NHWC', dilation), filter]);
    };
    conv(8, 1);
    expect(run.mock.calls.map(([name]) => name)).toEqual(['conv2d']);
    conv(6, 1);
    conv(8, 2);
    setSimdConv2D(false);
    conv(8, 1);
    expect(run).toHaveBeenCalledTimes(1);
    tf.dispose(x);
  });

  it('ReLU keeps NaN and -0 as the cpu backend does, and adds the bias after the sum', async () => {
    const run = async (backend: string): Promise<number[]> => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const x = tf.tensor4d([Number.NaN, 1, -0, 2, -1, 0.5], [1, 1, 6, 1]);
        const filter = tf.tensor4d([1, -1, 0, 2], [1, 1, 1, 4]);
        const bias = tf.tensor1d([0, 0, 0, -1]);
        return Array.from(tf.fused.conv2d({ x, filter, strides: 1, pad: 'valid', bias, activation: 'relu' }).dataSync());
      });
    };
    const wasm = await run('wasm');
    const cpu = await run('cpu');
    expect(wasm.map((v) => (Object.is(v, -0) ? '-0' : String(v)))).toEqual(cpu.map((v) => (Object.is(v, -0) ? '-0' : String(v))));
  });

  it('gives the same bits on one thread and on all, for any split into parts', async () => {
    await tf.setBackend('wasm');
    const kernels = SimdKernels.of(tf.backend());
    if (kernels === undefined) throw new Error('no SIMD kernels on wasm');
    expect(await kernels.ready()).toBe(threads);
    const geometry = { n: 3, h: 13, w: 11, ci: 6, ho: 7, wo: 6, co: 20, fh: 3, fw: 3, sh: 2, sw: 2, top: 1, left: 1 };
    const x = tf.tensor4d(seededValues(3 * 13 * 11 * 6, 5), [3, 13, 11, 6]);
    const filter = tf.tensor4d(seededValues(9 * 6 * 20, 6), [3, 3, 6, 20]);
    const bias = tf.tensor1d(seededValues(20, 7));
    const output = (parts: number, maxThreads: number): number[] => {
      const y = tf.fill([3, 7, 6, 20], Number.NaN);
      kernels.run('conv2d', parts, { x: kernels.address(x), filter: kernels.address(filter), bias: kernels.address(bias), y: kernels.address(y), ...geometry, flags: 3 }, maxThreads);
      const values = Array.from(y.dataSync());
      y.dispose();
      return values;
    };
    const reference = output(1, 1);
    expect(reference.some((v) => Number.isNaN(v))).toBe(false);
    for (const parts of [2, 5, 8, 21]) expect(output(parts, threads)).toEqual(reference);
    tf.dispose([x, filter, bias]);
  });
});
